import { existsSync, statSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import pLimit from "p-limit";
import type { SliceAnswer } from "../contracts/index.js";
import { Problem } from "../contracts/index.js";
import { BadInputError, RtlgymError, ToolMissingError } from "../core/errors.js";
import { moduleHeader } from "../data/export.js";
import { sliceDesigns } from "../tools/slice.js";
import type { VerifyOptions } from "../verify/index.js";
import { extractVerilog, listModules } from "../verilog/index.js";
import { type ScoredStep, scoreTrajectory, splitSteps } from "./steps.js";

/** One row of `steps.jsonl`: the problem (so labels need nothing else), the header and the scored steps. */
export interface TrajectoryRow {
  id: string;
  problem: Problem;
  header: string;
  outputs: string[];
  slicer: "slang" | "none";
  steps: ScoredStep[];
}

export interface StepDataOptions {
  /** A `rtlgym tasks generate` folder (with `split`), a split folder, a problems.jsonl, or an SFT export JSONL. */
  input: string;
  /** The split of a tasks folder (default train). */
  split?: string;
  out: string;
  limit?: number;
  /** A Python with rtlgym_train and pyslang for the signal slices; none: left-hand sides only. */
  python?: string;
  verify: Omit<VerifyOptions, "refTop" | "candTop">;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface StepDataSummary {
  out: string;
  input: string;
  trajectories: number;
  steps: number;
  /** Trajectories left out, by reason (several modules, no endmodule, reference does not verify...). */
  skipped: Record<string, number>;
  /** Prefix designs that do not compile (should be 0: every prefix is well-formed). */
  illFormed: number;
  /** Trajectories whose last design is not the solution (should be 0). */
  lastDiffers: number;
  /** Mean per-signal score of the first prefix, over trajectories with at least 2 steps. */
  meanFirstScore: number;
  slang: number;
  wallMs: number;
}

/** Problems from a tasks folder, a split folder, a problems.jsonl, or an SFT export (`{prompt, completion}`/`{messages}`). */
export async function readSolutions(input: string, split = "train"): Promise<Problem[]> {
  let file = resolve(input);
  if (existsSync(file) && statSync(file).isDirectory()) {
    const nested = join(file, split, "problems.jsonl");
    const flat = join(file, "problems.jsonl");
    if (existsSync(nested)) file = nested;
    else if (existsSync(flat)) file = flat;
    else throw new BadInputError(`${input} holds neither ${split}/problems.jsonl nor problems.jsonl`);
  }
  if (!existsSync(file)) throw new BadInputError(`${input} does not exist`);
  const text = await readFile(file, "utf8");
  const out: Problem[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line);
    } catch {
      throw new BadInputError(`${file} line ${i + 1} is not JSON`);
    }
    const asProblem = Problem.safeParse(row);
    if (asProblem.success) {
      out.push(asProblem.data);
      continue;
    }
    const fromExport = exportProblem(row, i);
    if (!fromExport) throw new BadInputError(`${file} line ${i + 1} is neither a task nor an SFT export row`);
    out.push(fromExport);
  }
  return out;
}

/** An SFT export row (`rtlgym data export --format sft`) as a problem: its code is the reference and the answer. */
function exportProblem(row: Record<string, unknown>, index: number): Problem | undefined {
  let prompt: string | undefined;
  let answer: string | undefined;
  if (typeof row.prompt === "string" && typeof row.completion === "string") {
    prompt = row.prompt;
    answer = row.completion;
  } else if (Array.isArray(row.messages)) {
    const msgs = row.messages as Array<{ role?: string; content?: string }>;
    prompt = msgs.find((m) => m.role === "user")?.content;
    answer = msgs.find((m) => m.role === "assistant")?.content;
  }
  if (prompt === undefined || answer === undefined) return undefined;
  const code = extractVerilog(answer).code;
  const top = listModules(code).at(-1)?.name;
  if (!code || !top) return undefined;
  const id = typeof row.id === "string" ? row.id : `row${index}`;
  return {
    suite: "export",
    id,
    task: "spec-to-rtl",
    prompt,
    header: moduleHeader(code, top),
    reference: code,
    refTop: top,
    candTop: top,
    tags: [],
  };
}

