import { applyEdits } from "../core/edits.js";
import { closingIndex, isPunct, isWord, listModules, type Token, tokenize } from "../verilog/index.js";

/** One mutated copy of a design: a small, syntactically plausible change made at one token. */
export interface Mutant {
  /** `kind@line:col` of the mutated site: stable for a given source. */
  id: string;
  /** Mutation operator: binop, reduction, literal, edge, if-invert, ternary-swap, drop-negation. */
  kind: string;
  description: string;
  source: string;
}

/** Options of {@link generateMutants}. */
export interface MutateOptions {
  /** At most this many mutants (after dedupe); all of them when absent. */
  limit?: number;
  /** Seed of the deterministic shuffle that picks which mutants come first. */
  seed?: number;
}

/** Binary operators and what each becomes. Every pair stays syntactically valid in any expression. */
const BINOP_FLIPS: Record<string, string> = {
  "+": "-",
  "-": "+",
  "&": "|",
  "|": "&",
  "==": "!=",
  "!=": "==",
  "<": "<=",
  "<=": "<",
  ">": ">=",
  ">=": ">",
  "&&": "||",
  "||": "&&",
};

/** Words after which a `[` opens a declared range (packed dimensions): never mutated, so ports keep their widths. */
const DECL_WORDS = new Set([
  "input",
  "output",
  "inout",
  "reg",
  "wire",
  "logic",
  "bit",
  "signed",
  "unsigned",
  "integer",
  "tri",
  "wand",
  "wor",
  "var",
  "parameter",
  "localparam",
  "function",
  "genvar",
]);

/** After the `)` closing these, a new statement starts (so a following `<=` is an assignment). */
const CONTROL_WORDS = new Set(["if", "for", "while", "case", "casez", "casex", "repeat", "wait", "foreach"]);

/** Tokens that start a new statement. */
const STATEMENT_WORDS = new Set([
  "begin",
  "end",
  "else",
  "endcase",
  "fork",
  "join",
  "always",
  "always_ff",
  "always_comb",
  "always_latch",
  "initial",
  "assign",
  "default",
]);

const CLOCK_NAME = /cl(oc)?k/i;

/** One place a mutation operator applies, as text edits of the source. */
export interface MutationSite {
  kind: string;
  start: number;
  description: string;
  /** Replacements as [start, end, text], non-overlapping. */
  edits: Array<[number, number, string]>;
}

/**
 * Token-level mutants of a Verilog design (for measuring how well a checker catches wrong designs): flipped binary
 * operators (`+`/`-`, `&`/`|`, `==`/`!=`, `<`/`<=`, `>`/`>=`, `&&`/`||`), flipped reductions (`&x`/`|x`), a bit flipped in a literal, `posedge`/`negedge` swapped on a non-clock signal, an inverted `if`
 * condition, swapped ternary arms, a dropped `~`/`!`. Only module bodies are mutated (never headers, declared
 * ranges, comments, strings, delays or directives), so module names and ports stay the same. Deterministic for a
 * given seed; whitespace-identical outputs are deduped and none equals the source. Pure: no I/O.
 */
export function generateMutants(source: string, options: MutateOptions = {}): Mutant[] {
  const tokens = tokenize(source);
  const eligible = eligibleTokens(source, tokens);
  const sites: MutationSite[] = [
    ...binopSites(tokens, eligible),
    ...literalSites(tokens, eligible),
    ...edgeSites(tokens, eligible),
    ...ifSites(source, tokens, eligible),
    ...ternarySites(source, tokens, eligible),
    ...negationSites(tokens, eligible),
    ...reductionSites(tokens, eligible),
  ];
  return rankMutants(source, sites, options);
}

/**
 * Mutants from candidate sites: applied, deduped on whitespace (none equal to the source), shuffled by the seed
 * within each kind and in kind order, then taken round-robin so a small limit mixes operators. Shared by the
 * Verilog and VHDL mutators.
 */
export function rankMutants(source: string, sites: readonly MutationSite[], options: MutateOptions = {}): Mutant[] {
  const seen = new Set<string>([normalise(source)]);
  const byKind = new Map<string, Mutant[]>();
  for (const site of sites) {
    const mutated = applyEdits(source, site.edits);
    const key = normalise(mutated);
    if (seen.has(key)) continue;
    seen.add(key);
    const { line, col } = position(source, site.start);
    const mutant: Mutant = {
      id: `${site.kind}@${line}:${col}`,
      kind: site.kind,
      description: `${site.description} (line ${line})`,
      source: mutated,
    };
    const list = byKind.get(site.kind) ?? [];
    list.push(mutant);
    byKind.set(site.kind, list);
  }

  // Seeded shuffle within each kind and of the kind order, then round-robin so a small limit mixes operators.
  const random = mulberry32(options.seed ?? 1);
  const kinds = shuffle([...byKind.keys()].sort(), random);
  const queues = kinds.map((k) => shuffle(byKind.get(k) ?? [], random));
  const out: Mutant[] = [];
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  for (let round = 0; out.length < limit; round++) {
    let any = false;
    for (const q of queues) {
      const m = q[round];
      if (m === undefined) continue;
      any = true;
      if (out.length < limit) out.push(m);
    }
    if (!any) break;
  }
  return out;
}

