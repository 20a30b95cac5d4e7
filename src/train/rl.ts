import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { bandIds, DifficultyFilter } from "../bench/difficulty.js";
import { buildPrompt } from "../bench/prompts.js";
import { loadSuite } from "../bench/suites/registry.js";
import { BadInputError } from "../core/errors.js";
import { rewardLabel } from "../tasks/index.js";
import { type EvaluateModelResult, evaluateModel } from "./evaluate.js";
import { HELDOUT_PASS_AT_1, withTrainRun } from "./recipe-run.js";
import { writeRlReport } from "./rl-report.js";
import type { TrainStore } from "./store.js";
import { eventParser, runTrainer } from "./trainer.js";

/**
 * `algorithm` presets. `dapo` is CodeV-R1's (token-level loss, clip-higher, no KL, overlong shaping, dynamic
 * sampling with the adaptive draw rule); `grpo` is the baseline without the DAPO pieces (sequence-mean loss,
 * symmetric clip, a KL term, every group trained on); `rft` is rejection sampling alone, online (each step samples
 * the current model, keeps the verified passes and trains on them with token-level cross-entropy; groups without a
 * pass are redrawn by the same adaptive rule). Keys in `train` override any of them.
 */
export const RL_ALGORITHMS = ["dapo", "grpo", "rft"] as const;

const PRESET_OPTIONS: Record<(typeof RL_ALGORITHMS)[number], Record<string, unknown>> = {
  dapo: {
    loss_type: "dapo",
    epsilon: 0.2,
    epsilon_high: 0.28,
    beta: 0,
    overlong_buffer: 64,
    dynamic_sampling: true,
    adaptive: true,
  },
  grpo: {
    loss_type: "grpo",
    epsilon: 0.2,
    epsilon_high: 0.2,
    beta: 0.04,
    overlong_buffer: 0,
    dynamic_sampling: false,
    adaptive: false,
  },
  rft: {
    loss_type: "dapo",
    epsilon: 0.2,
    epsilon_high: 0.2,
    beta: 0,
    overlong_buffer: 0,
    dynamic_sampling: true,
    adaptive: true,
    advantage: "pass",
  },
};

/** The trainer's knobs (camelCase here, the Python RlOptions' snake_case there); unset ones take the preset's. */
const Train = z.strictObject({
  maxSteps: z.number().int().positive().default(20),
  /** Wall-clock budget of the training itself (evaluations excluded); training stops and saves when spent. */
  timeBudgetS: z.number().positive().optional(),
  /** Groups (prompts) per optimizer step. */
  batchPrompts: z.number().int().positive().default(4),
  /** Responses per prompt. */
  numGenerations: z.number().int().min(2).default(8),
  learningRate: z.number().positive().default(1e-5),
  weightDecay: z.number().min(0).optional(),
  warmupSteps: z.number().int().min(0).optional(),
  maxGradNorm: z.number().positive().optional(),
  saveSteps: z.number().int().positive().default(10),
  temperature: z.number().gt(0).max(2).default(1),
  topP: z.number().gt(0).max(1).optional(),
  maxCompletionLength: z.number().int().positive().default(384),
  lossType: z.enum(["dapo", "grpo", "dr_grpo", "bnpo"]).optional(),
  epsilon: z.number().positive().optional(),
  /** Clip-higher: the upper clip range (DAPO 0.28). */
  epsilonHigh: z.number().positive().optional(),
  /** KL coefficient in the loss (0 in DAPO; the KL to the start model is logged either way). */
  beta: z.number().min(0).optional(),
  scaleRewards: z.enum(["group", "batch", "none"]).optional(),
  maskTruncatedCompletions: z.boolean().optional(),
  /** Overlong shaping: responses longer than maxCompletionLength - overlongBuffer are penalised linearly (0: off). */
  overlongBuffer: z.number().int().min(0).optional(),
  overlongPenalty: z.number().min(0).optional(),
  dynamicSampling: z.boolean().optional(),
  adaptive: z.boolean().optional(),
  /** Generation rounds per step before the step trains on what it kept. */
  maxRounds: z.number().int().positive().optional(),
  minKeepRatio: z.number().gt(0).max(1).optional(),
  logKl: z.boolean().optional(),
  /** Use only the first n training rows (0: all). */
  maxRows: z.number().int().min(0).optional(),
});

