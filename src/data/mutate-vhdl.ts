import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import pLimit from "p-limit";
import { ghdlAnalyse } from "../tools/ghdl.js";
import { withTempDir } from "../tools/process.js";
import {
  architectureSpans,
  closingParen,
  lexVhdl,
  normaliseVhdl,
  RESERVED,
  sanitizeVhdl,
  type VhdlToken,
} from "../vhdl/index.js";
import { type Mutant, type MutateOptions, type MutationSite, rankMutants } from "./mutate.js";

/** Operators (punctuation) and what each becomes; `<=` only where it is a comparison (see `comparisonAt`). */
const PUNCT_FLIPS: Record<string, string> = {
  "+": "-",
  "-": "+",
  "=": "/=",
  "/=": "=",
  "<": "<=",
  "<=": "<",
  ">": ">=",
  ">=": ">",
};

/** Word operators and functions, swapped with their partner. */
const WORD_FLIPS: Record<string, [kind: string, to: string]> = {
  and: ["logic", "or"],
  or: ["logic", "and"],
  nand: ["logic", "nor"],
  nor: ["logic", "nand"],
  xor: ["logic", "xnor"],
  xnor: ["logic", "xor"],
  sll: ["shift", "srl"],
  srl: ["shift", "sll"],
  rol: ["shift", "ror"],
  ror: ["shift", "rol"],
  shift_left: ["shift", "shift_right"],
  shift_right: ["shift", "shift_left"],
  rotate_left: ["shift", "rotate_right"],
  rotate_right: ["shift", "rotate_left"],
  // Conversions in expressions (declarations are never mutated): the same bits read with the other signedness.
  unsigned: ["signedness", "signed"],
  signed: ["signedness", "unsigned"],
};

/** Declarations whose type (up to `:=` or `;`) is never mutated, so widths and ranges stay as declared. */
const DECLARATIONS = new Set(["signal", "variable", "constant", "shared", "subtype", "type", "alias", "attribute"]);
const SUBPROGRAMS = new Set(["function", "procedure", "pure", "impure"]);
const TIME_UNITS = new Set(["fs", "ps", "ns", "us", "ms", "sec", "min", "hr"]);

/**
 * Token-level mutants of a VHDL design, the counterpart of `generateMutants`: swapped operators (`and`/`or`,
 * `nand`/`nor`, `xor`/`xnor`, `+`/`-`, `=`/`/=`, `<`/`<=`, `>`/`>=`, shifts and rotations), a literal changed
 * (`'0'`/`'1'`, the low bit of a bit-string, string or integer literal), a dropped `not`, an inverted
 * `if`/`elsif`/`when ... else` condition (never an edge test), and two case or selected-assignment choices swapped.
 * Only architecture bodies are mutated, outside declarations' types, so entities and widths stay. Pure: the
 * mutants are not checked to be legal VHDL (`vhdlMutantsThatAnalyse` does that with GHDL).
 */
export function generateVhdlMutants(source: string, options: MutateOptions = {}): Mutant[] {
  const code = normaliseVhdl(source);
  const { tokens, errors } = lexVhdl(code);
  if (errors.length > 0) return [];
  const ok = eligibleTokens(tokens);
  const sites: MutationSite[] = [
    ...operatorSites(tokens, ok),
    ...literalSites(tokens, ok),
    ...negationSites(tokens, ok),
    ...conditionSites(code, tokens, ok),
    ...choiceSites(code, tokens, ok),
  ];
  return rankMutants(code, sites, options);
}

export interface VhdlMutantOptions extends MutateOptions {
  /** Wall-clock limit of one `ghdl -a` (default 10 s). */
  timeoutMs?: number;
  /** Analyses in flight at once (default 2). */
  concurrency?: number;
}

/**
 * Up to `limit` mutants (in `generateVhdlMutants` order) that GHDL analyses and rtlgym's candidate filter accepts:
 * a mutant that is not legal VHDL would only measure the compiler. Stops analysing once enough are found.
 */
export async function vhdlMutantsThatAnalyse(source: string, options: VhdlMutantOptions = {}): Promise<Mutant[]> {
  const all = generateVhdlMutants(source, { seed: options.seed ?? 1 });
  const want = options.limit ?? all.length;
  const limit = pLimit(Math.max(options.concurrency ?? 2, 1));
  const kept: Array<Mutant | undefined> = [];
  let found = 0;
  await Promise.all(
    all.map((m, i) =>
      limit(async () => {
        if (found >= want) return;
        if (sanitizeVhdl(m.source, { role: "candidate" }).rejected.length > 0) return;
        if (!(await analyses(m.source, options.timeoutMs ?? 10_000))) return;
        kept[i] = m;
        found++;
      }),
    ),
  );
  return kept.filter((m): m is Mutant => m !== undefined).slice(0, want);
}

