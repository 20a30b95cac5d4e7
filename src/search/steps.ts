import type { Problem, SliceAnswer } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import type { VerifyOptions } from "../verify/index.js";
import { listModules, type Token, tokenize } from "../verilog/index.js";
import { partialScores } from "./partial.js";

/*
 * Step trajectories of a verified solution (StepPRM-RTL, issue 14 section 1). The module body is cut into module
 * items with rtlgym's tokenizer (a statement ends at `;` or at the closer of its outermost block, unless `else`
 * follows), in the order the author wrote them, so every prefix is a text prefix of the solution (what a model
 * continues through the completions API) and the steps joined are the solution exactly. Items are grouped into steps:
 * the leading declarations (interface and declarations), then one step per run of items that drive the same
 * signals (the logic of each output or state element). Signal slices (`rtlgym slice`, slang) say which outputs each
 * step feeds and which outputs a prefix holds the whole slice of.
 */

/** One step: a short rationale and the code it appends. */
export interface Step {
  index: number;
  kind: "declarations" | "logic";
  rationale: string;
  /** The text this step appends to the previous prefix (the last step ends with `endmodule`). */
  code: string;
  /** Signals the step's items assign (left-hand sides, declarations with a value, instance connections). */
  drives: string[];
  /** Outputs whose slice holds one of the step's items. */
  feeds: string[];
  /** Outputs whose whole slice is in the prefix up to and including this step. */
  complete: string[];
  /** Outputs the prefix drives nowhere yet, tied to 0 in `design`. */
  stubbed: string[];
  /** The prefix as a well-formed module: header, the steps so far, a stub per undriven output, `endmodule`. */
  design: string;
}

/** A solution cut into steps. */
export interface Trajectory {
  id: string;
  /** Text of the solution before the first step: everything up to the end of the top module's header line. */
  header: string;
  outputs: string[];
  steps: Step[];
  /** How outputs were related to steps: slang's signal slices, or the tokenizer's left-hand sides alone. */
  slicer: "slang" | "none";
}

/** A step with its exact per-signal score (see {@link scoreTrajectory}). */
export interface ScoredStep extends Step {
  /** Outputs the prefix drives correctly over all outputs (stubbed outputs count as wrong). */
  score: number;
  /** Verdict of `design` (`compile_error` would mean the prefix is not well-formed). */
  status: string;
  correct: string[];
  wrong: string[];
}

const BLOCK_OPEN = new Set(["begin", "case", "casez", "casex", "fork", "function", "task", "generate", "specify"]);
const BLOCK_CLOSE = new Set([
  "end",
  "endcase",
  "join",
  "join_any",
  "join_none",
  "endfunction",
  "endtask",
  "endgenerate",
  "endspecify",
]);
const DECL_HEADS = new Set([
  "reg",
  "wire",
  "logic",
  "integer",
  "genvar",
  "parameter",
  "localparam",
  "bit",
  "byte",
  "int",
  "shortint",
  "longint",
  "typedef",
  "real",
  "time",
  "tri",
  "input",
  "output",
  "inout",
  "signed",
  "unsigned",
]);
const CONSTANT_DECLS = new Set(["parameter", "localparam", "typedef", "genvar"]);

/** One module item of the body: [start, end) offsets into the solution. */
interface Unit {
  start: number;
  end: number;
  tokens: Token[];
  declaration: boolean;
  drives: string[];
}

/** Where the top module is in `code`: header end (after its line) and the offset of its `endmodule`. */
function topBounds(code: string, top: string): { headerEnd: number; endmodule: number; tokens: Token[] } {
  const modules = listModules(code);
  const mod = modules.find((m) => m.name === top);
  if (!mod) throw new BadInputError(`the solution declares no module ${top}`);
  if (modules.length > 1) throw new BadInputError(`the solution has ${modules.length} modules; steps take one`);
  const tokens = tokenize(code).filter((t) => t.start >= mod.start && t.end <= mod.end);
  let depth = 0;
  let semi = -1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind !== "punct") continue;
    if (t.text === "(" || t.text === "[" || t.text === "{") depth++;
    else if (t.text === ")" || t.text === "]" || t.text === "}") depth--;
    else if (t.text === ";" && depth === 0) {
      semi = i;
      break;
    }
  }
  const end = tokens.at(-1);
  if (semi < 0 || !end || end.text !== "endmodule")
    throw new BadInputError(`module ${top} has no header or no endmodule`);
  return { headerEnd: lineEnd(code, (tokens[semi] as Token).end), endmodule: end.start, tokens };
}

