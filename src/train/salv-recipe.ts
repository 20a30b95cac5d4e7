import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { bandIds, DifficultyFilter } from "../bench/difficulty.js";
import { BadInputError } from "../core/errors.js";
import { Rng } from "../tasks/index.js";
import { sampleTasks } from "./evaluate.js";
import { findPython } from "./python.js";
import { HELDOUT_PASS_AT_1, heldoutPassAt1, minutesSince, openRecipeDir, withTrainRun } from "./recipe-run.js";
import { buildSalvPairs, readSalvPairs, type SalvStats, samplesFromRun, writeSalvPairs } from "./salv.js";
import { eventParser, runTrainer } from "./trainer.js";

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
  /** Training prompts drawn (seeded) from the train split, per round. */
  prompts: z.number().int().positive().default(400),
  /**
   * SALV trains once, on one round of the start model's samples (1). More: iterative DPO, each round a fresh seeded
   * draw of `prompts` sampled from the model the previous round trained, which is also that round's reference model.
   */
  rounds: z.number().int().min(1).max(7).default(1),
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
  /** The first round's bench run of the training samples (`rtlgym bench show RUN`); null with `pairs.file`. */
  samplesRunId: string | null;
  /** Samples that passed, over the scored ones (training prompts, the SFT model); null with `pairs.file`. */
  trainPassRate: number | null;
  /** The first round's pairs and DPO run (the only round unless `rounds` > 1; every round is in `rounds`). */
  pairs: { signal: number; module: number; file: string };
  train: {
    steps: number;
    finalLoss: number | null;
    rewardAccuracy: number | null;
    seconds: number;
    maskedFraction: number | null;
  };
  rounds: SalvRoundSummary[];
  /** The trained model: the last round's. */
  model: string;
  minutes: number;
  runId: string | undefined;
}

