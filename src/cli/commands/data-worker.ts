import type { Command } from "commander";
import { INGEST_SYNTH, type IngestSynthJob, runIngestSynthJob } from "../../data/ingest.js";
import type { JobHandler, QueueProgress, QueueRunStats } from "../../queue/index.js";
import { DATA_QUEUE, DEFAULT_STALL } from "../../queue/index.js";
import { runSynthesizeDesignJob, SYNTHESIZE_DESIGN, type SynthesizeDesignJob } from "../../recipe/synthesize.js";
import { intOption } from "../options.js";
import { throttled } from "../throttle.js";

/** Every job kind a data worker serves. */
const HANDLERS: Record<string, JobHandler> = {
  [INGEST_SYNTH]: (data) => runIngestSynthJob(data as IngestSynthJob),
  [SYNTHESIZE_DESIGN]: (data) => runSynthesizeDesignJob(data as SynthesizeDesignJob),
};

/** `--queue URL` on a data command: the executor that runs its jobs there, with progress on stderr. */
export async function dataQueue(url: string, quiet: boolean) {
  // Loaded only here: BullMQ and ioredis cost a third of a second at startup, which in-process commands skip.
  const { queueExecutor, redisConnection } = await import("../../queue/index.js");
  redisConnection(url); // a bad URL fails before any work
  return queueExecutor(url, DATA_QUEUE, {
    onProgress: throttled(5_000, (p: QueueProgress) => {
      if (quiet) return;
      process.stderr.write(`${JSON.stringify({ stage: "queue", done: p.done, total: p.total, workers: p.workers })}\n`);
      if (p.workers === 0 && p.done < p.total)
        process.stderr.write(
          `rtlgym: no worker serves ${url} yet: start one with \`rtlgym data worker --queue ${url}\`\n`,
        );
    }),
  });
}

/** What a queued run reports: jobs, reused results, stalls recovered, and each job's starts and finishing worker. */
export function queueSummary(stats: readonly QueueRunStats[]) {
  const executions = Object.assign({}, ...stats.map((s) => s.executions)) as QueueRunStats["executions"];
  return {
    jobs: stats.reduce((n, s) => n + s.jobs, 0),
    collected: Object.keys(executions).length,
    reused: stats.reduce((n, s) => n + s.reused, 0),
    stalled: stats.reduce((n, s) => n + s.stalled, 0),
    duplicateNotices: stats.reduce((n, s) => n + s.duplicateNotices, 0),
    restarted: Object.entries(executions)
      .filter(([, e]) => e.started > 1)
      .map(([id, e]) => ({ id, ...e })),
    executions,
  };
}

/** `rtlgym data worker --queue URL`: serves the data pipeline's jobs until SIGTERM or SIGINT. */
export function registerWorker(data: Command): void {
  data
    .command("worker")
    .description("serve queued data jobs (ingest synthesis, round-trip synthesis) from Redis until killed")
    .requiredOption("--queue <url>", "Redis URL, redis://host:port")
    .option("--concurrency <n>", "jobs at once in this process", intOption, 1)
    .option("--lock-ms <n>", "job lock duration (see docs/data-queue.md)", intOption, DEFAULT_STALL.lockDurationMs)
    .option("--stalled-ms <n>", "how often stalled jobs are looked for", intOption, DEFAULT_STALL.stalledIntervalMs)
    .option("--quiet", "no job log on stderr")
    .action(
      async (flags: { queue: string; concurrency: number; lockMs: number; stalledMs: number; quiet?: boolean }) => {
        const log = (o: Record<string, unknown>) => {
          if (!flags.quiet) process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), ...o })}\n`);
        };
        const { startWorker } = await import("../../queue/index.js");
        const worker = startWorker(flags.queue, DATA_QUEUE, HANDLERS, {
          concurrency: Math.max(1, flags.concurrency),
          lockDurationMs: flags.lockMs,
          stalledIntervalMs: flags.stalledMs,
          maxStalledCount: DEFAULT_STALL.maxStalledCount,
          onEvent: (e) => log({ worker: process.pid, ...e }),
        });
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          log({ worker: process.pid, event: "stopping", signal });
          // close() lets the running jobs finish and report before the connection goes.
          void worker.close().then(() => {
            log({ worker: process.pid, event: "stopped" });
            process.exit(0);
          });
        };
        process.on("SIGTERM", () => stop("SIGTERM"));
        process.on("SIGINT", () => stop("SIGINT"));
        log({ worker: process.pid, event: "ready", queue: flags.queue, name: worker.name });
        await worker.closed;
      },
    );
}
