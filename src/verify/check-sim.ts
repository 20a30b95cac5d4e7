import { type CheckContext, type Prepared, parallel } from "./check-context.js";
import { linesOf } from "./check-frontend.js";
import type { SimCandidateResult, SimOutcome } from "./simulate.js";

/** One candidate's simulation: the run's outcome and, when it finished, this candidate's part of it. */
export interface SimEntry {
  outcome: SimOutcome;
  result?: SimCandidateResult;
  /** The slots of every candidate in the run that gave this entry (the candidate's own included). */
  ran: number[];
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
export async function simulateShared(
  ctx: CheckContext,
  live: Prepared[],
  out: Map<number, SimEntry>,
  /** Once aborted, nothing more is entered in `out` (a run it cut short says nothing about the candidates). */
  signal?: AbortSignal,
  /** Told the slots still to be simulated each time that set shrinks (a compile error dropped, the rest alone). */
  onPending?: (slots: ReadonlySet<number>) => void,
): Promise<void> {
  const solo = await sharedRuns(ctx, live, out, signal, onPending);
  // One candidate, or a shared run that hung or crashed: every candidate alone, in parallel.
  await Promise.all(
    solo.map((c) =>
      parallel(async () => {
        if (signal?.aborted) return;
        const outcome = await ctx.simulate([c], ctx.options.timeoutMs, undefined, undefined, signal);
        if (signal?.aborted) return;
        const ran = [c.slot];
        out.set(
          c.slot,
          outcome.kind === "ok" ? { outcome, result: outcome.results[0] as SimCandidateResult, ran } : { outcome, ran },
        );
      }),
    ),
  );
}

/** The shared runs of {@link simulateShared}: the candidates still without an entry are returned, to be run alone. */
async function sharedRuns(
  ctx: CheckContext,
  live: Prepared[],
  out: Map<number, SimEntry>,
  signal?: AbortSignal,
  onPending?: (slots: ReadonlySet<number>) => void,
): Promise<Prepared[]> {
  let group = [...live];
  // Compile errors name their file: drop those candidates and compile the rest again.
  while (group.length > 1) {
    onPending?.(new Set(group.map((c) => c.slot)));
    // A shared run that stops printing progress is stuck on some candidate: give up on it early, since
    // every candidate is re-run alone (with its full limit, and a stall window of its own) anyway.
    const outcome = await ctx.simulate(group, ctx.candidateTimeLeft(), undefined, SHARED_STALL_MS, signal);
    if (signal?.aborted) return group;
    const ran = group.map((c) => c.slot);
    if (outcome.kind === "ok") {
      for (const [k, c] of group.entries())
        out.set(c.slot, { outcome, result: outcome.results[k] as SimCandidateResult, ran });
      return [];
    }
    if (outcome.kind !== "compile_error") break;
    const blamed = group.filter((c) => outcome.log.includes(`${c.file}:`));
    if (blamed.length === 0) break;
    for (const c of blamed) {
      const mine = linesOf(outcome.log, c.file);
      out.set(c.slot, { outcome: { kind: "compile_error", log: mine, durationMs: outcome.durationMs }, ran });
    }
    group = group.filter((c) => !blamed.includes(c));
  }
  onPending?.(new Set(group.map((c) => c.slot)));
  return group;
}

/**
 * The shared simulation started as soon as the candidates are prepared, beside the front end, which mostly lets
 * every candidate through: the run's results are kept for the candidates that pass it, provided every candidate
 * in that run passed too, unchanged (a candidate only the front end rejects, a name reaching up out of it, could
 * have disturbed the run). Anything else is simulated again after the front end, as if nothing had been tried.
 * Once the front end is done, the speculative run is stopped only if a candidate the front end rejected or changed
 * is still among those it has to simulate: the usual reject, a compile error, has by then been dropped from the
 * shared run by the compiler's own log, and stopping there would throw away a run that is valid (in a group whose
 * shared run hung, its solo re-runs, which cost the most to redo).
 */
export function speculativeSimulation(
  ctx: CheckContext,
  prepared: Prepared[],
): { settle(live: Prepared[], out: Map<number, SimEntry>): Promise<void> } {
  const stop = new AbortController();
  const early = new Map<number, SimEntry>();
  const sources = new Map(prepared.map((p) => [p.slot, p.source]));
  let pending: ReadonlySet<number> = new Set(sources.keys());
  let clean: ReadonlySet<number> | undefined;
  const stopIfDirty = () => {
    if (clean !== undefined && [...pending].some((slot) => !clean?.has(slot))) stop.abort();
  };
  const running = simulateShared(ctx, prepared, early, stop.signal, (slots) => {
    pending = slots;
    stopIfDirty();
  }).catch(() => undefined);
  return {
    async settle(live, out) {
      const unchanged = new Set(live.filter((p) => sources.get(p.slot) === p.source).map((p) => p.slot));
      clean = unchanged;
      stopIfDirty();
      await running;
      const rest: Prepared[] = [];
      for (const p of live) {
        const entry = early.get(p.slot);
        if (entry?.ran.every((slot) => unchanged.has(slot))) out.set(p.slot, entry);
        else rest.push(p);
      }
      if (rest.length > 0) await simulateShared(ctx, rest, out);
    },
  };
}