/** One round of the summary: the model it started from, its samples, pairs and DPO run, the model it trained. */
export interface SalvRoundSummary {
  round: number;
  base: string;
  samplesRunId: string | null;
  trainPassRate: number | null;
  pairs: SalvSummary["pairs"] | null;
  train: SalvSummary["train"] | null;
  model: string | null;
  ended?: string;
  /** Held-out pass@1 of this round's model, kept when `rounds` was raised to continue the run past it. */
  heldout?: { "pass@1": number; runId: string };
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
const parseTrainerEvent = eventParser(TrainerEvent);

/** What one round sampled, paired and trained; a field is set when its phase is done. */
export interface SalvRoundState {
  round: number;
  /** The model this round sampled and trained from (the start model, or the previous round's). */
  base: string;
  samplesRunId?: string;
  trainPassRate?: number;
  pairs?: SalvSummary["pairs"];
  train?: SalvSummary["train"];
  /** The model this round trained; unset when the round found no pair and the rounds ended before it. */
  model?: string;
  /** Why the rounds ended at this round without training it (a later round with no pair). */
  ended?: string;
  /** Held-out pass@1 of this round's model, when it was a run's last before `rounds` was raised to continue it. */
  heldout?: { "pass@1": number; runId: string };
}

/** A SALV run's progress (`out/salv-state.json`). */
export interface SalvState {
  before?: { "pass@1": number; runId: string };
  rounds: SalvRoundState[];
  after?: { "pass@1": number; runId: string };
}

/** The state file of a run from before `rounds` existed: its one round's fields at the top. */
interface OneRoundState {
  before?: SalvState["before"];
  samplesRunId?: string;
  trainPassRate?: number;
  pairs?: SalvSummary["pairs"];
  train?: SalvSummary["train"];
  after?: SalvState["after"];
}

/** Reads a state file of either shape: a one-round run's fields become its first round. */
export function roundsState(raw: Partial<SalvState> & OneRoundState, startModel: string, out: string): SalvState {
  if (Array.isArray(raw.rounds)) return raw as SalvState;
  const first: SalvRoundState = { round: 1, base: startModel };
  if (raw.samplesRunId !== undefined) first.samplesRunId = raw.samplesRunId;
  if (raw.trainPassRate !== undefined) first.trainPassRate = raw.trainPassRate;
  if (raw.pairs !== undefined) first.pairs = raw.pairs;
  if (raw.train !== undefined) Object.assign(first, { train: raw.train, model: roundPaths(out, 1).model });
  const touched = raw.samplesRunId !== undefined || raw.pairs !== undefined;
  return {
    ...(raw.before !== undefined && { before: raw.before }),
    rounds: touched ? [first] : [],
    ...(raw.after !== undefined && { after: raw.after }),
  };
}

/** Where a round writes: the first round where a one-round run always has (`pairs/`, `model/`), later ones `round-N/`. */
export function roundPaths(out: string, round: number): { pairs: string; model: string } {
  const dir = round === 1 ? out : join(out, `round-${round}`);
  return { pairs: join(dir, "pairs"), model: join(dir, "model") };
}

/** The seed of a round's prompt draw and sampling: the run's seed for the first (as a one-round run), then per round. */
export function roundSeed(seed: number, round: number): number {
  return round === 1 ? seed : seed * 1000 + round;
}

/** The phases of one round, apart from the driver so the rounds' order, resume and hand-over can be tested alone. */
export interface SalvRoundPhases {
  sample(round: SalvRoundState): Promise<{ samplesRunId: string; trainPassRate: number }>;
  /** The round's pairs written under `dir`; null when its samples make no pair. */
  pairs(round: SalvRoundState, dir: string): Promise<SalvSummary["pairs"] | null>;
  train(round: SalvRoundState, pairsFile: string, modelDir: string): Promise<SalvSummary["train"]>;
}

/**
 * Runs the rounds still to do, saving after every phase: round r samples and trains the model round r-1 trained
 * (iterative DPO: each round's reference model is the model it starts from). The first round with no pair throws
 * (nothing to train); a later one ends the rounds at the model before it. Returns the final model.
 */
export async function runSalvRounds(
  state: SalvState,
  c: Pick<SalvConfig, "rounds" | "pairs">,
  paths: { out: string; startModel: string },
  phases: SalvRoundPhases,
  save: () => void,
): Promise<string> {
  const trained = () => state.rounds.filter((r) => r.model !== undefined).at(-1)?.model ?? paths.startModel;
  for (let n = 1; n <= c.rounds; n++) {
    let round = state.rounds[n - 1];
    if (round?.ended !== undefined) break;
    if (round?.model !== undefined) continue;
    if (round === undefined) {
      round = { round: n, base: trained() };
      state.rounds.push(round);
    }
    const where = roundPaths(paths.out, n);
    if (round.pairs === undefined && c.pairs.file !== undefined) {
      const rows = await readSalvPairs(resolve(c.pairs.file));
      round.pairs = {
        signal: rows.filter((r) => r.level === "signal").length,
        module: rows.filter((r) => r.level === "module").length,
        file: resolve(c.pairs.file),
      };
      save();
    }
    if (round.samplesRunId === undefined && round.pairs === undefined) {
      Object.assign(round, await phases.sample(round));
      save();
    }
    if (round.pairs === undefined) {
      const made = await phases.pairs(round, where.pairs);
      if (made === null) {
        round.ended = `round ${n}: no DPO pair in the samples of ${round.base}; the rounds end at that model`;
        save();
        break;
      }
      round.pairs = made;
      save();
    }
    round.train = await phases.train(round, round.pairs.file, where.model);
    round.model = where.model;
    // A run continued with more rounds: its final evaluation now belongs to the round before, not to the run.
    if (state.after !== undefined) {
      const evaluated = state.rounds.filter((r) => r.model !== undefined && r !== round).at(-1);
      if (evaluated !== undefined) evaluated.heldout = state.after;
      delete state.after;
    }
    save();
  }
  return trained();
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
 * trained model; with `rounds` > 1, the sample-pair-train round repeats on the model the last round trained. Each
 * finished phase is recorded in `out/salv-state.json`: rerunning the same command resumes after the last one.
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
  if (c.rounds > 1 && c.pairs.file !== undefined) {
    throw new BadInputError(
      `rounds: ${c.rounds} needs the model's own samples each round; pairs.file gives one round's pairs (rounds: 1)`,
    );
  }
  const python = findPython(options.python);
  // Raising `rounds` continues a finished run from its last model; a settings file from before `rounds` existed
  // counts as `rounds: 1`, so those folders still resume.
  const dir = openRecipeDir<SalvState>(out, "salv", "a SALV", { ...c, out }, { rounds: [] }, { rounds: 1 });
  const state = roundsState(dir.state, startModel, out);
  dir.state = state;
  const save = dir.save;
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
    const of = (r: SalvRoundState) => (c.rounds > 1 ? `round ${r.round}/${c.rounds}: ` : "");

    if (state.before === undefined) {
      state.before = await evaluate(startModel, "evaluate-before");
      store.addValues(runId, 0, { [HELDOUT_PASS_AT_1]: state.before["pass@1"] });
      save();
    }
    const phases: SalvRoundPhases = {
      sample: async (r) => {
        const band = c.difficulty !== undefined ? bandIds(resolve(c.difficulty.report), c.difficulty.band) : undefined;
        const drawn = band
          ? `${Math.min(c.prompts, band.size)} prompts of the difficulty band`
          : `${c.prompts} train prompts`;
        options.onEvent?.({ kind: "phase", phase: "sample", detail: `${of(r)}${drawn} x ${c.samples}` });
        const seed = roundSeed(c.seed, r.round);
        const sampled = await sampleTasks({
          ...common,
          model: r.base,
          split: "train",
          problems: (all) => trainingPrompts(all, { ...c, seed }, band),
          n: c.samples,
          seed,
          temperature: c.sampling.temperature,
          topP: c.sampling.topP,
          maxTokens: c.sampling.maxTokens,
          onProgress: (done, total) => options.onEvent?.({ kind: "progress", phase: "sample", done, total }),
        });
        const scored = sampled.samples.filter((s) => s.score !== null);
        const passed = scored.filter((s) => s.score?.status === "pass").length;
        return { samplesRunId: sampled.bench.run.id, trainPassRate: scored.length ? passed / scored.length : 0 };
      },
      pairs: async (r, pairsDir) => {
        options.onEvent?.({ kind: "phase", phase: "pairs", detail: `${of(r)}bench run ${r.samplesRunId}` });
        const samples = samplesFromRun(r.samplesRunId as string, options.db);
        const { rows, stats } = await buildSalvPairs(samples, {
          python,
          pairsPerSignal: c.pairs.perSignal,
          modulePairs: c.pairs.module,
        });
        options.onEvent?.({ kind: "pairs", stats });
        if (rows.length === 0) {
          if (r.round > 1) return null;
          throw new BadInputError(
            `no DPO pair from ${samples.length} samples (${Object.entries(stats.statuses)
              .map(([k, n]) => `${k} ${n}`)
              .join(
                ", ",
              )}): no prompt has a sample right and another wrong on the same output, nor a passing and a failing one (sample more prompts or more samples per prompt; a lower temperature when almost nothing compiles)`,
          );
        }
        const files = await writeSalvPairs(pairsDir, rows, stats);
        store.addValues(runId, r.round - 1, {
          "pairs.signal": stats.signalRows,
          "pairs.module": stats.moduleRows,
          "train.pass_rate": r.trainPassRate ?? null,
        });
        return { signal: stats.signalRows, module: stats.moduleRows, file: files.jsonl };
      },
      train: async (r, pairsFile, modelDir) => {
        const pairs = r.pairs as SalvSummary["pairs"];
        options.onEvent?.({
          kind: "phase",
          phase: "train",
          detail: `${of(r)}${pairs.signal + pairs.module} pairs, mask ${c.mask}`,
        });
        return trainRound(
          c,
          { pairsFile, base: r.base, modelDir, python, seed: roundSeed(c.seed, r.round) },
          options,
          (e) => {
            store.addMetric(runId, {
              step: e.step,
              loss: e.loss,
              tokensPerS: null,
              learningRate: typeof e.learning_rate === "number" ? e.learning_rate : null,
              elapsedS: typeof e.elapsed_s === "number" ? e.elapsed_s : null,
            });
            options.onEvent?.({ kind: "log", step: e.step, steps: e.max_steps, loss: e.loss });
          },
        );
      },
    };
    const modelDir = await runSalvRounds(state, c, { out, startModel }, phases, save);
    const ended = state.rounds.find((r) => r.ended !== undefined)?.ended;
    if (ended !== undefined) options.onEvent?.({ kind: "phase", phase: "train", detail: ended });
    if (state.after === undefined) {
      state.after = await evaluate(modelDir, "evaluate-after");
      store.addValues(runId, state.rounds.length, { [HELDOUT_PASS_AT_1]: state.after["pass@1"] });
      save();
    }
    const first = state.rounds[0] as SalvRoundState;
    const summary: SalvSummary = {
      recipe: "salv",
      mask: c.mask,
      split: c.eval.split,
      seed: c.seed,
      before: state.before,
      after: state.after,
      samplesRunId: first.samplesRunId ?? null,
      trainPassRate: first.trainPassRate ?? null,
      pairs: first.pairs as SalvSummary["pairs"],
      train: first.train as SalvSummary["train"],
      rounds: state.rounds.map(roundSummary),
      model: modelDir,
      minutes: minutesSince(started),
      runId,
    };
    return summary;
  });
}

