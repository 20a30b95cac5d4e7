import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BadInputError } from "../../src/core/errors.js";
import {
  inProcessExecutor,
  jobId,
  QueueJobError,
  type QueueWorker,
  queueExecutor,
  redisConnection,
  runQueued,
  startWorker,
} from "../../src/queue/index.js";
import { startRedis } from "../helpers/redis.js";

let redis: Awaited<ReturnType<typeof startRedis>>;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

/** Fast stall settings, as the CLI tests use: nothing here dies, so they only have to be valid. */
const FAST = { lockDurationMs: 2_000, stalledIntervalMs: 1_000, maxStalledCount: 5 };

describe("job ids", () => {
  it("are deterministic, independent of key order, and differ with kind or data", () => {
    const a = jobId("ingest.synth", { units: [{ key: "x", code: "module m; endmodule" }], timeoutMs: 5 });
    const b = jobId("ingest.synth", { timeoutMs: 5, units: [{ code: "module m; endmodule", key: "x" }] });
    expect(a).toBe(b);
    expect(a).toMatch(/^ingest\.synth-[0-9a-f]{40}$/);
    expect(a).not.toContain(":");
    expect(jobId("ingest.synth", { units: [], timeoutMs: 6 })).not.toBe(
      jobId("ingest.synth", { units: [], timeoutMs: 5 }),
    );
    expect(jobId("other", { units: [], timeoutMs: 5 })).not.toBe(jobId("ingest.synth", { units: [], timeoutMs: 5 }));
  });
});

describe("redis URLs", () => {
  it("parse host, port, password and database; reject other schemes", () => {
    expect(redisConnection("redis://:s%40cret@db.example:6380/2")).toMatchObject({
      host: "db.example",
      port: 6380,
      password: "s@cret",
      db: 2,
      maxRetriesPerRequest: null,
    });
    expect(redisConnection("redis://localhost")).toMatchObject({ host: "localhost", port: 6379 });
    expect(() => redisConnection("http://localhost:6379")).toThrow(BadInputError);
    expect(() => redisConnection("localhost:6379")).toThrow(BadInputError);
    expect(() => redisConnection("redis://h:1/x")).toThrow(BadInputError);
  });
});

describe("runQueued and startWorker on a real Redis", () => {
  const workers: QueueWorker[] = [];
  afterAll(async () => {
    for (const w of workers) await w.close();
  });

  it("collects one result per job id, reuses kept results, and matches the in-process executor", async () => {
    const runs = new Map<string, number>();
    const square = async (data: unknown) => {
      const n = (data as { n: number }).n;
      await new Promise((r) => setTimeout(r, 5));
      return { n, square: n * n };
    };
    const counted = async (data: unknown, info: { id: string }) => {
      runs.set(info.id, (runs.get(info.id) ?? 0) + 1);
      return square(data);
    };
    workers.push(startWorker(redis.url, "q-basic", { square: counted }, { ...FAST, concurrency: 3 }));
    workers.push(startWorker(redis.url, "q-basic", { square: counted }, { ...FAST, concurrency: 2 }));
    const jobs = Array.from({ length: 40 }, (_, n) => ({ id: jobId("square", { n }), kind: "square", data: { n } }));
    const first = await runQueued<{ n: number }, { n: number; square: number }>(redis.url, "q-basic", jobs, {
      keep: true,
      sweepMs: 200,
    });
    expect(first.results.size).toBe(40);
    for (const j of jobs) expect(first.results.get(j.id)).toEqual({ n: j.data.n, square: j.data.n ** 2 });
    expect(Object.keys(first.stats.executions).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(Object.values(first.stats.executions).every((e) => e.started === 1 && e.by !== "")).toBe(true);
    expect([...runs.values()].every((c) => c === 1)).toBe(true);
    expect(runs.size).toBe(40);

    // The same jobs again (a restarted coordinator): the kept results are reused, nothing runs again.
    const again = await runQueued(redis.url, "q-basic", jobs, { sweepMs: 200 });
    expect(again.stats.reused).toBe(40);
    expect(runs.size).toBe(40);
    expect([...runs.values()].every((c) => c === 1)).toBe(true);
    expect(again.results).toEqual(first.results);

    // Removed after that run (keep: false): a third run computes them again, once each.
    const exec = queueExecutor(redis.url, "q-basic", { sweepMs: 200 });
    const viaQueue = await exec.run("square", jobs, square);
    expect([...runs.values()].every((c) => c === 2)).toBe(true);
    const local = await inProcessExecutor(2).run("square", jobs, square);
    expect(viaQueue).toEqual(local);
    expect(exec.stats[0]?.reused).toBe(0);
  }, 60_000);

  it("fails the run with QueueJobError when a job throws on every attempt, after the others finish", async () => {
    let attempts = 0;
    workers.push(
      startWorker(
        redis.url,
        "q-fail",
        {
          maybe: async (data) => {
            if ((data as { bad: boolean }).bad) {
              attempts++;
              throw new Error("bad input for this job");
            }
            return "ok";
          },
        },
        FAST,
      ),
    );
    const jobs = [false, true, false].map((bad, i) => ({
      id: jobId("maybe", { bad, i }),
      kind: "maybe",
      data: { bad, i },
    }));
    const err = await runQueued(redis.url, "q-fail", jobs, { attempts: 2, sweepMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueJobError);
    expect((err as QueueJobError).message).toMatch(/1 of 3 queued jobs failed after 2 attempts.*bad input/);
    expect(attempts).toBe(2);
  }, 60_000);

  it("fails a job of a kind no worker knows at once (no retries)", async () => {
    workers.push(startWorker(redis.url, "q-kind", { known: async () => 1 }, FAST));
    const jobs = [{ id: jobId("unknown", {}), kind: "unknown", data: {} }];
    const err = await runQueued(redis.url, "q-kind", jobs, { attempts: 5, sweepMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueJobError);
    expect((err as QueueJobError).message).toMatch(/no handler for job kind "unknown"/);
  }, 30_000);
});
