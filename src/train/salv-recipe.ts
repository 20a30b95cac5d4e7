import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { bandIds, DifficultyFilter } from "../bench/difficulty.js";
import { BadInputError } from "../core/errors.js";
import { Rng } from "../tasks/index.js";
import { sampleTasks } from "./evaluate.js";
import { findPython } from "./python.js";
import { HELDOUT_PASS_AT_1, heldoutPassAt1, minutesSince, openRecipeDir, withTrainRun } from "./recipe-run.js";
import { buildSalvPairs, readSalvPairs, type SalvStats, samplesFromRun, writeSalvPairs } from "./salv.js";
import { runTrainer } from "./trainer.js";

const Sampling = z.strictObject({
  temperature: z.number().min(0).max(2).default(1),
  topP: z.number().gt(0).max(1).default(0.95),
  maxTokens: z.number().int().positive().default(384),
});

const Eval = z.strictObject({
  split: z.string().default("heldout-params"),
  n: z.number().int().positive().default(5),
  limit: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).default(0.2),
});

const Train = z.strictObject({
  /** SALV: DPO sigmoid loss, beta 0.1. */
  beta: z.number().positive().default(0.1),
  learningRate: z.number().positive().default(5e-6),
  epochs: z.number().positive().default(1),
  /** Stop after this many optimizer steps (default: the epochs decide). */
  maxSteps: z.number().int().positive().optional(),
  batchSize: z.number().int().positive().default(4),
  gradAccum: z.number().int().positive().default(1),
  maxLength: z.number().int().positive().default(1024),
  lora: z.boolean().default(false),
  loraR: z.number().int().positive().default(16),
  loraAlpha: z.number().int().positive().default(32),
  timeBudgetS: z.number().positive().optional(),
});

/** `rtlgym train salv --config FILE`: the recipe's settings (YAML or JSON). */
export const SalvConfig = z.strictObject({
  recipe: z.literal("salv").default("salv"),
  /** The model sampled and trained (a Hugging Face directory: the testbed's SFT model). */
  model: z.string(),
  /** A `rtlgym tasks generate` folder: prompts from its train split, evaluation on a held-out one. */
  tasks: z.string(),
  /** The run folder: samples' run id, pairs, the trained model (`model/`), state that makes a rerun resume. */
  out: z.string(),
  seed: z.number().int().default(1),
  /** Training prompts drawn (seeded) from the train split. */
  prompts: z.number().int().positive().default(400),
  /** Draw prompts only from the problems the start model solves sometimes (a `rtlgym data difficulty` report). */
  difficulty: DifficultyFilter.optional(),
  /** Samples per prompt (SALV: 5). */
  samples: z.number().int().min(2).default(5),
  sampling: Sampling.default(Sampling.parse({})),
  /** Pairs per (prompt, signal), and module-level pairs per prompt with no signal pair (0: none). */
  pairs: z
    .strictObject({
      perSignal: z.number().int().positive().default(2),
      module: z.number().int().min(0).default(2),
      /** Train on these pairs (a `data salv-pairs` pairs.jsonl) instead of sampling the model: no sample phase. */
      file: z.string().optional(),
    })
    .default({ perSignal: 2, module: 2 }),
  /**
   * `slice`: SALV, the loss counts the contrasted signal's slice tokens. `response`: the same pairs with every
   * answer token counted (module-level DPO), the comparison the issue asks for.
   */
  mask: z.enum(["slice", "response"]).default("slice"),
  train: Train.default(Train.parse({})),
  eval: Eval.default(Eval.parse({})),
  threads: z.number().int().positive().optional(),
});
export type SalvConfig = z.infer<typeof SalvConfig>;

export interface SalvSummary {
  recipe: "salv";
  mask: "slice" | "response";
  split: string;
  seed: number;
  before: { "pass@1": number; runId: string };
  after: { "pass@1": number; runId: string };
  /** The bench run of the training samples (`rtlgym bench show RUN`); null when the pairs came from `pairs.file`. */
  samplesRunId: string | null;
  /** Samples that passed, over the scored ones (training prompts, the SFT model); null with `pairs.file`. */
  trainPassRate: number | null;
  pairs: { signal: number; module: number; file: string };
  train: {
    steps: number;
    finalLoss: number | null;
    rewardAccuracy: number | null;
    seconds: number;
    maskedFraction: number | null;
  };
  model: string;
  minutes: number;
  runId: string | undefined;
}

export type SalvEvent =
  | { kind: "phase"; phase: "evaluate-before" | "sample" | "pairs" | "train" | "evaluate-after"; detail: string }
  | { kind: "progress"; phase: "evaluate-before" | "sample" | "evaluate-after"; done: number; total: number }
  | { kind: "pairs"; stats: SalvStats }
  | { kind: "log"; step: number; steps: number; loss: number };

