import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { BadInputError } from "../core/errors.js";
import { openTrainStore } from "./store.js";
import { eventParser, runTrainer, TrainerCancelled } from "./trainer.js";

/** Presets of `rtlgym train sft` (their numbers live in adapters/python/rtlgym_train/presets.py). */
export const SFT_PRESETS = ["smoke", "tiny"] as const;
export type SftPreset = (typeof SFT_PRESETS)[number];

/**
 * Training precision. `auto`: bf16 autocast where the hardware runs it natively (CUDA with bf16, a CPU with
 * AVX512-BF16 or AMX), float32 elsewhere (adapters/python/rtlgym_train/hardware.py says why).
 */
export const SFT_PRECISIONS = ["auto", "fp32", "bf16"] as const;
export type SftPrecision = (typeof SFT_PRECISIONS)[number];

/** A decoder's shape for a model trained from scratch (the presets' own shapes live in presets.py). */
export interface ModelShape {
  layers: number;
  hiddenSize: number;
  heads: number;
  intermediateSize: number;
}

/** `LAYERSxHIDDENxHEADSxFFN` as `--shape` takes it, e.g. `3x256x4x768` (the tiny preset's shape). */
export function parseModelShape(text: string): ModelShape {
  const parts = text.trim().split(/x/i);
  const n = parts.map((p) => (/^[0-9]+$/.test(p) ? Number(p) : Number.NaN));
  if (n.length !== 4 || n.some((v) => !(Number.isSafeInteger(v) && v >= 1))) {
    throw new BadInputError(
      `--shape must be LAYERSxHIDDENxHEADSxFFN in whole numbers above 0, e.g. 4x256x4x768; got ${text}`,
    );
  }
  const [layers, hiddenSize, heads, intermediateSize] = n as [number, number, number, number];
  if (hiddenSize % heads !== 0) {
    throw new BadInputError(`--shape: the hidden size (${hiddenSize}) must split evenly over the heads (${heads})`);
  }
  return { layers, hiddenSize, heads, intermediateSize };
}

/** The form the Python trainer's `--shape` reads. */
export function formatModelShape(s: ModelShape): string {
  return `${s.layers}x${s.hiddenSize}x${s.heads}x${s.intermediateSize}`;
}

/** Options of {@link trainSft}. */
export interface SftOptions {
  /** A `rtlgym tasks generate` folder (its train split is read) or one SFT JSONL file. */
  data: string;
  /** The model directory to write (checkpoints go to `out/checkpoints`, and a rerun resumes from them). */
  out: string;
  preset?: SftPreset;
  seed?: number;
  /** A Hugging Face causal LM to fine-tune instead of training from scratch (a directory, or a cached name). */
  base?: string;
  lora?: boolean;
  /** Start over even when `out/checkpoints` holds a run to resume. */
  fresh?: boolean;
  /** Override the preset's step count or time budget. */
  maxSteps?: number;
  timeBudgetS?: number;
  /**
   * Override the preset's batch size (rows a step) and peak learning rate: on a GPU a 7B model wants other values
   * than the CPU testbed's, and bench/learning measures the batch size against the step count.
   */
  batchSize?: number;
  learningRate?: number;
  threads?: number;
  /** Default `auto`. */
  precision?: SftPrecision;
  /**
   * A model from scratch: every digit its own token (default: the preset's choice). Refused with `base`, which
   * brings its own tokenizer.
   */
  splitDigits?: boolean;
  /**
   * Weight of the prompt's tokens in the loss, 0 (the answer only) to 1 (every token alike); default: the preset's
   * (0 for smoke, 1 for tiny). docs/training.md says how the loss is weighted.
   */
  promptLossWeight?: number;
  /** A model from scratch: override the preset's shape (bench/learning measures shapes). Refused with `base`. */
  shape?: ModelShape;
  python?: string;
  /**
   * Hard wall-clock limit of the whole trainer process; default 45 minutes, or the time budget plus 15 minutes when
   * that is longer (the budget stops training cleanly; this limit only catches a hung trainer).
   */
  timeoutMs?: number;
  /** Run store; default `$RTLGYM_HOME/rtlgym.db`. `false`: record nothing. */
  db?: string | false;
  /** Each progress event of the trainer, as it comes. */
  onEvent?: (event: SftEvent) => void;
  /** The trainer's stderr (library warnings, tracebacks). */
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}