function normalise(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function position(src: string, offset: number): { line: number; col: number } {
  const before = src.slice(0, offset);
  const line = before.split("\n").length;
  return { line, col: offset - before.lastIndexOf("\n") };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j] as T, a[i] as T];
  }
  return a;
}

/**
 * Which tokens may be mutated: those in module bodies, outside declared ranges (`reg [7:0]`), directive lines
 * and delays.
 */
function eligibleTokens(src: string, tokens: readonly Token[]): boolean[] {
  const ok = tokens.map(() => false);
  const modules = listModules(src);
  for (const m of modules) {
    let i = tokens.findIndex((t) => t.start >= m.nameStart);
    if (i < 0) continue;
    // Skip the header: up to the first `;` outside brackets.
    let depth = 0;
    for (; i < tokens.length; i++) {
      const t = tokens[i] as Token;
      if (t.kind === "punct" && (t.text === "(" || t.text === "[" || t.text === "{")) depth++;
      else if (t.kind === "punct" && (t.text === ")" || t.text === "]" || t.text === "}")) depth--;
      else if (depth === 0 && t.text === ";" && t.kind === "punct") break;
    }
    for (i++; i < tokens.length && (tokens[i] as Token).end <= m.end; i++) ok[i] = true;
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === "directive") {
      // The rest of the directive's line (`timescale 1ps/1ps, `define X 3).
      const eol = src.indexOf("\n", t.end);
      const lineEnd = eol < 0 ? src.length : eol;
      for (let j = i; j < tokens.length && (tokens[j] as Token).start < lineEnd; j++) ok[j] = false;
    } else if (isPunct(t, "#")) {
      // A delay or parameter value: `#5`, `#(...)`.
      ok[i] = false;
      if (isPunct(tokens[i + 1], "(")) {
        const close = closingIndex(tokens, i + 1);
        for (let j = i + 1; j <= close; j++) ok[j] = false;
      } else if (i + 1 < tokens.length) ok[i + 1] = false;
    } else if (isPunct(t, "[")) {
      const prev = tokens[i - 1];
      if (prev?.kind === "ident" && DECL_WORDS.has(prev.text)) {
        // The declared range and any further packed dimensions right after it.
        let open = i;
        while (isPunct(tokens[open], "[")) {
          const close = closingIndex(tokens, open);
          if (close < 0) break;
          for (let j = open; j <= close; j++) ok[j] = false;
          open = close + 1;
        }
      }
    }
  }
  return ok;
}

/** A token that can end an operand, so an operator after it is binary. */
function endsOperand(t: Token | undefined): boolean {
  if (t === undefined) return false;
  if (t.kind === "number" || t.kind === "string" || t.kind === "escaped") return true;
  if (t.kind === "ident") return !STATEMENT_WORDS.has(t.text) && !CONTROL_WORDS.has(t.text);
  return t.kind === "punct" && (t.text === ")" || t.text === "]" || t.text === "}");
}

/**
 * Which `<=` tokens are comparisons (not non-blocking assignments): inside any bracket, or after an assignment
 * operator of the same statement.
 */
function comparisonLe(tokens: readonly Token[]): Set<number> {
  const comparisons = new Set<number>();
  const stack: Array<{ control: boolean }> = [];
  let assigned = false;
  let pendingTernary = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === "ident") {
      if (stack.length === 0 && STATEMENT_WORDS.has(t.text)) {
        assigned = false;
        pendingTernary = 0;
      }
      continue;
    }
    if (t.kind !== "punct") continue;
    if (t.text === "(" || t.text === "[" || t.text === "{") {
      const prev = tokens[i - 1];
      const control =
        t.text === "(" && ((prev?.kind === "ident" && CONTROL_WORDS.has(prev.text)) || isPunct(prev, "@"));
      stack.push({ control });
      continue;
    }
    if (t.text === ")" || t.text === "]" || t.text === "}") {
      const top = stack.pop();
      if (stack.length === 0 && top?.control) {
        assigned = false;
        pendingTernary = 0;
      }
      continue;
    }
    if (stack.length > 0) {
      if (t.text === "<=") comparisons.add(i);
      continue;
    }
    if (t.text === ";") {
      assigned = false;
      pendingTernary = 0;
    } else if (t.text === "?") pendingTernary++;
    else if (t.text === ":") {
      if (pendingTernary > 0) pendingTernary--;
      else assigned = false; // a case label
    } else if (t.text === "<=") {
      if (assigned) comparisons.add(i);
      assigned = true;
    } else if (t.text === "=" || t.text.endsWith("=")) {
      if (!["==", "!=", "===", "!==", ">=", "==?", "!=?"].includes(t.text)) assigned = true;
    }
  }
  return comparisons;
}

