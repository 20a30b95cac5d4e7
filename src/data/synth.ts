import pLimit from "p-limit";
import type { DesignInterface } from "../contracts/index.js";
import { yosysBackend } from "../tools/yosys.js";
import { interfaceFromYosys } from "../verify/index.js";
import { yosysCompatible } from "../verilog/index.js";

/** What Yosys made of one unit. */
export type SynthResult =
  | { ok: true; iface: DesignInterface; ms: number }
  | { ok: false; error: string; timedOut: boolean };

export interface SynthJob {
  key: string;
  code: string;
  top: string;
  /** Size, for batching. */
  tokens: number;
}

export interface SynthOptions {
  /** Units per yosys process (one `design -reset` between them). */
  batch: number;
  concurrency: number;
  /** Wall-clock limit of one yosys process running a batch. */
  timeoutMs: number;
  /** Limit for a unit alone (after its batch ran out of time on it): past it the unit is "timed out". */
  unitTimeoutMs: number;
  /** Tokens per batch at most: large units get batches of their own. */
  batchTokens: number;
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_SYNTH: SynthOptions = {
  batch: 24,
  concurrency: 2,
  timeoutMs: 20_000,
  unitTimeoutMs: 10_000,
  batchTokens: 20_000,
};

/**
 * Elaborates and synthesises (`proc; flatten; opt_dff`) many units per yosys process, each after `design -reset`.
 * A unit that stops the script (an error, a timeout) is recorded and the batch resumes after it, so one bad unit
 * costs one more process, not one process per unit.
 */
export async function synthesiseUnits(
  jobs: readonly SynthJob[],
  options: Partial<SynthOptions> = {},
): Promise<Map<string, SynthResult>> {
  const opts = { ...DEFAULT_SYNTH, ...options };
  const yosys = await yosysBackend();
  const results = new Map<string, SynthResult>();
  const limit = pLimit(Math.max(1, opts.concurrency));
  let done = 0;
  const runBatch = async (batch: readonly SynthJob[], alone = false) => {
    let pending = [...batch];
    while (pending.length > 0) {
      const files: Record<string, string> = {};
      const commands: string[] = [];
      pending.forEach((job, i) => {
        files[`u${i}.v`] = yosysCompatible(job.code);
        commands.push(
          "design -reset",
          `read_verilog -sv u${i}.v`,
          `hierarchy -check -top \\${job.top}`,
          "proc -norom",
          "flatten",
          "opt_dff -nodffe",
          `write_json u${i}.json`,
        );
      });
      const started = performance.now();
      const run = await yosys.run({
        files,
        commands,
        outputs: pending.map((_, i) => `u${i}.json`),
        // A batch gets time in proportion to its size (a few seconds for small units), so a unit that hangs costs
        // little before it is retried alone.
        timeoutMs: alone
          ? opts.unitTimeoutMs
          : Math.min(opts.timeoutMs, 4_000 + pending.reduce((n, j) => n + j.tokens, 0) / 2),
      });
      const per = (performance.now() - started) / pending.length;
      let stopped = -1;
      for (let i = 0; i < pending.length; i++) {
        const job = pending[i] as SynthJob;
        const json = run.outputs[`u${i}.json`];
        if (json === undefined) {
          stopped = i;
          break;
        }
        try {
          const parsed = JSON.parse(json) as { modules?: Record<string, unknown> };
          // Escaped names (`\\$lut`) keep their backslash in the netlist.
          const name =
            parsed.modules?.[job.top] === undefined && parsed.modules?.[`\\${job.top}`] ? `\\${job.top}` : job.top;
          results.set(job.key, { ok: true, iface: interfaceFromYosys(parsed, name), ms: Math.round(per) });
        } catch (e) {
          results.set(job.key, { ok: false, error: `yosys JSON unreadable: ${(e as Error).message}`, timedOut: false });
        }
        done++;
      }
      if (stopped < 0) break;
      const failed = pending[stopped] as SynthJob;
      if (run.timedOut && !alone) {
        // The batch's time ran out on this unit: give it a process of its own before blaming it.
        await runBatch([failed], true);
        pending = pending.slice(stopped + 1);
        continue;
      }
      const error = run.timedOut
        ? `yosys timed out (${opts.unitTimeoutMs} ms for this unit alone)`
        : (run.error ?? (run.ok ? "yosys wrote no netlist" : "yosys failed"));
      results.set(failed.key, { ok: false, error, timedOut: run.timedOut });
      done++;
      pending = pending.slice(stopped + 1);
      opts.onProgress?.(done, jobs.length);
    }
    opts.onProgress?.(done, jobs.length);
  };
  const batches = planBatches(jobs, opts);
  await Promise.all(batches.map((b) => limit(() => runBatch(b))));
  return results;
}

/**
 * Groups units into yosys batches of at most `batch` units and `batchTokens` tokens, in input order, largest batch
 * first (so a slow one does not start last and leave a core idle). Deterministic: the queued ingest makes one job per
 * batch and names it by its content.
 */
export function planBatches<J extends { tokens: number }>(
  jobs: readonly J[],
  opts: Pick<SynthOptions, "batch" | "batchTokens">,
): J[][] {
  const batches: J[][] = [];
  let current: J[] = [];
  let tokens = 0;
  for (const job of jobs) {
    if (current.length > 0 && (current.length >= opts.batch || tokens + job.tokens > opts.batchTokens)) {
      batches.push(current);
      current = [];
      tokens = 0;
    }
    current.push(job);
    tokens += job.tokens;
  }
  if (current.length > 0) batches.push(current);
  const size = (b: readonly J[]) => b.reduce((s, j) => s + j.tokens, 0);
  // Stable sort: equal sizes keep input order.
  return batches.sort((a, b) => size(b) - size(a));
}
