import { describe, expect, it } from "vitest";
import type { CheckContext, Prepared } from "../../src/verify/check-context.js";
import { type SimEntry, speculativeSimulation } from "../../src/verify/check-sim.js";
import type { SimOutcome } from "../../src/verify/simulate.js";

// The scheduling of the speculative shared run, against a scripted simulator: which runs it starts, and which it
// throws away once the front end has spoken. (The real simulator's side is in group.test.ts.)
const candidate = (slot: number): Prepared => ({ slot, file: `c${slot}.v`, top: `top${slot}`, source: `src${slot}` });
const OK = (n: number): SimOutcome => ({
  kind: "ok",
  results: Array.from({ length: n }, () => ({ signals: [] })),
  durationMs: 1,
  exhaustive: false,
  steps: 1,
  samples: 1,
});
const STALLED: SimOutcome = { kind: "timeout", durationMs: 400, stalled: { afterMs: 400, clock: "cpu" } };

/** A simulator where `broken` does not compile and `hang` never makes progress; solo runs wait until `open()`. */
function scripted(broken: Prepared, hang: Prepared) {
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const runs: number[][] = [];
  const simulate = async (cands: Prepared[], _t: number, _r: unknown, _s: number, signal?: AbortSignal) => {
    runs.push(cands.map((c) => c.slot));
    if (cands.includes(broken)) return { kind: "compile_error", log: `${broken.file}:2: syntax error`, durationMs: 1 };
    if (cands.length > 1) return STALLED;
    await gate;
    if (signal?.aborted) return { kind: "timeout", durationMs: 1 };
    return cands[0] === hang ? STALLED : OK(1);
  };
  const ctx = { simulate, candidateTimeLeft: () => 3000, options: { timeoutMs: 3000 } } as unknown as CheckContext;
  return { ctx, runs, open };
}

describe("speculativeSimulation", () => {
  it("keeps its solo re-runs when the front end rejects only the candidate the compiler already dropped", async () => {
    const [a, broken, hang] = [candidate(0), candidate(1), candidate(2)] as [Prepared, Prepared, Prepared];
    const { ctx, runs, open } = scripted(broken, hang);
    const speculation = speculativeSimulation(ctx, [a, broken, hang]);
    await new Promise((r) => setTimeout(r, 10)); // the shared runs are done; the solo ones wait at the gate
    const out = new Map<number, SimEntry>();
    const settled = speculation.settle([a, hang], out); // the front end rejected `broken`, as the compiler did
    open();
    await settled;
    // One shared run with everyone, one without the compile error (it hung), then each alone: nothing twice.
    expect(runs).toEqual([[0, 1, 2], [0, 2], [0], [2]]);
    expect(out.get(0)?.outcome.kind).toBe("ok");
    expect(out.get(2)?.outcome.kind).toBe("timeout");
    expect(out.has(1)).toBe(false);
  });

  it("stops and redoes the run when a candidate the front end rejected is still in it", async () => {
    const [a, broken, hang, peek] = [candidate(0), candidate(1), candidate(2), candidate(3)] as [
      Prepared,
      Prepared,
      Prepared,
      Prepared,
    ];
    const { ctx, runs, open } = scripted(broken, hang);
    const speculation = speculativeSimulation(ctx, [a, broken, hang, peek]);
    await new Promise((r) => setTimeout(r, 10));
    const out = new Map<number, SimEntry>();
    // `peek` compiles under the testbench (a name reaching up into it) but the front end rejects it.
    const settled = speculation.settle([a, hang], out);
    open();
    await settled;
    expect(runs.slice(0, 2)).toEqual([
      [0, 1, 2, 3],
      [0, 2, 3],
    ]);
    // Whatever the stopped run had started, `a` and `hang` were simulated again without `peek`.
    expect(runs.slice(-3)).toEqual([[0, 2], [0], [2]]);
    expect(out.get(0)?.ran).toEqual([0]);
    expect(out.get(2)?.outcome.kind).toBe("timeout");
  });
});
