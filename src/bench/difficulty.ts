import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import type { SampleScore } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import type { RunRecord, Store } from "../runs/index.js";

/**
 * Difficulty of training problems for a model, measured: how many of n sampled answers passed. CodeV-R1 filters its
 * RL data this way (problems the model always or never solves give a group of equal rewards, hence no gradient);
 * the recipes read the report and train only on problems inside a pass-rate band.
 */
export const DifficultyProblem = z.strictObject({
  id: z.string(),
  /** Samples with a verdict (infra errors are not counted: they say nothing about the model). */
  n: z.number().int().nonnegative(),
  /** Samples that passed. */
  c: z.number().int().nonnegative(),
});
export type DifficultyProblem = z.infer<typeof DifficultyProblem>;

export const DIFFICULTY_KIND = "rtlgym-difficulty";

export const DifficultyReport = z.strictObject({
  kind: z.literal(DIFFICULTY_KIND),
  version: z.literal(1),
  /** The bench run the counts come from (`rtlgym bench show RUN`). */
  run: z.string(),
  suite: z.string(),
  model: z.string().nullable(),
  /** Samples per problem and sampling parameters of that run. */
  n: z.number().int().positive().nullable(),
  sampling: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  problems: z.array(DifficultyProblem),
});
export type DifficultyReport = z.infer<typeof DifficultyReport>;

/** A closed pass-rate interval [lo, hi]; the default keeps problems solved sometimes, never always or never. */
export const PassRateBand = z
  .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
  .refine(([lo, hi]) => lo <= hi, "the band's low end must not exceed its high end");
export type PassRateBand = z.infer<typeof PassRateBand>;
export const DEFAULT_BAND: PassRateBand = [0.1, 0.9];

/** Per-problem pass counts of a set of scores; infra errors are left out of n. */
export function passCounts(scores: readonly Pick<SampleScore, "problem" | "status">[]): DifficultyProblem[] {
  const by = new Map<string, DifficultyProblem>();
  for (const s of scores) {
    const p = by.get(s.problem) ?? { id: s.problem, n: 0, c: 0 };
    if (s.status !== "infra_error") {
      p.n++;
      if (s.status === "pass") p.c++;
    }
    by.set(s.problem, p);
  }
  return [...by.values()];
}

/** The difficulty report of a bench run in the store (finished or not: the samples scored so far). */
export function difficultyOfRun(store: Store, runId: string, now: Date = new Date()): DifficultyReport {
  const run: RunRecord | undefined = store.getRun(runId);
  if (run === undefined) throw new BadInputError(`no bench run ${runId} in the run store`, { run: runId });
  const problems = passCounts(store.scoresOf(runId));
  if (problems.length === 0) throw new BadInputError(`bench run ${runId} has no scored sample yet`, { run: runId });
  return {
    kind: DIFFICULTY_KIND,
    version: 1,
    run: run.id,
    suite: run.suite,
    model: run.model,
    n: run.params.n ?? null,
    sampling: run.params.sampling ?? {},
    createdAt: now.toISOString(),
    problems,
  };
}

export function passRate(p: DifficultyProblem): number | null {
  return p.n === 0 ? null : p.c / p.n;
}

/** Ids of the problems whose pass rate lies in the band (problems without a verdict are left out). */
export function inBand(report: DifficultyReport, band: PassRateBand): string[] {
  const [lo, hi] = band;
  return report.problems
    .filter((p) => {
      const r = passRate(p);
      return r !== null && r >= lo && r <= hi;
    })
    .map((p) => p.id);
}

/** Problems per pass-rate bucket: never (0), (0, 0.25], (0.25, 0.5], (0.5, 0.75], (0.75, 1), always (1). */
export function histogram(report: DifficultyReport): Record<string, number> {
  const out: Record<string, number> = { never: 0, "0-25%": 0, "25-50%": 0, "50-75%": 0, "75-100%": 0, always: 0 };
  for (const p of report.problems) {
    const r = passRate(p);
    if (r === null) continue;
    const key =
      r === 0
        ? "never"
        : r === 1
          ? "always"
          : r <= 0.25
            ? "0-25%"
            : r <= 0.5
              ? "25-50%"
              : r <= 0.75
                ? "50-75%"
                : "75-100%";
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

export function writeDifficulty(file: string, report: DifficultyReport): void {
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

export function readDifficulty(file: string): DifficultyReport {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new BadInputError(`difficulty report ${file}: ${(e as Error).message}`, { file });
  }
  const parsed = DifficultyReport.safeParse(raw);
  if (!parsed.success) {
    throw new BadInputError(
      `${file} is not a difficulty report (\`rtlgym data difficulty\`): ${parsed.error.message}`,
      {
        file,
      },
    );
  }
  return parsed.data;
}

/**
 * The problems a recipe trains on, given `prompts: { difficulty, band }`: the ids in the band, or an error when the
 * band keeps none (a recipe must not silently train on nothing).
 */
export function bandIds(file: string, band: PassRateBand): Set<string> {
  const report = readDifficulty(file);
  const ids = inBand(report, band);
  if (ids.length === 0) {
    throw new BadInputError(
      `no problem of ${file} has a pass rate in [${band.join(", ")}] (${JSON.stringify(histogram(report))})`,
      { file },
    );
  }
  return new Set(ids);
}

/** A recipe's `difficulty:` setting: train only on the problems of a difficulty report whose pass rate is in the band. */
export const DifficultyFilter = z.strictObject({
  /** A `rtlgym data difficulty` report of the start model on the training split. */
  report: z.string(),
  band: PassRateBand.default(DEFAULT_BAND),
});
export type DifficultyFilter = z.infer<typeof DifficultyFilter>;