const Eval = z.strictObject({
  split: z.string().default("heldout-params"),
  n: z.number().int().positive().default(5),
  limit: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).default(0.2),
  maxTokens: z.number().int().positive().default(384),
  /** Held-out pass@1 every this many steps too (0: only before and after). */
  every: z.number().int().min(0).default(0),
  /** Measure the start model (the "before"); off saves one evaluation when it is known. */
  before: z.boolean().default(true),
});

/**
 * The train keys the distillation stage takes from the RL stage's `train` (how much to sample, how far to step);
 * the algorithm's own keys (loss, clipping, KL, overlong shaping, dynamic sampling) are the rft preset's.
 */
const SHARED_TRAIN_KEYS = [
  "batchPrompts",
  "numGenerations",
  "learningRate",
  "weightDecay",
  "warmupSteps",
  "maxGradNorm",
  "saveSteps",
  "temperature",
  "topP",
  "maxCompletionLength",
  "maxRounds",
  "minKeepRatio",
  "logKl",
  "maxRows",
] as const;

/** The distillation stage's own train keys, on top of the shared ones. */
const DistillTrain = z.strictObject({
  maxSteps: z.number().int().positive().default(30),
  /** Its own training budget (the RL stage's `timeBudgetS` is the RL stage's). */
  timeBudgetS: z.number().positive().optional(),
  batchPrompts: z.number().int().positive().optional(),
  numGenerations: z.number().int().min(2).optional(),
  learningRate: z.number().positive().optional(),
  warmupSteps: z.number().int().min(0).optional(),
  saveSteps: z.number().int().positive().optional(),
  temperature: z.number().gt(0).max(2).optional(),
  maxCompletionLength: z.number().int().positive().optional(),
  maxRounds: z.number().int().positive().optional(),
});

/**
 * CodeV-R1's first stage, distillation, before RL: here rejection sampling (`rft`: each step samples the current
 * model, keeps its verified answers and trains on them), the start model being its own teacher. A teacher endpoint's
 * distillation is `rtlgym data distill` + `rtlgym train sft` instead, whose model is then the config's `model`.
 */
const Distill = z.strictObject({
  algorithm: z.literal("rft").default("rft"),
  train: DistillTrain.default(DistillTrain.parse({})),
});

/** `rtlgym train rl --config FILE`: the recipe's settings (YAML or JSON). */
export const RlConfig = z.strictObject({
  recipe: z.literal("codev-r1").default("codev-r1"),
  /** The model RL starts from (a Hugging Face directory: the testbed's SFT or distilled model). */
  model: z.string(),
  /** A `rtlgym tasks generate` folder: RL prompts from train/rl.jsonl, evaluation on a held-out split. */
  tasks: z.string(),
  /** The run folder: the final model, checkpoints (a rerun resumes), evaluations, the report. */
  out: z.string(),
  seed: z.number().int().default(1),
  algorithm: z.enum(RL_ALGORITHMS).default("dapo"),
  /**
   * The prompts: `upstream` is the tasks' own (train/rl.jsonl: one ```verilog block); `codev` asks for CodeV-R1's
   * think/answer format (bench's `codev` style), for a model distilled in it (`rtlgym data distill`). Evaluation
   * asks the same way.
   */
  promptStyle: z.enum(["upstream", "codev"]).default("upstream"),
  /** The rtlgym reward: codev (CodeV-R1's, format gate), codev-noformat, signal, itertl, itertl-functional. */
  reward: z.string().default("codev"),
  /** A running `rtlgym serve`; without it the command starts one and stops it at the end. */
  rewardUrl: z.url().optional(),
  /** Simultaneous checks of the service the command starts. */
  rewardWorkers: z.number().int().positive().default(2),
  /**
   * Train only on the problems the start model solves sometimes (CodeV-R1's difficulty filter of its RL data): a
   * `rtlgym data difficulty` report and a pass-rate band. Without it, every training problem.
   */
  difficulty: DifficultyFilter.optional(),
  /**
   * Distil first (into `<out>/distill`, its model evaluated on the held-out split), then run RL from the distilled
   * model: CodeV-R1's two stages in one command. `before` stays the config's `model`.
   */
  distill: Distill.optional(),
  train: Train.default(Train.parse({})),
  eval: Eval.default(Eval.parse({})),
  threads: z.number().int().positive().optional(),
});
export type RlConfig = z.infer<typeof RlConfig>;

