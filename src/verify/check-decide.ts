import type {
  Assurance,
  Counterexample,
  FormalReport,
  SignalVerdict,
  SimReport,
  VerifyResult,
  VerifyStatus,
} from "../contracts/index.js";
import { tail } from "../core/errors.js";
import type { CheckContext, Prepared } from "./check-context.js";
import { confirmFormal } from "./check-formal.js";
import type { SimEntry } from "./check-sim.js";
import { formalLimitation } from "./formal.js";

/**
 * The verdict on one candidate that passed the front end: its simulation read (timeout, broken run, mismatching
 * outputs), formal on what simulation left open when the engine and the design allow it, then the result with its
 * signals, message and assurance (how strong the evidence of a pass is).
 */
export async function decide(
  ctx: CheckContext,
  p: Prepared,
  sim: SimEntry | undefined,
  yosysError: string | undefined,
  frontendMs: number,
): Promise<VerifyResult> {
  const { iface } = ctx.ref;
  const outputs = iface.ports.filter((q) => q.direction === "output").map((q) => q.name);
  const simMs = sim?.outcome.durationMs ?? 0;
  const simReport: SimReport = {
    status: "skipped",
    seed: ctx.options.seed,
    cycles: 0,
    samples: 0,
    exhaustive: false,
    durationMs: simMs,
  };
  if (!sim) simReport.reason = `engine=${ctx.options.engine}`;
  const base = { frontendMs, simMs };
  if (sim) {
    const o = sim.outcome;
    if (o.kind === "timeout") {
      simReport.status = "timeout";
      const stall = o.stalled;
      const at = stall?.lastCycle !== undefined ? ` after cycle ${stall.lastCycle}` : "";
      const span = stall ? `${stall.afterMs} ms${stall.clock === "cpu" ? " of CPU time" : ""}` : "";
      simReport.reason = stall
        ? `no simulation progress for ${span}${at}`
        : `no verdict within ${ctx.options.timeoutMs} ms`;
      return ctx.result({
        status: "timeout",
        decidedBy: "sim",
        message: stall
          ? `no simulation progress for ${span}${at}: the design does not advance time (zero-delay loop?)`
          : `simulation did not finish within ${ctx.options.timeoutMs} ms (a loop without timing control?)`,
        sim: simReport,
        ...base,
      });
    }
    if (o.kind === "error") {
      simReport.status = "error";
      simReport.reason = o.reason;
      // The candidate broke the simulator (memory cap, crash) if the reference alone runs fine.
      const refAlone = await ctx.referenceSimulates();
      return ctx.result({
        status: refAlone ? "fail" : "infra_error",
        decidedBy: "sim",
        message: refAlone ? `candidate broke the simulation: ${o.reason}` : `simulation failed: ${o.reason}`,
        diagnostics: o.log ? [tail(o.log, 20)] : [],
        sim: simReport,
        ...base,
      });
    }
    if (o.kind === "ok") {
      simReport.cycles = o.steps;
      simReport.samples = o.samples;
      simReport.exhaustive = o.exhaustive;
      if (o.cpuMs !== undefined) simReport.cpuMs = Math.round(o.cpuMs);
    }
  }
  const simSignals = sim?.result?.signals;
  const failing = new Map<string, "sim" | "formal">();
  for (const s of simSignals ?? []) if (s.mismatches > 0) failing.set(s.name, "sim");
  if (simSignals) simReport.status = failing.size > 0 ? "fail" : "pass";
  let counterexample: Counterexample | undefined = sim?.result?.counterexample;

  // Formal: look for what simulation missed; every difference it finds is replayed in simulation.
  const formal = await formalStage(ctx, p, simReport, failing, yosysError);
  const formalReport = formal.report;
  const missing = formal.missing;
  for (const [name, cx] of formal.confirmed) {
    failing.set(name, "formal");
    counterexample ??= cx;
  }

  const signals: SignalVerdict[] = outputs.map((name) => {
    const s = simSignals?.find((x) => x.name === name);
    const v: SignalVerdict = { name, ok: !failing.has(name) };
    if (s) {
      v.mismatches = s.mismatches;
      v.definedSamples = s.definedSamples;
    }
    const by = failing.get(name);
    if (by) v.decidedBy = by;
    return v;
  });
  const ran = (simSignals ? 1 : 0) + (["proved", "bounded", "fail"].includes(formalReport.status) ? 1 : 0);
  const decidedBy =
    failing.size > 0
      ? [...failing.values()].includes("sim")
        ? "sim"
        : "formal"
      : ran === 2
        ? "sim+formal"
        : simSignals
          ? "sim"
          : "formal";
  if (failing.size === 0 && !simSignals && !["proved", "bounded"].includes(formalReport.status)) {
    const status: VerifyStatus =
      formalReport.status === "timeout" ? "timeout" : formalReport.status === "skipped" ? "unsupported" : "infra_error";
    return ctx.result({
      status,
      decidedBy: "formal",
      message: `formal check gave no verdict: ${formalReport.reason ?? formalReport.status}`,
      sim: simReport,
      formal: formalReport,
      ...base,
    });
  }
  const bad = signals.filter((s) => !s.ok).map((s) => s.name);
  const message =
    bad.length > 0
      ? `not equivalent: ${bad.join(", ")} ${bad.length === 1 ? "differs" : "differ"}`
      : `equivalent (${describeEvidence(simReport, formalReport)})${simSignals ? "" : "; formal only: oscillation and combinational loops are not checked"}`;
  const under = ctx.options.assume === undefined ? "" : ` under the input constraint ${ctx.options.assume}`;
  const r = ctx.result({
    status: bad.length > 0 ? "fail" : "pass",
    decidedBy,
    message: `${message}${under}`,
    signals,
    sim: simReport,
    formal: formalReport,
    ...base,
  });
  if (counterexample) r.counterexample = counterexample;
  r.assurance = assuranceOf(p, sim, simReport, formalReport, missing);
  return r;
}