/** `at` moved past the rest of its line when that rest is only whitespace or a `//` comment. */
function lineEnd(code: string, at: number): number {
  const nl = code.indexOf("\n", at);
  const rest = code.slice(at, nl < 0 ? code.length : nl);
  if (/^\s*(\/\/.*)?$/.test(rest)) return nl < 0 ? code.length : nl + 1;
  return at;
}

/** Signals a module item assigns: `assign x`, `x <=`/`x =` (index or part-select allowed), `{a, b} =`, `.p(x)`. */
export function drivenNames(tokens: readonly Token[]): string[] {
  const out: string[] = [];
  const add = (n: string) => {
    if (!out.includes(n)) out.push(n);
  };
  let paren = 0;
  const instance =
    tokens.length > 1 && tokens[0]?.kind === "ident" && !DECL_HEADS.has(tokens[0].text) && isInstance(tokens);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.text === "(") paren++;
    else if (t.text === ")") paren--;
    if (instance) {
      if (t.text === "." && tokens[i + 1]?.kind === "ident" && tokens[i + 2]?.text === "(") {
        const inner = tokens[i + 3];
        if (inner?.kind === "ident" && tokens[i + 4]?.text === ")") add(inner.text);
      }
      continue;
    }
    if (paren > 0) continue;
    if (t.kind === "ident" && !DECL_HEADS.has(t.text) && !isKeywordLike(t.text)) {
      let j = i + 1;
      while (tokens[j]?.text === "[") j = skipBalanced(tokens, j, "[", "]");
      if (tokens[j]?.text === "=" || tokens[j]?.text === "<=") {
        const prev = tokens[i - 1];
        // `a <= b` after an operand is a comparison; a statement's left-hand side follows `;`, `begin`, `)`, ...
        if (!prev || prev.kind === "ident" || [";", ")", ":", ",", "]"].includes(prev.text)) add(t.text);
      }
    } else if (t.text === "{") {
      const close = skipBalanced(tokens, i, "{", "}");
      if (tokens[close]?.text === "=" || tokens[close]?.text === "<=") {
        for (let k = i + 1; k < close; k++) {
          const u = tokens[k] as Token;
          if (u.kind === "ident" && tokens[k - 1]?.text !== "[") add(u.text);
        }
      }
      i = close - 1;
    }
  }
  return out;
}

function isKeywordLike(word: string): boolean {
  return [
    "assign",
    "always",
    "always_ff",
    "always_comb",
    "always_latch",
    "initial",
    "if",
    "else",
    "begin",
    "end",
  ].includes(word);
}

/** `Name [#(...)] inst (...)`: a module instance. */
function isInstance(tokens: readonly Token[]): boolean {
  let j = 1;
  if (tokens[j]?.text === "#") j = skipBalanced(tokens, j + 1, "(", ")");
  return tokens[j]?.kind === "ident" && tokens[j + 1]?.text === "(";
}

/** Index just after the bracket that closes the one at `i`. */
function skipBalanced(tokens: readonly Token[], i: number, open: string, close: string): number {
  let depth = 0;
  for (let j = i; j < tokens.length; j++) {
    const t = (tokens[j] as Token).text;
    if (t === open) depth++;
    else if (t === close && --depth === 0) return j + 1;
  }
  return tokens.length;
}

