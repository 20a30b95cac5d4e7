import type { Token } from "./lexer.js";
import { isPunct, isWord, tokenize } from "./lexer.js";
import { moduleDeclAt } from "./modules.js";

/** How the code was found; see {@link extractVerilog}. */
export type ExtractionMethod = "answer-fence" | "fence-verilog" | "fence" | "begin-done" | "raw" | "none";

/** Code pulled out of a model response, how it was found, and every fix-up applied (for diagnostics). */
export interface Extraction {
  code: string;
  method: ExtractionMethod;
  notes: string[];
}

/** Options for {@link extractVerilog}. */
export interface ExtractOptions {
  /** Module header the model was asked to continue (code-completion tasks). */
  prefix?: string;
}

interface Fence {
  lang: string;
  body: string;
  closed: boolean;
}

interface Picked {
  code: string;
  method: ExtractionMethod;
  /** The scan of `code`, when choosing it needed one: extraction tokenizes each text once. */
  scan?: ModuleScan | undefined;
}

/**
 * Token indices of module declarations and `endmodule`s in a piece of code. Token offsets are into the text that was
 * tokenized, where the code starts at `base` (a scan of a larger text serves each slice of it).
 */
interface ModuleScan {
  tokens: Token[];
  decls: number[];
  ends: number[];
  base: number;
}

const VERILOG_LANGS = new Set(["verilog", "systemverilog", "sv", "v"]);

function scanModules(text: string): ModuleScan {
  const tokens = tokenize(text);
  const decls: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (moduleDeclAt(tokens, i) >= 0) decls.push(i);
    else if (isWord(tokens[i], "endmodule")) ends.push(i);
  }
  return { tokens, decls, ends, base: 0 };
}

/** The scan of the code from token `first` to token `last` (inclusive) of `scan`'s code. */
function subScan(scan: ModuleScan, first: number, last: number): ModuleScan {
  const within = (i: number) => i >= first && i <= last;
  return {
    tokens: scan.tokens.slice(first, last + 1),
    decls: scan.decls.filter(within).map((i) => i - first),
    ends: scan.ends.filter(within).map((i) => i - first),
    base: (scan.tokens[first] as Token).start,
  };
}

/** True when the text is a module body to put after a header: no declaration, or an `endmodule` before the first one. */
function isBody(scan: ModuleScan): boolean {
  const firstDecl = scan.decls[0];
  return firstDecl === undefined || (scan.ends[0] ?? Number.POSITIVE_INFINITY) < firstDecl;
}

const LEADING_BLANK_LINES = /^(?:[ \t]*\n)+/;

/** Drops leading blank lines (keeping the first line's indentation) and trailing whitespace. */
const tidy = (text: string): string => text.replace(LEADING_BLANK_LINES, "").trimEnd();

/** Drops `<think>...</think>` blocks (an unterminated one runs to the end) and reasoning before a stray `</think>`. */
function stripThinking(text: string, notes: string[]): string {
  let out = text.replace(/<think>[\s\S]*?(?:<\/think>|$)/gi, "");
  if (out !== text) notes.push("removed <think> reasoning");
  const close = out.toLowerCase().lastIndexOf("</think>");
  if (close >= 0) {
    out = out.slice(close + "</think>".length);
    notes.push("removed reasoning before </think>");
  }
  return out;
}

/** Content of the last `<answer>` block (to `</answer>` or the end), or undefined when there is none. */
function lastAnswer(text: string): string | undefined {
  const lower = text.toLowerCase();
  const open = lower.lastIndexOf("<answer>");
  if (open < 0) return undefined;
  const from = open + "<answer>".length;
  const close = lower.indexOf("</answer>", from);
  return text.slice(from, close < 0 ? undefined : close);
}

/**
 * Offset where the run of backticks ending `line` starts. A loop, not `/`+$/`: that regex retries the run from each
 * backtick of every earlier run on the line, quadratic on a long line of backticks.
 */
function trailingBackticks(line: string): number {
  let i = line.length;
  while (i > 0 && line.charCodeAt(i - 1) === 96) i--;
  return i;
}

/** Markdown code fences; an unterminated last fence runs to the end. A closing ``` may trail the last code line. */
function parseFences(text: string): Fence[] {
  const fences: Fence[] = [];
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of text.split("\n")) {
    if (open === undefined) {
      const opening = /^\s*```+\s*([^\s`]*)/.exec(line);
      if (opening) open = { lang: (opening[1] ?? "").toLowerCase(), lines: [] };
      continue;
    }
    const trimmed = line.trimEnd();
    if (!trimmed.endsWith("```")) {
      open.lines.push(line);
      continue;
    }
    const before = trimmed.slice(0, trailingBackticks(trimmed));
    if (before.trim() !== "") open.lines.push(before);
    fences.push({ lang: open.lang, body: open.lines.join("\n"), closed: true });
    open = undefined;
  }
  if (open) fences.push({ lang: open.lang, body: open.lines.join("\n"), closed: false });
  return fences;
}