/**
 * The distillation stage of `c` as a run of its own: the rft preset, the shared train keys of `c` with the stage's
 * own on top, the same prompts, band, reward (at `rewardUrl`) and evaluation, no "before" (the caller measured it),
 * into `<out>/distill`.
 */
export function distillConfig(c: RlConfig, rewardUrl: string): RlConfig {
  const { distill, ...rest } = c;
  if (distill === undefined) throw new Error("distillConfig: the config has no distill stage");
  const train: Record<string, unknown> = {};
  for (const k of SHARED_TRAIN_KEYS) if (c.train[k] !== undefined) train[k] = c.train[k];
  for (const [k, v] of Object.entries(distill.train)) if (v !== undefined) train[k] = v;
  return RlConfig.parse({
    ...rest,
    algorithm: distill.algorithm,
    out: join(resolve(c.out), "distill"),
    rewardUrl,
    train,
    eval: { ...c.eval, every: 0, before: false },
  });
}

const Num = z.number().nullish();

/** One optimizer step as `python -m rtlgym_train rl` logs it. */
export const RlStep = z.looseObject({
  event: z.literal("step"),
  step: z.number(),
  max_steps: z.number(),
  loss: z.number(),
  reward_mean: Num,
  shaped_reward_mean: Num,
  pass_rate: Num,
  format_error_rate: Num,
  compile_error_rate: Num,
  kept_ratio: Num,
  drawn_groups: z.number(),
  kept_groups: z.number(),
  rounds: z.number(),
  samples: z.number(),
  unscored: z.number(),
  masked_samples: z.number(),
  response_length_mean: Num,
  entropy: Num,
  kl_to_start: Num,
  rho: Num,
  generation_s: Num,
  reward_s: Num,
  update_s: Num,
  kl_s: Num,
  elapsed_s: Num,
  learning_rate: Num,
  grad_norm: Num,
  clip_ratio: Num,
  empty_batch: z.boolean().optional(),
});
export type RlStep = z.infer<typeof RlStep>;

const RlDone = z.looseObject({
  event: z.literal("done"),
  steps: z.number(),
  stopped_by: z.string(),
  train_seconds: z.number(),
  totals: z.record(z.string(), z.number()),
  time: z.record(z.string(), z.number()),
});

const RlEvent = z.discriminatedUnion("event", [
  z.looseObject({ event: z.literal("start"), rows: z.number(), max_steps: z.number() }),
  RlStep,
  z.looseObject({ event: z.literal("checkpoint"), step: z.number(), path: z.string() }),
  RlDone,
  z.looseObject({ event: z.literal("error"), kind: z.string(), message: z.string() }),
]);
const parseRlEvent = eventParser(RlEvent);
type RlEvent = z.infer<typeof RlEvent>;

