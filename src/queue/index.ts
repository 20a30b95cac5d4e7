import { hostname } from "node:os";
import type { Job } from "bullmq";
import type { Redis, RedisOptions } from "ioredis";
import { BadInputError, RtlgymError } from "../core/errors.js";
import { DEFAULT_STALL, type Executor, type StallTiming } from "./executor.js";

export {
  DATA_QUEUE,
  DEFAULT_STALL,
  type Executor,
  inProcessExecutor,
  jobId,
  type StallTiming,
  stableJson,
} from "./executor.js";

/**
 * A named queue of JSON jobs on Redis (BullMQ), for steps that run on worker processes on any number of machines.
 * Jobs have deterministic ids (a hash of their kind and data): adding a job whose id exists is a no-op, so a
 * re-enqueue (a restarted coordinator, two coordinators with the same input) never duplicates work. Execution is
 * at least once (a worker killed mid-job has its job re-run elsewhere); results are collected once per job id.
 */

/** One unit of work: `kind` picks the worker's handler; `data` and the handler's result are plain JSON. */
export interface QueueJob<T = unknown> {
  id: string;
  kind: string;
  data: T;
}

/** A job that failed for good (every attempt threw): infrastructure, not a result. */
export class QueueJobError extends RtlgymError {
  constructor(message: string, context: { failures: Array<{ id: string; kind: string; reason: string }> }) {
    super("TOOL_CRASHED", message, context);
  }
}

/**
 * A client for BullMQ. BullMQ 6 leaves ioredis optional and, under ESM, cannot load it itself: it takes a client
 * built here. Each Queue, QueueEvents and Worker gets its own (QueueEvents and Worker block on reads); the caller
 * closes them after the BullMQ object.
 */
function client(lib: { Redis: typeof Redis }, url: string): Redis {
  return new lib.Redis(redisConnection(url));
}

/**
 * bullmq and ioredis take about 0.5 s of CPU to load, and this index is imported at CLI start-up (data, recipe use
 * its in-process executor): they are loaded on the first queue run or worker, not with the module.
 */
const libraries = async () => {
  const [bullmq, ioredis] = await Promise.all([import("bullmq"), import("ioredis")]);
  return { bullmq, ioredis };
};

/** redis://[:password@]host[:port][/db] (rediss:// for TLS) into ioredis options. */
export function redisConnection(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BadInputError(`--queue ${url}: not a URL; expected redis://host:port`);
  }
  if (u.protocol !== "redis:" && u.protocol !== "rediss:")
    throw new BadInputError(`--queue ${url}: expected redis://host:port or rediss://host:port`);
  const db = u.pathname.replace(/^\//, "");
  if (db !== "" && !/^\d+$/.test(db)) throw new BadInputError(`--queue ${url}: the database must be a number`);
  return {
    host: u.hostname || "127.0.0.1",
    port: u.port ? Number(u.port) : 6379,
    ...(u.username && { username: decodeURIComponent(u.username) }),
    ...(u.password && { password: decodeURIComponent(u.password) }),
    ...(db !== "" && { db: Number(db) }),
    ...(u.protocol === "rediss:" && { tls: {} }),
    // BullMQ's blocking commands need this (a worker must wait for Redis, not fail the request).
    maxRetriesPerRequest: null,
  };
}

export interface RunQueuedOptions {
  /** Attempts per job when its handler throws (BullMQ retries with exponential backoff). */
  attempts: number;
  /** How often the coordinator also polls the jobs it waits on (events are the fast path; polling the safety net). */
  sweepMs: number;
  /** Jobs kept in Redis after the run (default: removed once every result is in). */
  keep: boolean;
  /** Called every `sweepMs` while waiting. */
  onProgress?: (p: QueueProgress) => void;
}

export const DEFAULT_RUN: Omit<RunQueuedOptions, "onProgress"> = { attempts: 3, sweepMs: 5_000, keep: false };

export interface QueueProgress {
  done: number;
  total: number;
  workers: number;
}

/** What the coordinator saw: one result per job id, and how each job got there. */
export interface QueueRunStats {
  jobs: number;
  /** Jobs found completed at the first check, right after enqueuing: left by an earlier, interrupted run. */
  reused: number;
  /** Stalled events seen (a worker died or hung mid-job; the job was re-queued). */
  stalled: number;
  /** Completion notices for a job id already collected, ignored (results count once). */
  duplicateNotices: number;
  /** Per collected job: how often a worker started it (more than 1 after a crash) and which worker finished it. */
  executions: Record<string, { started: number; stalled: number; by: string }>;
}

