import type { Command } from "commander";
import { BadInputError } from "../../core/errors.js";
import { PRM_LABELS, type PrmLabel, servePrm, trainPrm } from "../../train/index.js";
import { intOption } from "../options.js";
import { numberOption } from "./bench/shared.js";

/** `rtlgym train prm` and `rtlgym model serve-prm` (StepPRM-RTL, issue 14 section 2). */
export function registerPrm(program: Command): void {
  const train = program.commands.find((c) => c.name() === "train");
  const model = program.commands.find((c) => c.name() === "model");
  if (!train || !model) throw new Error("the train and model commands must be registered before the PRM commands");

  train
    .command("prm")
    .description("process reward model: a token-classification head scoring each step end (rows of data step-labels)")
    .requiredOption(
      "--data <paths...>",
      "prm.jsonl written by `rtlgym data step-labels` (or its folder); several are trained on together",
    )
    .requiredOption("--base <dir>", "the causal LM directory the PRM starts from (e.g. the SFT model)")
    .requiredOption("--out <dir>", "output directory (model, tokenizer, rtlgym_prm.json)")
    .option("--label <kind>", `target of each step: ${PRM_LABELS.join(" | ")}`, "hard")
    .option("--epochs <x>", "passes over the training rows", numberOption, 1)
    .option("--learning-rate <x>", "AdamW learning rate", numberOption, 1e-4)
    .option("--max-length <n>", "tokens per row (the prompt is cut from the left)", intOption, 1024)
    .option("--eval-fraction <x>", "rows held out for the before/after evaluation", numberOption, 0.1)
    .option("--seed <n>", "shuffle and initialisation seed", intOption, 0)
    .option("--threads <n>", "torch CPU threads", intOption)
    .option("--time-budget-s <n>", "stop after this many seconds", numberOption)
    .option("--max-steps <n>", "stop after this many optimizer steps", intOption)
    .option("--python <path>", "the Python with adapters/python installed")
    .option("--json", "print the summary as JSON")
    .option("--quiet", "no progress on stderr")
    .action(
      async (flags: {
        data: string[];
        base: string;
        out: string;
        label: string;
        epochs: number;
        learningRate: number;
        maxLength: number;
        evalFraction: number;
        seed: number;
        threads?: number;
        timeBudgetS?: number;
        maxSteps?: number;
        python?: string;
        json?: boolean;
        quiet?: boolean;
      }) => {
        if (!(PRM_LABELS as readonly string[]).includes(flags.label))
          throw new BadInputError(`--label must be one of ${PRM_LABELS.join(", ")}`);
        const summary = await trainPrm({
          data: flags.data,
          base: flags.base,
          out: flags.out,
          label: flags.label as PrmLabel,
          epochs: flags.epochs,
          learningRate: flags.learningRate,
          maxLength: flags.maxLength,
          evalFraction: flags.evalFraction,
          seed: flags.seed,
          ...(flags.threads !== undefined && { threads: flags.threads }),
          ...(flags.timeBudgetS !== undefined && { timeBudgetS: flags.timeBudgetS }),
          ...(flags.maxSteps !== undefined && { maxSteps: flags.maxSteps }),
          ...(flags.python !== undefined && { python: flags.python }),
          onEvent: (e) => {
            if (flags.quiet) return;
            if (e.event === "start")
              process.stderr.write(
                `rtlgym train prm: ${e.train} training rows, ${e.eval} held out, ${e.steps} steps\n`,
              );
            else if (e.event === "step")
              process.stderr.write(`rtlgym train prm: step ${e.step}/${e.steps} loss ${e.loss.toFixed(4)}\n`);
          },
        });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(summary)}\n`);
          return;
        }
        const m = (x: typeof summary.eval_after) =>
          x && x.loss !== undefined
            ? `loss ${x.loss.toFixed(4)}, accuracy ${(x.accuracy ?? 0).toFixed(3)}, AUC ${x.auc?.toFixed(3) ?? "-"}`
            : "-";
        process.stdout.write(
          `PRM in ${summary.out}: ${summary.steps} steps (${summary.label} labels, ${summary.seconds} s); held out before ${m(summary.eval_before)}; after ${m(summary.eval_after)}\n`,
        );
      },
    );

  model
    .command("serve-prm <dir>")
    .description("serve a PRM written by `rtlgym train prm`: POST /score {prompt, steps} -> {scores, score}")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <n>", "port (0 picks a free one)", intOption, 9000)
    .option("--threads <n>", "torch CPU threads", intOption)
    .option("--python <path>", "the Python with adapters/python installed")
    .option("--verbose", "show the server's own log on stderr")
    .action(
      async (
        dir: string,
        flags: { host: string; port: number; threads?: number; python?: string; verbose?: boolean },
      ) => {
        const served = await servePrm({
          model: dir,
          host: flags.host,
          port: flags.port,
          ...(flags.threads !== undefined && { threads: flags.threads }),
          ...(flags.python !== undefined && { python: flags.python }),
          ...(flags.verbose && { onStderr: (chunk: string) => process.stderr.write(chunk) }),
        });
        process.stdout.write(`listening on ${served.url}\n`);
        const result = await served.done;
        process.stderr.write(
          `rtlgym model serve-prm: stopped${result.exitCode !== null && result.exitCode !== 0 ? ` (exit code ${result.exitCode})` : ""}\n`,
        );
      },
    );
}
