import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { PromptStyle } from "../bench/prompts.js";
import { type BenchRunOutput, runBench } from "../bench/run.js";
import { selectProblems } from "../bench/select.js";
import { loadSuite } from "../bench/suites/registry.js";
import type { EngineChoice, Problem } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import { createClient } from "../llm/index.js";
import { openStore, type StoredSample } from "../runs/index.js";
import { toolVersions } from "../verify/index.js";
import { serveModel } from "./serve.js";
import { openTrainStore } from "./store.js";

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
  engine?: EngineChoice;
  /** Torch CPU threads of the model server. */
  threads?: number;
  python?: string;
  /** Bench run store path; default `$RTLGYM_HOME/rtlgym.db`. */
  store?: string;
  /** Called after each scored sample. */
  onProgress?: (done: number, total: number) => void;
  /**
   * evaluateModel only: reuse a finished evaluation of the same model files with the same problems and settings
   * (`evaluationKey`) from the run store instead of sampling again; default true. Sampling is seeded, so a rerun
   * gives the same figures: the recipes' "before" evaluation of one SFT model is the same for every recipe.
   */
  reuse?: boolean;
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
  /** Wall time: serving, sampling and scoring (of the original evaluation when reused). */
  seconds: number;
  /** True when the figures come from an earlier identical evaluation (`reuse`). */
  reused?: boolean;
}

/** Options of {@link sampleTasks}: a model, a tasks split, and which of its problems. */
export interface SampleTasksOptions extends Omit<EvaluateModelOptions, "limit"> {
  /** Only these problems of the split (ids), in this order; default all (or the first `limit`). */
  problems?: readonly Problem[] | ((all: readonly Problem[]) => readonly Problem[]);
  limit?: number;
  /** Resume this bench run (one cut short) instead of starting a fresh one; it must have the same settings. */
  resume?: string;
}

/** What {@link sampleTasks} produced: the bench run (summary, scores) and every stored sample with its response. */
export interface SampleTasksResult {
  bench: BenchRunOutput;
  samples: StoredSample[];
  problems: readonly Problem[];
  seconds: number;
}

/** The problems of a tasks split that {@link sampleTasks} would sample, and the suite they come from. */
type ChosenProblems = { suite: Awaited<ReturnType<typeof loadSuite>>; problems: readonly Problem[] };

async function taskProblems(options: SampleTasksOptions): Promise<ChosenProblems> {
  const split = options.split ?? "heldout-params";
  const data = resolve(options.tasksDir, split);
  if (!existsSync(data)) {
    throw new BadInputError(`no split ${split} in ${options.tasksDir} (expected a \`rtlgym tasks generate\` folder)`, {
      path: data,
    });
  }
  const suite = await loadSuite("tasks", data);
  const chosen =
    typeof options.problems === "function" ? options.problems(suite.problems) : (options.problems ?? suite.problems);
  return { suite, problems: selectProblems(chosen, options.limit !== undefined ? { limit: options.limit } : {}) };
}

/**
 * Samples n responses per problem of a tasks split from a model directory and verifies them, as `bench run` does:
 * serves the model (`serveModel`, a free port), samples with rtlgym's OpenAI client, scores with `runBench` (a fresh
 * run each time, kept in the run store), and stops the server. Evaluation and the recipes' rollouts both use it.
 */
export async function sampleTasks(options: SampleTasksOptions): Promise<SampleTasksResult> {
  return sampleChosen(options, await taskProblems(options));
}

async function sampleChosen(
  options: SampleTasksOptions,
  { suite, problems }: ChosenProblems,
): Promise<SampleTasksResult> {
  const start = Date.now();
  const n = options.n ?? 5;
  if (!Number.isInteger(n) || n < 1) throw new BadInputError(`n must be a positive integer, got ${n}`);
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
      ...(options.resume !== undefined ? { runId: options.resume } : { fresh: true }),
      // A resumed run counts the samples scored before it stopped.
      onStart: ({ alreadyScored }) => {
        done = alreadyScored;
      },
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
  const chosen = await taskProblems(options);
  const key = options.reuse === false ? undefined : await evaluationKey(options, chosen.problems);
  const cache = key === undefined ? undefined : openTrainStore(...(options.store === undefined ? [] : [options.store]));
  try {
    const hit = key === undefined ? undefined : cache?.cachedEvaluation(key);
    if (hit !== undefined) return { ...(hit as unknown as EvaluateModelResult), reused: true };
    const { bench, seconds } = await sampleChosen(options, chosen);
    const s = bench.summary;
    const result: EvaluateModelResult = {
      passAt1: s.passAtK["1"] ?? 0,
      passAtK: s.passAtK,
      problems: s.attempted,
      samples: s.scored,
      statuses: s.statuses,
      runId: bench.run.id,
      seconds,
    };
    if (key !== undefined) cache?.cacheEvaluation(key, { ...result });
    return result;
  } finally {
    cache?.close();
  }
}

/** Files of a model directory that decide what it generates: weights, configs, tokenizer, chat template. */
const MODEL_FILE = /\.(safetensors|bin|json|jinja|model|txt|tiktoken)$/;

/**
 * sha256 over the model directory's own files (top level, sorted; rtlgym's run records `rtlgym-*` and sub-folders
 * such as checkpoints/ excluded), so a retrained model never matches its predecessor's evaluation.
 */
export async function modelDigest(dir: string): Promise<string> {
  const hash = createHash("sha256");
  const names = readdirSync(dir)
    .filter((f) => MODEL_FILE.test(f) && !f.startsWith("rtlgym-") && statSync(join(dir, f)).isFile())
    .sort();
  for (const name of names) {
    hash.update(`${name}\0`);
    for await (const chunk of createReadStream(join(dir, name))) hash.update(chunk as Buffer);
    hash.update("\0");
  }
  return hash.digest("hex");
}

/**
 * What an evaluation's figures depend on, hashed: the model files, every chosen problem (id, prompt, reference),
 * the sampling settings and seed, the prompt style, the engine and the verification tools' versions. `problems`:
 * the split's chosen problems when the caller has loaded them already.
 */
export async function evaluationKey(options: EvaluateModelOptions, problems?: readonly Problem[]): Promise<string> {
  problems ??= (await taskProblems(options)).problems;
  const parts = {
    model: await modelDigest(resolve(options.model)),
    problems: problems.map((p) => [p.id, p.prompt, p.reference, p.excluded ?? null]),
    n: options.n ?? 5,
    temperature: options.temperature ?? 0.2,
    seed: options.seed ?? 1,
    maxTokens: options.maxTokens ?? 384,
    topP: options.topP ?? null,
    promptStyle: options.promptStyle ?? "upstream",
    engine: options.engine ?? "sim",
    tools: await toolVersions(),
  };
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}
