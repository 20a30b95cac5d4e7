import { existsSync, statSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import pLimit from "p-limit";
import type { SliceAnswer } from "../contracts/index.js";
import { Problem } from "../contracts/index.js";
import { BadInputError, RtlgymError, ToolMissingError } from "../core/errors.js";
import { moduleHeader } from "../data/export.js";
import { openStore } from "../runs/index.js";
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
  /** Set when the trajectory is a model's own answer (`--samples-from`), not the problem's reference. */
  source?: SampleOrigin;
}

/** Where a trajectory cut from a model's answer came from. */
export interface SampleOrigin {
  run: string;
  sample: number;
  /** The answer's verdict when it was scored in that run (pass or fail: answers that do not elaborate are left out). */
  status: "pass" | "fail";
}

/**
 * The model's own answers as trajectories, Math-Shepherd's way: a PRM trained only on prefixes of correct references
 * never sees a finished design that fails, yet search asks it to score the model's finished designs. A stored bench
 * run's scored samples (e.g. the run `rtlgym data difficulty` made on the train split) are cut into steps instead of
 * the references; each answer's last step is then labelled by its own verification (pass or fail).
 */
export interface SampleSource {
  /** The run id (`rtlgym bench list`). */
  run: string;
  /** The run store (default `$RTLGYM_HOME/rtlgym.db`). */
  db?: string;
  /** Distinct answers kept a problem (default 2): failing and passing taken in turn, failing first, by sample index. */
  perProblem?: number;
}

