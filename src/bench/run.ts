import pLimit from "p-limit";
import type { BenchSummary, LoadedSuite, Problem, SampleScore } from "../contracts/bench.js";
import type { ToolVersions } from "../contracts/verify.js";
import { BadInputError } from "../core/errors.js";
import type { Api, LlmClient } from "../llm/index.js";
import { buildPrompt, extractCandidate, type PromptStyle } from "./prompts.js";
import { type ScoreOptions, scoreProblem } from "./score.js";
import type { RunParams, RunRecord, Store } from "./store.js";
import { summarise } from "./summary.js";

/** Sampling parameters sent with every request. */
export interface Sampling {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  /** Base seed: sample i of a problem is drawn with seed + i where the server honours seeds. */
  seed: number;
  stop?: string[];
}

/** What a run reports as it goes: one event per generated batch, scored sample and failure. */
export type RunEvent =
  | { kind: "generated"; problem: string; samples: number }
  | { kind: "scored"; score: SampleScore }
  | { kind: "generation-failed"; problem: string; error: string };

export interface BenchRunInput {
  suite: LoadedSuite;
  /** Selected problems, excluded ones included (they are reported, never sampled). */
  problems: readonly Problem[];
  client: LlmClient;
  endpoint: string;
  model: string;
  api: Api;
  promptStyle: PromptStyle;
  /** Samples per problem. */
  n: number;
  sampling: Sampling;
  ks?: readonly number[];
  score: ScoreOptions;
  store: Store;
  toolVersions: ToolVersions;
  /** Resume this run id; otherwise the newest unfinished run with the same parameters is resumed. */
  runId?: string;
  /** Start a new run even when an unfinished one with the same parameters exists. */
  fresh?: boolean;
  /** Problems sampled at once (requests are further limited by the client's own concurrency). */
  concurrency?: number;
  /** Called once the run is created or reopened, before any request. */
  onStart?: (info: { runId: string; resumed: boolean; alreadyScored: number }) => void;
  onEvent?: (event: RunEvent) => void;
}

export interface BenchRunOutput {
  run: RunRecord;
  resumed: boolean;
  summary: BenchSummary;
  scores: SampleScore[];
  /** Samples still without a response (generation failed after retries); a re-run fills them in. */
  missing: number;
}

/**
 * Samples n responses per problem from a model endpoint, scores them, and writes every prompt, raw response,
 * extracted candidate and verdict to the store as soon as it exists, so a killed run resumes where it stopped:
 * generated samples are not regenerated and scored samples are not rescored.
 */