/** Per-step values written to the run store (train_values), by the name the report and `--json` use. */
export const RL_STEP_VALUES = [
  "reward_mean",
  "shaped_reward_mean",
  "pass_rate",
  "format_error_rate",
  "compile_error_rate",
  "kept_ratio",
  "drawn_groups",
  "kept_groups",
  "masked_samples",
  "response_length_mean",
  "entropy",
  "kl_to_start",
  "rho",
  "generation_s",
  "reward_s",
  "update_s",
  "clip_ratio",
  "grad_norm",
] as const;

/** A held-out measurement at a step (0: the start model). */
export interface RlEval {
  step: number;
  model: string;
  "pass@1": number;
  passAtK: Record<string, number>;
  problems: number;
  samples: number;
  statuses: Record<string, number>;
  benchRunId: string;
  seconds: number;
  /** The figures of an earlier identical evaluation (same model files, problems and settings), not sampled again. */
  reused?: boolean;
}

/** The distillation stage of a two-stage run, as `--json` reports it. */
export interface RlDistillSummary {
  algorithm: "rft";
  steps: number;
  stoppedBy: string;
  /** Held-out pass@1 of the distilled model (the RL stage's start). */
  "pass@1": number;
  minutes: number;
  model: string;
  runId: string | undefined;
  report: string;
}

/** What `rtlgym train rl --json` prints. */
export interface RlSummary {
  recipe: "codev-r1";
  algorithm: (typeof RL_ALGORITHMS)[number];
  reward: string;
  /** Held-out pass@1 of the config's `model`, before any stage. */
  before: { "pass@1": number | null };
  /** Held-out pass@1 of the final model (after distillation, if any, and RL). */
  after: { "pass@1": number };
  /** Set when the config has a `distill` stage: what it did; the RL stage started from its model. */
  distill?: RlDistillSummary;
  split: string;
  seed: number;
  /** Training prompts the run drew from (after the difficulty filter, if any). */
  prompts: number;
  minutes: number;
  steps: number;
  stoppedBy: string;
  evals: RlEval[];
  /** Mean of the per-step values over the first and the last quarter of the steps. */
  firstQuarter: Record<string, number | null>;
  lastQuarter: Record<string, number | null>;
  totals: Record<string, number>;
  /** Seconds of generation, reward, update (and the KL measurement) summed over the steps. */
  time: Record<string, number>;
  model: string;
  out: string;
  runId: string | undefined;
  report: string;
}

export type RlProgress =
  | { kind: "phase"; phase: "reward-service" | "evaluate" | "distill" | "train"; detail: string }
  | { kind: "step"; step: RlStep }
  | { kind: "eval"; eval: RlEval }
  | { kind: "progress"; done: number; total: number };

/** A reward service the command started (in-process `rtlgym serve`), stopped at the end. */
export interface StartedRewardService {
  url: string;
  close(): Promise<void>;
}

export interface RlOptions {
  config: RlConfig;
  /** Starts `rtlgym serve` when the config has no rewardUrl (the CLI passes the server layer's startServer). */
  startRewardService?: (workers: number) => Promise<StartedRewardService>;
  python?: string;
  /** Run store; default `$RTLGYM_HOME/rtlgym.db`. */
  db?: string;
  /** Start over: drop the run folder's checkpoints and evaluations. */
  fresh?: boolean;
  onEvent?: (event: RlProgress) => void;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}