export interface SalvRecipeOptions {
  config: SalvConfig;
  python?: string;
  /** Run store; default `$RTLGYM_HOME/rtlgym.db`. */
  db?: string;
  onEvent?: (event: SalvEvent) => void;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}

const Num = z.number().nullish();
const TrainerEvent = z.discriminatedUnion("event", [
  z.looseObject({ event: z.literal("start") }),
  z.looseObject({ event: z.literal("log"), step: z.number(), max_steps: z.number(), loss: z.number() }),
  z.looseObject({ event: z.literal("checkpoint") }),
  z.looseObject({
    event: z.literal("done"),
    steps: z.number(),
    final_loss: Num,
    final_reward_accuracy: Num,
    masked_fraction: Num,
    seconds: z.number(),
    model_dir: z.string(),
  }),
  z.looseObject({ event: z.literal("error"), kind: z.string(), message: z.string() }),
]);

interface State {
  before?: { "pass@1": number; runId: string };
  samplesRunId?: string;
  trainPassRate?: number;
  pairs?: SalvSummary["pairs"];
  train?: SalvSummary["train"];
  after?: { "pass@1": number; runId: string };
}

/**
 * The training prompts: a seeded draw of `prompts` problems of the train split, only from the difficulty band's
 * problems (`band`, their ids) when the config has one.
 */
export function trainingPrompts<P extends { id: string }>(
  all: readonly P[],
  c: Pick<SalvConfig, "prompts" | "seed" | "difficulty">,
  band?: ReadonlySet<string>,
): P[] {
  const pool = band ? all.filter((p) => band.has(p.id)) : [...all];
  if (pool.length === 0)
    throw new BadInputError(`no train problem of ${c.difficulty?.report} lies in the band ${c.difficulty?.band}`);
  return new Rng(c.seed).shuffle(pool).slice(0, c.prompts);
}

/**
 * QiMeng-SALV on rtlgym: held-out pass@1 of the model, then samples on training prompts verified per signal, DPO
 * pairs on the signals' slices (`data salv-pairs`), DPO with the slice mask (Python, TRL), and held-out pass@1 of the
 * trained model. Each finished phase is recorded in `out/salv-state.json`: rerunning the same command resumes after
 * the last one.
 */