function binopSites(tokens: readonly Token[], ok: readonly boolean[]): MutationSite[] {
  const le = comparisonLe(tokens);
  const sites: MutationSite[] = [];
  tokens.forEach((t, i) => {
    if (!ok[i] || t.kind !== "punct") return;
    const to = BINOP_FLIPS[t.text];
    if (to === undefined || !endsOperand(tokens[i - 1])) return;
    if (t.text === "<=" && !le.has(i)) return;
    // `x < y` turned into `x <= y` at statement level would read as an assignment.
    if (t.text === "<" && !le.has(i) && !insideBrackets(tokens, i) && !afterAssignment(tokens, i)) return;
    sites.push({ kind: "binop", start: t.start, description: `${t.text} -> ${to}`, edits: [[t.start, t.end, to]] });
  });
  return sites;
}

function insideBrackets(tokens: readonly Token[], i: number): boolean {
  let depth = 0;
  for (let j = i - 1; j >= 0; j--) {
    const t = tokens[j] as Token;
    if (t.kind !== "punct") continue;
    if (t.text === ")" || t.text === "]" || t.text === "}") depth++;
    else if (t.text === "(" || t.text === "[" || t.text === "{") {
      if (depth === 0) return true;
      depth--;
    } else if (t.text === ";" && depth === 0) return false;
  }
  return false;
}

function afterAssignment(tokens: readonly Token[], i: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    const t = tokens[j] as Token;
    if (t.kind === "punct" && t.text === ";") return false;
    if (t.kind === "punct" && (t.text === "=" || t.text === "<=")) return true;
    if (t.kind === "ident" && STATEMENT_WORDS.has(t.text)) return false;
  }
  return false;
}

const BASED = /^(\d[\d_]*)?(\s*'[sS]?)([bBoOdDhH])(\s*)([0-9a-fA-FxXzZ?_]+)$/;

/** The literal with one bit flipped (the lowest defined digit's low bit), or undefined when it has none. */
function flipLiteral(text: string): string | undefined {
  if (text === "'0") return "'1";
  if (text === "'1") return "'0";
  if (/^\d[\d_]*$/.test(text)) {
    const v = BigInt(text.replace(/_/g, ""));
    return (v ^ 1n).toString();
  }
  const m = BASED.exec(text);
  if (!m) return undefined;
  const [, size = "", tick = "", base = "", space = "", digits = ""] = m;
  const b = base.toLowerCase();
  if (b === "d") {
    if (/[xz?]/i.test(digits)) return undefined;
    const v = BigInt(digits.replace(/_/g, ""));
    return `${size}${tick}${base}${space}${(v ^ 1n).toString()}`;
  }
  const radix = b === "b" ? 2 : b === "o" ? 8 : 16;
  for (let k = digits.length - 1; k >= 0; k--) {
    const d = digits[k] as string;
    const v = Number.parseInt(d, radix);
    if (Number.isNaN(v)) continue; // `_`, x, z, ?: look at a higher digit
    let flipped = (v ^ 1).toString(radix);
    if (d !== d.toLowerCase()) flipped = flipped.toUpperCase();
    return `${size}${tick}${base}${space}${digits.slice(0, k)}${flipped}${digits.slice(k + 1)}`;
  }
  return undefined;
}

function literalSites(tokens: readonly Token[], ok: readonly boolean[]): MutationSite[] {
  const sites: MutationSite[] = [];
  tokens.forEach((t, i) => {
    if (!ok[i] || t.kind !== "number") return;
    const to = flipLiteral(t.text);
    if (to === undefined || to === t.text) return;
    sites.push({ kind: "literal", start: t.start, description: `${t.text} -> ${to}`, edits: [[t.start, t.end, to]] });
  });
  return sites;
}

function edgeSites(tokens: readonly Token[], ok: readonly boolean[]): MutationSite[] {
  const sites: MutationSite[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!isPunct(tokens[i], "@") || !isPunct(tokens[i + 1], "(")) continue;
    const close = closingIndex(tokens, i + 1);
    if (close < 0) continue;
    const edges: Array<{ index: number; signal: string }> = [];
    for (let j = i + 2; j < close; j++) {
      const t = tokens[j] as Token;
      if ((isWord(t, "posedge") || isWord(t, "negedge")) && ok[j])
        edges.push({ index: j, signal: tokens[j + 1]?.text ?? "" });
    }
    if (edges.length < 2) continue;
    const clock = edges.find((e) => CLOCK_NAME.test(e.signal)) ?? edges[0];
    for (const e of edges) {
      if (e === clock || CLOCK_NAME.test(e.signal)) continue;
      const t = tokens[e.index] as Token;
      const to = t.text === "posedge" ? "negedge" : "posedge";
      sites.push({
        kind: "edge",
        start: t.start,
        description: `${t.text} ${e.signal} -> ${to} ${e.signal}`,
        edits: [[t.start, t.end, to]],
      });
    }
    i = close;
  }
  return sites;
}

