import { availableParallelism } from "node:os";
import type { VerifyResult } from "../contracts/index.js";
import { tail } from "../core/errors.js";
import { liveProcessCount } from "../tools/process.js";
import { type CheckContext, parallel } from "./check-context.js";
import { decide } from "./check-decide.js";
import { frontEnd, linesOf, prepareCandidates, withSecondOpinion } from "./check-frontend.js";
import { type SimEntry, simulateShared, speculativeSimulation } from "./check-sim.js";

/**
 * The stages of a group check: the front end (check-frontend.ts) and, beside it, one shared simulation
 * (check-sim.ts), then per candidate the verdict with formal where it applies (check-decide.ts). Every candidate
 * gets exactly one result, in the order of `sources`.
 */
export async function checkCandidates(
  ctx: CheckContext,
  sources: string[],
  frontendStarted: number,
): Promise<VerifyResult[]> {
  ctx.groupSize = sources.length;
  const results: Array<VerifyResult | undefined> = sources.map(() => undefined);
  const { iface } = ctx.ref;
  if (iface.unsupported) {
    return sources.map(() =>
      ctx.result({
        status: "unsupported",
        decidedBy: "frontend",
        message: `cannot check this design: ${iface.unsupported}`,
      }),
    );
  }

  const prepared = await prepareCandidates(ctx, sources, results);
  // Simulation: one shared run, splitting off candidates that do not compile or break it. With a core to spare it
  // starts beside the front end, which rarely rejects anyone (its results count only for runs the front end let
  // through whole): that buys latency. With every core busy it would buy none, only costs: a group with a compile
  // error (most groups of an RL step have one) would compile and fail twice, once here and once in the front end.
  const simulates = prepared.length > 0 && ctx.options.engine !== "formal";
  const speculation =
    simulates && liveProcessCount() < availableParallelism() ? speculativeSimulation(ctx, prepared) : undefined;
  const { live, yosysErrors, yosysRead } = await frontEnd(ctx, prepared, results);
  const frontendMs = performance.now() - frontendStarted;

  // Yosys's reading of the candidates runs beside the simulation.
  const sim = new Map<number, SimEntry>();
  const simulation = speculation
    ? speculation.settle(live, sim)
    : simulates && live.length > 0
      ? simulateShared(ctx, live, sim)
      : undefined;
  await Promise.all([simulation, yosysRead]);

  // Formal, per candidate, for those still in the running.
  const checks = live.map((p) =>
    parallel(async () => {
      const s = sim.get(p.slot);
      if (s && s.outcome.kind === "compile_error") {
        results[p.slot] = ctx.result({
          status: "compile_error",
          decidedBy: "sim",
          message: "candidate does not compile",
          diagnostics: [tail(linesOf(s.outcome.log, p.file, true), 30)],
          frontendMs,
          simMs: s.outcome.durationMs,
        });
        return;
      }
      results[p.slot] = await decide(ctx, p, s, yosysErrors.get(p.slot), frontendMs);
    }),
  );
  await Promise.all(checks);
  // A candidate simulated as Yosys's netlist of it says so on its verdict.
  for (const p of live) {
    const r = results[p.slot];
    if (p.secondOpinion !== undefined && r !== undefined) results[p.slot] = await withSecondOpinion(r, p.secondOpinion);
  }
  return results.map(
    (r) => r ?? ctx.result({ status: "infra_error", decidedBy: "frontend", message: "no verdict was produced" }),
  );
}