/**
 * Whether formal runs for this candidate and what it found: its report, why it was missing (for the assurance),
 * and the differences simulation confirmed (output -> counterexample). The first that applies decides: the
 * engine option, a reference Yosys cannot prove, exhaustive simulation of a stateless candidate, latches where the
 * reference has none, a candidate Yosys cannot read, a design formal cannot model, no output left open.
 */
async function formalStage(
  ctx: CheckContext,
  p: Prepared,
  simReport: SimReport,
  failing: ReadonlyMap<string, "sim" | "formal">,
  yosysError: string | undefined,
): Promise<{
  report: FormalReport;
  missing: Assurance["formalMissingBecause"];
  confirmed: Map<string, Counterexample>;
}> {
  const { iface } = ctx.ref;
  const skipped = (reason: string, missing?: Assurance["formalMissingBecause"]) => ({
    report: { status: "skipped" as const, durationMs: 0, reason },
    missing,
    confirmed: new Map<string, Counterexample>(),
  });
  if (ctx.options.engine === "sim") return skipped("engine=sim", "options");
  const limitation = formalLimitation(iface);
  if (ctx.ref.formalBlocked) return skipped(ctx.ref.formalBlocked, "reference");
  if (simReport.exhaustive && failing.size === 0 && p.stateless)
    return skipped("exhaustive simulation already covers every input");
  if (!iface.sequential && p.stateless === false)
    return skipped("the candidate holds state (latches) where the reference has none");
  if (yosysError) return skipped(`yosys cannot read the candidate: ${yosysError}`, "candidate");
  if (limitation) return skipped(limitation, "design");
  const outputs = iface.ports.filter((q) => q.direction === "output").map((q) => q.name);
  const open = outputs.filter((o) => !failing.has(o));
  if (open.length === 0) return skipped("simulation already failed every output");
  const found = await confirmFormal(ctx, p, open, failing.size > 0);
  if (found.confirmed.size > 0) found.report.status = "fail";
  return { report: found.report, missing: undefined, confirmed: found.confirmed };
}

/** How strong the evidence behind the result is: proved, bounded to a depth, or simulated (and why formal is missing). */
function assuranceOf(
  p: Prepared,
  sim: SimEntry | undefined,
  simReport: SimReport,
  formalReport: FormalReport,
  formalMissing: Assurance["formalMissingBecause"],
): Assurance {
  let missing = formalMissing;
  const formalKind =
    formalReport.status === "proved" ? "proved" : formalReport.status === "bounded" ? "bounded" : "none";
  if (formalKind === "none" && missing === undefined && ["timeout", "error"].includes(formalReport.status))
    missing = "budget";
  // Exhaustive simulation proves a combinational candidate only when it holds no state (formal then skips).
  const enumerated = simReport.exhaustive && p.stateless === true;
  const assurance: Assurance = {
    formal: formalKind,
    simulated: simReport.cycles,
    exhaustive: simReport.exhaustive,
    strength: formalKind === "proved" || enumerated ? "proved" : formalKind === "bounded" ? "bounded" : "simulated",
  };
  if (formalKind === "bounded" && formalReport.depth !== undefined) assurance.depth = formalReport.depth;
  if (sim?.outcome.kind === "ok" && sim.outcome.coverage) assurance.coverage = sim.outcome.coverage;
  if (formalKind === "none" && !simReport.exhaustive) {
    if (missing !== undefined) assurance.formalMissingBecause = missing;
    if (formalReport.reason !== undefined) assurance.reason = formalReport.reason;
  }
  return assurance;
}

function describeEvidence(sim: SimReport, formal: FormalReport): string {
  const parts: string[] = [];
  if (sim.status === "pass")
    parts.push(
      `${sim.exhaustive ? "exhaustive" : "random+directed"} simulation, ${sim.cycles} ${sim.samples > sim.cycles ? "cycles" : "vectors"}`,
    );
  if (formal.status === "proved")
    parts.push(formal.mode === "sequential" ? "formal proof at every depth from reset (induction)" : "formal proof");
  if (formal.status === "bounded") parts.push(`formal, bounded to ${formal.depth} cycles`);
  if (formal.status === "unconfirmed") parts.push("formal lead not reproducible");
  if (formal.status === "timeout" || formal.status === "error" || formal.status === "skipped")
    parts.push(`formal ${formal.status}${formal.reason ? `: ${formal.reason}` : ""}`);
  return parts.join("; ");
}
