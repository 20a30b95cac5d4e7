import type { Token } from "./lexer.js";
import { isPunct, isWord, tokenize } from "./lexer.js";

/** A module declaration found in source text. Offsets let callers slice or splice the original text. */
export interface ModuleInfo {
  name: string;
  /** Offset of the `module`/`macromodule` keyword. */
  start: number;
  /** Offset just after `endmodule` (end of source when it is missing). */
  end: number;
  /** Offset of the declared name. */
  nameStart: number;
  /** Modules, interfaces or unknown cells instantiated inside, in order of first use (primitives excluded). */
  instantiates: string[];
}

/** Verilog-2005 and common SystemVerilog keywords, including the gate and switch primitives. */
export const KEYWORDS = new Set(
  `always always_comb always_ff always_latch and assert assign assume automatic begin bind bit break buf bufif0 bufif1
  byte case casex casez cell chandle class cmos config const constraint context continue cover covergroup deassign
  default defparam design disable do edge else end endcase endchecker endclass endconfig endfunction endgenerate
  endgroup endinterface endmodule endpackage endprimitive endprogram endproperty endsequence endspecify endtable endtask
  enum event export extends extern final for force foreach forever fork function generate genvar highz0 highz1 if iff
  ifnone import incdir include initial inout input inside instance int integer interface join join_any join_none large
  let liblist library localparam logic longint macromodule medium modport module nand negedge new nmos nor
  noshowcancelled not notif0 notif1 null or output package packed parameter pmos posedge primitive priority program
  property protected pull0 pull1 pulldown pullup pulsestyle_ondetect pulsestyle_onevent pure rand randc randcase rcmos
  real realtime reg release repeat return rnmos rpmos rtran rtranif0 rtranif1 scalared sequence shortint shortreal
  showcancelled signed small specify specparam static string strong0 strong1 struct super supply0 supply1 table task
  this time tran tranif0 tranif1 tri tri0 tri1 triand trior trireg type typedef union unique unique0 unsigned use uwire
  var vectored virtual void wait wait_order wand weak0 weak1 while wire with wor xnor xor`.split(/\s+/),
);

/** Keywords after which a new module item (and so an instantiation) may start. */
const ITEM_OPENERS = new Set([
  "begin",
  "end",
  "else",
  "generate",
  "endgenerate",
  "endcase",
  "endfunction",
  "endtask",
  "join",
  "join_any",
  "join_none",
  "endspecify",
]);

const OPENERS = new Set(["(", "[", "{"]);
const CLOSERS = new Set([")", "]", "}"]);

/** The identifier's name (escaped ones without the backslash), or undefined for keywords and non-identifiers. */
function identName(t: Token | undefined): string | undefined {
  if (t?.kind === "ident") return KEYWORDS.has(t.text) ? undefined : t.text;
  if (t?.kind === "escaped") return t.text.slice(1);
  return undefined;
}

/**
 * If tokens[i] starts a module declaration (`module [automatic|static] name` followed by `#`, `(`, `;` or `import`),
 * the index of the name token, else -1. The follower check keeps prose such as "this module implements" out.
 */
export function moduleDeclAt(tokens: readonly Token[], i: number): number {
  if (!isWord(tokens[i], "module") && !isWord(tokens[i], "macromodule")) return -1;
  let j = i + 1;
  if (isWord(tokens[j], "automatic") || isWord(tokens[j], "static")) j++;
  if (identName(tokens[j]) === undefined) return -1;
  const next = tokens[j + 1];
  return isPunct(next, "#") || isPunct(next, "(") || isPunct(next, ";") || isWord(next, "import") ? j : -1;
}

function atItemStart(tokens: readonly Token[], i: number): boolean {
  const prev = tokens[i - 1];
  if (prev === undefined) return true;
  if (prev.kind === "punct") return prev.text === ";" || prev.text === ")" || prev.text === ":";
  if (prev.kind !== "ident") return false;
  if (ITEM_OPENERS.has(prev.text)) return true;
  // `begin : label` / `end : label`
  return isPunct(tokens[i - 2], ":") && (isWord(tokens[i - 3], "begin") || isWord(tokens[i - 3], "end"));
}

/**
 * For every `(`, `[` or `{` token, the index of the token closing it (brackets of one kind nest only with each other,
 * as `closingIndex` counts them), else -1. One pass with a stack per kind, so scans that look for many closers stay
 * linear: calling `closingIndex` per opener walks to the end of the text for each unclosed one (quadratic).
 */
export function matchBrackets(tokens: readonly Token[]): Int32Array {
  const match = new Int32Array(tokens.length).fill(-1);
  const stacks: Record<string, number[]> = { "(": [], "[": [], "{": [] };
  const openerOf: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind !== "punct") continue;
    const stack = stacks[t.text];
    if (stack !== undefined) {
      stack.push(i);
      continue;
    }
    const opener = openerOf[t.text];
    if (opener === undefined) continue;
    const open = stacks[opener]?.pop();
    if (open !== undefined) match[open] = i;
  }
  return match;
}