/** The body's module items, each extended over the whitespace and comments before it and the rest of its line. */
function units(code: string, bodyStart: number, endmodule: number, tokens: readonly Token[]): Unit[] {
  const body = tokens.filter((t) => t.start >= bodyStart && t.start < endmodule && t.kind !== "directive");
  const out: Unit[] = [];
  let start = bodyStart;
  let first = 0;
  let paren = 0;
  let block = 0;
  for (let i = 0; i < body.length; i++) {
    const t = body[i] as Token;
    let ends = false;
    if (t.kind === "punct") {
      if (t.text === "(" || t.text === "[" || t.text === "{") paren++;
      else if (t.text === ")" || t.text === "]" || t.text === "}") paren--;
      else if (t.text === ";" && paren === 0 && block === 0) ends = true;
    } else if (t.kind === "ident") {
      if (BLOCK_OPEN.has(t.text)) block++;
      else if (BLOCK_CLOSE.has(t.text)) {
        block--;
        if (block === 0 && paren === 0) ends = true;
      }
    }
    // `if (...) x <= 0; else ...` and `end else begin` continue the same item.
    if (ends && body[i + 1]?.text === "else") ends = false;
    // A labelled block end (`end : name`) ends after its label.
    if (ends && body[i + 1]?.text === ":" && body[i + 2]?.kind === "ident") {
      i += 2;
    }
    if (!ends) continue;
    const last = body[i] as Token;
    const end = lineEnd(code, last.end);
    const toks = body.slice(first, i + 1);
    const head = toks[0]?.text ?? "";
    const constant = CONSTANT_DECLS.has(head);
    const hasValue = toks.some((u, k) => u.text === "=" && depthAt(toks, k) === 0);
    out.push({
      start,
      end,
      tokens: toks,
      declaration: DECL_HEADS.has(head) && (constant || !hasValue),
      drives: constant ? [] : drivenNames(toks),
    });
    start = end;
    first = i + 1;
  }
  if (first < body.length) throw new BadInputError("the module body ends inside an item");
  return out;
}

/** Bracket depth before token k of an item. */
function depthAt(tokens: readonly Token[], k: number): number {
  let d = 0;
  for (let j = 0; j < k; j++) {
    const t = (tokens[j] as Token).text;
    if (t === "(" || t === "[" || t === "{") d++;
    else if (t === ")" || t === "]" || t === "}") d--;
  }
  return d;
}

/** Output ports of the header and whether each is a variable (`reg`/`logic`, so a stub must be procedural). */
function headerOutputs(headerTokens: readonly Token[], bodyUnits: readonly Unit[]): Map<string, boolean> {
  const outputs = new Map<string, boolean>();
  let direction = "";
  let variable = false;
  let paren = 0;
  let bracket = 0;
  for (let i = 0; i < headerTokens.length; i++) {
    const t = headerTokens[i] as Token;
    if (t.text === "(") paren++;
    else if (t.text === ")") paren--;
    else if (t.text === "[") bracket++;
    else if (t.text === "]") bracket--;
    if (bracket > 0 || t.kind !== "ident") continue;
    if (t.text === "input" || t.text === "output" || t.text === "inout") {
      direction = t.text;
      variable = false;
    } else if (t.text === "reg" || t.text === "logic" || t.text === "integer" || t.text === "bit") variable = true;
    else if (["wire", "signed", "unsigned", "tri", "module", "parameter", "localparam"].includes(t.text)) continue;
    else if (direction === "output" && paren === 1) {
      const next = headerTokens[i + 1]?.text;
      if (next === "," || next === ")" || next === "[" || next === "=") outputs.set(t.text, variable);
    }
  }
  // Non-ANSI bodies declare directions and kinds in the body.
  for (const u of bodyUnits) {
    const head = u.tokens[0]?.text;
    if (!u.declaration) continue;
    const names = u.tokens.filter(
      (t, k) => t.kind === "ident" && !DECL_HEADS.has(t.text) && depthAt(u.tokens, k) === 0,
    );
    if (head === "output") {
      const isVar = u.tokens.some((t) => ["reg", "logic", "integer", "bit"].includes(t.text));
      for (const n of names) outputs.set(n.text, isVar);
    } else if (head === "reg" || head === "logic" || head === "integer" || head === "bit") {
      for (const n of names) if (outputs.has(n.text)) outputs.set(n.text, true);
    }
  }
  return outputs;
}