export interface StepDataOptions {
  /** A `rtlgym tasks generate` folder (with `split`), a split folder, a problems.jsonl, or an SFT export JSONL. */
  input: string;
  /** The split of a tasks folder (default train). */
  split?: string;
  out: string;
  limit?: number;
  /** Cut the model's answers from a stored run instead of the references (see {@link SampleSource}). */
  samples?: SampleSource;
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
  /** With `samples`: the kept answers by their own verdict (their last step's label). */
  answers?: { pass: number; fail: number };
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

/** One design to cut into steps: a problem's reference, or a model's answer to it. */
interface Solution {
  id: string;
  problem: Problem;
  code: string;
  top: string;
  source?: SampleOrigin;
}

/**
 * The answers of a stored run to `problems` that elaborated (scored pass or fail), distinct per problem, at most
 * `perProblem` a problem: failing and passing in turn, failing first, each in sample order.
 */
function sampleSolutions(problems: readonly Problem[], source: SampleSource): Solution[] {
  const perProblem = source.perProblem ?? 2;
  if (!Number.isInteger(perProblem) || perProblem < 1) throw new BadInputError("--samples-per-problem must be >= 1");
  const store = openStore(source.db);
  try {
    if (!store.getRun(source.run)) throw new BadInputError(`no run ${source.run} in ${store.path}`);
    const byProblem = new Map<string, Array<{ sample: number; code: string; status: "pass" | "fail" }>>();
    for (const s of store.samplesOf(source.run)) {
      const status = s.score?.status;
      if (s.code === null || (status !== "pass" && status !== "fail")) continue;
      const list = byProblem.get(s.problem) ?? [];
      if (!list.some((x) => x.code === s.code)) list.push({ sample: s.sample, code: s.code, status });
      byProblem.set(s.problem, list);
    }
    if (byProblem.size === 0) throw new BadInputError(`run ${source.run} has no scored answer that elaborates`);
    const out: Solution[] = [];
    for (const problem of problems) {
      const answers = byProblem.get(problem.id) ?? [];
      const fails = answers.filter((a) => a.status === "fail");
      const passes = answers.filter((a) => a.status === "pass");
      const picked: typeof answers = [];
      for (let k = 0; picked.length < perProblem && k < Math.max(fails.length, passes.length); k++) {
        for (const a of [fails[k], passes[k]]) if (a && picked.length < perProblem) picked.push(a);
      }
      for (const a of picked) {
        out.push({
          id: `${problem.id}#${a.sample}`,
          problem,
          code: a.code,
          top: problem.candTop,
          source: { run: source.run, sample: a.sample, status: a.status },
        });
      }
    }
    return out;
  } finally {
    store.close();
  }
}

/**
 * `rtlgym data steps`: every solution cut into steps (see {@link splitSteps}) with the exact per-signal score of each
 * prefix, written as `OUT/steps.jsonl` and `OUT/manifest.json`. Solutions with several modules are skipped and
 * counted; so is any whose complete design does not verify against itself (a broken reference). With `samples`, the
 * model's answers from a stored run are cut instead, failing ones kept (their last step is labelled by their verdict).
 */
export async function buildStepData(options: StepDataOptions): Promise<StepDataSummary> {
  const started = performance.now();
  const problems = (await readSolutions(options.input, options.split)).filter(
    (p) => p.excluded === undefined && p.language !== "vhdl",
  );
  let solutions: Solution[] = options.samples
    ? sampleSolutions(problems, options.samples)
    : problems.map((p) => ({ id: p.id, problem: p, code: p.reference, top: p.refTop }));
  if (options.limit !== undefined) solutions = solutions.slice(0, options.limit);
  if (solutions.length === 0)
    throw new BadInputError(
      options.samples
        ? `run ${options.samples.run} has no answer to a Verilog problem of ${options.input}`
        : `no Verilog solution in ${options.input}`,
    );
  const slices: Array<SliceAnswer | undefined> = options.python
    ? await sliceDesigns(
        solutions.map((s) => ({ text: s.code, top: s.top })),
        { python: options.python },
      )
    : solutions.map(() => undefined);
  const skipped: Record<string, number> = {};
  const skip = (why: string) => {
    skipped[why] = (skipped[why] ?? 0) + 1;
  };
  const rows: Array<TrajectoryRow | undefined> = new Array(solutions.length);
  const limit = pLimit(Math.max(1, options.concurrency ?? 2));
  let done = 0;
  await Promise.all(
    solutions.map((solution, k) =>
      limit(async () => {
        const { problem } = solution;
        try {
          const t = splitSteps(solution.id, solution.code, solution.top, slices[k]);
          const steps = await scoreTrajectory(problem, t, options.verify);
          const status = steps.at(-1)?.status ?? "unknown";
          // A reference must verify; an answer must elaborate (its verdict is its last step's label).
          if (solution.source ? status !== "pass" && status !== "fail" : status !== "pass")
            skip(`${solution.source ? "answer" : "reference"}-${status}`);
          else
            rows[k] = {
              id: solution.id,
              problem,
              header: t.header,
              outputs: t.outputs,
              slicer: t.slicer,
              steps,
              ...(solution.source && { source: { ...solution.source, status: status as "pass" | "fail" } }),
            };
        } catch (e) {
          if (!(e instanceof RtlgymError) || e instanceof ToolMissingError) throw e;
          skip(e.code === "BAD_INPUT" ? e.message.replace(/module \S+/, "module").slice(0, 80) : e.code);
        }
        options.onProgress?.(++done, solutions.length);
      }),
    ),
  );
  const kept = rows.filter((r): r is TrajectoryRow => r !== undefined);
  const out = resolve(options.out);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, "steps.jsonl"), kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const multi = kept.filter((r) => r.steps.length >= 2);
  const answers = kept.flatMap((r) => (r.source ? [r.source.status] : []));
  const summary: StepDataSummary = {
    out,
    input: options.input,
    trajectories: kept.length,
    steps: kept.reduce((n, r) => n + r.steps.length, 0),
    skipped,
    illFormed: kept.reduce((n, r) => n + r.steps.filter((s) => s.status === "compile_error").length, 0),
    lastDiffers: rows.filter((r, k) => r && r.header + r.steps.map((s) => s.code).join("") !== solutions[k]?.code)
      .length,
    ...(options.samples && {
      answers: { pass: answers.filter((a) => a === "pass").length, fail: answers.filter((a) => a === "fail").length },
    }),
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
