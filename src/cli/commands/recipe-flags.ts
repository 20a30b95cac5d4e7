import type { Command } from "commander";
import type { z } from "zod";
import { readConfigFile } from "../../train/index.js";
import { intOption } from "../options.js";

/** The flags every `rtlgym train <recipe> --config FILE` command takes. */
export interface RecipeFlags {
  config: string;
  model?: string;
  tasks?: string;
  out?: string;
  seed?: number;
  python?: string;
  db?: string;
  json?: boolean;
  quiet?: boolean;
}

/** `train <name>` with `--config` and the overrides every recipe has; the caller adds its own, then `recipeTail`. */
export function recipeCommand(train: Command, name: string, description: string, example: string): Command {
  return train
    .command(name)
    .description(description)
    .requiredOption("--config <file>", `recipe config, YAML or JSON (see ${example})`)
    .option("--model <dir>", "override the config's starting model")
    .option("--tasks <dir>", "override the config's tasks folder")
    .option("--out <dir>", "override the config's run folder")
    .option("--seed <n>", "override the config's seed", intOption);
}

/** The options that close every recipe command's flag list. */
export function recipeTail(command: Command): Command {
  return command
    .option("--python <path>", "the Python with adapters/python installed (default: $RTLGYM_PYTHON or .venv-adapters)")
    .option("--db <path>", "run store (default: $RTLGYM_HOME/rtlgym.db or ~/.rtlgym/rtlgym.db)")
    .option("--json", "print the summary as one JSON object on stdout")
    .option("--quiet", "no progress");
}

/** The config file, validated, with the command-line overrides (the common ones and `extra`) applied. */
export function recipeConfig<S extends z.ZodType>(
  schema: S,
  flags: RecipeFlags,
  extra: (fromFile: z.infer<S>) => Record<string, unknown> = () => ({}),
): z.infer<S> {
  const fromFile = readConfigFile(flags.config, schema);
  return schema.parse({
    ...(fromFile as Record<string, unknown>),
    ...(flags.model !== undefined && { model: flags.model }),
    ...(flags.tasks !== undefined && { tasks: flags.tasks }),
    ...(flags.out !== undefined && { out: flags.out }),
    ...(flags.seed !== undefined && { seed: flags.seed }),
    ...extra(fromFile),
  });
}

/** Progress: described lines on a terminal, JSON lines when piped, nothing with --quiet or for undescribed events. */
export function recipeProgress<E>(
  name: string,
  flags: RecipeFlags,
  describe: (event: E) => string | undefined,
): (event: E) => void {
  const tty = process.stderr.isTTY === true;
  return (event) => {
    const line = describe(event);
    if (flags.quiet || line === undefined) return;
    process.stderr.write(tty ? `rtlgym train ${name}: ${line}\n` : `${JSON.stringify(event)}\n`);
  };
}

/** The final summary: one JSON object with --json, else the recipe's text. */
export function printSummary<T>(flags: RecipeFlags, summary: T, text: (summary: T) => string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : text(summary));
}

/** `--difficulty FILE` of the recipes that can train on a pass-rate band (rl, itertl). */
export function difficultyFlag(command: Command): Command {
  return command.option(
    "--difficulty <file>",
    "train only on the problems of this `rtlgym data difficulty` report in the config's band (default 0.1-0.9)",
  );
}

/** The config override of `--difficulty`: the report replaced, the band kept from the file. */
export function difficultyOverride(
  flags: { difficulty?: string },
  fromFile: { difficulty?: { report: string; band?: unknown } | undefined },
): Record<string, unknown> {
  return flags.difficulty !== undefined ? { difficulty: { ...fromFile.difficulty, report: flags.difficulty } } : {};
}