const list = (names: readonly string[]) => names.map((n) => `\`${n}\``).join(", ");

function rationale(
  kind: Step["kind"],
  unitsOf: readonly Unit[],
  drives: string[],
  outputs: readonly string[],
  feeds: string[],
): string {
  if (kind === "declarations") {
    const names = unitsOf.flatMap((u) =>
      u.tokens
        .filter(
          (t, k) =>
            t.kind === "ident" &&
            !DECL_HEADS.has(t.text) &&
            depthAt(u.tokens, k) === 0 &&
            u.tokens[k - 1]?.text !== "=",
        )
        .map((t) => t.text),
    );
    return names.length > 0
      ? `Declare the parameters and internal signals the logic needs: ${list([...new Set(names)])}.`
      : "Declare the parameters and internal signals the logic needs.";
  }
  const heads = unitsOf.map((u) => u.tokens[0]?.text ?? "");
  const clocked = unitsOf.some((u) => u.tokens.some((t) => t.text === "posedge" || t.text === "negedge"));
  const how = clocked
    ? "Registered logic (a clocked always block) for"
    : heads.some((h) => h.startsWith("always"))
      ? "Combinational logic (an always block) for"
      : heads.every((h) => h === "assign")
        ? "Continuous assignment of"
        : "Logic for";
  const outs = drives.filter((d) => outputs.includes(d));
  const internal = drives.filter((d) => !outputs.includes(d));
  const parts: string[] = [];
  if (outs.length > 0) parts.push(`output${outs.length > 1 ? "s" : ""} ${list(outs)}`);
  if (internal.length > 0)
    parts.push(`${clocked ? "state" : "internal signal"}${internal.length > 1 ? "s" : ""} ${list(internal)}`);
  const what = parts.length > 0 ? parts.join(" and ") : "the remaining items";
  const rest = feeds.filter((f) => !outs.includes(f));
  const reset =
    clocked && unitsOf.some((u) => u.tokens.some((t) => /^(rst|reset|rst_n|resetn|areset|arst|rstn)$/i.test(t.text)));
  return `${how} ${what}${reset ? ", reset behaviour included" : ""}${rest.length > 0 ? `; it feeds output${rest.length > 1 ? "s" : ""} ${list(rest)}` : ""}.`;
}

/** A stub that ties an undriven output to 0: a continuous assignment for a net, `always_comb` for a variable. */
function stub(name: string, variable: boolean): string {
  return variable
    ? `  always_comb ${name} = '0; // stub: not written yet\n`
    : `  assign ${name} = '0; // stub: not written yet\n`;
}

/**
 * Cuts a verified solution into steps. `slice` is slang's answer for the solution (every output's slice), when the
 * slicer could read it; without it, outputs are related to steps by the left-hand sides alone.
 */
