import type { VerifyResult } from "../contracts/index.js";
import { tail } from "../core/errors.js";
import { readCandidateInterfaces } from "./analyze.js";
import { type CheckContext, FRONTEND_LIMIT_MS, type Prepared, parallel } from "./check-context.js";
import { decide } from "./check-decide.js";
import { frontEnd, linesOf, withSecondOpinion } from "./check-frontend.js";
import { type SimEntry, simulateShared } from "./check-sim.js";

/**
 * The stages of a group check, in order: the front end (check-frontend.ts), one shared simulation
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

  const { live, yosysErrors, formalRead } = await frontEnd(ctx, sources, results);
  const frontendMs = performance.now() - frontendStarted;

  // Simulation: one shared run, splitting off candidates that do not compile or break it; formal's reading of
  // the candidates runs beside it.
  const sim = new Map<number, SimEntry>();
  const simulated = live.length > 0 && ctx.options.engine !== "formal" ? simulateShared(ctx, live, sim) : undefined;
  await Promise.all([simulated, formalRead]);
  await statelessFromYosys(ctx, live, sim);

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

/**
 * An exhaustive pass proves a candidate only if it holds no state. The front end knows that from Yosys, or (without
 * formal, where Yosys did not read the candidates) from vvp when the candidate has nothing but nets; the rest of
 * the exhaustive passes are read by Yosys here, in one process, so the evidence is the same with or without formal.
 */
async function statelessFromYosys(ctx: CheckContext, live: Prepared[], sim: ReadonlyMap<number, SimEntry>) {
  if (ctx.options.engine !== "sim") return; // with formal, the front end's Yosys read already answered
  const open = live.filter((p) => {
    const s = sim.get(p.slot);
    return (
      p.stateless === undefined &&
      s?.outcome.kind === "ok" &&
      s.outcome.exhaustive &&
      s.result?.signals.every((x) => x.mismatches === 0) === true
    );
  });
  if (open.length === 0) return;
  const reads = await readCandidateInterfaces(
    open.map((p) => ({ key: String(p.slot), file: p.file, source: p.source, top: p.top })),
    Math.min(ctx.remaining(), FRONTEND_LIMIT_MS),
    undefined,
    undefined,
    ctx.signal,
  );
  for (const p of open) {
    const read = reads.get(String(p.slot));
    if (read?.ok) p.stateless = !read.iface.sequential && !read.iface.hasLatches;
  }
}
