import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import type { HdlLanguage, VerifyResult, VerifyStatus } from "../contracts/index.js";
import { BadInputError, RtlgymError } from "../core/errors.js";
import { normaliseLineEndings } from "../verilog/index.js";
import { LruCache } from "./lru.js";
import type { ResolvedVerifyOptions } from "./options.js";
import { toolVersions, undecidedResult } from "./verify.js";
import { type AnyVerifyGroupInput, verifyGroupAny } from "./vhdl.js";

/**
 * What the check service reports as it works: the gauges, counters and histograms it moves. The server's Prometheus
 * metrics (src/server/metrics.ts) implement it; a pipeline or trainer without metrics leaves it out (NO_METRICS).
 */
export interface CheckMetrics {
  /** Checks admitted and waiting for a worker. */
  readonly queueDepth: { set(value: number): void };
  /** Checks running in the engine. */
  readonly inFlight: { inc(value?: number): void; dec(value?: number): void };
  /** Engine calls (micro-batches) running. */
  readonly busyWorkers: { set(value: number): void };
  /** Seconds from admission to verdict of one check (cache hits excluded). */
  readonly checkLatency: { observe(value: number): void };
  readonly cacheHits: { inc(): void };
  readonly cacheMisses: { inc(): void };
  readonly dedupeHits: { inc(): void };
  /** Candidates per engine call. */
  readonly batchSize: { observe(value: number): void };
  /** Engine calls cancelled at the hard limit. */
  readonly watchdogTimeouts: { inc(): void };
  readonly cacheEntries: { set(value: number): void };
}

const ignore = { set() {}, inc() {}, dec() {}, observe() {} };
/** Metrics that record nothing. */
export const NO_METRICS: CheckMetrics = {
  queueDepth: ignore,
  inFlight: ignore,
  busyWorkers: ignore,
  checkLatency: ignore,
  cacheHits: ignore,
  cacheMisses: ignore,
  dedupeHits: ignore,
  batchSize: ignore,
  watchdogTimeouts: ignore,
  cacheEntries: ignore,
};

/** One candidate to check against one reference with fully resolved options. */
export interface CheckRequest {
  reference: string;
  candidate: string;
  options: ResolvedVerifyOptions;
  /** Languages of the two sides; Verilog when absent. */
  referenceLanguage?: HdlLanguage;
  candidateLanguage?: HdlLanguage;
  /** VHDL vs VHDL: `native` decides by GHDL simulation only (see docs/vhdl.md); `auto` when absent. */
  vhdlRoute?: "auto" | "native";
}

/** A verdict and where it came from. */
export interface CheckOutcome {
  result: VerifyResult;
  /** Answered from the result cache. */
  cached: boolean;
  /** Joined an identical check that was already queued or running. */
  deduped: boolean;
}

/** Settings of the check service; see DEFAULT_CHECKER_OPTIONS. */
export interface CheckerOptions {
  /** Simultaneous engine calls (each checks one micro-batch). */
  workers: number;
  /** Checks admitted and not yet answered (queued + running) before requests are refused with 429. */
  queueLimit: number;
  /** How long a new micro-batch waits for more candidates of the same reference while a worker is free. */
  batchWindowMs: number;
  /** Candidates per engine call at most. */
  maxBatch: number;
  /** Results kept in the LRU cache (0 disables it). */
  cacheEntries: number;
  /**
   * Watchdog over one engine call, from its start; past it the call is cancelled (its tool processes are killed),
   * the batch's checks are answered with status timeout and the worker slot is released. Undefined: 5 s +
   * timeoutMs + ceil(candidates / cores) x (timeoutMs + formalTimeoutMs + 2 s), above the engine's own worst case.
   */
  hardTimeoutMs?: number;
}

export const DEFAULT_CHECKER_OPTIONS = {
  workers: 2,
  queueLimit: 4096,
  batchWindowMs: 10,
  maxBatch: 64,
  cacheEntries: 50_000,
} as const satisfies CheckerOptions;

/** Admission refused: the queue is full. Retry after `retryAfterS`. */
export class QueueFullError extends RtlgymError {
  constructor(
    readonly retryAfterS: number,
    readonly requested: number,
    readonly outstanding: number,
  ) {
    super("USAGE", `the check queue is full (${outstanding} checks outstanding, ${requested} requested)`);
  }
}

/** The service is shutting down and admits no new checks. */
export class ShuttingDownError extends RtlgymError {
  constructor() {
    super("USAGE", "the check service is shutting down");
  }
}