/**
 * `rtlgym data steps`: every solution cut into steps (see {@link splitSteps}) with the exact per-signal score of each
 * prefix, written as `OUT/steps.jsonl` and `OUT/manifest.json`. Solutions with several modules are skipped and
 * counted; so is any whose complete design does not verify against itself (a broken reference).
 */
export async function buildStepData(options: StepDataOptions): Promise<StepDataSummary> {
  const started = performance.now();
  let problems = (await readSolutions(options.input, options.split)).filter(
    (p) => p.excluded === undefined && p.language !== "vhdl",
  );
  if (options.limit !== undefined) problems = problems.slice(0, options.limit);
  if (problems.length === 0) throw new BadInputError(`no Verilog solution in ${options.input}`);
  const slices: Array<SliceAnswer | undefined> = options.python
    ? await sliceDesigns(
        problems.map((p) => ({ text: p.reference, top: p.refTop })),
        { python: options.python },
      )
    : problems.map(() => undefined);
  const skipped: Record<string, number> = {};
  const skip = (why: string) => {
    skipped[why] = (skipped[why] ?? 0) + 1;
  };
  const rows: Array<TrajectoryRow | undefined> = new Array(problems.length);
  const limit = pLimit(Math.max(1, options.concurrency ?? 2));
  let done = 0;
  await Promise.all(
    problems.map((problem, k) =>
      limit(async () => {
        try {
          const t = splitSteps(problem.id, problem.reference, problem.refTop, slices[k]);
          const steps = await scoreTrajectory(problem, t, options.verify);
          if (steps.at(-1)?.status !== "pass") skip(`reference-${steps.at(-1)?.status ?? "unknown"}`);
          else rows[k] = { id: problem.id, problem, header: t.header, outputs: t.outputs, slicer: t.slicer, steps };
        } catch (e) {
          if (!(e instanceof RtlgymError) || e instanceof ToolMissingError) throw e;
          skip(e.code === "BAD_INPUT" ? e.message.replace(/module \S+/, "module").slice(0, 80) : e.code);
        }
        options.onProgress?.(++done, problems.length);
      }),
    ),
  );
  const kept = rows.filter((r): r is TrajectoryRow => r !== undefined);
  const out = resolve(options.out);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "steps.jsonl"), kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const multi = kept.filter((r) => r.steps.length >= 2);
  const summary: StepDataSummary = {
    out,
    input: options.input,
    trajectories: kept.length,
    steps: kept.reduce((n, r) => n + r.steps.length, 0),
    skipped,
    illFormed: kept.reduce((n, r) => n + r.steps.filter((s) => s.status === "compile_error").length, 0),
    lastDiffers: kept.filter((r) => r.header + r.steps.map((s) => s.code).join("") !== r.problem.reference).length,
    meanFirstScore: multi.length > 0 ? multi.reduce((n, r) => n + (r.steps[0]?.score ?? 0), 0) / multi.length : 0,
    slang: kept.filter((r) => r.slicer === "slang").length,
    wallMs: Math.round(performance.now() - started),
  };
  await writeFile(join(out, "manifest.json"), `${JSON.stringify({ kind: "rtlgym-steps", ...summary }, null, 2)}\n`);
  return summary;
}

/** Reads `steps.jsonl` (a file, or the folder `rtlgym data steps` wrote). */
export async function readTrajectories(path: string): Promise<TrajectoryRow[]> {
  let file = resolve(path);
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "steps.jsonl");
  if (!existsSync(file)) throw new BadInputError(`${path}: no steps.jsonl (run \`rtlgym data steps\` first)`);
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l, i) => {
      try {
        return JSON.parse(l) as TrajectoryRow;
      } catch {
        throw new BadInputError(`${file} line ${i + 1} is not JSON`);
      }
    });
}
