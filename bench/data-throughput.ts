/**
 * Ingest throughput in-process against the Redis queue (docs/data-queue.md), by hand, not in tests:
 *
 *   npx tsx bench/data-throughput.ts [PATH...] [--workers 1,2] [--worker-concurrency 1] [--concurrency 2] [--batch 24]
 *
 * PATH defaults to ../shared/corpus. Runs the in-process ingest (`--concurrency` yosys processes), then for each count
 * in `--workers` a queued ingest served by that many `rtlgym data worker` processes (each running
 * `--worker-concurrency` jobs) on a redis-server started here on a free port. Reports files/s, units/s, the time per
 * stage, and whether the queued records equal the in-process ones (they must). `--batch`: units per Yosys batch, so
 * per job (a small input needs small batches to make enough jobs to share). Timings depend on the machine's load:
 * run it when nothing else runs if the figures are to mean anything.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type IngestResult, ingest } from "../src/data/ingest.js";
import { DATA_QUEUE, queueExecutor } from "../src/queue/index.js";
import { startRedis } from "../test/helpers/redis.js";

const ROOT = resolve(import.meta.dirname, "..");
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    workers: { type: "string", default: "1,2" },
    "worker-concurrency": { type: "string", default: "1" },
    concurrency: { type: "string", default: "2" },
    batch: { type: "string", default: "24" },
  },
});
const paths = positionals.length > 0 ? positionals.map((p) => resolve(p)) : [join(ROOT, "..", "shared", "corpus")];
const counts = (args.workers ?? "1,2").split(",").map(Number);
const concurrency = Number(args.concurrency);
const synthBatch = Number(args.batch);

const figures = (name: string, r: IngestResult, seconds: number, extra: Record<string, unknown> = {}) => ({
  name,
  seconds: Math.round(seconds * 10) / 10,
  filesPerSecond: Math.round((r.counts.filesWalked / seconds) * 100) / 100,
  unitsPerSecond: Math.round((r.counts.units / seconds) * 100) / 100,
  timingsMs: r.timings,
  load: loadavg().map((x) => Math.round(x * 10) / 10),
  ...extra,
});
const same = (a: IngestResult, b: IngestResult) =>
  JSON.stringify([a.records, a.duplicates, a.rejects, a.counts]) ===
  JSON.stringify([b.records, b.duplicates, b.rejects, b.counts]);
/** Which records differ and how (the synthesis verdicts, mostly: a unit that timed out in one run only). */
const differences = (a: IngestResult, b: IngestResult) => {
  const index = (r: IngestResult) => new Map([...r.records, ...r.duplicates].map((x) => [x.id, x]));
  const x = index(a);
  const y = index(b);
  const out: Array<{ id: string; field: string; inProcess: unknown; queued: unknown }> = [];
  for (const id of new Set([...x.keys(), ...y.keys()])) {
    const p = x.get(id) as unknown as Record<string, unknown> | undefined;
    const q = y.get(id) as unknown as Record<string, unknown> | undefined;
    if (!p || !q) {
      out.push({ id, field: "(record)", inProcess: p !== undefined, queued: q !== undefined });
      continue;
    }
    for (const k of new Set([...Object.keys(p), ...Object.keys(q)]))
      if (JSON.stringify(p[k]) !== JSON.stringify(q[k]))
        out.push({
          id,
          field: k,
          inProcess: JSON.stringify(p[k])?.slice(0, 200),
          queued: JSON.stringify(q[k])?.slice(0, 200),
        });
  }
  return out;
};
const progress = (label: string) => (e: { stage: string; done: number; total: number }) =>
  process.stderr.write(`\r${label} ${e.stage} ${e.done}/${e.total}      `);

const rows: Array<Record<string, unknown>> = [];
let t = performance.now();
const local = await ingest(paths, { concurrency, synthBatch, onProgress: progress("in-process") });
rows.push(figures(`in-process (${concurrency} yosys at once)`, local, (performance.now() - t) / 1000));
process.stderr.write(`\n${JSON.stringify(rows.at(-1))}\n`);

const redis = await startRedis();
try {
  for (const n of counts) {
    const workers: ChildProcess[] = [];
    for (let i = 0; i < n; i++)
      workers.push(
        spawn(
          join(ROOT, "node_modules", ".bin", "tsx"),
          [
            join(ROOT, "src", "cli", "main.ts"),
            "data",
            "worker",
            "--queue",
            redis.url,
            "--concurrency",
            args["worker-concurrency"] ?? "1",
          ],
          { stdio: ["ignore", "inherit", "pipe"] },
        ),
      );
    // The clock starts once every worker is serving: their start-up (a few seconds of tsx) is not ingest time.
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((ready) => {
            let log = "";
            w.stderr?.on("data", (d: Buffer) => {
              log = (log + d.toString()).slice(-10_000);
              if (log.includes('"event":"ready"')) ready();
            });
          }),
      ),
    );
    const executor = queueExecutor(redis.url, DATA_QUEUE, { sweepMs: 2_000 });
    t = performance.now();
    const queued = await ingest(paths, { concurrency, synthBatch, executor, onProgress: progress(`queue x${n}`) });
    const seconds = (performance.now() - t) / 1000;
    const stats = executor.stats[0];
    rows.push(
      figures(`queue, ${n} worker${n > 1 ? "s" : ""} x ${args["worker-concurrency"]} job`, queued, seconds, {
        jobs: stats?.jobs,
        stalled: stats?.stalled,
        sameRecords: same(local, queued),
        ...(!same(local, queued) && { differences: differences(local, queued).slice(0, 20) }),
      }),
    );
    process.stderr.write(`\n${JSON.stringify(rows.at(-1))}\n`);
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(0) : w.once("exit", r)))));
  }
} finally {
  redis.stop();
}
console.log(
  JSON.stringify(
    {
      paths,
      cores: availableParallelism(),
      batch: synthBatch,
      files: local.counts.filesWalked,
      units: local.counts.units,
      note: "wall-clock figures on a shared machine: see load (1, 5, 15 min averages) per row",
      rows,
    },
    null,
    2,
  ),
);