async function analyses(code: string, timeoutMs: number): Promise<boolean> {
  return withTempDir("ghdl-mut", async (cwd) => {
    await writeFile(join(cwd, "design.vhd"), code);
    const r = await ghdlAnalyse(cwd, ["design.vhd"], "work", { timeoutMs });
    return r.exitCode === 0 && !r.timedOut;
  });
}

const at = (tokens: readonly VhdlToken[], k: number) => tokens[k]?.norm ?? "";

/** Index of the first token at or after `from` (bracket depth 0 relative to `from`) whose norm is in `stops`. */
function scanTo(tokens: readonly VhdlToken[], from: number, stops: ReadonlySet<string>): number {
  for (let k = from; k < tokens.length; k++) {
    const t = at(tokens, k);
    if (t === "(" || t === "[") {
      const close = closingParen(tokens, k);
      if (close < 0) return -1;
      k = close;
      continue;
    }
    if (stops.has(t)) return k;
  }
  return -1;
}

/**
 * Which tokens may be mutated: architecture bodies (after `architecture X of Y is`, up to the next design unit),
 * except declarations up to their initial value (`signal r : unsigned(7 downto 0) := ...`), subprogram headers,
 * component declarations and record types.
 */
function eligibleTokens(tokens: readonly VhdlToken[]): boolean[] {
  const ok = tokens.map(() => false);
  for (const span of architectureSpans(tokens)) {
    const k = span.start;
    const end = span.end;
    for (let j = k + 5; j < end; j++) ok[j] = true;
    for (let j = k + 5; j < end; j++) {
      const word = at(tokens, j);
      let stop = -1;
      // These words only start declarations (a process's `variable` follows its sensitivity list's `)`), except
      // as attribute names (`x'subtype`).
      if (DECLARATIONS.has(word) && at(tokens, j - 1) !== "'") {
        if (word === "type" && scanTo(tokens, j, new Set([";", "record"])) >= 0) {
          const r = scanTo(tokens, j, new Set([";", "record"]));
          stop = at(tokens, r) === "record" ? scanTo(tokens, r, new Set(["end"])) + 2 : r;
        } else stop = scanTo(tokens, j, new Set([":=", ";"]));
      } else if (SUBPROGRAMS.has(word) && at(tokens, j - 1) !== "end") {
        stop = scanTo(tokens, j, new Set(["is", ";"]));
      } else if (word === "component" && at(tokens, j - 1) !== "end") {
        stop = scanTo(tokens, j, new Set(["end"])) + 2;
      }
      if (stop < 0) continue;
      for (let i = j; i <= Math.min(stop, end - 1); i++) ok[i] = false;
      j = stop;
    }
  }
  return ok;
}

/** A token that ends an operand, so an operator after it is binary (no reserved word does). */
function endsOperand(t: VhdlToken | undefined): boolean {
  if (t === undefined) return false;
  if (t.kind === "id") return !RESERVED.has(t.norm);
  return t.kind !== "punct" || t.norm === ")" || t.norm === "]";
}

/**
 * Which `<=` tokens are comparisons: inside brackets, or inside a condition (`if`/`elsif`/`while` ... `then`/`loop`,
 * `when` ... `else`/`;`/`,`, `until` ... `;`, `assert` ... `;`). Everywhere else `<=` assigns a signal.
 */
function comparisonAt(tokens: readonly VhdlToken[]): Set<number> {
  const out = new Set<number>();
  let depth = 0;
  let inCondition = false;
  for (let k = 0; k < tokens.length; k++) {
    const t = at(tokens, k);
    if (t === "(" || t === "[") depth++;
    else if (t === ")" || t === "]") depth--;
    else if (depth === 0 && ["if", "elsif", "while", "when", "until", "assert"].includes(t)) inCondition = true;
    else if (depth === 0 && ["then", "loop", "else", ";", ",", "=>", "generate"].includes(t)) inCondition = false;
    else if (t === "<=" && (depth > 0 || inCondition)) out.add(k);
  }
  return out;
}