const chunks = <T>(xs: readonly T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

/**
 * Enqueues the jobs (ids deduplicate), waits for every result and returns them by job id. Any number of workers
 * (`startWorker`) on any machines serve the queue. A job that failed for good makes the whole run throw
 * QueueJobError once every other job has finished (nothing is left half-collected in Redis).
 */
export async function runQueued<T, R>(
  url: string,
  name: string,
  jobs: ReadonlyArray<QueueJob<T>>,
  options: Partial<RunQueuedOptions> = {},
): Promise<{ results: Map<string, R>; stats: QueueRunStats }> {
  const opts = { ...DEFAULT_RUN, ...options };
  const ids = new Set(jobs.map((j) => j.id));
  if (ids.size !== jobs.length) throw new BadInputError("runQueued: job ids must be unique");
  const byId = new Map(jobs.map((j) => [j.id, j]));
  redisConnection(url); // a bad URL fails before the libraries load
  const { bullmq, ioredis } = await libraries();
  const { Job, Queue, QueueEvents } = bullmq;
  const clients = [client(ioredis, url), client(ioredis, url)];
  const queue = new Queue(name, { connection: clients[0] as Redis });
  const events = new QueueEvents(name, { connection: clients[1] as Redis });
  const results = new Map<string, R>();
  const failures = new Map<string, string>();
  const stats: QueueRunStats = { jobs: jobs.length, reused: 0, stalled: 0, duplicateNotices: 0, executions: {} };
  let wake: (() => void) | undefined;
  /** Takes a completed job's result once: later notices of the same id (events, sweeps) are counted and ignored. */
  const collect = (id: string, job: Job) => {
    if (!ids.has(id)) return; // another coordinator's job on the same queue
    if (results.has(id)) {
      stats.duplicateNotices++;
      return;
    }
    results.set(id, job.returnvalue as R);
    stats.executions[id] = { started: job.attemptsStarted, stalled: job.stalledCounter, by: job.processedBy ?? "" };
    failures.delete(id);
    wake?.();
  };
  const fetching = new Set<Promise<void>>();
  events.on("completed", ({ jobId }) => {
    if (!ids.has(jobId) || results.has(jobId)) return;
    const p: Promise<void> = Job.fromId(queue, jobId)
      .then((job) => {
        if (job?.finishedOn !== undefined) collect(jobId, job);
      })
      .catch(() => {}) // the sweep reads it again
      .finally(() => fetching.delete(p));
    fetching.add(p);
  });
  events.on("stalled", ({ jobId }) => {
    if (ids.has(jobId)) stats.stalled++;
  });
  const jobOpts = (id: string) => ({
    jobId: id,
    attempts: opts.attempts,
    backoff: { type: "exponential" as const, delay: 1_000 },
    removeOnComplete: false,
    removeOnFail: false,
  });
  const add = async (list: ReadonlyArray<QueueJob<T>>) => {
    for (const part of chunks(list, 1_000))
      await queue.addBulk(part.map((j) => ({ name: j.kind, data: j.data, opts: jobOpts(j.id) })));
  };
  /** Reads the state of every job still awaited: completed (collect), failed for good, or gone (add it again). */
  const sweep = async (first: boolean) => {
    const pending = [...ids].filter((id) => !results.has(id));
    const missing: Array<QueueJob<T>> = [];
    for (const part of chunks(pending, 500)) {
      const found = await Promise.all(part.map((id) => Job.fromId(queue, id)));
      for (const [i, job] of found.entries()) {
        const id = part[i] as string;
        if (!job) {
          missing.push(byId.get(id) as QueueJob<T>);
          continue;
        }
        if (job.finishedOn === undefined) continue; // waiting, active or delayed
        const state = await job.getState();
        if (state === "completed") {
          if (first) stats.reused++;
          collect(id, job);
        } else if (state === "failed") {
          // A failure left by an earlier run is retried once; a failure during this run is final.
          if (first) await job.retry("failed");
          else failures.set(id, job.failedReason ?? "failed");
        }
      }
    }
    // Removed by another coordinator that finished first with the same jobs: ours again.
    if (missing.length > 0) await add(missing);
  };
  try {
    await events.waitUntilReady();
    await add(jobs);
    await sweep(true);
    let swept = Date.now();
    while (results.size + failures.size < ids.size) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, Math.max(0, swept + opts.sweepMs - Date.now()));
      });
      wake = undefined;
      // A completion wakes the loop only to see whether all are in; the full sweep (one read per awaited job)
      // runs every sweepMs, not per event, so waiting on n jobs costs O(n) reads per sweep, not O(n^2) in all.
      if (Date.now() - swept < opts.sweepMs) continue;
      opts.onProgress?.({ done: results.size, total: ids.size, workers: await queue.getWorkersCount() });
      await sweep(false);
      swept = Date.now();
    }
    if (failures.size > 0) {
      const list = [...failures].map(([id, reason]) => ({ id, kind: byId.get(id)?.kind ?? "", reason }));
      throw new QueueJobError(
        `${list.length} of ${ids.size} queued jobs failed after ${opts.attempts} attempts; first: ${list[0]?.kind} ${list[0]?.id}: ${list[0]?.reason}`,
        { failures: list },
      );
    }
    if (!opts.keep)
      for (const part of chunks([...ids], 500)) await Promise.all(part.map((id) => queue.remove(id).catch(() => 0)));
    return { results, stats };
  } finally {
    await Promise.all(fetching);
    await events.close();
    await queue.close();
    for (const c of clients) c.disconnect();
  }
}

