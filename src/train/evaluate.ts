import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { PromptStyle } from "../bench/prompts.js";
import { type BenchRunOutput, runBench } from "../bench/run.js";
import { selectProblems } from "../bench/select.js";
import { openStore, type StoredSample } from "../bench/store.js";
import { loadSuite } from "../bench/suites/registry.js";
import type { Problem } from "../contracts/bench.js";
import { BadInputError } from "../core/errors.js";
import { createClient } from "../llm/index.js";
import { toolVersions } from "../verify/index.js";
import { serveModel } from "./serve.js";

/** Options of {@link evaluateModel}. */
export interface EvaluateModelOptions {
  /** A Hugging Face model directory (the output of `rtlgym train sft` / `train rl`). */
  model: string;
  /** A `rtlgym tasks generate` folder. */
  tasksDir: string;
  /** The split scored, a sub-folder of `tasksDir`; default `heldout-params`. */
  split?: string;
  /** Samples per problem (pass@1 is the unbiased estimate from them); default 5. */
  n?: number;
  /** Only the first `limit` problems of the split; default all. */
  limit?: number;
  /** Sampling temperature; default 0.2 (the testbed baseline's). */
  temperature?: number;
  /** Sampling and stimulus seed; default 1. */
  seed?: number;
  /** Response token limit; default 384 (the testbed baseline's). */
  maxTokens?: number;
  topP?: number;
  /** Prompt style of the questions; default `upstream` (the tasks' own prompt). `codev` for think/answer models. */
  promptStyle?: PromptStyle;
  /** Equivalence engine; default `sim` (formal adds minutes on CPU and the tasks' references are small). */
  engine?: "sim" | "formal" | "both";
  /** Torch CPU threads of the model server. */
  threads?: number;
  python?: string;
  /** Bench run store path; default `$RTLGYM_HOME/rtlgym.db`. */
  store?: string;
  /** Called after each scored sample. */
  onProgress?: (done: number, total: number) => void;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}

/** What {@link evaluateModel} measured. Fractions in 0..1. */
export interface EvaluateModelResult {
  passAt1: number;
  /** pass@k for every k up to n. */
  passAtK: Record<string, number>;
  /** Problems scored. */
  problems: number;
  /** Samples scored. */
  samples: number;
  /** Count per verification status over the samples. */
  statuses: Record<string, number>;
  /** The bench run id in the run store (`rtlgym bench show RUN`). */
  runId: string;
  /** Wall time: serving, sampling and scoring. */
  seconds: number;
}

/** Options of {@link sampleTasks}: a model, a tasks split, and which of its problems. */
export interface SampleTasksOptions extends Omit<EvaluateModelOptions, "limit"> {
  /** Only these problems of the split (ids), in this order; default all (or the first `limit`). */
  problems?: readonly Problem[] | ((all: readonly Problem[]) => readonly Problem[]);
  limit?: number;
}

/** What {@link sampleTasks} produced: the bench run (summary, scores) and every stored sample with its response. */
export interface SampleTasksResult {
  bench: BenchRunOutput;
  samples: StoredSample[];
  problems: readonly Problem[];
  seconds: number;
}

/**
 * Samples n responses per problem of a tasks split from a model directory and verifies them, as `bench run` does:
 * serves the model (`serveModel`, a free port), samples with rtlgym's OpenAI client, scores with `runBench` (a fresh
 * run each time, kept in the run store), and stops the server. Evaluation and the recipes' rollouts both use it.
 */
export async function sampleTasks(options: SampleTasksOptions): Promise<SampleTasksResult> {
  const start = Date.now();
  const split = options.split ?? "heldout-params";
  const n = options.n ?? 5;
  if (!Number.isInteger(n) || n < 1) throw new BadInputError(`n must be a positive integer, got ${n}`);
  const data = resolve(options.tasksDir, split);
  if (!existsSync(data)) {
    throw new BadInputError(`no split ${split} in ${options.tasksDir} (expected a \`rtlgym tasks generate\` folder)`, {
      path: data,
    });
  }
  const suite = await loadSuite("tasks", data);
  const chosen =
    typeof options.problems === "function" ? options.problems(suite.problems) : (options.problems ?? suite.problems);
  const problems = selectProblems(chosen, options.limit !== undefined ? { limit: options.limit } : {});
  const served = await serveModel({
    model: options.model,
    port: 0,
    name: "candidate",
    ...(options.threads !== undefined && { threads: options.threads }),
    ...(options.python !== undefined && { python: options.python }),
    ...(options.onStderr && { onStderr: options.onStderr }),
    ...(options.signal && { signal: options.signal }),
  });
  const store = openStore(options.store);
  try {
    const client = createClient({ baseUrl: `${served.url}/v1`, model: served.model, api: "chat", concurrency: 2 });
    const total = problems.filter((p) => p.excluded === undefined).length * n;
    let done = 0;
    const bench = await runBench({
      suite,
      problems,
      client,
      endpoint: `${served.url}/v1`,
      model: resolve(options.model),
      api: "chat",
      promptStyle: options.promptStyle ?? "upstream",
      n,
      sampling: {
        seed: options.seed ?? 1,
        temperature: options.temperature ?? 0.2,
        maxTokens: options.maxTokens ?? 384,
        ...(options.topP !== undefined && { topP: options.topP }),
      },
      score: { verify: { engine: options.engine ?? "sim", seed: options.seed ?? 1 }, official: false },
      store,
      toolVersions: await toolVersions(),
      fresh: true,
      onEvent: (e) => {
        if (e.kind === "scored") options.onProgress?.(++done, total);
      },
    });
    return { bench, samples: store.samplesOf(bench.run.id), problems, seconds: (Date.now() - start) / 1000 };
  } finally {
    store.close();
    await served.close();
  }
}

/** Held-out pass@1 of a model directory on a tasks split, as `bench run` measures it ({@link sampleTasks}). */
export async function evaluateModel(options: EvaluateModelOptions): Promise<EvaluateModelResult> {
  const { bench, seconds } = await sampleTasks(options);
  const s = bench.summary;
  return {
    passAt1: s.passAtK["1"] ?? 0,
    passAtK: s.passAtK,
    problems: s.attempted,
    samples: s.scored,
    statuses: s.statuses,
    runId: bench.run.id,
    seconds,
  };
}
