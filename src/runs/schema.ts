import { randomBytes } from "node:crypto";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";

/**
 * The kinds the bench writes. Kinds are open-ended (search runs are `search`, training runs `train-<recipe>`, e.g.
 * `train-sft`), so the database accepts any short lowercase name; these are the ones whose summary is a BenchSummary.
 */
export const BENCH_RUN_KINDS = ["run", "eval", "audit"] as const;
export type BenchRunKind = (typeof BENCH_RUN_KINDS)[number];

/** A run kind: a bench kind, or any other lowercase name (`search`, `train-sft`, `data-ingest`, ...). */
export const RunKind = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, "a run kind is 1-32 characters: a lowercase letter, then [a-z0-9_-]");
// `string & {}` keeps the known names in editor completion while accepting any string.
export type RunKind = BenchRunKind | (string & {});

/** `cancelled` (stopped on request, not resumable) is written by no bench command; training runs use it. */
export const RunStatus = z.enum(["running", "done", "failed", "cancelled"]);
export type RunStatus = z.infer<typeof RunStatus>;

/**
 * What a run was asked to do; the known fields are typed, anything else a command records is kept. Stored as JSON:
 * undefined values are dropped.
 */
export const RunParams = z
  .object({
    /** Samples per problem. */
    n: z.number().int().positive().optional(),
    ks: z.array(z.number().int().positive()).optional(),
    seed: z.number().int().optional(),
    /** Sampling parameters sent to the model (temperature, top_p, max_tokens, ...). */
    sampling: z.record(z.string(), z.unknown()).optional(),
    /** Verification options (engine, cycles, timeouts, ...). */
    verify: z.record(z.string(), z.unknown()).optional(),
    /** Problem selection (ids, tags, limit). */
    select: z.record(z.string(), z.unknown()).optional(),
  })
  .catchall(z.unknown());
export type RunParams = z.infer<typeof RunParams>;

/** The prompt sent to the model: any JSON (a string, or chat messages). */
export type PromptJson = z.infer<ReturnType<typeof z.json>>;

/** `$RTLGYM_HOME/rtlgym.db`, else `~/.rtlgym/rtlgym.db`. */
export function defaultStorePath(): string {
  const home = process.env.RTLGYM_HOME;
  return home ? join(resolve(home), "rtlgym.db") : join(homedir(), ".rtlgym", "rtlgym.db");
}

/** A run id from its creation time plus 4 random hex digits: `2026-11-22T10-31-05-a1b2`. */
export function newRunId(at: Date = new Date()): string {
  const stamp = at.toISOString().slice(0, 19).replaceAll(":", "-");
  return `${stamp}-${randomBytes(2).toString("hex")}`;
}

/** JSON with object keys sorted, so equal params store as equal text (findResumableRun compares text). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}
