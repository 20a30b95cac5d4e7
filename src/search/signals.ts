import { createHash } from "node:crypto";
import { z } from "zod";
import type { Problem } from "../contracts/index.js";
import { BadInputError, RtlgymError, ToolMissingError } from "../core/errors.js";
import { elaborateSources } from "../tools/iverilog.js";
import { yosysBackend } from "../tools/yosys.js";
import { verifyGroup } from "../verify/index.js";
import { sanitizeCandidate, tokenize } from "../verilog/index.js";

/*
 * Signals a user has at inference time, without the hidden reference: does a (partial) design elaborate, how many
 * other samples behave the same on random stimulus, and what a process reward model says. Nothing here reads
 * `problem.reference`.
 */

const OPENERS: Record<string, string> = {
  begin: "end",
  case: "endcase",
  casez: "endcase",
  casex: "endcase",
  fork: "join",
  function: "endfunction",
  task: "endtask",
  generate: "endgenerate",
};
const CLOSERS = new Set(["end", "endcase", "join", "join_any", "join_none", "endfunction", "endtask", "endgenerate"]);

/**
 * The keywords that close whatever `text` (a module body cut at a line boundary) left open, innermost first, then
 * `endmodule`: `begin` -> `end`, `case` -> `endcase`, ... A prefix cut inside a statement stays broken (and so does
 * not elaborate): that is part of what the signal measures.
 */
export function closers(text: string): string[] {
  const stack: string[] = [];
  for (const t of tokenize(text)) {
    if (t.kind !== "ident") continue;
    const close = OPENERS[t.text];
    if (close !== undefined) stack.push(close);
    else if (CLOSERS.has(t.text)) stack.pop();
    else if (t.text === "endmodule") stack.length = 0;
  }
  return [...stack.reverse(), "endmodule"];
}

const STATEMENT_HEADS = new Set(["if", "for", "while", "repeat", "@", "#"]);

/**
 * True when `text` ends where a statement must follow: after `else`, `always`/`initial`, a case label (`2'b01:`,
 * `default:`), or the parenthesised head of `if`/`for`/`while`/`repeat`/`@(...)` (`always @(posedge clk)` on a line of
 * its own). A null statement `;` makes such a prefix complete without changing what it already drives.
 */
export function endsAtStatementHead(text: string): boolean {
  const tokens = tokenize(text);
  const last = tokens.at(-1);
  if (!last) return false;
  if (last.kind === "ident")
    return ["else", "always", "always_ff", "always_comb", "always_latch", "initial"].includes(last.text);
  if (last.kind !== "punct") return false;
  if (last.text === ":") return true;
  if (last.text === "*" && tokens.at(-2)?.text === "@") return true;
  if (last.text !== ")") return false;
  let depth = 0;
  for (let i = tokens.length - 1; i >= 0; i--) {
    const t = tokens[i] as (typeof tokens)[number];
    if (t.kind !== "punct") continue;
    if (t.text === ")") depth++;
    else if (t.text === "(" && --depth === 0) {
      const before = tokens[i - 1];
      return before !== undefined && STATEMENT_HEADS.has(before.text);
    }
  }
  return false;
}

/**
 * A partial module body closed off so it can be compiled: a null statement where one must follow, the open blocks
 * closed, then `endmodule`.
 */
export function closeOff(body: string): string {
  const sep = body === "" || body.endsWith("\n") ? "" : "\n";
  const hole = endsAtStatementHead(body) ? ";\n" : "";
  return `${body}${sep}${hole}${closers(body).join("\n")}\n`;
}

/** True when `text` ends the design: an `endmodule` token in it. */
export function endsDesign(text: string): boolean {
  return tokenize(text).some((t) => t.kind === "ident" && t.text === "endmodule");
}

/** `text` up to and including its first `endmodule` (and the rest of that line's whitespace). */
export function cutAfterEndmodule(text: string): string {
  const t = tokenize(text).find((tok) => tok.kind === "ident" && tok.text === "endmodule");
  return t === undefined ? text : `${text.slice(0, t.end)}\n`;
}

const hash = (s: string) => createHash("sha256").update(s).digest("hex");

/** What a design check found: does it elaborate alone, and which output ports have no driver (Yosys `check`). */
export interface DesignCheck {
  elaborates: boolean;
  outputs: number;
  undriven: string[];
}