/** Defaults of {@link SftOptions}. */
export const DEFAULT_SFT_OPTIONS = {
  preset: "smoke",
  seed: 0,
  lora: false,
  fresh: false,
  precision: "auto",
  timeoutMs: 45 * 60_000,
} as const;

/** The trainer's hard limit: the given one, else 45 minutes or the time budget plus 15 minutes, whichever is longer. */
export function sftTimeoutMs(o: Pick<SftOptions, "timeoutMs" | "timeBudgetS">): number {
  if (o.timeoutMs !== undefined) return o.timeoutMs;
  const budget = o.timeBudgetS !== undefined ? (o.timeBudgetS + 15 * 60) * 1000 : 0;
  return Math.max(DEFAULT_SFT_OPTIONS.timeoutMs, budget);
}

const Num = z.number().nullish();

/** The JSON lines `python -m rtlgym_train sft` prints. */
export const SftEvent = z.discriminatedUnion("event", [
  z.looseObject({
    event: z.literal("start"),
    preset: z.string(),
    rows: z.number(),
    examples: z.number(),
    parameters: z.number(),
    max_steps: z.number(),
    resumed_from: z.string().nullish(),
  }),
  z.looseObject({
    event: z.literal("log"),
    step: z.number(),
    max_steps: z.number(),
    loss: z.number(),
    learning_rate: Num,
    tokens_per_s: Num,
    elapsed_s: Num,
  }),
  z.looseObject({ event: z.literal("checkpoint"), step: z.number(), path: z.string() }),
  z.looseObject({
    event: z.literal("done"),
    steps: z.number(),
    first_loss: Num,
    final_loss: Num,
    tokens_per_s: Num,
    train_seconds: z.number(),
    model_dir: z.string(),
  }),
  z.looseObject({ event: z.literal("error"), kind: z.string(), message: z.string() }),
]);
const parseSftEvent = eventParser(SftEvent);
export type SftEvent = z.infer<typeof SftEvent>;
export type SftDone = Extract<SftEvent, { event: "done" }>;

/** What {@link trainSft} returns: the trainer's final summary, the logged losses and the run store id. */
export interface SftResult {
  summary: SftDone;
  losses: { step: number; loss: number; tokensPerS: number | null }[];
  runId: string | undefined;
  modelDir: string;
}

/**
 * Runs the Python trainer (adapters/python/rtlgym_train) on `data` and writes a Hugging Face model directory to
 * `out`, streaming its progress and recording loss and tokens/s in the run store. Throws BadInputError for bad data
 * or options, RtlgymError (TOOL_CRASHED) when the trainer fails.
 */