/**
 * The last Verilog-tagged fence declaring a module, else the last other fence declaring one; with a prefix, failing
 * both, the last Verilog-tagged (else untagged) fence, which may hold just a module body.
 */
function chooseFence(fences: readonly Fence[], allowBody: boolean): { fence: Fence; scan?: ModuleScan } | undefined {
  const tagged = fences.filter((f) => VERILOG_LANGS.has(f.lang));
  const others = fences.filter((f) => !VERILOG_LANGS.has(f.lang));
  for (const group of [tagged, others]) {
    for (let i = group.length - 1; i >= 0; i--) {
      const fence = group[i] as Fence;
      if (!fence.body.includes("module")) continue; // no declaration without the word: skip tokenizing
      const scan = scanModules(fence.body);
      if (scan.decls.length > 0) return { fence, scan };
    }
  }
  if (!allowBody) return undefined;
  const fence = tagged.at(-1) ?? others.findLast((f) => f.lang === "");
  return fence && { fence };
}

/**
 * Compiler directives that may stand before or after a module, and what must follow each on its line for it to count
 * as code rather than prose. (`include and `line are left out: they would only get the candidate refused.)
 */
const DIRECTIVE_ARGS: Record<string, "none" | "ident" | "define" | "number"> = {
  "`define": "define",
  "`undef": "ident",
  "`ifdef": "ident",
  "`ifndef": "ident",
  "`elsif": "ident",
  "`else": "none",
  "`endif": "none",
  "`timescale": "number",
  "`default_nettype": "ident",
  "`resetall": "none",
  "`celldefine": "none",
  "`endcelldefine": "none",
  "`unconnected_drive": "ident",
  "`nounconnected_drive": "none",
  "`undefineall": "none",
};

/** Token and line lookups over one text, for finding the file-scope lines around raw code. */
class Lines {
  /** Offsets at which each line starts. */
  readonly starts: number[] = [0];

  constructor(
    readonly text: string,
    readonly tokens: readonly Token[],
  ) {
    for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }

  /** Index of the line holding `offset`. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Index of the first token starting at or after `offset`. */
  tokenAt(offset: number): number {
    let lo = 0;
    let hi = this.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.tokens[mid] as Token).start < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** True when line `line` ends with a backslash (a `define continued on the next line). */
  continues(line: number): boolean {
    const next = this.starts[line + 1];
    return next !== undefined && this.text[next - 2] === "\\";
  }

  /** True when token `k` starts an item: first in the text, after a `;` or `endpackage`, or first on its line. */
  startsItem(k: number): boolean {
    const prev = this.tokens[k - 1];
    if (prev === undefined || isPunct(prev, ";") || isWord(prev, "endpackage")) return true;
    return this.lineOf(prev.end) < this.lineOf((this.tokens[k] as Token).start);
  }

  /**
   * If the logical line (a `define may continue over several) that starts with token `d` is a directive line, the
   * index of its last token, else -1; with `end`, -1 unless that index is `end`. A directive counts only as the first
   * token of its line, followed by what it takes (so Markdown prose such as "use `define` here" is not code).
   */
  directiveLine(d: number, end?: number): number {
    const t = this.tokens[d];
    const args = t?.kind === "directive" ? DIRECTIVE_ARGS[t.text] : undefined;
    if (t === undefined || args === undefined) return -1;
    let line = this.lineOf(t.start);
    while (args === "define" && this.continues(line)) line++;
    const last = this.tokenAt(this.starts[line + 1] ?? this.text.length) - 1;
    if (end !== undefined && last !== end) return -1;
    const next = last > d ? this.tokens[d + 1] : undefined;
    const ok =
      args === "none"
        ? last === d
        : args === "ident"
          ? last === d + 1 && next?.kind === "ident"
          : args === "define"
            ? next?.kind === "ident" || next?.kind === "escaped"
            : next?.kind === "number";
    return ok && this.startsItem(d) ? last : -1;
  }

  /** True when tokens `k` (a file-scope keyword) to `semi` (its `;`) look like code: the shape each item must have. */
  itemShape(k: number, semi: number): boolean {
    const t = this.tokens;
    switch ((t[k] as Token).text) {
      case "typedef":
        return semi - k >= 3 && (t[semi - 1]?.kind === "ident" || t[semi - 1]?.kind === "escaped");
      case "localparam":
      case "parameter": {
        let depth = 0;
        for (let j = k + 1; j < semi; j++) {
          const x = t[j] as Token;
          if (x.kind !== "punct") continue;
          if (x.text === "(" || x.text === "[" || x.text === "{") depth++;
          else if (x.text === ")" || x.text === "]" || x.text === "}") depth--;
          else if (x.text === "=" && depth === 0) return true;
        }
        return false;
      }
      case "import":
      case "export":
        return t[k + 1]?.kind === "ident" && isPunct(t[k + 2], "::");
      default:
        return t[k + 1]?.kind === "number";
    }
  }

