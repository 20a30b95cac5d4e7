import type { Command } from "commander";
import { BadInputError } from "../../core/errors.js";
import {
  buildSalvPairs,
  findPython,
  type ScoredSample,
  samplesFromFile,
  samplesFromRun,
  writeSalvPairs,
} from "../../train/index.js";
import { intOption } from "../options.js";
import { throttled } from "../throttle.js";

interface SalvPairsFlags {
  run?: string;
  samples?: string;
  suite?: string;
  data?: string;
  db?: string;
  out: string;
  pairsPerSignal: number;
  modulePairs: number;
  python?: string;
  json?: boolean;
}

function subcommandGroup(program: Command, name: string): Command {
  const group = program.commands.find((c) => c.name() === name);
  if (!group) throw new Error(`rtlgym ${name} must be registered before its SALV subcommands`);
  return group;
}

/** `rtlgym data salv-pairs`: SALV's signal-level DPO pairs from per-signal verdicts (under `rtlgym data`). */
export function registerSalvPairs(program: Command): void {
  subcommandGroup(program, "data")
    .command("salv-pairs")
    .description(
      "DPO pairs from per-signal verdicts (QiMeng-SALV): chosen has signal s right, rejected has it wrong, with the character spans of s's slice in each; module-level pairs where no signal pair exists",
    )
    .option("--run <id>", "a bench run in the run store (`rtlgym bench run ... -n 8`)")
    .option("--samples <file>", "a samples JSONL ({problem, response}) to score against --suite instead")
    .option("--suite <name>", "the suite of --samples (e.g. tasks)")
    .option("--data <dir>", "the suite's data (for tasks: a split folder)")
    .option("--db <path>", "run store (default $RTLGYM_HOME/rtlgym.db)")
    .requiredOption("--out <dir>", "output folder: pairs.jsonl, pairs.parquet, stats.json")
    .option("--pairs-per-signal <n>", "pairs per (prompt, signal)", intOption, 2)
    .option("--module-pairs <n>", "module-level pairs per prompt with no signal pair (0: none)", intOption, 2)
    .option(
      "--python <path>",
      "the Python with adapters/python and pyslang (default: $RTLGYM_PYTHON or .venv-adapters)",
    )
    .option("--json", "print {rows, signalRows, moduleRows, files, stats} as one JSON object")
    .action(async (flags: SalvPairsFlags) => {
      if ((flags.run === undefined) === (flags.samples === undefined)) {
        throw new BadInputError("salv-pairs needs exactly one of --run RUN or --samples FILE");
      }
      if (flags.samples !== undefined && flags.suite === undefined) {
        throw new BadInputError("--samples needs --suite (and --data for suites that read a folder)");
      }
      const python = findPython(flags.python);
      const log = (line: string) => process.stderr.write(`rtlgym data salv-pairs: ${line}\n`);
      let samples: ScoredSample[];
      if (flags.run !== undefined) {
        samples = samplesFromRun(flags.run, flags.db);
      } else {
        samples = await samplesFromFile(
          flags.samples as string,
          flags.suite as string,
          flags.data,
          {},
          throttled(
            5000,
            (done: number, total: number) => log(`scored ${done}/${total}`),
            (done, total) => done === total,
          ),
        );
      }
      log(`${samples.length} samples; slicing`);
      const { rows, stats } = await buildSalvPairs(samples, {
        python,
        pairsPerSignal: flags.pairsPerSignal,
        modulePairs: flags.modulePairs,
      });
      const files = await writeSalvPairs(flags.out, rows, stats);
      if (flags.json) {
        const summary = {
          rows: rows.length,
          signalRows: stats.signalRows,
          moduleRows: stats.moduleRows,
          files,
          stats,
        };
        process.stdout.write(`${JSON.stringify(summary)}\n`);
      } else {
        process.stdout.write(
          `${rows.length} pairs (${stats.signalRows} signal-level, ${stats.moduleRows} module-level) from ${stats.samples} samples of ${stats.problems} prompts; ${stats.problemsWithoutPairs} prompts gave none\n` +
            Object.entries(stats.skipped)
              .map(([why, n]) => `  skipped ${n}: ${why}\n`)
              .join("") +
            `wrote ${files.jsonl}, ${files.parquet}\n`,
        );
      }
    });
}
