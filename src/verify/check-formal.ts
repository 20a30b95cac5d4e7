import type { Counterexample, DesignInterface, FormalReport } from "../contracts/index.js";
import { type CheckContext, type Prepared, REFERENCE_FILE, round } from "./check-context.js";
import { type FormalOutcome, runFormal } from "./formal.js";
import type { Stimulus } from "./testbench.js";

/**
 * The formal stage of one candidate: the equivalence check on the outputs simulation left open, and every
 * difference it finds replayed in simulation before it counts (formal models X and initial values differently).
 */

/** Least time a replay of a formal lead gets (see confirmFormal). */
const REPLAY_FLOOR_MS = 2000;

/** Runs formal on the still-open outputs; returns the differences simulation confirmed. */
export async function confirmFormal(
  ctx: CheckContext,
  p: Prepared,
  open: string[],
  perSignal: boolean,
): Promise<{ report: FormalReport; confirmed: Map<string, Counterexample> }> {
  const confirmed = new Map<string, Counterexample>();
  const job = {
    sources: { [REFERENCE_FILE]: ctx.refSource, [p.file]: p.source },
    gold: ctx.refModule,
    gate: p.top,
    iface: ctx.ref.iface,
    depth: ctx.options.formalDepth,
    deepDepth: deepFormalDepth(ctx.ref.iface, ctx.options.formalDepth),
    modelX: ctx.refHasUnknowns,
    ...(ctx.options.assume !== undefined && { assume: ctx.options.assume }),
    timeoutMs: formalBudget(ctx.candidateTimeLeft(), ctx.options.formalTimeoutMs),
    signal: ctx.signal,
  };
  const outcome: FormalOutcome = await runFormal(perSignal ? { ...job, perSignal: open } : job);
  const report = formalReportOf(outcome, ctx.ref.iface);
  if (outcome.kind !== "done") return { report, confirmed };
  const leads: Stimulus[] = [];
  if (outcome.proof.kind === "different") leads.push(outcome.proof.trace);
  if (outcome.proof.kind === "per_signal") leads.push(...outcome.proof.differing.values());
  let unconfirmed = 0;
  for (const trace of leads) {
    // A replay is a few cycles; it gets a floor so a lead found late is still confirmed or dismissed.
    const replay = await ctx.simulate([p], Math.max(ctx.candidateTimeLeft(), REPLAY_FLOOR_MS), trace);
    const result = replay.kind === "ok" ? replay.results[0] : undefined;
    const seen = result?.signals.filter((s) => s.mismatches > 0) ?? [];
    if (seen.length === 0) unconfirmed++;
    for (const s of seen) {
      if (confirmed.has(s.name) || !open.includes(s.name)) continue;
      const cx = result?.counterexample;
      confirmed.set(
        s.name,
        cx
          ? { ...cx, engine: "formal", trace }
          : { engine: "formal", signal: s.name, cycle: 0, phase: "pre", inputs: {}, expected: "", got: "", trace },
      );
    }
  }
  // A whole-design difference that replay confirmed: find which other outputs differ too, signal by signal.
  if (!perSignal && confirmed.size > 0) {
    const rest = open.filter((o) => !confirmed.has(o));
    if (rest.length > 0) {
      const more = await confirmFormal(ctx, p, rest, true);
      for (const [k, v] of more.confirmed) confirmed.set(k, v);
    }
  }
  if (confirmed.size === 0 && unconfirmed > 0) {
    report.status = "unconfirmed";
    report.reason =
      "formal found a difference that simulation does not reproduce (X or initial-value modelling); not counted";
  }
  return { report, confirmed };
}

function formalReportOf(outcome: FormalOutcome, iface: DesignInterface): FormalReport {
  const mode = iface.sequential ? "sequential" : "combinational";
  const durationMs = round(outcome.durationMs);
  switch (outcome.kind) {
    case "skipped":
      return { status: "skipped", durationMs, reason: outcome.reason };
    case "timeout":
      return { status: "timeout", mode, durationMs, reason: "yosys did not finish within the time limit" };
    case "error":
      return { status: "error", mode, durationMs, reason: outcome.reason };
    case "done": {
      const { proof } = outcome;
      if (!iface.sequential) return { status: "proved", mode, depth: 0, durationMs, method: "sat" };
      // A difference sets the status to fail or unconfirmed after replay; the bound is the one reached either way.
      if (proof.kind === "different")
        return { status: "bounded", mode, depth: proof.trace.length, durationMs, method: proof.method };
      // Induction closed: equal at every depth from reset (depth is the induction length that closed it).
      if (proof.unbounded && (proof.kind === "equivalent" || proof.differing.size === 0))
        return { status: "proved", mode, depth: proof.depth, durationMs, method: "induction" };
      return { status: "bounded", mode, depth: proof.depth, durationMs, method: proof.method };
    }
  }
}

/**
 * Time formal may take: its own limit, less a reserve within the check's limit for replaying what it finds (a deep
 * search now often uses its whole limit, and a difference found at the deadline would otherwise end as a timeout).
 */
const REPLAY_RESERVE_MS = 800;
function formalBudget(left: number, formalTimeoutMs: number): number {
  return Math.max(Math.min(formalTimeoutMs, left - Math.min(REPLAY_RESERVE_MS, left / 3)), 1);
}

/** Deepest formal bound worth searching: twice the reference's largest state threshold, within a cap. */
const DEEP_FORMAL_CAP = 64;
function deepFormalDepth(iface: DesignInterface, depth: number): number {
  const threshold = iface.maxStateConstant ?? 0;
  return Math.max(depth, Math.min(2 * threshold + 4, DEEP_FORMAL_CAP));
}