  /**
   * Start of the file-scope item (directive line, `typedef`/`localparam`/`parameter`/`import`/`timeunit` up to its
   * `;`, `package ... endpackage`) that ends just before token `e`, or -1. Scans only the item's own tokens (and, on
   * failure, back to the previous `;`), so walking back item by item stays linear.
   */
  itemBefore(e: number): number {
    const last = this.tokens[e - 1];
    if (last === undefined) return -1;
    let line = this.lineOf(last.start);
    while (line > 0 && this.continues(line - 1)) line--;
    const first = this.tokenAt(this.starts[line] as number);
    if (first < e && this.directiveLine(first, e - 1) === e - 1) return first;
    const label = isPunct(this.tokens[e - 2], ":") && isWord(this.tokens[e - 3], "endpackage");
    if (label || isWord(last, "endpackage")) {
      for (let k = e - (label ? 4 : 2); k >= 0; k--) {
        const t = this.tokens[k];
        if (isWord(t, "endpackage") || isWord(t, "endmodule")) return -1;
        if (isWord(t, "package")) return this.startsItem(k) ? k : -1;
      }
      return -1;
    }
    if (!isPunct(last, ";")) return -1;
    let depth = 0;
    for (let k = e - 2; k >= 0; k--) {
      const t = this.tokens[k] as Token;
      if (t.kind === "punct") {
        if (t.text === ")" || t.text === "]" || t.text === "}") depth++;
        else if (t.text === "(" || t.text === "[" || t.text === "{") depth--;
        else if (t.text === ";" && depth === 0) return -1;
        if (depth < 0) return -1;
      } else if (depth === 0 && t.kind === "ident" && FILE_SCOPE_ITEMS.has(t.text)) {
        return this.startsItem(k) && this.itemShape(k, e - 1) ? k : -1;
      }
    }
    return -1;
  }
}

/** Keywords that open a `;`-terminated file-scope item that may precede a module. */
const FILE_SCOPE_ITEMS = new Set([
  "typedef",
  "localparam",
  "parameter",
  "import",
  "export",
  "timeunit",
  "timeprecision",
]);

/**
 * The raw code's extent widened to the file-scope lines around it: `define/`timescale/`ifdef lines, typedefs,
 * localparams, imports and packages directly before the first module, directive lines (an `endif) directly after
 * the last `endmodule`. Without them the module loses the macros and types it uses.
 */
function widen(lines: Lines, first: number, last: number): { first: number; last: number } {
  let from = first;
  for (let item = lines.itemBefore(from); item >= 0; item = lines.itemBefore(from)) from = item;
  let to = last;
  const labelled = isPunct(lines.tokens[to + 1], ":") && lines.tokens[to + 2]?.kind === "ident";
  for (let end = lines.directiveLine(to + (labelled ? 3 : 1)); end >= 0; end = lines.directiveLine(to + 1)) to = end;
  return { first: from, last: to };
}

/**
 * From the first module declaration to the last `endmodule` (or the end), with the file-scope lines around them (see
 * {@link widen}); with a prefix, a body-only text whole.
 */
function rawCode(text: string, allowBody: boolean): { code: string; scan: ModuleScan } | undefined {
  if (!allowBody && !text.includes("module")) return undefined;
  const scan = scanModules(text);
  if (allowBody && isBody(scan)) return { code: text, scan };
  const first = scan.decls[0];
  if (first === undefined) return undefined;
  const lastEnd = scan.ends.at(-1);
  const closed = lastEnd !== undefined && lastEnd > first;
  const span = widen(new Lines(text, scan.tokens), first, closed ? lastEnd : scan.tokens.length - 1);
  const start = (scan.tokens[span.first] as Token).start;
  const end = closed ? (scan.tokens[span.last] as Token).end : text.length;
  return { code: text.slice(start, end), scan: subScan(scan, span.first, span.last) };
}