/** Verdicts that are facts about the candidate and may be served again; timeouts and infra errors are retried. */
const CACHEABLE: ReadonlySet<VerifyStatus> = new Set([
  "pass",
  "fail",
  "compile_error",
  "interface_mismatch",
  "unsupported",
]);

interface Waiter {
  resolve(outcome: CheckOutcome): void;
  reject(error: unknown): void;
}

interface Job {
  key: string;
  candidate: string;
  admittedAt: number;
  waiters: Waiter[];
}

interface Batch {
  groupKey: string;
  reference: string;
  options: ResolvedVerifyOptions;
  referenceLanguage: HdlLanguage;
  candidateLanguage: HdlLanguage;
  vhdlRoute: "auto" | "native";
  jobs: Job[];
  openedAt: number;
  open: boolean;
}

/** The engine the service calls: verifyGroupAny, or a stand-in in tests. It must honour `input.signal`. */
export type GroupEngine = (input: AnyVerifyGroupInput) => Promise<VerifyResult[]>;

/** After cancelling an engine call, how long the slot waits for its processes to be reaped before moving on. */
const REAP_WAIT_MS = 2000;

const CORES = Math.max(availableParallelism(), 1);
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Options in a fixed key order, so equal options give equal keys. */
function optionsKey(o: ResolvedVerifyOptions): string {
  const entries = Object.entries(o).filter(([, v]) => v !== undefined);
  return JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * Runs checks for the HTTP server, the batch checker and any pipeline or trainer that wants them: a bounded LRU cache, de-duplication of identical in-flight checks, admission
 * control, micro-batching of candidates of one reference into a single `verifyGroupAny` call (Verilog: the Verilog
 * group engine; a VHDL side: the VHDL route of docs/vhdl.md), a fixed number of workers and a watchdog per engine call.
 * A batch holds candidates of one language against one reference in one language, so its key and the result
 * cache's key include both languages (and the VHDL route).
 */
export class CheckService {
  readonly options: Required<Omit<CheckerOptions, "hardTimeoutMs">> & { hardTimeoutMs?: number };
  readonly #cache: LruCache<VerifyResult>;
  readonly #inflight = new Map<string, Job>();
  readonly #open = new Map<string, Batch>();
  readonly #queue: Batch[] = [];
  readonly #metrics: CheckMetrics;
  readonly #engine: GroupEngine;
  #outstanding = 0;
  #queued = 0;
  #running = 0;
  #closing = false;
  #timer: NodeJS.Timeout | undefined;
  #idleWaiters: Array<() => void> = [];
  /** Mean engine time per check, ms (EWMA): sizes Retry-After. */
  #msPerCheck = 50;

  constructor(
    options: Partial<CheckerOptions> = {},
    metrics: CheckMetrics = NO_METRICS,
    engine: GroupEngine = verifyGroupAny,
  ) {
    this.options = { ...DEFAULT_CHECKER_OPTIONS, ...options };
    this.#cache = new LruCache(this.options.cacheEntries);
    this.#metrics = metrics;
    this.#engine = engine;
  }

  /** Checks admitted and not yet answered. */
  get outstanding(): number {
    return this.#outstanding;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /**
   * Submits checks all-or-nothing: cache hits answer at once, identical in-flight checks are joined, the rest are
   * admitted only if they all fit in the queue (QueueFullError otherwise, nothing enqueued). BadInputError (a
   * reference the engine cannot read) rejects the affected promises.
   */
  submit(requests: readonly CheckRequest[]): Array<Promise<CheckOutcome>> {
    if (this.#closing) throw new ShuttingDownError();
    const keyed = requests.map((r) => {
      const langs = `${r.referenceLanguage ?? "verilog"}:${r.candidateLanguage ?? "verilog"}:${r.vhdlRoute ?? "auto"}`;
      const groupKey = `${sha256(r.reference)}:${sha256(optionsKey(r.options))}:${langs}`;
      // The exact text the tools will read (line endings are normalised for them too): any looser key, such as
      // one that ignores whitespace, can merge two candidates the preprocessor reads differently (`__LINE__`).
      return { request: r, groupKey, key: `${groupKey}:${sha256(normaliseLineEndings(r.candidate))}` };
    });
    // Admission first, so a refused request leaves no trace.
    const fresh = new Set<string>();
    for (const k of keyed) {
      if (this.#cache.get(k.key) === undefined && !this.#inflight.has(k.key)) fresh.add(k.key);
    }
    if (fresh.size > 0 && this.#outstanding + fresh.size > this.options.queueLimit) {
      throw new QueueFullError(this.retryAfterSeconds(), fresh.size, this.#outstanding);
    }
    return keyed.map(({ request, groupKey, key }) => {
      const hit = this.#cache.get(key);
      if (hit !== undefined) {
        this.#metrics.cacheHits.inc();
        return Promise.resolve({ result: hit, cached: true, deduped: false });
      }
      const running = this.#inflight.get(key);
      if (running !== undefined) {
        this.#metrics.dedupeHits.inc();
        return new Promise<CheckOutcome>((resolve, reject) =>
          running.waiters.push({ resolve: (o) => resolve({ ...o, deduped: true }), reject }),
        );
      }
      this.#metrics.cacheMisses.inc();
      return new Promise<CheckOutcome>((resolve, reject) => {
        const job: Job = { key, candidate: request.candidate, admittedAt: performance.now(), waiters: [] };
        job.waiters.push({ resolve, reject });
        this.#inflight.set(key, job);
        this.#outstanding++;
        this.#queued++;
        this.#metrics.queueDepth.set(this.#queued);
        this.#enqueue(groupKey, request, job);
      });
    });
  }

  /** Seconds a refused client should wait: the queue's work spread over the workers, at least 1. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.#outstanding * this.#msPerCheck) / this.options.workers / 1000));
  }

  /** Stops admitting checks; resolves when every admitted check has been answered. */
  drain(): Promise<void> {
    this.#closing = true;
    this.#pump();
    if (this.#outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #enqueue(groupKey: string, request: CheckRequest, job: Job): void {
    let batch = this.#open.get(groupKey);
    if (batch === undefined) {
      batch = {
        groupKey,
        reference: request.reference,
        options: request.options,
        referenceLanguage: request.referenceLanguage ?? "verilog",
        candidateLanguage: request.candidateLanguage ?? "verilog",
        vhdlRoute: request.vhdlRoute ?? "auto",
        jobs: [],
        openedAt: performance.now(),
        open: true,
      };
      this.#open.set(groupKey, batch);
      this.#queue.push(batch);
    }
    batch.jobs.push(job);
    if (batch.jobs.length >= this.options.maxBatch) this.#close(batch);
    this.#pump();
  }

  #close(batch: Batch): void {
    if (!batch.open) return;
    batch.open = false;
    if (this.#open.get(batch.groupKey) === batch) this.#open.delete(batch.groupKey);
  }

  /** Starts every batch a free worker can take: full ones, and open ones whose window has passed (FIFO). */
  #pump(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const now = performance.now();
    let wait = Number.POSITIVE_INFINITY;
    while (this.#running < this.options.workers && this.#queue.length > 0) {
      // Under load batches keep filling while they wait: take the fullest, with age as a tie-breaker that
      // grows until no batch can starve (a single check waiting 4 s outranks a fresh group of 16).
      let index = -1;
      let best = Number.NEGATIVE_INFINITY;
      for (const [i, b] of this.#queue.entries()) {
        const age = now - b.openedAt;
        if (b.open && !this.#closing && age < this.options.batchWindowMs) continue;
        const priority = b.jobs.length + age / 250;
        if (priority > best) {
          best = priority;
          index = i;
        }
      }
      if (index < 0) {
        for (const b of this.#queue) wait = Math.min(wait, b.openedAt + this.options.batchWindowMs - now);
        break;
      }
      const [batch] = this.#queue.splice(index, 1) as [Batch];
      this.#close(batch);
      void this.#run(batch);
    }
    if (Number.isFinite(wait)) this.#timer = setTimeout(() => this.#pump(), Math.max(1, Math.ceil(wait)));
  }

  hardTimeoutFor(batch: {
    options: ResolvedVerifyOptions;
    jobs: readonly unknown[];
    referenceLanguage?: HdlLanguage;
    candidateLanguage?: HdlLanguage;
  }): number {
    const o = batch.options;
    // The engine's worst case without a bug: front end, a shared run, then every candidate alone, formally
    // checked and replayed, `cores` at a time. The watchdog sits above it: it catches a wedged engine, not slow work.
    // A VHDL side adds GHDL's synthesis and a validation run (GHDL and iverilog), each under timeoutMs, per design;
    // a candidate whose translation is not trusted is then simulated natively by GHDL (one more timeoutMs).
    const vhdlRef = batch.referenceLanguage === "vhdl" ? 2 * o.timeoutMs : 0;
    const vhdlCand = batch.candidateLanguage === "vhdl" ? 3 * o.timeoutMs : 0;
    const perCandidate = o.timeoutMs + o.formalTimeoutMs + 2000 + vhdlCand;
    return (
      this.options.hardTimeoutMs ?? 5000 + o.timeoutMs + vhdlRef + Math.ceil(batch.jobs.length / CORES) * perCandidate
    );
  }

  async #run(batch: Batch): Promise<void> {
    const n = batch.jobs.length;
    this.#running++;
    this.#queued -= n;
    this.#metrics.busyWorkers.set(this.#running);
    this.#metrics.queueDepth.set(this.#queued);
    this.#metrics.inFlight.inc(n);
    this.#metrics.batchSize.observe(n);
    const started = performance.now();
    const limit = this.hardTimeoutFor(batch);
    let watchdog: NodeJS.Timeout | undefined;
    const expired = new Promise<"expired">((resolve) => {
      watchdog = setTimeout(() => resolve("expired"), limit);
    });
    // One controller per engine call: the watchdog cancels the work (every tool process it started is killed),
    // it does not just stop waiting for it.
    const cancel = new AbortController();
    const engine = this.#engine({
      reference: batch.reference,
      candidates: batch.jobs.map((j) => j.candidate),
      ...batch.options,
      referenceLanguage: batch.referenceLanguage,
      candidateLanguage: batch.candidateLanguage,
      vhdlRoute: batch.vhdlRoute,
      signal: cancel.signal,
    });
    let outcome: VerifyResult[] | "expired" | { error: unknown };
    try {
      outcome = await Promise.race([engine, expired]);
    } catch (error) {
      outcome = { error };
    } finally {
      clearTimeout(watchdog);
    }
    if (outcome === "expired") {
      this.#metrics.watchdogTimeouts.inc();
      cancel.abort();
      // The slot is held until the cancelled call settles (its processes reaped), briefly: an engine wedged
      // outside a tool process must not hold a worker forever. Its late answer is dropped.
      let reapTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        engine.catch(() => undefined),
        new Promise((resolve) => {
          reapTimer = setTimeout(resolve, REAP_WAIT_MS);
        }),
      ]);
      clearTimeout(reapTimer);
    } else if (Array.isArray(outcome)) {
      this.#msPerCheck = 0.8 * this.#msPerCheck + 0.2 * ((performance.now() - started) / Math.max(n, 1));
    }
    for (const [i, job] of batch.jobs.entries()) {
      let result: VerifyResult | undefined;
      let error: unknown;
      if (outcome === "expired") {
        result = await syntheticResult(
          batch.options,
          "timeout",
          `the check exceeded the service's hard limit of ${limit} ms and was cancelled`,
        );
      } else if (Array.isArray(outcome)) result = outcome[i];
      else if (outcome.error instanceof BadInputError) error = outcome.error;
      else {
        const e = outcome.error;
        result = await syntheticResult(
          batch.options,
          "infra_error",
          `the verification engine failed: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      if (result === undefined && error === undefined) {
        result = await syntheticResult(batch.options, "infra_error", "the engine returned no verdict for this check");
      }
      this.#inflight.delete(job.key);
      if (result !== undefined && CACHEABLE.has(result.status)) {
        this.#cache.set(job.key, result);
        this.#metrics.cacheEntries.set(this.#cache.size);
      }
      this.#metrics.checkLatency.observe((performance.now() - job.admittedAt) / 1000);
      for (const w of job.waiters) {
        if (result !== undefined) w.resolve({ result, cached: false, deduped: false });
        else w.reject(error);
      }
    }
    this.#running--;
    this.#outstanding -= n;
    this.#metrics.inFlight.dec(n);
    this.#metrics.busyWorkers.set(this.#running);
    if (this.#outstanding === 0) {
      for (const resolve of this.#idleWaiters.splice(0)) resolve();
    }
    this.#pump();
  }
}

/** A VerifyResult for a check the engine did not decide (watchdog, crash): no signal is counted correct. */
export async function syntheticResult(
  options: ResolvedVerifyOptions,
  status: "timeout" | "infra_error",
  message: string,
): Promise<VerifyResult> {
  const versions = await toolVersions().catch(() => ({ iverilog: null, yosys: null, yosysBackend: null }));
  return undecidedResult(options, versions, status, message, `not reached (${status})`);
}