export function splitSteps(id: string, code: string, top: string, slice?: SliceAnswer): Trajectory {
  const { headerEnd, endmodule, tokens } = topBounds(code, top);
  const headerTokens = tokens.filter((t) => t.end <= headerEnd);
  const items = units(code, headerEnd, endmodule, tokens);
  const outputMap = headerOutputs(headerTokens, items);
  const outputs = [...outputMap.keys()];
  const slices = new Map<string, Array<[number, number]>>();
  const usable = slice?.ok === true;
  if (usable) {
    for (const [name, s] of Object.entries(slice.signals)) {
      // Slice items inside the header (port declarations) are the interface, given by the prompt.
      if (!("error" in s))
        slices.set(
          name,
          s.items.map((it) => it.span).filter(([a]) => a >= headerEnd),
        );
    }
  }
  const overlaps = (u: Unit, [a, b]: [number, number]) => a < u.end && b > u.start;

  // Group: leading declarations, then runs of items that drive the same signals; later declarations join the next item.
  const groups: Array<{ kind: Step["kind"]; units: Unit[]; drives: string[] }> = [];
  let i = 0;
  const lead: Unit[] = [];
  while (i < items.length && (items[i] as Unit).declaration) lead.push(items[i++] as Unit);
  if (lead.length > 0) groups.push({ kind: "declarations", units: lead, drives: [] });
  let pending: Unit[] = [];
  for (; i < items.length; i++) {
    const u = items[i] as Unit;
    if (u.declaration) {
      pending.push(u);
      continue;
    }
    const key = [...u.drives].sort().join(",");
    const last = groups.at(-1);
    if (
      last &&
      last.kind === "logic" &&
      pending.length === 0 &&
      key !== "" &&
      [...last.drives].sort().join(",") === key
    ) {
      last.units.push(u);
    } else {
      groups.push({ kind: "logic", units: [...pending, u], drives: [...u.drives] });
      pending = [];
    }
  }
  if (pending.length > 0) {
    const last = groups.at(-1);
    if (last) last.units.push(...pending);
    else groups.push({ kind: "declarations", units: pending, drives: [] });
  }

  const header = code.slice(0, headerEnd);
  const steps: Step[] = [];
  let at = headerEnd;
  const driven = new Set<string>();
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g] as (typeof groups)[number];
    const lastGroup = g === groups.length - 1;
    const end = lastGroup ? code.length : (group.units.at(-1) as Unit).end;
    const stepCode = code.slice(at, end);
    at = end;
    for (const u of group.units) for (const d of u.drives) driven.add(d);
    const feeds = outputs.filter((o) =>
      (slices.get(o) ?? []).some((span) => group.units.some((u) => overlaps(u, span))),
    );
    const complete = usable
      ? outputs.filter((o) => {
          return slices.get(o)?.every(([, b]) => b <= end) === true;
        })
      : [];
    const stubbed = lastGroup ? [] : outputs.filter((o) => !driven.has(o));
    const prefix = code.slice(0, end);
    const design = lastGroup
      ? code
      : `${prefix}${prefix.endsWith("\n") ? "" : "\n"}${stubbed.map((o) => stub(o, outputMap.get(o) === true)).join("")}endmodule\n`;
    steps.push({
      index: g,
      kind: group.kind,
      rationale: rationale(group.kind, group.units, group.drives, outputs, feeds),
      code: stepCode,
      drives: group.drives,
      feeds,
      complete,
      stubbed,
      design,
    });
  }
  if (steps.length === 0) {
    steps.push({
      index: 0,
      kind: "logic",
      rationale: "An empty module body.",
      code: code.slice(headerEnd),
      drives: [],
      feeds: [],
      complete: [],
      stubbed: [],
      design: code,
    });
  }
  return { id, header, outputs, steps, slicer: usable ? "slang" : "none" };
}

/**
 * The exact per-signal score of every prefix: each step's well-formed design checked against the reference output
 * by output with {@link partialScores} (what `rtlgym search --value signals` computes), outputs tied to 0 by a stub
 * counted as wrong (not driven yet). One group check per trajectory.
 */
export async function scoreTrajectory(
  problem: Problem,
  trajectory: Trajectory,
  verify: Omit<VerifyOptions, "refTop" | "candTop"> = {},
): Promise<ScoredStep[]> {
  const scores = await partialScores(
    problem,
    trajectory.steps.map((s) => s.design),
    verify,
  );
  return trajectory.steps.map((s, k) => {
    const p = scores[k] as (typeof scores)[number];
    const stubbed = new Set(s.stubbed);
    const correct = p.correct.filter((n) => !stubbed.has(n));
    const wrong = [...p.wrong, ...p.correct.filter((n) => stubbed.has(n))];
    const total = correct.length + wrong.length;
    const score = p.status === "pass" && stubbed.size === 0 ? 1 : total > 0 ? correct.length / total : 0;
    return { ...s, score, status: p.status, correct, wrong };
  });
}
