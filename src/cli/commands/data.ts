import { existsSync, readdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { defaultDataDir, loadSuite } from "../../bench/suites/registry.js";
import type { Problem } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { DEFAULT_DECONTAMINATE, type DecontaminationResult, decontaminate } from "../../data/decontaminate.js";
import { DEFAULT_EXPORT, EXPORT_FORMATS, type ExportFormat, exportDataset } from "../../data/export.js";
import { DEFAULT_INGEST, ingest } from "../../data/ingest.js";
import { readDataset, writeDataset, writeManifest } from "../../data/store.js";
import { intOption } from "../options.js";
import { dataQueue, queueSummary, registerWorker } from "./data-worker.js";
import { registerDifficulty } from "./difficulty.js";
import { registerDistill } from "./distill.js";
import { registerRaft } from "./search.js";
import { registerSynthesize } from "./synthesize.js";

const UPSTREAM_SUITES = [
  "verilog-eval-v2",
  "verilog-eval-v2-cc",
  "verilog-eval-v1-human",
  "verilog-eval-v1-machine",
  "rtllm-v1.1",
  "rtllm-v2.0",
];

function progress(quiet: boolean) {
  let last = 0;
  return (stage: string, done: number, total: number) => {
    if (quiet) return;
    const now = Date.now();
    if (now - last < 1000 && done < total) return;
    last = now;
    process.stderr.write(`${JSON.stringify({ stage, done, total })}\n`);
  };
}

const floatOption = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new BadInputError(`expected a number in 0..1, got ${v}`);
  return n;
};

/**
 * Benchmark problems to decontaminate against: builtin and its VHDL track, every upstream suite found under --data,
 * task splits.
 */
async function benchmarkProblems(flags: {
  data?: string;
  tasks?: string[];
  suites?: string;
}): Promise<{ problems: Problem[]; skipped: Record<string, string> }> {
  const dataDir = flags.data ?? defaultDataDir();
  const names = flags.suites
    ? flags.suites
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : ["builtin", "builtin-vhdl", ...(dataDir ? UPSTREAM_SUITES : [])];
  const problems: Problem[] = [];
  const skipped: Record<string, string> = {};
  for (const name of names) {
    try {
      const suite = await loadSuite(name, dataDir);
      problems.push(...suite.problems);
    } catch (e) {
      if (flags.suites) throw e;
      skipped[name] = (e as Error).message;
    }
  }
  for (const dir of flags.tasks ?? []) {
    const abs = resolve(dir);
    const splits = existsSync(join(abs, "problems.jsonl"))
      ? [abs]
      : readdirSync(abs)
          .filter((n) => n.startsWith("heldout") && existsSync(join(abs, n, "problems.jsonl")))
          .map((n) => join(abs, n));
    if (splits.length === 0)
      throw new BadInputError(`--tasks ${dir}: no problems.jsonl there nor in heldout-* folders`);
    for (const split of splits) {
      const suite = await loadSuite("tasks", split);
      problems.push(...suite.problems.map((p) => ({ ...p, suite: `tasks:${split.split("/").pop()}` })));
    }
  }
  return { problems, skipped };
}