function ifSites(src: string, tokens: readonly Token[], ok: readonly boolean[]): MutationSite[] {
  const sites: MutationSite[] = [];
  tokens.forEach((t, i) => {
    if (!ok[i] || !isWord(t, "if") || !isPunct(tokens[i + 1], "(")) return;
    const close = closingIndex(tokens, i + 1);
    const open = tokens[i + 1] as Token;
    const end = tokens[close];
    if (close < 0 || end === undefined) return;
    const cond = src.slice(open.end, end.start).trim();
    sites.push({
      kind: "if-invert",
      start: t.start,
      description: `if (${cond}) -> if (!(${cond}))`,
      edits: [
        [open.end, open.end, "!("],
        [end.start, end.start, ")"],
      ],
    });
  });
  return sites;
}

/** End (exclusive token index) of the expression after a ternary's `:` at index `from`. */
function armEnd(tokens: readonly Token[], from: number): number {
  let nested = 0;
  for (let j = from; j < tokens.length; j++) {
    const t = tokens[j] as Token;
    if (t.kind === "punct") {
      if (t.text === "(" || t.text === "[" || t.text === "{") {
        const close = closingIndex(tokens, j);
        if (close < 0) return -1;
        j = close;
        continue;
      }
      if ([")", "]", "}", ";", ","].includes(t.text)) return j;
      if (t.text === "?") nested++;
      else if (t.text === ":") {
        if (nested === 0) return j;
        nested--;
      }
    } else if (t.kind === "ident" && (STATEMENT_WORDS.has(t.text) || t.text === "endmodule")) return j;
  }
  return -1;
}

function ternarySites(src: string, tokens: readonly Token[], ok: readonly boolean[]): MutationSite[] {
  const sites: MutationSite[] = [];
  tokens.forEach((t, i) => {
    if (!ok[i] || !isPunct(t, "?")) return;
    const colon = armEnd(tokens, i + 1);
    if (colon < 0 || !isPunct(tokens[colon], ":")) return;
    const end = armEnd(tokens, colon + 1);
    if (end < 0 || colon === i + 1 || end === colon + 1) return;
    const a = [(tokens[i + 1] as Token).start, (tokens[colon - 1] as Token).end] as const;
    const b = [(tokens[colon + 1] as Token).start, (tokens[end - 1] as Token).end] as const;
    const textA = src.slice(a[0], a[1]);
    const textB = src.slice(b[0], b[1]);
    if (textA === textB) return;
    sites.push({
      kind: "ternary-swap",
      start: t.start,
      description: `? ${textA} : ${textB} -> ? ${textB} : ${textA}`,
      edits: [
        [a[0], a[1], textB],
        [b[0], b[1], textA],
      ],
    });
  });
  return sites;
}

function negationSites(tokens: readonly Token[], ok: readonly boolean[]): MutationSite[] {
  const sites: MutationSite[] = [];
  tokens.forEach((t, i) => {
    if (!ok[i] || !(isPunct(t, "~") || isPunct(t, "!"))) return;
    const next = tokens[i + 1];
    if (next === undefined) return;
    sites.push({
      kind: "drop-negation",
      start: t.start,
      description: `drop ${t.text} before ${next.text}`,
      edits: [[t.start, t.end, ""]],
    });
  });
  return sites;
}

const REDUCTION_FLIPS: Record<string, string> = { "&": "|", "|": "&", "~&": "~|", "~|": "~&" };

function reductionSites(tokens: readonly Token[], ok: readonly boolean[]): MutationSite[] {
  const sites: MutationSite[] = [];
  tokens.forEach((t, i) => {
    if (!ok[i] || t.kind !== "punct") return;
    const to = REDUCTION_FLIPS[t.text];
    if (to === undefined || endsOperand(tokens[i - 1])) return;
    sites.push({
      kind: "reduction",
      start: t.start,
      description: `${t.text}x -> ${to}x`,
      edits: [[t.start, t.end, to]],
    });
  });
  return sites;
}