export async function trainSalv(options: SalvRecipeOptions): Promise<SalvSummary> {
  const c = options.config;
  const started = Date.now();
  const tasksDir = resolve(c.tasks);
  const out = resolve(c.out);
  const startModel = resolve(c.model);
  if (!existsSync(join(startModel, "config.json"))) {
    throw new BadInputError(`model ${startModel} is not a Hugging Face model directory (no config.json)`);
  }
  const python = findPython(options.python);
  const { state, save } = openRecipeDir<State>(out, "salv", "a SALV", { ...c, out }, {});
  const run = { kind: "salv", data: tasksDir, out, preset: c.mask, seed: c.seed, base: startModel, lora: c.train.lora };
  return withTrainRun(options, run, async (store, runId) => {
    const common = {
      tasksDir,
      python,
      ...(c.threads !== undefined && { threads: c.threads }),
      ...(options.db !== undefined && { store: options.db }),
      ...(options.signal && { signal: options.signal }),
      ...(options.onStderr && { onStderr: options.onStderr }),
    };
    const evaluate = async (model: string, phase: "evaluate-before" | "evaluate-after") => {
      options.onEvent?.({ kind: "phase", phase, detail: `${c.eval.split}: ${model}` });
      return heldoutPassAt1(
        { ...common, onProgress: (done, total) => options.onEvent?.({ kind: "progress", phase, done, total }) },
        model,
        c.eval,
        c.seed,
        c.sampling.maxTokens,
      );
    };
    const modelDir = join(out, "model");

    if (state.before === undefined) {
      state.before = await evaluate(startModel, "evaluate-before");
      store.addValues(runId, 0, { [HELDOUT_PASS_AT_1]: state.before["pass@1"] });
      save();
    }
    if (c.pairs.file !== undefined && state.pairs === undefined) {
      const file = resolve(c.pairs.file);
      const rows = await readSalvPairs(file);
      state.pairs = {
        signal: rows.filter((r) => r.level === "signal").length,
        module: rows.filter((r) => r.level === "module").length,
        file,
      };
      save();
    }
    if (state.samplesRunId === undefined && c.pairs.file === undefined) {
      const band = c.difficulty !== undefined ? bandIds(resolve(c.difficulty.report), c.difficulty.band) : undefined;
      const drawn = band
        ? `${Math.min(c.prompts, band.size)} prompts of the difficulty band`
        : `${c.prompts} train prompts`;
      options.onEvent?.({ kind: "phase", phase: "sample", detail: `${drawn} x ${c.samples}` });
      const sampled = await sampleTasks({
        ...common,
        model: startModel,
        split: "train",
        problems: (all) => trainingPrompts(all, c, band),
        n: c.samples,
        seed: c.seed,
        temperature: c.sampling.temperature,
        topP: c.sampling.topP,
        maxTokens: c.sampling.maxTokens,
        onProgress: (done, total) => options.onEvent?.({ kind: "progress", phase: "sample", done, total }),
      });
      const scored = sampled.samples.filter((s) => s.score !== null);
      state.trainPassRate = scored.length ? scored.filter((s) => s.score?.status === "pass").length / scored.length : 0;
      state.samplesRunId = sampled.bench.run.id;
      save();
    }
    const pairsDir = join(out, "pairs");
    if (state.pairs === undefined) {
      options.onEvent?.({ kind: "phase", phase: "pairs", detail: `bench run ${state.samplesRunId}` });
      const samples = samplesFromRun(state.samplesRunId as string, options.db);
      const { rows, stats } = await buildSalvPairs(samples, {
        python,
        pairsPerSignal: c.pairs.perSignal,
        modulePairs: c.pairs.module,
      });
      options.onEvent?.({ kind: "pairs", stats });
      if (rows.length === 0) {
        throw new BadInputError(
          `no DPO pair from ${samples.length} samples (${Object.entries(stats.statuses)
            .map(([k, n]) => `${k} ${n}`)
            .join(
              ", ",
            )}): no prompt has a sample right and another wrong on the same output, nor a passing and a failing one (sample more prompts or more samples per prompt; a lower temperature when almost nothing compiles)`,
        );
      }
      const files = await writeSalvPairs(pairsDir, rows, stats);
      state.pairs = { signal: stats.signalRows, module: stats.moduleRows, file: files.jsonl };
      store.addValues(runId, 0, {
        "pairs.signal": stats.signalRows,
        "pairs.module": stats.moduleRows,
        "train.pass_rate": state.trainPassRate,
      });
      save();
    }
    if (state.train === undefined) {
      options.onEvent?.({
        kind: "phase",
        phase: "train",
        detail: `${state.pairs.signal + state.pairs.module} pairs, mask ${c.mask}`,
      });
      const t = c.train;
      const trainerConfig = {
        data: state.pairs.file,
        base: startModel,
        out: modelDir,
        beta: t.beta,
        learning_rate: t.learningRate,
        epochs: t.epochs,
        ...(t.maxSteps !== undefined && { max_steps: t.maxSteps }),
        batch_size: t.batchSize,
        grad_accum: t.gradAccum,
        max_length: t.maxLength,
        mask: c.mask,
        lora: t.lora,
        lora_r: t.loraR,
        lora_alpha: t.loraAlpha,
        seed: c.seed,
        ...(c.threads !== undefined && { threads: c.threads }),
        ...(t.timeBudgetS !== undefined && { time_budget_s: t.timeBudgetS }),
      };
      const configPath = join(out, "trainer.json");
      writeFileSync(configPath, JSON.stringify(trainerConfig, null, 2));
      const done = await runTrainer({
        args: ["salv", "--config", configPath],
        parse: (json) => {
          const p = TrainerEvent.safeParse(json);
          return p.success ? p.data : undefined;
        },
        python,
        timeoutMs: 4 * 3600_000,
        ...(options.signal && { signal: options.signal }),
        ...(options.onStderr && { onStderr: options.onStderr }),
        resumeHint: "rerun the same command to resume the DPO run from its last checkpoint",
        onEvent: (e) => {
          if (e.event === "log") {
            store.addMetric(runId, {
              step: e.step,
              loss: e.loss,
              tokensPerS: null,
              learningRate: typeof e.learning_rate === "number" ? e.learning_rate : null,
              elapsedS: typeof e.elapsed_s === "number" ? e.elapsed_s : null,
            });
            options.onEvent?.({ kind: "log", step: e.step, steps: e.max_steps, loss: e.loss });
          }
        },
      });
      state.train = {
        steps: done.steps,
        finalLoss: done.final_loss ?? null,
        rewardAccuracy: done.final_reward_accuracy ?? null,
        seconds: done.seconds,
        maskedFraction: done.masked_fraction ?? null,
      };
      save();
    }
    if (state.after === undefined) {
      state.after = await evaluate(modelDir, "evaluate-after");
      store.addValues(runId, 1, { [HELDOUT_PASS_AT_1]: state.after["pass@1"] });
      save();
    }
    const summary: SalvSummary = {
      recipe: "salv",
      mask: c.mask,
      split: c.eval.split,
      seed: c.seed,
      before: state.before,
      after: state.after,
      samplesRunId: state.samplesRunId ?? null,
      trainPassRate: state.trainPassRate ?? null,
      pairs: state.pairs,
      train: state.train,
      model: modelDir,
      minutes: minutesSince(started),
      runId,
    };
    return summary;
  });
}
