import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { loadSuite } from "../../bench/suites/registry.js";
import type { Problem } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { packageRoot } from "../../core/paths.js";
import { CODEV_R1, ENGINES, type Engine, exportRecipe, RECIPES, type Recipe } from "../../recipe/export.js";
import { DEFAULT_GENERATE_OPTIONS, generateTasks } from "../../tasks/index.js";
import { intOption } from "../options.js";

interface ExportFlags {
  engine: string;
  out: string;
  tasks?: string;
  valSplit: string;
  n: number;
  batchSize: number;
  maxResponseLength: number;
  overlongBuffer: number;
  reward: string;
  force?: boolean;
  json?: boolean;
}

/** Train and validation problems: a `tasks generate` folder, or the default task set generated in memory. */
async function problems(flags: ExportFlags): Promise<{ train: Problem[]; val: Problem[]; source: string }> {
  if (flags.tasks === undefined) {
    const splits = generateTasks({ ...DEFAULT_GENERATE_OPTIONS });
    const val = flags.valSplit as keyof typeof splits;
    if (!(val in splits)) throw new BadInputError(`--val-split: no split "${flags.valSplit}"`);
    return {
      train: splits.train.map((t) => t.problem),
      val: splits[val].map((t) => t.problem),
      source: `rtlgym tasks (generated: seed ${DEFAULT_GENERATE_OPTIONS.seed})`,
    };
  }
  const dir = resolve(flags.tasks);
  const train = await loadSuite("tasks", join(dir, "train"));
  const val = await loadSuite("tasks", join(dir, flags.valSplit));
  return { train: train.problems, val: val.problems, source: `${dir} (${train.revision}, ${val.revision})` };
}

/** `rtlgym recipe export`: ready-to-run GPU launchers (data, engine arguments, launch script) for a recipe. */
export function registerRecipe(program: Command): void {
  const recipe = program.command("recipe").description("training recipes for GPU clusters (verl, OpenRLHF)");
  recipe
    .command("export")
    .description("write a recipe's RL data in the engine's row format, its engine config and a launch script")
    .argument("<recipe>", RECIPES.join(" | "))
    .requiredOption("--engine <engine>", ENGINES.join(" | "))
    .requiredOption("--out <dir>", "output folder")
    .option("--tasks <dir>", "problems from `rtlgym tasks generate` output (default: the default task set)")
    .option("--val-split <split>", "validation split of the tasks", "heldout-params")
    .option("-n, --n <n>", "responses per prompt", intOption, CODEV_R1.n)
    .option("--batch-size <n>", "prompts per training batch", intOption, CODEV_R1.batchSize)
    .option("--max-response-length <n>", "response tokens at most", intOption, CODEV_R1.maxResponseLength)
    .option("--overlong-buffer <n>", "overlong shaping buffer (tokens)", intOption, CODEV_R1.overlongBuffer)
    .option("--reward <name>", "rtlgym reward (codev, codev-noformat, signal, ...)", CODEV_R1.reward)
    .option("--force", "write into a non-empty folder")
    .option("--json", "print the files written as one JSON object")
    .action(async (name: string, flags: ExportFlags) => {
      if (!(RECIPES as readonly string[]).includes(name))
        throw new BadInputError(`unknown recipe "${name}"; known: ${RECIPES.join(", ")}`);
      if (!(ENGINES as readonly string[]).includes(flags.engine))
        throw new BadInputError(`--engine must be ${ENGINES.join(" or ")}, got ${flags.engine}`);
      if (flags.n < 2) throw new BadInputError("-n must be at least 2 (group-relative advantages need a group)");
      if (flags.overlongBuffer <= 0 || flags.overlongBuffer >= flags.maxResponseLength)
        throw new BadInputError("--overlong-buffer must be positive and below --max-response-length");
      const out = resolve(flags.out);
      if (existsSync(out) && (await readdir(out)).length > 0 && !flags.force)
        throw new BadInputError(`${flags.out} is not empty; pass --force to write into it`);
      const { train, val, source } = await problems(flags);
      if (train.length === 0) throw new BadInputError("no training problems");
      const summary = await exportRecipe({
        recipe: name as Recipe,
        engine: flags.engine as Engine,
        out,
        train,
        val,
        adaptersDir: join(packageRoot(), "adapters", "python"),
        source,
        settings: {
          n: flags.n,
          batchSize: flags.batchSize,
          genBatchSize: flags.batchSize * 3,
          maxResponseLength: flags.maxResponseLength,
          overlongBuffer: flags.overlongBuffer,
          reward: flags.reward,
        },
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else {
        for (const f of summary.files)
          process.stdout.write(`${f.path}${f.rows !== undefined ? ` (${f.rows} rows)` : ""}\n`);
        process.stdout.write(`launch: MODEL_PATH=... ${summary.launch}\n`);
      }
    });
}