function pick(text: string, inAnswer: boolean, allowBody: boolean, notes: string[]): Picked | undefined {
  const chosen = chooseFence(parseFences(text), allowBody);
  if (chosen) {
    const { fence, scan } = chosen;
    if (!fence.closed) notes.push("code fence not closed; took it to the end of the text");
    const method = inAnswer ? "answer-fence" : VERILOG_LANGS.has(fence.lang) ? "fence-verilog" : "fence";
    return { code: fence.body, method, scan };
  }
  if (!inAnswer) {
    const begin = text.lastIndexOf("[BEGIN]");
    if (begin >= 0) {
      const from = begin + "[BEGIN]".length;
      const done = text.indexOf("[DONE]", from);
      const body = text.slice(from, done < 0 ? undefined : done);
      const scan = scanModules(body);
      if (allowBody || scan.decls.length > 0) {
        if (done < 0) notes.push("[BEGIN] without [DONE]; took it to the end of the text");
        return { code: body, method: "begin-done", scan };
      }
    }
  }
  const raw = rawCode(text, allowBody);
  return raw === undefined ? undefined : { ...raw, method: "raw" };
}

/**
 * Cuts prose after the last `endmodule` (keeping an SV `: label`); a tail holding a declaration or directive stays.
 * Takes and returns the scan of the code, so extraction tokenizes the code once.
 */
function trimTail(code: string, scan: ModuleScan, notes: string[]): { code: string; scan: ModuleScan } {
  const { tokens, decls, ends } = scan;
  const lastEnd = ends.at(-1);
  if (lastEnd === undefined || (decls.at(-1) ?? -1) > lastEnd) return { code, scan };
  let keep = lastEnd;
  if (isPunct(tokens[keep + 1], ":") && tokens[keep + 2]?.kind === "ident") keep += 2;
  const tail = tokens.slice(keep + 1);
  if (tail.some((t) => t.kind === "directive")) return { code, scan };
  // Comments and whitespace never become tokens: any token left is text to drop.
  if (tail.some((t) => t.text.trim() !== "")) notes.push("dropped text after the last endmodule");
  const cut = (tokens[keep] as Token).end - scan.base;
  return { code: code.slice(0, cut), scan: { ...scan, tokens: tokens.slice(0, keep + 1) } };
}

/**
 * Pulls the Verilog design out of an LLM response. Rules, in order:
 * 1. `<think>...</think>` is dropped (an unterminated `<think>` to the end; text before a stray `</think>` too).
 * 2. If an `<answer>` block exists, only the last one is searched (to `</answer>` or the end): its code fence if it
 *    has one, else its raw text (method "answer-fence" or "raw").
 * 3. Fences: the last ```verilog / ```systemverilog / ```sv / ```v block declaring a module wins (CodeV-R1's "last
 *    Verilog block"), else the last other fence declaring one; an unterminated final fence runs to the end.
 * 4. VerilogEval v2 `[BEGIN] ... [DONE]`: the last `[BEGIN]`, to `[DONE]` or the end.
 * 5. Raw: from the first `module` declaration (token-level, so not in comments or prose) to the last `endmodule`,
 *    widened to the file-scope code around it: directive lines (`` `define ``, `` `timescale ``, `` `ifdef ``, ...),
 *    `typedef`, `localparam`, `parameter`, `import` and `package ... endpackage` directly before, directive lines
 *    (an `` `endif ``) directly after.
 * 6. Nothing declares a module: method "none" and empty code, unless `prefix` is given.
 * Fix-ups, each recorded in `notes`: prose after the last `endmodule` is cut; with `prefix` (code completion), code
 * without a module declaration, or starting with a body that ends in `endmodule`, gets `prefix + "\n"` in front (and
 * fences or `[BEGIN]` blocks holding just a body qualify in steps 3-4); each missing `endmodule` is appended.
 */
export function extractVerilog(response: string, options: ExtractOptions = {}): Extraction {
  const notes: string[] = [];
  const { prefix } = options;
  let text = stripThinking(response.replace(/\r\n?/g, "\n"), notes);
  const answer = lastAnswer(text);
  if (answer !== undefined) {
    notes.push("searched only the last <answer> block");
    text = answer;
  }
  const picked = pick(text, answer !== undefined, prefix !== undefined, notes);
  if (picked === undefined) return { code: "", method: "none", notes: [...notes, "no Verilog module found"] };

  const tidied = tidy(picked.code);
  // Blank lines and whitespace hold no tokens: the picked code's scan still fits, shifted by the dropped lines.
  const dropped = LEADING_BLANK_LINES.exec(picked.code)?.[0].length ?? 0;
  const pickedScan = picked.scan ?? scanModules(picked.code);
  let { code, scan } = trimTail(tidied, { ...pickedScan, base: pickedScan.base + dropped }, notes);
  if (prefix !== undefined && isBody(scan)) {
    code = `${prefix}\n${code}`;
    scan = scanModules(code);
    notes.push("prepended the given module header");
  }
  const missing = scan.decls.length - scan.ends.length;
  code = `${tidy(code)}\n`;
  if (missing > 0) {
    code += "endmodule\n".repeat(missing);
    notes.push(`appended ${missing} missing endmodule${missing > 1 ? "s" : ""}`);
  }
  return { code, method: picked.method, notes };
}