/** `rtlgym data ...`: ingest real RTL into a dataset, decontaminate it, export it for training. */
export function registerData(program: Command): void {
  const data = program
    .command("data")
    .description("datasets from real RTL: ingest, synthesize, decontaminate, export; distillation data");
  registerDistill(data);
  registerDifficulty(data);
  registerSynthesize(data);
  registerRaft(data);
  registerWorker(data);

  data
    .command("ingest")
    .description("walk folders or git checkouts into a dataset of self-contained units (JSONL + manifest + report)")
    .argument("<paths...>", "folders, checkouts or files")
    .requiredOption("--out <dir>", "dataset folder")
    .option(
      "--near <x>",
      "near-duplicate Jaccard threshold (token 5-shingles)",
      floatOption,
      DEFAULT_INGEST.nearThreshold,
    )
    .option("--batch <n>", "units per yosys process", intOption, DEFAULT_INGEST.synthBatch)
    .option("--workers <n>", "yosys processes at once", intOption, DEFAULT_INGEST.concurrency)
    .option("--no-synth", "skip Yosys (no synthesizability, clock or reset classification)")
    .option("--queue <url>", "run the synthesis jobs on this Redis queue (redis://host:port) served by `data worker`s")
    .option("--json", "print one JSON summary on stdout")
    .option("--quiet", "no progress on stderr")
    .action(
      async (
        paths: string[],
        flags: {
          out: string;
          near: number;
          batch: number;
          workers: number;
          synth: boolean;
          queue?: string;
          json?: boolean;
          quiet?: boolean;
        },
      ) => {
        const report = progress(flags.quiet === true);
        const executor = flags.queue !== undefined ? await dataQueue(flags.queue, flags.quiet === true) : undefined;
        const options = {
          nearThreshold: flags.near,
          synthBatch: flags.batch,
          concurrency: flags.workers,
          noSynth: !flags.synth,
        };
        const result = await ingest(paths, {
          ...options,
          onProgress: (e) => report(e.stage, e.done, e.total),
          ...(executor && { executor }),
        });
        const out = resolve(flags.out);
        const summary = await writeDataset(
          out,
          result,
          paths.map((p) => resolve(p)),
          options,
        );
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({
              out,
              files: result.counts.filesWalked,
              units: result.counts.units,
              kept: result.records.length,
              duplicates: result.duplicates.length,
              synthesizable: result.counts.synthesizable,
              counts: result.counts,
              durationMs: result.durationMs,
              throughput: summary.throughput,
              sources: summary.sources,
              rejected: result.rejects.map((r) => ({
                path: `${r.source}/${r.path}`,
                reason: r.reason,
                stage: r.stage,
              })),
              inUnits: [...result.records, ...result.duplicates]
                .flatMap((r) => r.files.map((f) => `${r.source}/${f}`))
                .filter((v, i, a) => a.indexOf(v) === i).length,
              ...(executor && { queue: queueSummary(executor.stats) }),
            })}\n`,
          );
          return;
        }
        const c = result.counts;
        process.stdout.write(
          `${c.filesWalked} files -> ${c.units} units (${c.designUnits} designs, ${c.testbenchUnits} testbenches; ${c.synthesizable} synthesizable), ${c.exactDuplicates} exact + ${c.nearDuplicates} near duplicates, ${result.records.length} kept, ${c.rejectedFiles} files rejected, ${(result.durationMs / 1000).toFixed(1)} s\nreport: ${join(out, "report.html")}\n`,
        );
      },
    );

  data
    .command("decontaminate")
    .description("flag records that overlap benchmark problems (code and spec n-grams, equivalence to references)")
    .requiredOption("--dataset <dir>", "dataset folder written by rtlgym data ingest")
    .option("--data <dir>", "benchmarks folder (verilog-eval/, rtllm/) as for rtlgym bench; default RTLGYM_BENCHMARKS")
    .option(
      "--suites <names>",
      "only these suites (comma-separated); default builtin, builtin-vhdl + every upstream suite found",
    )
    .option("--tasks <dir>", "a tasks output folder or split folder (repeatable)", (v: string, prev: string[] = []) => [
      ...prev,
      v,
    ])
    .option("--no-equivalence", "skip the equivalence checks")
    .option(
      "--code-threshold <x>",
      "share of a reference's code n-grams that makes a hit",
      floatOption,
      DEFAULT_DECONTAMINATE.codeThreshold,
    )
    .option("--json", "print one JSON summary on stdout")
    .option("--quiet", "no progress on stderr")
    .action(
      async (flags: {
        dataset: string;
        data?: string;
        suites?: string;
        tasks?: string[];
        equivalence: boolean;
        codeThreshold: number;
        json?: boolean;
        quiet?: boolean;
      }) => {
        const dir = resolve(flags.dataset);
        const ds = await readDataset(dir);
        const { problems, skipped } = await benchmarkProblems(flags);
        const report = progress(flags.quiet === true);
        const result = await decontaminate(ds.records, problems, {
          equivalence: flags.equivalence,
          codeThreshold: flags.codeThreshold,
          onProgress: (done, total) => report("equivalence", done, total),
        });
        const stored = { ...result, skippedSuites: skipped, at: new Date().toISOString() };
        await writeFile(join(dir, "decontamination.json"), `${JSON.stringify(stored, null, 2)}\n`);
        const flagged = new Set(result.contaminated);
        await writeFile(
          join(dir, "contaminated.jsonl"),
          ds.records
            .filter((r) => flagged.has(r.id))
            .map((r) => `${JSON.stringify(r)}\n`)
            .join(""),
        );
        await writeFile(join(dir, "decontamination.md"), decontaminationMarkdown(stored));
        await writeManifest(dir, {
          ...ds.manifest,
          decontamination: {
            checked: result.checked,
            benchmarks: result.benchmarks,
            hits: result.hits,
            contaminated: result.contaminated,
            at: stored.at,
          },
        });
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ dataset: dir, checked: result.checked, benchmarks: result.benchmarks, skippedSuites: skipped, equivalenceChecks: result.equivalenceChecks, contaminated: result.contaminated.length, hits: result.hits })}\n`,
          );
          return;
        }
        process.stdout.write(
          `${result.checked} records checked against ${problems.length} problems (${Object.entries(result.benchmarks)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ")}): ${result.hits.length} hits on ${result.contaminated.length} records\n`,
        );
        for (const h of result.hits)
          process.stdout.write(`  ${h.id}  ${h.benchmark}/${h.problem}  ${h.method}: ${h.evidence}\n`);
        for (const [k, v] of Object.entries(skipped)) process.stderr.write(`suite ${k} not loaded: ${v}\n`);
      },
    );

  data
    .command("export")
    .description("write training rows (JSONL + Parquet) and a dataset card")
    .requiredOption("--dataset <dir>", "dataset folder")
    .requiredOption("--format <format>", `one of ${EXPORT_FORMATS.join(", ")}`)
    .requiredOption("--out <dir>", "output folder")
    .option("--max-lines <n>", "leave out units longer than this", intOption, DEFAULT_EXPORT.maxLines)
    .option("--max-rows <n>", "at most this many rows", intOption)
    .option("--mutants <n>", "mutants tried per record (dpo, ranking)", intOption, DEFAULT_EXPORT.mutants)
    .option("--seed <n>", "mutant seed", intOption, DEFAULT_EXPORT.seed)
    .option("--json", "print one JSON summary on stdout")
    .option("--quiet", "no progress on stderr")
    .action(
      async (flags: {
        dataset: string;
        format: string;
        out: string;
        maxLines: number;
        maxRows?: number;
        mutants: number;
        seed: number;
        json?: boolean;
        quiet?: boolean;
      }) => {
        if (!(EXPORT_FORMATS as readonly string[]).includes(flags.format))
          throw new BadInputError(`unknown --format ${flags.format}; one of ${EXPORT_FORMATS.join(", ")}`);
        const ds = await readDataset(resolve(flags.dataset));
        const d = ds.manifest.decontamination as { contaminated?: string[] } | undefined;
        const report = progress(flags.quiet === true);
        const summary = await exportDataset(
          ds.records,
          ds.manifest,
          new Set(d?.contaminated ?? []),
          flags.format as ExportFormat,
          resolve(flags.out),
          {
            maxLines: flags.maxLines,
            ...(flags.maxRows !== undefined && { maxRows: flags.maxRows }),
            mutants: flags.mutants,
            seed: flags.seed,
            onProgress: (done, total) => report("mutants", done, total),
          },
        );
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ ...summary, decontaminated: d !== undefined })}\n`);
          return;
        }
        for (const f of summary.files) process.stdout.write(`${f.path}  ${f.rows} rows\n`);
        if (!d) process.stderr.write("warning: this dataset was not decontaminated (rtlgym data decontaminate)\n");
      },
    );
}

function decontaminationMarkdown(r: DecontaminationResult & { skippedSuites: Record<string, string> }): string {
  const lines = [
    "# Decontamination",
    "",
    `${r.checked} records checked against ${Object.entries(r.benchmarks)
      .map(([k, v]) => `${k} (${v})`)
      .join(
        ", ",
      )}; ${r.equivalenceChecks} equivalence checks; ${r.hits.length} hits on ${r.contaminated.length} records.`,
    "",
    "| record | benchmark | problem | method | evidence |",
    "| --- | --- | --- | --- | --- |",
    ...r.hits.map(
      (h) => `| ${h.id} | ${h.benchmark} | ${h.problem} | ${h.method} | ${h.evidence.replace(/\|/g, "\\|")} |`,
    ),
    ...Object.entries(r.skippedSuites).map(([k, v]) => `\nNot loaded: ${k}: ${v}`),
    "",
  ];
  return `${lines.join("\n")}\n`;
}
