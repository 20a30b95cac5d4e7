import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { CheckMetrics } from "../verify/index.js";

/**
 * The service's Prometheus metrics, on a registry of their own (one per app, so tests do not collide): the check
 * service's (CheckMetrics, src/verify/service.ts) plus the HTTP layer's.
 */
export class ServiceMetrics implements CheckMetrics {
  readonly registry = new Registry();
  readonly queueDepth = new Gauge({
    name: "rtlgym_queue_depth",
    help: "Checks admitted and waiting for a worker",
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: "rtlgym_inflight_checks",
    help: "Checks running in the verification engine",
    registers: [this.registry],
  });
  readonly busyWorkers = new Gauge({
    name: "rtlgym_busy_workers",
    help: "Engine calls (micro-batches) running",
    registers: [this.registry],
  });
  readonly checkLatency = new Histogram({
    name: "rtlgym_check_duration_seconds",
    help: "Time from admission to verdict of one check (cache hits excluded)",
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80],
    registers: [this.registry],
  });
  readonly requestLatency = new Histogram({
    name: "rtlgym_request_duration_seconds",
    help: "HTTP request latency by route",
    labelNames: ["route"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80],
    registers: [this.registry],
  });
  readonly statuses = new Counter({
    name: "rtlgym_check_status_total",
    help: "Verdicts served, by status (format_error for responses that were never checked)",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  readonly cacheHits = new Counter({
    name: "rtlgym_cache_hits_total",
    help: "Checks answered from the result cache",
    registers: [this.registry],
  });
  readonly cacheMisses = new Counter({
    name: "rtlgym_cache_misses_total",
    help: "Checks not found in the result cache",
    registers: [this.registry],
  });
  readonly dedupeHits = new Counter({
    name: "rtlgym_dedupe_hits_total",
    help: "Checks that joined an identical check already queued or running",
    registers: [this.registry],
  });
  readonly rejections = new Counter({
    name: "rtlgym_rejections_total",
    help: "Requests refused, by reason",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: "rtlgym_batch_size",
    help: "Candidates per engine call (micro-batch of one reference)",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  readonly watchdogTimeouts = new Counter({
    name: "rtlgym_watchdog_timeouts_total",
    help: "Engine calls cancelled at the hard limit (their checks were answered with status timeout)",
    registers: [this.registry],
  });
  readonly cacheEntries = new Gauge({
    name: "rtlgym_cache_entries",
    help: "Results held in the cache",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "rtlgym_" });
  }
}