function operatorSites(tokens: readonly VhdlToken[], ok: readonly boolean[]): MutationSite[] {
  const comparisons = comparisonAt(tokens);
  const sites: MutationSite[] = [];
  tokens.forEach((t, i) => {
    if (!ok[i]) return;
    if (t.kind === "punct") {
      const to = PUNCT_FLIPS[t.norm];
      if (to === undefined || !endsOperand(tokens[i - 1])) return;
      if (t.norm === "<=" && !comparisons.has(i)) return;
      sites.push({ kind: "binop", start: t.start, description: `${t.text} -> ${to}`, edits: [[t.start, t.end, to]] });
    } else if (t.kind === "id") {
      const flip = WORD_FLIPS[t.norm];
      if (flip === undefined) return;
      // A function or conversion needs its `(`; a word operator is binary after an operand, else a reduction.
      const isFunction = flip[0] === "shift" ? t.norm.includes("_") : flip[0] === "signedness";
      if (isFunction && at(tokens, i + 1) !== "(") return;
      const kind = !isFunction && flip[0] === "logic" && !endsOperand(tokens[i - 1]) ? "reduction" : flip[0];
      if (kind === "shift" && !isFunction && !endsOperand(tokens[i - 1])) return;
      sites.push({
        kind,
        start: t.start,
        description: `${t.text} -> ${flip[1]}`,
        edits: [[t.start, t.end, flip[1]]],
      });
    }
  });
  return sites;
}

/** The literal with its lowest defined bit flipped, or undefined. */
function flipLiteral(t: VhdlToken): string | undefined {
  if (t.kind === "char") {
    if (t.text === "'0'") return "'1'";
    if (t.text === "'1'") return "'0'";
    return undefined;
  }
  if (t.kind === "string") {
    // A string of bits ("0101", std_logic values): the last 0 or 1 flipped.
    if (!/^"[01UXZWLH_-]+"$/i.test(t.text)) return undefined;
    const k = Math.max(t.text.lastIndexOf("0"), t.text.lastIndexOf("1"));
    if (k < 0) return undefined;
    return `${t.text.slice(0, k)}${t.text[k] === "0" ? "1" : "0"}${t.text.slice(k + 1)}`;
  }
  if (t.kind === "bitstring") {
    const m = /^(\d*)([us]?)([boxd])"(.*)"$/i.exec(t.text);
    if (!m) return undefined;
    const [, size = "", sign = "", base = "", digits = ""] = m;
    const b = base.toLowerCase();
    if (b === "d") {
      if (!/^[0-9_]+$/.test(digits)) return undefined;
      return `${size}${sign}${base}"${(BigInt(digits.replace(/_/g, "")) ^ 1n).toString()}"`;
    }
    const radix = b === "b" ? 2 : b === "o" ? 8 : 16;
    return `${size}${sign}${base}"${flipLastDigit(digits, radix)}"`;
  }
  if (t.kind === "number") {
    if (/^\d[\d_]*$/.test(t.text)) return (BigInt(t.text.replace(/_/g, "")) ^ 1n).toString();
    const based = /^(\d+)#([0-9a-f_]+)#$/i.exec(t.text);
    if (based) {
      const radix = Number(based[1]);
      if (radix < 2 || radix > 16) return undefined;
      return `${based[1]}#${flipLastDigit(based[2] as string, radix)}#`;
    }
  }
  return undefined;
}

function flipLastDigit(digits: string, radix: number): string {
  for (let k = digits.length - 1; k >= 0; k--) {
    const d = digits[k] as string;
    const v = Number.parseInt(d, radix);
    if (Number.isNaN(v)) continue;
    let flipped = (v ^ 1).toString(radix);
    if (flipped.length > 1 || Number.parseInt(flipped, radix) !== (v ^ 1)) continue;
    if (d !== d.toLowerCase()) flipped = flipped.toUpperCase();
    return `${digits.slice(0, k)}${flipped}${digits.slice(k + 1)}`;
  }
  return digits;
}

function literalSites(tokens: readonly VhdlToken[], ok: readonly boolean[]): MutationSite[] {
  const sites: MutationSite[] = [];
  tokens.forEach((t, i) => {
    if (!ok[i]) return;
    if (t.kind === "number") {
      // Bounds of a range (`7 downto 0`, `for i in 0 to 7`) would only break widths; delays never matter.
      const around = [at(tokens, i - 1), at(tokens, i + 1)];
      if (around.includes("to") || around.includes("downto") || TIME_UNITS.has(at(tokens, i + 1))) return;
    }
    const to = flipLiteral(t);
    if (to === undefined || to === t.text) return;
    sites.push({ kind: "literal", start: t.start, description: `${t.text} -> ${to}`, edits: [[t.start, t.end, to]] });
  });
  return sites;
}

function negationSites(tokens: readonly VhdlToken[], ok: readonly boolean[]): MutationSite[] {
  const sites: MutationSite[] = [];
  tokens.forEach((t, i) => {
    if (!ok[i] || t.norm !== "not" || tokens[i + 1] === undefined) return;
    const end = tokens[i + 1]?.start ?? t.end;
    sites.push({
      kind: "drop-negation",
      start: t.start,
      description: `drop not before ${tokens[i + 1]?.text}`,
      edits: [[t.start, end, ""]],
    });
  });
  return sites;
}