/** Name of the cell instantiated at tokens[i] (`cell [#(...)|#N] inst [range] (`), or undefined. */
function instantiationAt(tokens: readonly Token[], match: Int32Array, i: number): string | undefined {
  const cell = identName(tokens[i]);
  if (cell === undefined || !atItemStart(tokens, i)) return undefined;
  let j = i + 1;
  if (isPunct(tokens[j], "#")) {
    if (isPunct(tokens[j + 1], "(")) {
      const close = match[j + 1] ?? -1;
      if (close < 0) return undefined;
      j = close + 1;
    } else {
      j += 2;
    }
  }
  if (identName(tokens[j]) === undefined) return undefined;
  j++;
  if (isPunct(tokens[j], "[")) {
    const close = match[j] ?? -1;
    if (close < 0) return undefined;
    j = close + 1;
  }
  return isPunct(tokens[j], "(") ? cell : undefined;
}

/** Every module declared in `src`, in declaration order, with what each instantiates. Best-effort, never throws. */
export function listModules(src: string): ModuleInfo[] {
  const tokens = tokenize(src);
  const match = matchBrackets(tokens);
  const modules: ModuleInfo[] = [];
  const open: ModuleInfo[] = [];
  /** Cells already listed per module (a Set: `instantiates.includes` is quadratic in distinct cells). */
  const seen = new Map<ModuleInfo, Set<string>>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const nameIndex = moduleDeclAt(tokens, i);
    if (nameIndex >= 0) {
      const nameToken = tokens[nameIndex] as Token;
      const info: ModuleInfo = {
        name: identName(nameToken) ?? nameToken.text,
        start: t.start,
        end: src.length,
        nameStart: nameToken.start,
        instantiates: [],
      };
      modules.push(info);
      open.push(info);
      i = nameIndex;
      continue;
    }
    const current = open.at(-1);
    if (current === undefined) continue;
    if (isWord(t, "endmodule")) {
      current.end = t.end;
      open.pop();
      continue;
    }
    const cell = instantiationAt(tokens, match, i);
    if (cell === undefined) continue;
    let cells = seen.get(current);
    if (cells === undefined) {
      cells = new Set();
      seen.set(current, cells);
    }
    if (!cells.has(cell)) {
      cells.add(cell);
      current.instantiates.push(cell);
    }
  }
  return modules;
}

/**
 * Picks the top module: `preferred` when declared; else the only module no other module instantiates; among several
 * such roots one named `TopModule` or `top_module`, else the last declared. Undefined when `src` declares no module.
 */
export function findTop(src: string, preferred?: string): string | undefined {
  const modules = listModules(src);
  if (preferred !== undefined && modules.some((m) => m.name === preferred)) return preferred;
  const used = new Set(modules.flatMap((m) => m.instantiates.filter((cell) => cell !== m.name)));
  const roots = modules.filter((m) => !used.has(m.name));
  const pool = roots.length > 0 ? roots : modules;
  const named = pool.findLast((m) => m.name === "TopModule" || m.name === "top_module");
  return (named ?? pool.at(-1))?.name;
}

/** Name declared by one port-list entry: `.name(expr)`, or the last identifier outside brackets and defaults. */
function portName(entry: readonly Token[]): string | undefined {
  if (isPunct(entry[0], ".")) return identName(entry[1]);
  let name: string | undefined;
  let depth = 0;
  for (const t of entry) {
    if (t.kind === "punct") {
      if (OPENERS.has(t.text)) depth++;
      else if (CLOSERS.has(t.text)) depth--;
      else if (t.text === "=" && depth === 0) break;
    } else if (depth === 0) {
      name = identName(t) ?? name;
    }
  }
  return name;
}

/** Port names listed in the module header, from the token after the module name. */
function headerPorts(tokens: readonly Token[], from: number): string[] {
  const match = matchBrackets(tokens);
  let j = from;
  while (isWord(tokens[j], "import")) {
    while (j < tokens.length && !isPunct(tokens[j], ";")) j++;
    j++;
  }
  if (isPunct(tokens[j], "#") && isPunct(tokens[j + 1], "(")) {
    const close = match[j + 1] ?? -1;
    if (close < 0) return [];
    j = close + 1;
  }
  if (!isPunct(tokens[j], "(")) return [];
  const close = match[j] ?? -1;
  const end = close < 0 ? tokens.length : close;
  const names: string[] = [];
  let entry: Token[] = [];
  let depth = 0;
  for (let k = j + 1; k <= end; k++) {
    const t = tokens[k];
    if (t === undefined || k === end || (depth === 0 && isPunct(t, ","))) {
      const name = portName(entry);
      if (name !== undefined) names.push(name);
      entry = [];
      continue;
    }
    if (t.kind === "punct" && OPENERS.has(t.text)) depth++;
    else if (t.kind === "punct" && CLOSERS.has(t.text)) depth--;
    entry.push(t);
  }
  return names;
}

/** Port names of `moduleName` in header order (ANSI or non-ANSI). Best-effort, for friendlier messages only. */
export function moduleHeaderPortNames(src: string, moduleName: string): string[] {
  const tokens = tokenize(src);
  for (let i = 0; i < tokens.length; i++) {
    const nameIndex = moduleDeclAt(tokens, i);
    if (nameIndex >= 0 && identName(tokens[nameIndex]) === moduleName) return headerPorts(tokens, nameIndex + 1);
  }
  return [];
}