export async function runBench(input: BenchRunInput): Promise<BenchRunOutput> {
  const { store, suite } = input;
  const active = input.problems.filter((p) => p.excluded === undefined);
  const params: RunParams = {
    n: input.n,
    ...(input.ks && { ks: [...input.ks] }),
    seed: input.sampling.seed,
    sampling: samplingJson(input),
    verify: JSON.parse(JSON.stringify(input.score)),
    select: { problems: input.problems.map((p) => p.id) },
  };
  const query = {
    suite: suite.name,
    suiteRevision: suite.revision,
    model: input.model,
    endpoint: input.endpoint,
    kind: "run" as const,
    params,
  };
  let run = input.runId !== undefined ? store.getRun(input.runId) : undefined;
  if (input.runId !== undefined && !run) {
    throw new BadInputError(`no run "${input.runId}" in ${store.path} (see: rtlgym bench list)`);
  }
  if (!run && !input.fresh) run = store.findResumableRun(query);
  const resumed = run !== undefined;
  if (run) store.reopenRun(run.id);
  else run = store.createRun(query);
  const runId = run.id;

  const missing = store.missingSamples(
    runId,
    active.map((p) => p.id),
    input.n,
  );
  const missingBy = new Map<string, number[]>();
  for (const m of missing) missingBy.set(m.problem, [...(missingBy.get(m.problem) ?? []), m.sample]);
  const activeIds = new Set(active.map((p) => p.id));
  const scored = new Set(
    store
      .doneSamples(runId)
      .filter((k) => activeIds.has(k.problem) && k.sample < input.n)
      .map((k) => `${k.problem}#${k.sample}`),
  );
  input.onStart?.({ runId, resumed, alreadyScored: scored.size });

  const limit = pLimit(Math.max(input.concurrency ?? 4, 1));
  await Promise.all(
    active.map((problem) =>
      limit(async () => {
        const todo = missingBy.get(problem.id) ?? [];
        if (todo.length > 0) await generate(input, runId, problem, todo);
        const unscored = store
          .samplesOf(runId)
          .filter((s) => s.problem === problem.id && s.raw !== null && !scored.has(`${s.problem}#${s.sample}`));
        if (unscored.length === 0) return;
        const scores = await scoreProblem(
          problem,
          unscored.map((s) => ({ sample: s.sample, code: s.code })),
          input.score,
        );
        store.putScores(runId, scores);
        for (const score of scores) input.onEvent?.({ kind: "scored", score });
      }),
    ),
  );

  const stillMissing = store.missingSamples(
    runId,
    active.map((p) => p.id),
    input.n,
  ).length;
  const scores = store.scoresOf(runId);
  const summary = summarise({
    suite: suite.name,
    suiteRevision: suite.revision,
    problems: input.problems,
    scores,
    ...(input.ks && { ks: input.ks }),
    seed: input.sampling.seed,
    toolVersions: input.toolVersions,
    runId,
    model: input.model,
  });
  store.finishRun(runId, summary, stillMissing === 0 ? "done" : "failed");
  return { run: store.getRun(runId) as RunRecord, resumed, summary, scores, missing: stillMissing };
}

function samplingJson(input: BenchRunInput): Record<string, string | number | string[]> {
  const s = input.sampling;
  return {
    api: input.api,
    promptStyle: input.promptStyle,
    ...(s.temperature !== undefined && { temperature: s.temperature }),
    ...(s.topP !== undefined && { topP: s.topP }),
    ...(s.maxTokens !== undefined && { maxTokens: s.maxTokens }),
    ...(s.stop !== undefined && { stop: s.stop }),
  };
}

/** Draws the missing samples of one problem and stores each response with its extracted code. */
async function generate(input: BenchRunInput, runId: string, problem: Problem, todo: number[]): Promise<void> {
  const built = buildPrompt(problem, { api: input.api, style: input.promptStyle });
  const prompt = {
    ...(built.system !== undefined && { system: built.system }),
    prompt: built.prompt,
    ...(built.prefill !== undefined && { prefill: built.prefill }),
  };
  const stop = input.sampling.stop ?? built.stop;
  const first = Math.min(...todo);
  try {
    const generations = await input.client.generate({
      ...prompt,
      n: todo.length,
      seed: input.sampling.seed + first,
      ...(input.sampling.temperature !== undefined && { temperature: input.sampling.temperature }),
      ...(input.sampling.topP !== undefined && { topP: input.sampling.topP }),
      ...(input.sampling.maxTokens !== undefined && { maxTokens: input.sampling.maxTokens }),
      ...(stop !== undefined && { stop }),
    });
    input.store.putGenerations(
      runId,
      todo.map((sample, i) => {
        const raw = generations[i]?.text ?? null;
        const code =
          raw === null
            ? null
            : extractCandidate(problem, raw, built.prefill !== undefined ? { prefill: built.prefill } : {}) || null;
        return {
          problem: problem.id,
          sample,
          prompt,
          raw,
          code,
          ...(raw === null && { error: `the endpoint returned ${generations.length} of ${todo.length} samples` }),
        };
      }),
    );
    input.onEvent?.({ kind: "generated", problem: problem.id, samples: generations.length });
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    input.store.putGenerations(
      runId,
      todo.map((sample) => ({ problem: problem.id, sample, prompt, raw: null, code: null, error })),
    );
    input.onEvent?.({ kind: "generation-failed", problem: problem.id, error });
  }
}