/** Outputs with a driver, as a fraction of all outputs (0 when the design does not elaborate). */
export function drivenFraction(c: DesignCheck): number {
  if (!c.elaborates) return 0;
  return c.outputs === 0 ? 1 : (c.outputs - c.undriven.length) / c.outputs;
}

/**
 * Cheap exact checks of candidate designs, cached by code hash (the same prefix or design is checked once per run):
 * iverilog elaboration with the candidate's top as the only root, then, for designs that elaborate, Yosys `proc;
 * check` for output ports nobody drives. Reads the candidate only.
 */
export class DesignChecker {
  private readonly results = new Map<string, Promise<DesignCheck>>();
  /** Checks actually run (cache misses). */
  runs = 0;

  constructor(private readonly timeoutMs = 10_000) {}

  check(code: string, top: string): Promise<DesignCheck> {
    if (code.trim() === "") return Promise.resolve({ elaborates: false, outputs: 0, undriven: [] });
    const key = hash(`${top}\u0000${code}`);
    let r = this.results.get(key);
    if (!r) {
      this.runs++;
      r = this.run(code, top);
      this.results.set(key, r);
    }
    return r;
  }

  /** Whether `code` elaborates alone with `top` as its root. */
  async elaborates(code: string, top: string): Promise<boolean> {
    return (await this.check(code, top)).elaborates;
  }

  private async run(code: string, top: string): Promise<DesignCheck> {
    const elab = await elaborateSources({ "design.sv": code }, [top], { timeoutMs: this.timeoutMs });
    if (!elab.ok) return { elaborates: false, outputs: 0, undriven: [] };
    const yosys = await yosysBackend();
    const run = await yosys.run({
      files: { "design.sv": code },
      // -noblackbox: an empty module is a design with nothing driven, not a black box.
      commands: [
        "read_verilog -sv -noblackbox design.sv",
        `hierarchy -top ${top}`,
        "proc",
        "flatten",
        "write_json design.json",
      ],
      outputs: ["design.json"],
      timeoutMs: this.timeoutMs,
    });
    const json = run.ok ? run.outputs["design.json"] : undefined;
    // Yosys may reject what iverilog accepts: then only elaboration counts and every output is taken as driven.
    if (json === undefined) return { elaborates: true, outputs: 0, undriven: [] };
    return { elaborates: true, ...undrivenOutputs(JSON.parse(json), top) };
  }
}

interface NetlistJson {
  modules?: Record<
    string,
    {
      ports?: Record<string, { direction: string; bits: Array<number | string> }>;
      cells?: Record<
        string,
        { port_directions?: Record<string, string>; connections?: Record<string, Array<number | string>> }
      >;
    }
  >;
}

/**
 * Output ports of `top` with a bit nothing drives, from Yosys JSON: a bit is driven when it is a constant 0/1, an
 * input bit (a wire-through) or the output of a cell.
 */
export function undrivenOutputs(netlist: NetlistJson, top: string): { outputs: number; undriven: string[] } {
  const mod = netlist.modules?.[top];
  if (!mod) return { outputs: 0, undriven: [] };
  const driven = new Set<number | string>(["0", "1"]);
  const ports = Object.entries(mod.ports ?? {});
  for (const [, p] of ports) if (p.direction === "input") for (const b of p.bits) driven.add(b);
  for (const cell of Object.values(mod.cells ?? {})) {
    for (const [port, dir] of Object.entries(cell.port_directions ?? {})) {
      if (dir === "output") for (const b of cell.connections?.[port] ?? []) driven.add(b);
    }
  }
  const outputs = ports.filter(([, p]) => p.direction === "output");
  const undriven = outputs.filter(([, p]) => p.bits.some((b) => !driven.has(b))).map(([name]) => name);
  return { outputs: outputs.length, undriven };
}

/** One cluster of samples that behaved alike: indices into the candidate list. */
export interface BehaviourCluster {
  representative: number;
  members: number[];
}

/**
 * Groups candidates by simulated behaviour (self-consistency): the first unclustered candidate is taken as the
 * "reference" of rtlgym's equivalence check (simulation only, random stimulus from `seed`) and every remaining
 * candidate that passes against it joins its cluster; repeat. One group check per cluster. Only candidates listed
 * in `eligible` (those that elaborate) are clustered; a candidate the checker cannot take as a reference stays
 * alone. Uses the candidates only, never the problem's reference. A representative is model output standing where
 * the checker expects a trusted reference, so it goes through the candidates' sanitiser first (system tasks
 * neutralised); one the sanitiser refuses (`$system`, file I/O, ...) is never simulated as a reference and stays alone.
 */