const EDGE = new Set(["rising_edge", "falling_edge", "event", "stable"]);

/**
 * `if C then`, `elsif C then` and `X when C else Y` become `... not (C) ...` (VHDL-2008 applies `??` to a
 * std_logic condition either way). Conditions testing a clock edge are left alone: inverted, they no longer
 * describe a register.
 */
function conditionSites(src: string, tokens: readonly VhdlToken[], ok: readonly boolean[]): MutationSite[] {
  const sites: MutationSite[] = [];
  tokens.forEach((t, i) => {
    if (!ok[i] || !["if", "elsif", "when"].includes(t.norm)) return;
    if (t.norm === "if" && at(tokens, i - 1) === "end") return;
    const stopWords = t.norm === "when" ? new Set(["else", ";", "=>", ","]) : new Set(["then", "generate"]);
    const stop = scanTo(tokens, i + 1, stopWords);
    if (stop <= i + 1) return;
    const stopWord = at(tokens, stop);
    if (t.norm === "when" ? stopWord !== "else" : stopWord !== "then") return;
    const cond = tokens.slice(i + 1, stop);
    if (cond.some((c) => EDGE.has(c.norm))) return;
    const from = (tokens[i + 1] as VhdlToken).start;
    const to = (tokens[stop - 1] as VhdlToken).end;
    const text = src.slice(from, to);
    sites.push({
      kind: "cond-invert",
      start: t.start,
      description: `${t.text} ${text} -> ${t.text} not (${text})`,
      edits: [
        [from, from, "not ("],
        [to, to, ")"],
      ],
    });
  });
  return sites;
}

/**
 * Two neighbouring choices of a `case` statement (`when A => ...; when B => ...`) or of a selected assignment
 * (`x when A, y when B`) swapped; `others` never moves.
 */
function choiceSites(src: string, tokens: readonly VhdlToken[], ok: readonly boolean[]): MutationSite[] {
  const sites: MutationSite[] = [];
  const pairUp = (choices: Array<[number, number]>, what: string) => {
    for (let c = 0; c + 1 < choices.length; c++) {
      const [a0, a1] = choices[c] as [number, number];
      const [b0, b1] = choices[c + 1] as [number, number];
      const first = src.slice((tokens[a0] as VhdlToken).start, (tokens[a1] as VhdlToken).end);
      const second = src.slice((tokens[b0] as VhdlToken).start, (tokens[b1] as VhdlToken).end);
      if ([first, second].some((x) => /^others$/i.test(x.trim())) || first === second) continue;
      sites.push({
        kind: "choice-swap",
        start: (tokens[a0] as VhdlToken).start,
        description: `${what} choices ${first} and ${second} swapped`,
        edits: [
          [(tokens[a0] as VhdlToken).start, (tokens[a1] as VhdlToken).end, second],
          [(tokens[b0] as VhdlToken).start, (tokens[b1] as VhdlToken).end, first],
        ],
      });
    }
  };
  for (let i = 0; i < tokens.length; i++) {
    if (!ok[i]) continue;
    const word = at(tokens, i);
    if (word === "case" && at(tokens, i - 1) !== "end" && at(tokens, i + 1) !== "?") {
      // Alternatives of this case: `when` at statement start, not inside a nested case.
      const choices: Array<[number, number]> = [];
      let nested = 0;
      for (let j = i + 1; j < tokens.length; j++) {
        const w = at(tokens, j);
        if (w === "case" && at(tokens, j - 1) !== "end") nested++;
        else if (w === "case" && at(tokens, j - 1) === "end") {
          if (nested === 0) break;
          nested--;
        } else if (w === "when" && nested === 0 && (at(tokens, j - 1) === "is" || at(tokens, j - 1) === ";")) {
          const arrow = scanTo(tokens, j + 1, new Set(["=>"]));
          if (arrow <= j + 1) break;
          choices.push([j + 1, arrow - 1]);
          j = arrow;
        }
      }
      pairUp(choices, "case");
    } else if (word === "select" && at(tokens, i - 1) !== "?" && at(tokens, i + 1) !== "?") {
      const end = scanTo(tokens, i + 1, new Set([";"]));
      if (end < 0) continue;
      const choices: Array<[number, number]> = [];
      for (let j = i + 1; j < end; j++) {
        if (at(tokens, j) !== "when") continue;
        const stop = scanTo(tokens, j + 1, new Set([",", ";"]));
        if (stop <= j + 1) break;
        choices.push([j + 1, stop - 1]);
        j = stop;
      }
      pairUp(choices, "select");
    }
  }
  return sites;
}
