import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { createProgress } from "../../bench/progress.js";
import type { EngineChoice } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { DATASET_FILES, readDataset } from "../../data/store.js";
import { synthesize } from "../../recipe/synthesize.js";
import { openStore } from "../../runs/index.js";
import { engineOption, intOption } from "../options.js";
import { numberOption } from "./bench/shared.js";
import { dataQueue, queueSummary } from "./data-worker.js";
import { addEndpointFlags, type EndpointFlags, endpointClient } from "./endpoint.js";

interface SynthFlags extends EndpointFlags {
  dataset: string;
  endpoint: string;
  model: string;
  n: number;
  out?: string;
  limit?: number;
  maxLines: number;
  temperature: number;
  specTemperature: number;
  maxTokens?: number;
  traces?: boolean;
  engine: EngineChoice;
  seed: number;
  timeoutMs?: number;
  workers: number;
  resume?: string;
  fresh?: boolean;
  db?: string;
  queue?: string;
  json?: boolean;
  quiet?: boolean;
}

/** `rtlgym data synthesize`: round-trip synthesis of specifications for an ingested dataset. */
export function registerSynthesize(data: Command): void {
  const cmd = data
    .command("synthesize")
    .description(
      "round trip: an LLM writes a spec per design unit, n codes are generated from it, keep (spec, code) when one is equivalent",
    )
    .requiredOption("--dataset <dir>", "dataset written by `rtlgym data ingest`")
    .requiredOption("--endpoint <url>", "OpenAI-compatible base URL (vLLM, SGLang, rtlgym model serve)")
    .requiredOption("--model <name>", "model name as the endpoint serves it")
    .option("-n, --n <n>", "codes regenerated per specification", intOption, 4)
    .option("--out <dir>", "output dataset (default: DATASET-roundtrip beside it)")
    .option("--limit <n>", "only the first n design units", intOption)
    .option("--max-lines <n>", "skip units longer than this", intOption, 300)
    .option("--temperature <t>", "sampling temperature of the regenerations", numberOption, 0.8)
    .option("--spec-temperature <t>", "sampling temperature of the specification", numberOption, 0.2)
    .option("--max-tokens <n>", "response token limit", intOption)
    .option("--traces", "also write the equivalent regenerations as SFT rows (traces/train/sft.{jsonl,parquet})")
    .option("--engine <engine>", "rtlgym equivalence engine: sim | formal | both", engineOption, "both")
    .option("--seed <n>", "stimulus and sampling seed", intOption, 1)
    .option("--timeout-ms <n>", "wall-clock limit of one rtlgym check", intOption)
    .option("--workers <n>", "design units worked on at once", intOption, 2)
    .option("--resume <run-id>", "resume this run (default: the newest unfinished run with the same parameters)")
    .option("--fresh", "start a new run even if an unfinished one with the same parameters exists")
    .option("--db <path>", "run store (default: $RTLGYM_HOME/rtlgym.db or ~/.rtlgym/rtlgym.db)")
    .option("--queue <url>", "run the per-design jobs on this Redis queue (redis://host:port) served by `data worker`s")
    .option("--json", "print the report as one JSON object on stdout")
    .option("--quiet", "no progress output");
  addEndpointFlags(cmd);
  cmd.action(async (flags: SynthFlags) => {
    if (flags.n < 1) throw new BadInputError("-n must be at least 1");
    const dataset = await readDataset(resolve(flags.dataset));
    const out = resolve(flags.out ?? `${dataset.dir.replace(/\/+$/, "")}-roundtrip`);
    if (out === dataset.dir) throw new BadInputError("--out must differ from --dataset");
    if (existsSync(out)) {
      const entries = await readdir(out);
      if (entries.length > 0 && !entries.includes(DATASET_FILES.manifest))
        throw new BadInputError(`${out} is not empty and is not an rtlgym dataset`);
    }
    const client = await endpointClient(flags.endpoint, flags.model, "chat", flags);
    const executor = flags.queue !== undefined ? await dataQueue(flags.queue, flags.quiet === true) : undefined;
    const store = openStore(flags.db);
    const silent = flags.quiet === true || flags.json === true;
    let progress = createProgress({ total: 0, label: "", silent: true });
    try {
      const report = await synthesize({
        dataset,
        client,
        endpoint: flags.endpoint,
        model: flags.model,
        store,
        out,
        n: flags.n,
        seed: flags.seed,
        specTemperature: flags.specTemperature,
        temperature: flags.temperature,
        ...(flags.maxTokens !== undefined && { maxTokens: flags.maxTokens }),
        maxLines: flags.maxLines,
        ...(flags.limit !== undefined && { limit: flags.limit }),
        concurrency: flags.workers,
        ...(executor && {
          executor,
          clientOptions: {
            retries: flags.retries,
            timeoutMs: flags.requestTimeoutMs,
            ...(flags.fanOut && { fanOut: true }),
          },
        }),
        verify: {
          engine: flags.engine,
          seed: flags.seed,
          ...(flags.timeoutMs !== undefined && { timeoutMs: flags.timeoutMs }),
        },
        traces: flags.traces === true,
        ...(flags.resume !== undefined && { runId: flags.resume }),
        ...(flags.fresh && { fresh: true }),
        onStart: (info) => {
          progress = createProgress({ total: info.todo, label: `synthesize ${flags.model}`, silent });
          if (flags.quiet !== true)
            process.stderr.write(`rtlgym: ${info.resumed ? "resuming " : ""}run ${info.runId}\n`);
        },
        onRecord: (x) => {
          progress.tick({ problem: x.id, sample: 0, status: x.status === "kept" ? "pass" : x.status });
          if (x.status === "incomplete") progress.log(`${x.id}: ${x.reason}`);
        },
      });
      progress.done();
      if (flags.json)
        process.stdout.write(
          `${JSON.stringify({ ...report, ...(executor && { queue: queueSummary(executor.stats) }) })}\n`,
        );
      else
        process.stdout.write(
          `${report.units} units (${report.skipped} skipped as too long): ${report.specs} specs, ` +
            `${report.regenerations} regenerations, ${report.equivalent} equivalent; ${report.kept} kept, ` +
            `${report.dropped} dropped, ${report.incomplete} incomplete\nrun ${report.runId}; dataset: ${report.out}\n`,
        );
      if (report.incomplete > 0) {
        process.stderr.write(
          `rtlgym: ${report.incomplete} units are incomplete (failed requests); run the same command again to resume run ${report.runId}\n`,
        );
        process.exitCode = 2;
      }
    } finally {
      store.close();
    }
  });
}