export type JobHandler = (data: unknown, info: { id: string; kind: string }) => Promise<unknown>;

export interface WorkerOptions extends StallTiming {
  concurrency: number;
  /** Job start and end (and failures), for logs: the worker's name is host:pid. */
  /**
   * Job log: "start"; "finished" when the handler returned; "done" once Redis took the result (a run that lost its
   * lock, see StallTiming, finishes but is never "done"); "failed".
   */
  onEvent?: (e: {
    event: "start" | "finished" | "done" | "failed";
    id: string;
    kind: string;
    ms?: number;
    error?: string;
  }) => void;
}

export interface QueueWorker {
  name: string;
  /** Stops taking jobs, waits for the running ones to finish and report, then disconnects. */
  close(): Promise<void>;
  /** Resolves when the worker stops on its own (a Redis error it cannot recover from rejects it). */
  closed: Promise<void>;
}

/** Serves a queue: runs each job with the handler named by its kind until `close()`. */
export function startWorker(
  url: string,
  name: string,
  handlers: Record<string, JobHandler>,
  options: Partial<WorkerOptions> = {},
): QueueWorker {
  const opts = { ...DEFAULT_STALL, concurrency: 1, ...options };
  const workerName = `${hostname()}:${process.pid}`;
  redisConnection(url); // a bad URL throws here, as it did before the libraries were loaded lazily
  let done: () => void = () => {};
  let fail: (e: unknown) => void = () => {};
  const closed = new Promise<void>((resolve, reject) => {
    done = resolve;
    fail = reject;
  });
  // The worker starts once bullmq has loaded (see `libraries`); close() waits for it.
  const running = libraries().then(({ bullmq, ioredis }) => {
    const { UnrecoverableError, Worker } = bullmq;
    const connection = client(ioredis, url);
    const worker = new Worker(
      name,
      async (job) => {
        const handler = handlers[job.name];
        const id = job.id as string;
        // A kind this worker does not know (an older or newer rtlgym on the queue): retrying cannot help.
        if (!handler) throw new UnrecoverableError(`no handler for job kind "${job.name}" in worker ${workerName}`);
        opts.onEvent?.({ event: "start", id, kind: job.name });
        const started = performance.now();
        try {
          const result = await handler(job.data, { id, kind: job.name });
          opts.onEvent?.({ event: "finished", id, kind: job.name, ms: Math.round(performance.now() - started) });
          return result;
        } catch (e) {
          opts.onEvent?.({ event: "failed", id, kind: job.name, error: (e as Error).message });
          throw e;
        }
      },
      {
        connection,
        name: workerName,
        concurrency: Math.max(1, opts.concurrency),
        lockDuration: opts.lockDurationMs,
        stalledInterval: opts.stalledIntervalMs,
        maxStalledCount: opts.maxStalledCount,
      },
    );
    worker.on("closed", () => {
      connection.disconnect();
      done();
    });
    worker.on("completed", (job) => opts.onEvent?.({ event: "done", id: job.id as string, kind: job.name }));
    worker.on("error", (e) => opts.onEvent?.({ event: "failed", id: "", kind: "", error: e.message }));
    return { worker, connection };
  });
  running.catch(fail);
  return {
    name: workerName,
    close: async () => {
      const { worker, connection } = await running;
      await worker.close();
      connection.disconnect();
      done();
    },
    closed,
  };
}

/** An Executor that runs a step's jobs on the queue and waits for them; `stats` accumulates over its runs. */
export function queueExecutor(
  url: string,
  name: string,
  options: Partial<RunQueuedOptions> = {},
): Executor & { stats: QueueRunStats[] } {
  const stats: QueueRunStats[] = [];
  return {
    stats,
    run: async <T, R>(
      kind: string,
      jobs: ReadonlyArray<{ id: string; data: T }>,
      _handler: (data: T) => Promise<R>,
      onDone?: (id: string, result: R) => void,
    ) => {
      const r = await runQueued<T, R>(
        url,
        name,
        jobs.map((j) => ({ ...j, kind })),
        options,
      );
      stats.push(r.stats);
      // Results arrive in any order; report them in job order, as the in-process path would.
      if (onDone) for (const j of jobs) if (r.results.has(j.id)) onDone(j.id, r.results.get(j.id) as R);
      return r.results;
    },
  };
}