export async function trainSft(options: SftOptions): Promise<SftResult> {
  const o = { ...DEFAULT_SFT_OPTIONS, ...options, timeoutMs: sftTimeoutMs(options) };
  if (!(SFT_PRESETS as readonly string[]).includes(o.preset)) {
    throw new BadInputError(`unknown preset ${o.preset}; presets: ${SFT_PRESETS.join(", ")}`);
  }
  if (!(SFT_PRECISIONS as readonly string[]).includes(o.precision)) {
    throw new BadInputError(`unknown precision ${o.precision}; precisions: ${SFT_PRECISIONS.join(", ")}`);
  }
  if (o.lora && o.base === undefined) {
    // Allowed (LoRA on a fresh model trains adapters on random weights), but it is almost surely a mistake.
    throw new BadInputError("--lora needs --base: LoRA adapts a trained model's weights");
  }
  if (o.splitDigits !== undefined && o.base !== undefined) {
    throw new BadInputError("--split-digits is for a tokenizer trained from scratch; a --base model brings its own");
  }
  if (o.shape !== undefined) {
    if (o.base !== undefined)
      throw new BadInputError("--shape is for a model trained from scratch; --base has its own");
    parseModelShape(formatModelShape(o.shape)); // the same checks as the flag's, for callers that build one
  }
  if (o.timeBudgetS !== undefined && !(o.timeBudgetS > 0)) {
    // The learning-rate schedule is a share of the budget (sft.cosine_lr_factor): 0 has no share to give.
    throw new BadInputError(`--time-budget-s must be above 0 seconds, got ${o.timeBudgetS}`);
  }
  if (o.batchSize !== undefined && !(Number.isInteger(o.batchSize) && o.batchSize >= 1)) {
    throw new BadInputError(`--batch-size must be a whole number of rows, 1 or more, got ${o.batchSize}`);
  }
  if (o.learningRate !== undefined && !(o.learningRate > 0 && Number.isFinite(o.learningRate))) {
    throw new BadInputError(`--learning-rate must be a number above 0, got ${o.learningRate}`);
  }
  if (o.promptLossWeight !== undefined && !(o.promptLossWeight >= 0 && o.promptLossWeight <= 1)) {
    throw new BadInputError(`--prompt-loss-weight must be between 0 and 1, got ${o.promptLossWeight}`);
  }
  const out = resolve(o.out);
  mkdirSync(out, { recursive: true });
  const args = ["sft", "--data", resolve(o.data), "--out", out, "--preset", o.preset, "--seed", String(o.seed)];
  if (o.base !== undefined) args.push("--base", o.base);
  if (o.lora) args.push("--lora");
  if (o.fresh) args.push("--fresh");
  if (o.maxSteps !== undefined) args.push("--max-steps", String(o.maxSteps));
  if (o.timeBudgetS !== undefined) args.push("--time-budget-s", String(o.timeBudgetS));
  if (o.batchSize !== undefined) args.push("--batch-size", String(o.batchSize));
  if (o.learningRate !== undefined) args.push("--learning-rate", String(o.learningRate));
  if (o.threads !== undefined) args.push("--threads", String(o.threads));
  args.push("--precision", o.precision);
  if (o.splitDigits !== undefined) args.push(o.splitDigits ? "--split-digits" : "--no-split-digits");
  if (o.promptLossWeight !== undefined) args.push("--prompt-loss-weight", String(o.promptLossWeight));
  if (o.shape !== undefined) args.push("--shape", formatModelShape(o.shape));

  const store = o.db === false ? undefined : openTrainStore(...(o.db === undefined ? [] : [o.db]));
  const runId = store?.startRun({
    kind: "sft",
    data: resolve(o.data),
    out,
    preset: o.preset,
    seed: o.seed,
    base: o.base ?? null,
    lora: o.lora,
  });
  const losses: SftResult["losses"] = [];
  try {
    let done: SftDone;
    try {
      done = await runTrainer({
        args,
        parse: parseSftEvent,
        ...(o.python !== undefined && { python: o.python }),
        timeoutMs: o.timeoutMs,
        ...(o.signal && { signal: o.signal }),
        ...(o.onStderr && { onStderr: o.onStderr }),
        resumeHint: `rerun the same command to resume from ${out}/checkpoints`,
        onEvent: (event) => {
          if (event.event === "log") {
            const tokensPerS = event.tokens_per_s ?? null;
            losses.push({ step: event.step, loss: event.loss, tokensPerS });
            if (runId !== undefined) {
              store?.addMetric(runId, {
                step: event.step,
                loss: event.loss,
                tokensPerS,
                learningRate: event.learning_rate ?? null,
                elapsedS: event.elapsed_s ?? null,
              });
            }
          }
          o.onEvent?.(event);
        },
      });
    } catch (e) {
      const cancelled = e instanceof TrainerCancelled;
      if (runId !== undefined)
        store?.finishRun(
          runId,
          cancelled ? "cancelled" : "failed",
          cancelled ? null : { error: String((e as Error).message) },
        );
      throw e;
    }
    if (runId !== undefined) store?.finishRun(runId, "done", done as Record<string, unknown>);
    return { summary: done, losses, runId, modelDir: out };
  } finally {
    store?.close();
  }
}