/** The Python RlOptions (snake_case) of a config. */
export function pythonOptions(c: RlConfig, rewardUrl: string, data?: string): Record<string, unknown> {
  const t = c.train;
  const explicit: Record<string, unknown> = {
    max_steps: t.maxSteps,
    time_budget_s: t.timeBudgetS,
    batch_prompts: t.batchPrompts,
    num_generations: t.numGenerations,
    learning_rate: t.learningRate,
    weight_decay: t.weightDecay,
    warmup_steps: t.warmupSteps,
    max_grad_norm: t.maxGradNorm,
    save_steps: t.saveSteps,
    temperature: t.temperature,
    top_p: t.topP,
    max_completion_length: t.maxCompletionLength,
    loss_type: t.lossType,
    epsilon: t.epsilon,
    epsilon_high: t.epsilonHigh,
    beta: t.beta,
    scale_rewards: t.scaleRewards,
    mask_truncated_completions: t.maskTruncatedCompletions,
    overlong_buffer: t.overlongBuffer,
    overlong_penalty: t.overlongPenalty,
    dynamic_sampling: t.dynamicSampling,
    adaptive: t.adaptive,
    max_rounds: t.maxRounds,
    min_keep_ratio: t.minKeepRatio,
    log_kl: t.logKl,
    max_rows: t.maxRows,
  };
  const preset = { ...PRESET_OPTIONS[c.algorithm] };
  // A buffer as long as the responses would punish every response: keep the preset's below the length.
  if (typeof preset.overlong_buffer === "number" && preset.overlong_buffer >= t.maxCompletionLength) {
    preset.overlong_buffer = Math.floor(t.maxCompletionLength / 4);
  }
  const out: Record<string, unknown> = {
    ...preset,
    model: resolve(c.model),
    data: data ?? resolve(c.tasks),
    out: resolve(c.out),
    reward_url: rewardUrl,
    reward: c.reward,
    seed: c.seed,
    ...(c.threads !== undefined && { threads: c.threads }),
  };
  for (const [k, v] of Object.entries(explicit)) if (v !== undefined) out[k] = v;
  return out;
}

/** The steps at which training pauses for a held-out evaluation, ending with maxSteps. */
export function segmentEnds(maxSteps: number, every: number): number[] {
  const ends: number[] = [];
  if (every > 0) for (let s = every; s < maxSteps; s += every) ends.push(s);
  ends.push(maxSteps);
  return ends;
}

