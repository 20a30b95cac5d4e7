import { createHash } from "node:crypto";
import pLimit from "p-limit";

/**
 * How a pipeline step runs its jobs: in this process (the default) or on a queue (index.ts). A step builds the same
 * jobs with the same ids either way and reduces the results in job order, so both paths give the same output.
 * This file has no Redis dependency: the in-process path never loads BullMQ (index.ts does).
 */
export interface Executor {
  /** Runs every job (the handler in-process; a worker's handler of the same kind on a queue); results by job id. */
  run<T, R>(
    kind: string,
    jobs: ReadonlyArray<{ id: string; data: T }>,
    handler: (data: T) => Promise<R>,
    onDone?: (id: string, result: R) => void,
  ): Promise<Map<string, R>>;
}

/** Jobs in this process, `concurrency` at once, in the given order. */
export function inProcessExecutor(concurrency: number): Executor {
  return {
    run: async (_kind, jobs, handler, onDone) => {
      const limit = pLimit(Math.max(1, concurrency));
      const results = new Map();
      await Promise.all(
        jobs.map((j) =>
          limit(async () => {
            const r = await handler(j.data);
            results.set(j.id, r);
            onDone?.(j.id, r);
          }),
        ),
      );
      return results;
    },
  };
}

/** Stable JSON (sorted keys), so equal data hash equally whatever order its keys were built in. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/**
 * A deterministic job id: the kind and a sha256 of the kind and the data, so the same work always has the same id
 * (a re-enqueue is a no-op on the queue). BullMQ forbids ':' in custom ids; these have none.
 */
export function jobId(kind: string, data: unknown): string {
  const hash = createHash("sha256").update(kind).update("\0").update(stableJson(data)).digest("hex");
  return `${kind.replace(/[^a-z0-9.-]/gi, "-")}-${hash.slice(0, 40)}`;
}

/** Default queue name of rtlgym's data pipeline (one queue, job kinds told apart by name). */
export const DATA_QUEUE = "rtlgym-data";

/**
 * Stalled-job timing. A worker holds a lock on each job it runs and renews it on a timer every lockDuration/2; every
 * stalledInterval some live worker moves jobs whose lock expired back to the waiting list. So a SIGKILLed worker's job
 * runs again within about lockDuration + stalledInterval. The hazard is the other way round: if a job's code blocks
 * the event loop for longer than lockDuration, the renewal timer cannot fire, the job is declared stalled and started
 * a second time while the first run is still going. rtlgym's job handlers spend their time in child processes
 * (yosys, ghdl, iverilog) and in HTTP requests, both asynchronous; their longest synchronous stretch is parsing one
 * netlist or one source file (well under a second even for multi-megabyte units). 60 s of lock is a margin of more
 * than 50x on that, and a crashed worker's job is back within about 75 s, short next to a run of many jobs. Tests pass
 * short values (about 2 s) so a kill is recovered in seconds. maxStalledCount 5: a job is failed only after five
 * workers died on it (a job that kills its worker every time), not after the first crash (BullMQ's default is 1).
 */
export interface StallTiming {
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
}

export const DEFAULT_STALL: StallTiming = { lockDurationMs: 60_000, stalledIntervalMs: 15_000, maxStalledCount: 5 };
