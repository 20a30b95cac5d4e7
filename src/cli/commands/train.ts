import type { Command } from "commander";
import { BadInputError } from "../../core/errors.js";
import {
  parseModelShape,
  SFT_PRECISIONS,
  SFT_PRESETS,
  type SftEvent,
  type SftPrecision,
  type SftPreset,
  trainSft,
} from "../../train/index.js";
import { intOption } from "../options.js";
import { numberOption } from "./bench/shared.js";
import { registerTrainItertl } from "./train-itertl.js";
import { registerTrainRl } from "./train-rl.js";
import { registerTrainSalv } from "./train-salv.js";

interface SftFlags {
  data: string;
  out: string;
  preset: string;
  seed: number;
  base?: string;
  lora?: boolean;
  fresh?: boolean;
  maxSteps?: number;
  timeBudgetS?: number;
  batchSize?: number;
  learningRate?: number;
  threads?: number;
  precision: string;
  splitDigits?: boolean;
  promptLossWeight?: number;
  shape?: string;
  python?: string;
  db?: string;
  json?: boolean;
  quiet?: boolean;
}

function describe(event: SftEvent): string | undefined {
  switch (event.event) {
    case "start":
      return `${event.preset}: ${event.examples} examples of ${event.rows} rows, ${(event.parameters / 1e6).toFixed(2)}M parameters, ${event.max_steps} steps${typeof event.precision === "string" ? `, ${event.precision}` : ""}${event.resumed_from ? `, resuming from ${event.resumed_from}` : ""}`;
    case "log": {
      const rate = event.tokens_per_s != null ? `, ${Math.round(event.tokens_per_s)} tokens/s` : "";
      const elapsed = event.elapsed_s != null ? `, ${Math.round(event.elapsed_s)} s` : "";
      return `step ${event.step}/${event.max_steps}: loss ${event.loss.toFixed(4)}${rate}${elapsed}`;
    }
    case "checkpoint":
      return `checkpoint ${event.path}`;
    case "done":
      return `done: ${event.steps} steps in ${event.train_seconds} s, loss ${event.first_loss?.toFixed(3)} -> ${event.final_loss?.toFixed(3)}, model in ${event.model_dir}`;
    case "error":
      return undefined;
  }
}

/** `rtlgym train sft`: the Python trainer behind a TypeScript orchestrator (progress, run store, resume). */
export function registerTrain(program: Command): void {
  const train = program.command("train").description("train models on rtlgym tasks (SFT; the recipes build on it)");
  registerTrainItertl(train);
  registerTrainRl(train);
  registerTrainSalv(train);
  train
    .command("sft")
    .description("supervised fine-tuning: a small model from scratch on CPU, or --base MODEL [--lora] on a GPU")
    .requiredOption("--data <dir>", "a `rtlgym tasks generate` folder (its train split) or an SFT JSONL file")
    .requiredOption("--out <dir>", "the model directory to write (a rerun resumes from its checkpoints)")
    .option("--preset <name>", `${SFT_PRESETS.join(" | ")}`, "smoke")
    .option("--seed <n>", "seed of the data order, the initialisation and the tokenizer corpus", intOption, 0)
    .option("--base <model>", "a Hugging Face causal LM (directory or cached name) to fine-tune instead")
    .option("--lora", "train LoRA adapters (peft) on --base, merged into the saved model")
    .option("--fresh", "start over even if --out holds checkpoints of this run")
    .option("--max-steps <n>", "override the preset's step count", intOption)
    .option("--time-budget-s <n>", "override the preset's time budget (training stops and saves when spent)", intOption)
    .option("--batch-size <n>", "override the preset's rows per step", intOption)
    .option("--learning-rate <x>", "override the preset's peak learning rate", numberOption)
    .option("--threads <n>", "torch CPU threads (default: all cores)", intOption)
    .option(
      "--precision <p>",
      `${SFT_PRECISIONS.join(" | ")}; auto: bf16 autocast where the hardware runs it natively, else float32`,
      "auto",
    )
    .option(
      "--split-digits",
      "a model from scratch: every digit its own token in the tokenizer (default: the preset's)",
    )
    .option("--no-split-digits", "a model from scratch: plain BPE, digits merged like any other characters")
    .option(
      "--prompt-loss-weight <w>",
      "weight of the prompt's tokens in the loss, 0 (the answer only) to 1 (every token) (default: the preset's)",
      numberOption,
    )
    .option(
      "--shape <LxHxAxF>",
      "a model from scratch: layers x hidden size x heads x FFN size, e.g. 4x256x4x768 (default: the preset's)",
    )
    .option("--python <path>", "the Python with adapters/python installed (default: $RTLGYM_PYTHON or .venv-adapters)")
    .option("--db <path>", "run store (default: $RTLGYM_HOME/rtlgym.db or ~/.rtlgym/rtlgym.db)")
    .option("--json", "print the final summary as one JSON object on stdout")
    .option("--quiet", "no progress")
    .action(async (flags: SftFlags) => {
      if (!(SFT_PRESETS as readonly string[]).includes(flags.preset)) {
        throw new BadInputError(`--preset must be one of ${SFT_PRESETS.join(", ")}, got ${flags.preset}`);
      }
      const silent = flags.quiet === true;
      // Progress: lines on the terminal, JSON lines on stderr when piped.
      const tty = process.stderr.isTTY === true;
      const controller = new AbortController();
      const result = await trainSft({
        data: flags.data,
        out: flags.out,
        preset: flags.preset as SftPreset,
        seed: flags.seed,
        ...(flags.base !== undefined && { base: flags.base }),
        ...(flags.lora && { lora: true }),
        ...(flags.fresh && { fresh: true }),
        ...(flags.maxSteps !== undefined && { maxSteps: flags.maxSteps }),
        ...(flags.timeBudgetS !== undefined && { timeBudgetS: flags.timeBudgetS }),
        ...(flags.batchSize !== undefined && { batchSize: flags.batchSize }),
        ...(flags.learningRate !== undefined && { learningRate: flags.learningRate }),
        ...(flags.threads !== undefined && { threads: flags.threads }),
        precision: flags.precision as SftPrecision,
        ...(flags.splitDigits !== undefined && { splitDigits: flags.splitDigits }),
        ...(flags.promptLossWeight !== undefined && { promptLossWeight: flags.promptLossWeight }),
        ...(flags.shape !== undefined && { shape: parseModelShape(flags.shape) }),
        ...(flags.python !== undefined && { python: flags.python }),
        ...(flags.db !== undefined && { db: flags.db }),
        signal: controller.signal,
        onEvent: (event) => {
          if (silent) return;
          if (!tty) {
            process.stderr.write(`${JSON.stringify(event)}\n`);
            return;
          }
          const text = describe(event);
          if (text !== undefined) process.stderr.write(`rtlgym train: ${text}\n`);
        },
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ...result.summary, runId: result.runId, losses: result.losses })}\n`);
      } else {
        process.stdout.write(`${result.modelDir}\n`);
      }
    });
}