function roundSummary(r: SalvRoundState): SalvRoundSummary {
  return {
    round: r.round,
    base: r.base,
    samplesRunId: r.samplesRunId ?? null,
    trainPassRate: r.trainPassRate ?? null,
    pairs: r.pairs ?? null,
    train: r.train ?? null,
    model: r.model ?? null,
    ...(r.ended !== undefined && { ended: r.ended }),
    ...(r.heldout !== undefined && { heldout: r.heldout }),
  };
}

/** One DPO run of the Python trainer (`rtlgym_train salv`) on a round's pairs, from `base` into `modelDir`. */
async function trainRound(
  c: SalvConfig,
  r: { pairsFile: string; base: string; modelDir: string; python: string; seed: number },
  options: SalvRecipeOptions,
  onLog: (e: Extract<z.infer<typeof TrainerEvent>, { event: "log" }>) => void,
): Promise<SalvSummary["train"]> {
  const t = c.train;
  const trainerConfig = {
    data: r.pairsFile,
    base: r.base,
    out: r.modelDir,
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
    seed: r.seed,
    ...(c.threads !== undefined && { threads: c.threads }),
    ...(t.timeBudgetS !== undefined && { time_budget_s: t.timeBudgetS }),
  };
  mkdirSync(dirname(r.modelDir), { recursive: true });
  const configPath = join(dirname(r.modelDir), "trainer.json");
  writeFileSync(configPath, JSON.stringify(trainerConfig, null, 2));
  const done = await runTrainer({
    args: ["salv", "--config", configPath],
    parse: parseTrainerEvent,
    python: r.python,
    timeoutMs: 4 * 3600_000,
    ...(options.signal && { signal: options.signal }),
    ...(options.onStderr && { onStderr: options.onStderr }),
    resumeHint: "rerun the same command to resume the DPO run from its last checkpoint",
    onEvent: (e) => {
      if (e.event === "log") onLog(e);
    },
  });
  return {
    steps: done.steps,
    finalLoss: done.final_loss ?? null,
    rewardAccuracy: done.final_reward_accuracy ?? null,
    seconds: done.seconds,
    maskedFraction: done.masked_fraction ?? null,
  };
}
