import { resolve } from "node:path";
import type { Command } from "commander";
import {
  DEFAULT_BAND,
  type DifficultyReport,
  difficultyOfRun,
  histogram,
  inBand,
  PassRateBand,
  writeDifficulty,
} from "../../bench/difficulty.js";
import { BadInputError } from "../../core/errors.js";
import { openStore } from "../../runs/index.js";
import { sampleTasks } from "../../train/index.js";
import { intOption } from "../options.js";
import { throttled } from "../throttle.js";
import { numberOption } from "./bench/shared.js";

interface DifficultyFlags {
  run?: string;
  model?: string;
  tasks?: string;
  split: string;
  limit?: number;
  n: number;
  temperature: number;
  maxTokens: number;
  seed: number;
  threads?: number;
  resume?: string;
  band: string;
  out: string;
  python?: string;
  db?: string;
  json?: boolean;
  quiet?: boolean;
}

function parseBand(text: string): PassRateBand {
  const parts = text.split(",").map((s) => Number(s.trim()));
  const parsed = PassRateBand.safeParse(parts);
  if (parts.length !== 2 || !parsed.success) {
    throw new BadInputError(`--band must be LO,HI with 0 <= LO <= HI <= 1, got ${text}`);
  }
  return parsed.data;
}

/**
 * `rtlgym data difficulty`: each training problem's pass rate for a model, from a bench run already made against
 * any endpoint (--run) or from sampling a local model directory on a tasks split (--model --tasks). The report is
 * what a recipe's `prompts: { difficulty: FILE, band: [lo, hi] }` reads.
 */
export function registerDifficulty(data: Command): void {
  data
    .command("difficulty")
    .description("measure each training problem's pass rate for a model; recipes train on a pass-rate band of it")
    .option("--run <id>", "count passes in this bench run (e.g. `bench run --suite tasks --data T/train -n 8`)")
    .option("--model <dir>", "or sample this model directory (served here) on --tasks")
    .option("--tasks <dir>", "`rtlgym tasks generate` folder (with --model)")
    .option("--split <name>", "the split of --tasks", "train")
    .option("--limit <n>", "only the first n problems of the split (with --model)", intOption)
    .option("-n, --n <n>", "samples per problem (with --model)", intOption, 8)
    .option("--temperature <t>", "sampling temperature (with --model; use the recipe's)", numberOption, 0.7)
    .option("--max-tokens <n>", "response token limit (with --model)", intOption, 384)
    .option("--seed <n>", "sampling and stimulus seed (with --model)", intOption, 1)
    .option("--threads <n>", "torch CPU threads of the model server (with --model)", intOption)
    .option(
      "--resume <run>",
      "finish this sampling run, cut short before, or grow it to a larger --limit (with --model and the same settings)",
    )
    .option("--band <lo,hi>", "the pass-rate band reported as selected", DEFAULT_BAND.join(","))
    .requiredOption("--out <file>", "the difficulty report (JSON)")
    .option("--python <path>", "the Python with adapters/python installed (with --model)")
    .option("--db <path>", "run store (default: $RTLGYM_HOME/rtlgym.db or ~/.rtlgym/rtlgym.db)")
    .option("--json", "print the summary as one JSON object on stdout")
    .option("--quiet", "no progress")
    .action(async (flags: DifficultyFlags) => {
      const band = parseBand(flags.band);
      if ((flags.run === undefined) === (flags.model === undefined)) {
        throw new BadInputError("give exactly one of --run RUN or --model DIR (with --tasks DIR)");
      }
      if (flags.model !== undefined && flags.tasks === undefined) throw new BadInputError("--model needs --tasks DIR");
      if (flags.n < 1) throw new BadInputError("-n must be at least 1");
      if (flags.resume !== undefined && flags.model === undefined) {
        throw new BadInputError("--resume needs --model DIR --tasks DIR (with the settings the run was made with)");
      }
      let runId = flags.run;
      if (flags.model !== undefined) {
        const sampled = await sampleTasks({
          model: flags.model,
          tasksDir: flags.tasks as string,
          split: flags.split,
          n: flags.n,
          temperature: flags.temperature,
          maxTokens: flags.maxTokens,
          seed: flags.seed,
          ...(flags.limit !== undefined && { limit: flags.limit }),
          ...(flags.threads !== undefined && { threads: flags.threads }),
          ...(flags.resume !== undefined && { resume: flags.resume }),
          ...(flags.python !== undefined && { python: flags.python }),
          ...(flags.db !== undefined && { store: flags.db }),
          onProgress: throttled(
            2000,
            (done: number, total: number) => {
              if (!flags.quiet) process.stderr.write(`${JSON.stringify({ stage: "sample", done, total })}\n`);
            },
            (done, total) => done === total,
          ),
        });
        runId = sampled.bench.run.id;
      }
      const store = openStore(flags.db);
      let report: DifficultyReport;
      try {
        report = difficultyOfRun(store, runId as string);
      } finally {
        store.close();
      }
      const out = resolve(flags.out);
      writeDifficulty(out, report);
      const selected = inBand(report, band);
      const summary = {
        out,
        run: report.run,
        problems: report.problems.length,
        samples: report.problems.reduce((a, p) => a + p.n, 0),
        passRate:
          report.problems.reduce((a, p) => a + p.c, 0) /
          Math.max(
            1,
            report.problems.reduce((a, p) => a + p.n, 0),
          ),
        histogram: histogram(report),
        band,
        inBand: selected.length,
      };
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      const h = Object.entries(summary.histogram)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ");
      process.stdout.write(
        `${summary.problems} problems, ${summary.samples} samples, ${(summary.passRate * 100).toFixed(1)}% passed (run ${summary.run})\n` +
          `pass rate per problem: ${h}\n` +
          `in band [${band.join(", ")}]: ${selected.length} problems\n` +
          `report: ${out}\n`,
      );
    });
}