export async function clusterByBehaviour(
  candidates: readonly string[],
  eligible: readonly number[],
  top: string,
  options: { seed: number; timeoutMs?: number },
): Promise<BehaviourCluster[]> {
  const left = [...eligible];
  const clusters: BehaviourCluster[] = [];
  while (left.length > 0) {
    const rep = left.shift() as number;
    const members = [rep];
    const clean = sanitizeCandidate(candidates[rep] as string);
    if (left.length > 0 && clean.rejected.length === 0) {
      try {
        const results = await verifyGroup({
          reference: clean.code,
          refTop: top,
          candTop: top,
          candidates: left.map((i) => candidates[i] as string),
          engine: "sim",
          seed: options.seed,
          ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
        });
        const joined = left.filter((_, j) => results[j]?.status === "pass");
        members.push(...joined);
        for (const i of joined) left.splice(left.indexOf(i), 1);
      } catch (e) {
        if (!(e instanceof RtlgymError) || e instanceof ToolMissingError) throw e;
        // the checker could not read this candidate as a reference: it stays a cluster of one
      }
    }
    clusters.push({ representative: rep, members });
  }
  return clusters;
}

/** What a PRM endpoint answers: one score for the whole prefix, or one per step (the last is used). */
const PrmResponse = z.union([
  z.object({ score: z.number() }),
  z.object({ scores: z.array(z.number()).min(1) }),
  z.object({ rewards: z.array(z.number()).min(1) }),
]);

/** An HTTP process reward model: POST `{problem, prompt, steps}` -> `{score}` (or `{scores: [...]}` per step). */
export interface PrmClient {
  readonly url: string;
  /** Score in [0, 1] of a (partial) design given as its steps; calls so far in `calls`. */
  score(problem: Problem, prompt: string, steps: readonly string[]): Promise<number>;
  readonly calls: number;
}

/**
 * A client for a PRM scoring endpoint. The request is `{"problem": id, "prompt": the raw prompt the model
 * continued, "steps": [step texts so far]}`; the answer `{"score": x}`, `{"scores": [per step]}` or
 * `{"rewards": [...]}` (the last value counts). Scores outside [0, 1] or not finite are errors, not rewards.
 */
export function createPrmClient(url: string, options: { timeoutMs?: number; retries?: number } = {}): PrmClient {
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    throw new BadInputError(`--prm must be an http(s) URL, got "${url}"`);
  }
  if (parsedUrl.protocol !== "http:" && parsedUrl.protocol !== "https:") {
    throw new BadInputError(`--prm must be an http(s) URL, got "${url}"`);
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  const retries = options.retries ?? 2;
  const state = { calls: 0 };
  async function score(problem: Problem, prompt: string, steps: readonly string[]): Promise<number> {
    const body = JSON.stringify({ problem: problem.id, prompt, steps });
    let last: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      state.calls++;
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await res.text();
        if (res.status >= 500) throw new Error(`PRM endpoint ${url} answered ${res.status}`);
        if (!res.ok) throw new BadInputError(`PRM endpoint ${url} answered ${res.status}: ${text.slice(0, 300)}`);
        const parsed = PrmResponse.safeParse(JSON.parse(text));
        if (!parsed.success) throw new BadInputError(`PRM endpoint ${url} returned no score: ${text.slice(0, 300)}`);
        const d = parsed.data;
        const value = "score" in d ? d.score : "scores" in d ? d.scores.at(-1) : d.rewards.at(-1);
        if (value === undefined || !Number.isFinite(value) || value < 0 || value > 1) {
          throw new BadInputError(`PRM endpoint ${url} returned a score outside [0, 1]: ${value}`);
        }
        return value;
      } catch (e) {
        if (e instanceof BadInputError) throw e;
        last = e;
      }
    }
    throw new RtlgymError(
      "TOOL_CRASHED",
      `PRM endpoint ${url} failed after ${retries + 1} attempts: ${last instanceof Error ? last.message : String(last)}`,
      { url },
    );
  }
  return {
    url,
    score,
    get calls() {
      return state.calls;
    },
  };
}
