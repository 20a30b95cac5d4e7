import type { Command } from "commander";
import { readConfigFile } from "../../train/config.js";
import { ItertlConfig, type ItertlEvent, type ItertlSummary, trainItertl } from "../../train/itertl.js";
import { intOption } from "../options.js";

interface ItertlFlags {
  config: string;
  model?: string;
  tasks?: string;
  out?: string;
  seed?: number;
  rounds?: number;
  python?: string;
  db?: string;
  json?: boolean;
  quiet?: boolean;
}

function describe(e: ItertlEvent): string | undefined {
  switch (e.kind) {
    case "phase":
      return `round ${e.round}: ${e.phase} (${e.detail})`;
    case "progress":
      return e.done === e.total || e.done % 50 === 0 ? `round ${e.round}: ${e.phase} ${e.done}/${e.total}` : undefined;
    case "log":
      return `round ${e.round}: step ${e.step}/${e.steps} loss ${e.loss.toFixed(4)}`;
    case "round": {
      const r = e.round;
      const heldout = r.heldout ? `, held-out pass@1 ${(r.heldout.passAt1 * 100).toFixed(1)}%` : "";
      return `round ${r.round} done in ${Math.round(r.seconds)} s: mean score ${r.meanScore.toFixed(3)}, train pass rate ${(r.passRate * 100).toFixed(1)}% (${r.samples} samples, ${r.masked} masked)${heldout}`;
    }
  }
}

function text(s: ItertlSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    `ITERTL (${s.loss} loss, score ${JSON.stringify(s.score)}, seed ${s.seed}): ${s.rounds.length} rounds in ${s.minutes} min`,
    `held-out ${s.split} pass@1: ${pct(s.before["pass@1"])} -> ${pct(s.after["pass@1"])}`,
    ...s.rounds.map(
      (r) =>
        `  round ${r.round}: mean score ${r.meanScore.toFixed(3)}, train pass rate ${pct(r.passRate)}${r.heldout ? `, held-out ${pct(r.heldout.passAt1)}` : ""}`,
    ),
    `model: ${s.model}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** `rtlgym train itertl --config FILE`: ITERTL's rounds of sample, verify, rank-train. */
export function registerTrainItertl(train: Command): void {
  train
    .command("itertl")
    .description("ITERTL: rounds of sampling, verified scoring and ranking-loss training (rerun resumes)")
    .requiredOption("--config <file>", "recipe config, YAML or JSON (see recipes/itertl/testbed.yaml)")
    .option("--model <dir>", "override the config's starting model")
    .option("--tasks <dir>", "override the config's tasks folder")
    .option("--out <dir>", "override the config's run folder")
    .option("--seed <n>", "override the config's seed", intOption)
    .option("--rounds <n>", "override the config's round count", intOption)
    .option("--python <path>", "the Python with adapters/python installed (default: $RTLGYM_PYTHON or .venv-adapters)")
    .option("--db <path>", "run store (default: $RTLGYM_HOME/rtlgym.db or ~/.rtlgym/rtlgym.db)")
    .option("--json", "print the summary as one JSON object on stdout")
    .option("--quiet", "no progress")
    .action(async (flags: ItertlFlags) => {
      const fromFile = readConfigFile(flags.config, ItertlConfig);
      const config = ItertlConfig.parse({
        ...fromFile,
        ...(flags.model !== undefined && { model: flags.model }),
        ...(flags.tasks !== undefined && { tasks: flags.tasks }),
        ...(flags.out !== undefined && { out: flags.out }),
        ...(flags.seed !== undefined && { seed: flags.seed }),
        ...(flags.rounds !== undefined && { rounds: flags.rounds }),
      });
      const tty = process.stderr.isTTY === true;
      const summary = await trainItertl({
        config,
        ...(flags.python !== undefined && { python: flags.python }),
        ...(flags.db !== undefined && { db: flags.db }),
        onEvent: (event) => {
          const line = describe(event);
          if (flags.quiet || line === undefined) return;
          process.stderr.write(tty ? `rtlgym train itertl: ${line}\n` : `${JSON.stringify(event)}\n`);
        },
      });
      process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : text(summary));
    });
}
