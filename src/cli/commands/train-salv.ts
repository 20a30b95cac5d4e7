import type { Command } from "commander";
import { readConfigFile } from "../../train/config.js";
import { SalvConfig, type SalvEvent, type SalvSummary, trainSalv } from "../../train/salv-recipe.js";
import { intOption } from "../options.js";

interface SalvFlags {
  config: string;
  model?: string;
  tasks?: string;
  out?: string;
  seed?: number;
  mask?: "slice" | "response";
  python?: string;
  db?: string;
  json?: boolean;
  quiet?: boolean;
}

function describe(e: SalvEvent): string | undefined {
  switch (e.kind) {
    case "phase":
      return `${e.phase} (${e.detail})`;
    case "progress":
      return e.done === e.total || e.done % 50 === 0 ? `${e.phase} ${e.done}/${e.total}` : undefined;
    case "pairs":
      return `${e.stats.signalRows} signal-level and ${e.stats.moduleRows} module-level pairs from ${e.stats.samples} samples of ${e.stats.problems} prompts`;
    case "log":
      return `step ${e.step}/${e.steps} loss ${e.loss.toFixed(4)}`;
  }
}

function text(s: SalvSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return `${[
    `SALV (mask ${s.mask}, seed ${s.seed}) in ${s.minutes} min: ${s.pairs.signal} signal-level + ${s.pairs.module} module-level pairs, ${s.train.steps} DPO steps`,
    `held-out ${s.split} pass@1: ${pct(s.before["pass@1"])} -> ${pct(s.after["pass@1"])}`,
    `model: ${s.model}`,
  ].join("\n")}\n`;
}

/** `rtlgym train salv --config FILE`: QiMeng-SALV's signal-aware DPO on the model's own verified samples. */
export function registerTrainSalv(train: Command): void {
  train
    .command("salv")
    .description(
      "QiMeng-SALV: sample, verify per signal, DPO on the contrasted signals' code slices; held-out pass@1 before and after (rerun resumes)",
    )
    .requiredOption("--config <file>", "recipe config, YAML or JSON (see recipes/salv/testbed.yaml)")
    .option("--model <dir>", "override the config's model")
    .option("--tasks <dir>", "override the config's tasks folder")
    .option("--out <dir>", "override the config's run folder")
    .option("--seed <n>", "override the config's seed", intOption)
    .option("--mask <mask>", "override the config's mask: slice (SALV) | response (module-level DPO)")
    .option("--python <path>", "the Python with adapters/python installed (default: $RTLGYM_PYTHON or .venv-adapters)")
    .option("--db <path>", "run store (default: $RTLGYM_HOME/rtlgym.db or ~/.rtlgym/rtlgym.db)")
    .option("--json", "print the summary as one JSON object on stdout")
    .option("--quiet", "no progress")
    .action(async (flags: SalvFlags) => {
      const fromFile = readConfigFile(flags.config, SalvConfig);
      const config = SalvConfig.parse({
        ...fromFile,
        ...(flags.model !== undefined && { model: flags.model }),
        ...(flags.tasks !== undefined && { tasks: flags.tasks }),
        ...(flags.out !== undefined && { out: flags.out }),
        ...(flags.seed !== undefined && { seed: flags.seed }),
        ...(flags.mask !== undefined && { mask: flags.mask }),
      });
      const tty = process.stderr.isTTY === true;
      const summary = await trainSalv({
        config,
        ...(flags.python !== undefined && { python: flags.python }),
        ...(flags.db !== undefined && { db: flags.db }),
        onEvent: (event) => {
          const line = describe(event);
          if (flags.quiet || line === undefined) return;
          process.stderr.write(tty ? `rtlgym train salv: ${line}\n` : `${JSON.stringify(event)}\n`);
        },
      });
      process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : text(summary));
    });
}
