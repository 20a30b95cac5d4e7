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
    }
  }
  const simSignals = sim?.result?.signals;
  const failing = new Map<string, "sim" | "formal">();
  for (const s of simSignals ?? []) if (s.mismatches > 0) failing.set(s.name, "sim");
  if (simSignals) simReport.status = failing.size > 0 ? "fail" : "pass";
  let counterexample: Counterexample | undefined = sim?.result?.counterexample;

  // Formal: look for what simulation missed; every difference it finds is replayed in simulation.
  let formalReport: FormalReport = { status: "skipped", durationMs: 0, reason: "engine=sim" };
  let missing: Assurance["formalMissingBecause"] = ctx.options.engine === "sim" ? "options" : undefined;
  if (ctx.options.engine !== "sim") {
    const limitation = formalLimitation(iface);
    if (ctx.ref.formalBlocked) {
      formalReport = { status: "skipped", durationMs: 0, reason: ctx.ref.formalBlocked };
      missing = "reference";
    } else if (simReport.exhaustive && failing.size === 0 && p.stateless)
      formalReport = { status: "skipped", durationMs: 0, reason: "exhaustive simulation already covers every input" };
    else if (!iface.sequential && p.stateless === false)
      formalReport = {
        status: "skipped",
        durationMs: 0,
        reason: "the candidate holds state (latches) where the reference has none",
      };
    else if (yosysError) {
      formalReport = { status: "skipped", durationMs: 0, reason: `yosys cannot read the candidate: ${yosysError}` };
      missing = "candidate";
    } else if (limitation) {
      formalReport = { status: "skipped", durationMs: 0, reason: limitation };
      missing = "design";
    } else {
      const open = outputs.filter((o) => !failing.has(o));
      if (open.length === 0)
        formalReport = { status: "skipped", durationMs: 0, reason: "simulation already failed every output" };
      else {
        const found = await confirmFormal(ctx, p, open, failing.size > 0);
        formalReport = found.report;
        for (const [name, cx] of found.confirmed) {
          failing.set(name, "formal");
          counterexample ??= cx;
        }
        if (found.confirmed.size > 0) formalReport.status = "fail";
      }
    }
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
  r.assurance = assurance;
  return r;
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
