import { type CheckContext, type Prepared, parallel } from "./check-context.js";
import { linesOf } from "./check-frontend.js";
import type { SimCandidateResult, SimOutcome } from "./simulate.js";

/** One candidate's simulation: the run's outcome and, when it finished, this candidate's part of it. */
export interface SimEntry {
  outcome: SimOutcome;
  result?: SimCandidateResult;
}

/**
 * A shared run is only a shortcut: when it stalls, every candidate is re-run alone with its own full limit and
 * stall window (SOLO_STALL_MS), so ending it early can never change a verdict, only cost those solo re-runs. The
 * testbench prints a progress line every few milliseconds whatever the design's size (see heartbeatEvery), so a
 * shared run silent this long is stuck on a candidate, and the core it spins on is freed sooner.
 */
const SHARED_STALL_MS = 400;

/**
 * Simulation of a group: one shared run of every live candidate against the reference, splitting off those that
 * do not compile or break it; each result lands in `out` by slot.
 */
export async function simulateShared(ctx: CheckContext, live: Prepared[], out: Map<number, SimEntry>): Promise<void> {
  let group = [...live];
  // Compile errors name their file: drop those candidates and compile the rest again.
  while (group.length > 1) {
    // A shared run that stops printing progress is stuck on some candidate: give up on it early, since
    // every candidate is re-run alone (with its full limit, and a stall window of its own) anyway.
    const outcome = await ctx.simulate(group, ctx.candidateTimeLeft(), undefined, SHARED_STALL_MS);
    if (outcome.kind === "ok") {
      for (const [k, c] of group.entries())
        out.set(c.slot, { outcome, result: outcome.results[k] as SimCandidateResult });
      return;
    }
    if (outcome.kind !== "compile_error") break;
    const blamed = group.filter((c) => outcome.log.includes(`${c.file}:`));
    if (blamed.length === 0) break;
    for (const c of blamed) {
      const mine = linesOf(outcome.log, c.file);
      out.set(c.slot, { outcome: { kind: "compile_error", log: mine, durationMs: outcome.durationMs } });
    }
    group = group.filter((c) => !blamed.includes(c));
  }
  // One candidate, or a shared run that hung or crashed: every candidate alone, in parallel.
  await Promise.all(
    group.map((c) =>
      parallel(async () => {
        const outcome = await ctx.simulate([c], ctx.options.timeoutMs);
        out.set(
          c.slot,
          outcome.kind === "ok" ? { outcome, result: outcome.results[0] as SimCandidateResult } : { outcome },
        );
      }),
    ),
  );
}