function mean(xs: readonly (number | null | undefined)[]): number | null {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

function quarterMeans(steps: readonly RlStep[], last: boolean): Record<string, number | null> {
  const q = Math.max(1, Math.floor(steps.length / 4));
  const part = last ? steps.slice(-q) : steps.slice(0, q);
  const out: Record<string, number | null> = {};
  for (const k of RL_STEP_VALUES) out[k] = mean(part.map((s) => s[k] as number | null | undefined));
  return out;
}

const EVALS_FILE = "rtlgym-rl-evals.json";
const STEPS_FILE = "rtlgym-rl-steps.jsonl";
/** The Python trainer's summary of its last run (adapters/python/rtlgym_train/rl.py RUN_FILE). */
const RUN_FILE = "rtlgym-rl.json";

/**
 * CodeV-R1's RL stage: held-out pass@1 of the start model, then DAPO (python -m rtlgym_train rl, TRL's
 * GRPOTrainer) with rewards from `rtlgym serve` (the given URL, or one started here and stopped at the end), paused
 * every `eval.every` steps for a held-out evaluation, then the final model's pass@1. Every step's values and every
 * evaluation go to the run store; a rerun resumes from the checkpoints and reuses the evaluations already made.
 */
export async function trainRl(options: RlOptions): Promise<RlSummary> {
  const c = options.config;
  const started = Date.now();
  const model = resolve(c.model);
  const tasksDir = resolve(c.tasks);
  const out = resolve(c.out);
  if (!existsSync(join(model, "config.json"))) {
    throw new BadInputError(`model ${c.model} is not a model directory (no config.json)`, { model });
  }
  if (!existsSync(join(tasksDir, "train", "rl.jsonl"))) {
    throw new BadInputError(`no train/rl.jsonl in ${c.tasks}: run \`rtlgym tasks generate\``, { tasks: tasksDir });
  }
  if (!existsSync(join(tasksDir, c.eval.split))) {
    throw new BadInputError(`no split ${c.eval.split} in ${c.tasks}`, { tasks: tasksDir });
  }
  mkdirSync(out, { recursive: true });
  const evalsFile = join(out, EVALS_FILE);
  const stepsFile = join(out, STEPS_FILE);
  if (options.fresh) {
    for (const f of [evalsFile, stepsFile]) if (existsSync(f)) writeFileSync(f, "");
  }
  const evals = new Map<number, RlEval>();
  if (existsSync(evalsFile) && readFileSync(evalsFile, "utf8").trim() !== "") {
    for (const e of JSON.parse(readFileSync(evalsFile, "utf8")) as RlEval[]) evals.set(e.step, e);
  }
  const steps = new Map<number, RlStep>();
  if (existsSync(stepsFile)) {
    for (const line of readFileSync(stepsFile, "utf8").split("\n")) {
      const parsed = line.trim() ? RlStep.safeParse(JSON.parse(line)) : undefined;
      if (parsed?.success) steps.set(parsed.data.step, parsed.data);
    }
  }

  const run = {
    kind: "rl",
    data: tasksDir,
    out,
    preset: `${c.recipe}/${c.algorithm}`,
    seed: c.seed,
    base: model,
    lora: false,
  };
  return withTrainRun(options, run, async (store, runId) => {
    for (const s of steps.values()) recordStep(store, runId, s);
    for (const e of evals.values()) store.addValues(runId, e.step, { [HELDOUT_PASS_AT_1]: e["pass@1"] });

    let service: StartedRewardService | undefined;
    try {
      let rewardUrl = c.rewardUrl;
      if (rewardUrl === undefined) {
        if (options.startRewardService === undefined) {
          throw new BadInputError("the config has no rewardUrl and no reward service can be started here");
        }
        service = await options.startRewardService(c.rewardWorkers);
        rewardUrl = service.url;
        options.onEvent?.({ kind: "phase", phase: "reward-service", detail: `rtlgym serve at ${rewardUrl}` });
      }

      const evaluate = async (step: number, dir: string): Promise<RlEval> => {
        const known = evals.get(step);
        if (known !== undefined && known.model === dir) return known;
        options.onEvent?.({ kind: "phase", phase: "evaluate", detail: `step ${step}: ${dir} on ${c.eval.split}` });
        const r: EvaluateModelResult = await evaluateModel({
          model: dir,
          tasksDir,
          split: c.eval.split,
          n: c.eval.n,
          temperature: c.eval.temperature,
          maxTokens: c.eval.maxTokens,
          seed: c.seed,
          promptStyle: c.promptStyle,
          ...(c.eval.limit !== undefined && { limit: c.eval.limit }),
          ...(c.threads !== undefined && { threads: c.threads }),
          ...(options.python !== undefined && { python: options.python }),
          ...(options.db !== undefined && { store: options.db }),
          ...(options.onStderr && { onStderr: options.onStderr }),
          ...(options.signal && { signal: options.signal }),
          onProgress: (done, total) => options.onEvent?.({ kind: "progress", done, total }),
        });
        const e: RlEval = {
          step,
          model: dir,
          "pass@1": r.passAt1,
          passAtK: r.passAtK,
          problems: r.problems,
          samples: r.samples,
          statuses: r.statuses,
          benchRunId: r.runId,
          seconds: r.seconds,
          ...(r.reused && { reused: true }),
        };
        evals.set(step, e);
        writeFileSync(evalsFile, `${JSON.stringify([...evals.values()], null, 2)}\n`);
        store.addValues(runId, step, { [HELDOUT_PASS_AT_1]: e["pass@1"] });
        options.onEvent?.({ kind: "eval", eval: e });
        return e;
      };

      const before = c.eval.before ? await evaluate(0, model) : undefined;

      // Two stages: the distillation is a run of its own (its folder, checkpoints, evaluations and store run), so a
      // rerun resumes it as it resumes RL; RL then starts from its model.
      let start = model;
      let distilled: RlDistillSummary | undefined;
      if (c.distill !== undefined) {
        const stage = distillConfig(c, rewardUrl);
        options.onEvent?.({
          kind: "phase",
          phase: "distill",
          detail: `${stage.algorithm}, ${stage.train.maxSteps} steps, into ${stage.out}`,
        });
        const d = await trainRl({ ...options, config: stage });
        distilled = {
          algorithm: c.distill.algorithm,
          steps: d.steps,
          stoppedBy: d.stoppedBy,
          "pass@1": d.after["pass@1"],
          minutes: d.minutes,
          model: d.model,
          runId: d.runId,
          report: d.report,
        };
        start = d.model;
      }

      const configFile = join(out, "rtlgym-rl-config.json");
      const rows = c.promptStyle === "codev" ? await codevRows(tasksDir, out) : join(tasksDir, "train", "rl.jsonl");
      const data = c.difficulty !== undefined ? bandRows(rows, c.difficulty, out) : rows;
      const prompts = readFileSync(data, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "").length;
      const py = pythonOptions({ ...c, model: start }, rewardUrl, data);
      let done: z.infer<typeof RlDone> | undefined;
      let trainSeconds = 0;
      // A rerun skips the segments its checkpoints already cover: asking the trainer for fewer steps than a
      // checkpoint holds would train on past max_steps.
      const reached = options.fresh ? 0 : lastCheckpointStep(join(out, "checkpoints"));
      if (reached > c.train.maxSteps) {
        throw new BadInputError(
          `${out} already holds ${reached} steps, more than train.maxSteps ${c.train.maxSteps}: pass --fresh or use another out`,
        );
      }
      const ends = segmentEnds(c.train.maxSteps, c.eval.every);
      for (const [i, end] of ends.entries()) {
        if (end < reached || (end === reached && i < ends.length - 1)) continue;
        if (end === reached) {
          // Finished before: the trainer's own summary of that run, if it got as far as writing it.
          const previous = readPreviousDone(join(out, RUN_FILE), reached);
          if (previous !== undefined) {
            done = previous;
            break;
          }
        }
        const budget = c.train.timeBudgetS !== undefined ? c.train.timeBudgetS - trainSeconds : undefined;
        if (budget !== undefined && budget <= 0) break;
        writeFileSync(
          configFile,
          `${JSON.stringify({ ...py, max_steps: end, ...(budget !== undefined && { time_budget_s: budget }) }, null, 2)}\n`,
        );
        options.onEvent?.({ kind: "phase", phase: "train", detail: `steps up to ${end} of ${c.train.maxSteps}` });
        const fresh = options.fresh === true && done === undefined;
        done = await runTrainer<RlEvent>({
          args: ["rl", "--config", configFile, ...(fresh ? ["--fresh"] : [])],
          parse: parseRlEvent,
          ...(options.python !== undefined && { python: options.python }),
          timeoutMs: 6 * 3600_000,
          ...(options.signal && { signal: options.signal }),
          ...(options.onStderr && { onStderr: options.onStderr }),
          resumeHint: `rerun the same command to resume from ${join(out, "checkpoints")}`,
          onEvent: (e) => {
            if (e.event !== "step") return;
            const s = e as RlStep;
            steps.set(s.step, s);
            writeFileSync(stepsFile, `${JSON.stringify(s)}\n`, { flag: "a" });
            recordStep(store, runId, s);
            options.onEvent?.({ kind: "step", step: s });
          },
        });
        trainSeconds += done.train_seconds;
        if (done.stopped_by !== "max_steps") break;
        if (end < c.train.maxSteps) await evaluate(done.steps, out);
      }
      if (done === undefined) throw new BadInputError("the training time budget was spent before the first step");
      const after = await evaluate(done.steps, out);

      const ordered = [...steps.values()].filter((s) => s.step <= done.steps).sort((a, b) => a.step - b.step);
      const time: Record<string, number> = {};
      for (const k of ["generation", "reward", "update", "kl"] as const) {
        time[k] =
          Math.round(ordered.reduce((a, s) => a + ((s[`${k}_s`] as number | null | undefined) ?? 0), 0) * 100) / 100;
      }
      const reportFile = join(out, "report.html");
      const summary: RlSummary = {
        recipe: c.recipe,
        algorithm: c.algorithm,
        reward: c.reward,
        before: { "pass@1": before?.["pass@1"] ?? null },
        after: { "pass@1": after["pass@1"] },
        ...(distilled && { distill: distilled }),
        split: c.eval.split,
        seed: c.seed,
        prompts,
        minutes: Math.round(((Date.now() - started) / 60_000) * 100) / 100,
        steps: done.steps,
        stoppedBy: done.stopped_by,
        evals: [...evals.values()].filter((e) => e.step <= done.steps).sort((a, b) => a.step - b.step),
        firstQuarter: quarterMeans(ordered, false),
        lastQuarter: quarterMeans(ordered, true),
        totals: done.totals,
        time,
        model: out,
        out,
        runId,
        report: reportFile,
      };
      writeRlReport(reportFile, summary, ordered);
      writeFileSync(join(out, "rtlgym-rl-summary.json"), `${JSON.stringify(summary, null, 2)}\n`);
      return summary;
    } finally {
      await service?.close();
    }
  });
}

/** The RL rows whose problem lies in the difficulty band, written to `out/rl-band.jsonl`. */
export function bandRows(rows: string, filter: DifficultyFilter, out: string): string {
  const ids = bandIds(resolve(filter.report), filter.band);
  const kept = readFileSync(rows, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "" && ids.has((JSON.parse(line) as { id: string }).id));
  if (kept.length === 0) {
    throw new BadInputError(`none of the ${ids.size} problems in the band of ${filter.report} is a row of ${rows}`);
  }
  const file = join(out, "rl-band.jsonl");
  writeFileSync(file, `${kept.join("\n")}\n`);
  return file;
}

/** RL rows of the train split with bench's `codev` chat prompt (what `rtlgym data distill` trains on). */
async function codevRows(tasksDir: string, out: string): Promise<string> {
  const suite = await loadSuite("tasks", join(tasksDir, "train"));
  const rows = suite.problems.map((p) => {
    const built = buildPrompt(p, { api: "chat", style: "codev" });
    const prompt = [
      ...(built.system !== undefined ? [{ role: "system", content: built.system }] : []),
      { role: "user", content: built.prompt },
    ];
    return JSON.stringify({ id: p.id, prompt, ground_truth: rewardLabel(p) });
  });
  const file = join(out, "rl-codev.jsonl");
  writeFileSync(file, `${rows.join("\n")}\n`);
  return file;
}

/** The step of the newest complete checkpoint (trainer_state.json is written last), 0 if none. */
function lastCheckpointStep(folder: string): number {
  if (!existsSync(folder)) return 0;
  let best = 0;
  for (const name of readdirSync(folder)) {
    const m = /^checkpoint-(\d+)$/.exec(name);
    if (m && existsSync(join(folder, name, "trainer_state.json"))) best = Math.max(best, Number(m[1]));
  }
  return best;
}

/** The `done` summary the Python trainer wrote (rtlgym-rl.json) when it is the one of `steps` steps. */
function readPreviousDone(file: string, steps: number): z.infer<typeof RlDone> | undefined {
  if (!existsSync(file)) return undefined;
  const parsed = RlDone.safeParse({ ...JSON.parse(readFileSync(file, "utf8")), event: "done" });
  return parsed.success && parsed.data.steps === steps ? parsed.data : undefined;
}

function recordStep(store: TrainStore, runId: string, s: RlStep): void {
  store.addMetric(runId, {
    step: s.step,
    loss: s.loss,
    tokensPerS: null,
    learningRate: s.learning_rate ?? null,
    elapsedS: s.elapsed_s ?? null,
  });
  const values: Record<string, number | null | undefined> = {};
  for (const k of RL_STEP_VALUES) values[k] = s[k] as number | null | undefined;
  store.addValues(runId, s.step, values);
}
