import pLimit from "p-limit";
import type { Problem, SampleScore } from "../contracts/index.js";
import { extractCandidate } from "./prompts.js";
import type { RawSample } from "./samples.js";
import { type ProblemSample, type ScoreOptions, scoreProblem } from "./score.js";

export interface EvaluateOptions extends ScoreOptions {
  /** Problems scored at once (each problem's samples already share one group check). */
  concurrency?: number;
  /** Called once per scored sample, in completion order (progress, persistence). */
  onScore?: (score: SampleScore) => void;
  /** Called when every sample of a problem is scored, with the candidate code each score is for. */
  onProblem?: (problem: Problem, scores: SampleScore[], samples: ProblemSample[]) => void | Promise<void>;
}

/** Turns a raw sample into candidate source (null when the response holds none): model output goes through the suite's extraction. */
function candidateCode(problem: Problem, sample: RawSample): string | null {
  if (sample.extracted) return sample.text;
  return extractCandidate(problem, sample.text) || null;
}

/**
 * Scores samples problem by problem. Problems without samples are skipped here (the summary still counts them
 * as attempted); excluded problems are never scored.
 */
export async function evaluateSamples(
  problems: readonly Problem[],
  samples: readonly RawSample[],
  options: EvaluateOptions = {},
): Promise<SampleScore[]> {
  const byProblem = new Map<string, RawSample[]>();
  for (const s of samples) {
    const list = byProblem.get(s.problem) ?? [];
    list.push(s);
    byProblem.set(s.problem, list);
  }
  const limit = pLimit(Math.max(options.concurrency ?? 2, 1));
  const scored = await Promise.all(
    problems
      .filter((p) => p.excluded === undefined && byProblem.has(p.id))
      .map((problem) =>
        limit(async () => {
          const raw = (byProblem.get(problem.id) ?? []).sort((a, b) => a.sample - b.sample);
          const items: ProblemSample[] = raw.map((s) => ({ sample: s.sample, code: candidateCode(problem, s) }));
          const scores = await scoreProblem(problem, items, options);
          for (const s of scores) options.onScore?.(s);
          await options.onProblem?.(problem, scores, items);
          return scores;
        }),
      ),
  );
  return scored.flat();
}
