import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DesignInterface } from "../../src/contracts/index.js";
import { analyseReference } from "../../src/verify/analyze.js";
import { parseBaseLog, parseInductionLog } from "../../src/verify/formal.js";
import { verify } from "../../src/verify/index.js";
import { deepPlan, generateTestbench } from "../../src/verify/testbench.js";
import { PAIRS_DIR } from "../helpers.js";

const pair = (id: string) => ({
  reference: readFileSync(join(PAIRS_DIR, id, "ref.v"), "utf8"),
  candidate: readFileSync(join(PAIRS_DIR, id, "cand.v"), "utf8"),
});

const seq: DesignInterface = {
  top: "m",
  ports: [
    { name: "clk", direction: "input", width: 1, signed: false },
    { name: "reset", direction: "input", width: 1, signed: false },
    { name: "en", direction: "input", width: 1, signed: false },
    { name: "mode", direction: "input", width: 3, signed: false },
    { name: "hit", direction: "output", width: 1, signed: false },
  ],
  parameters: {},
  clock: "clk",
  clockEdges: ["pos"],
  resets: [{ name: "reset", activeHigh: true, kind: "sync" }],
  sequential: true,
  hasLatches: false,
  cells: 12,
  stateBits: 8,
  maxStateConstant: 37,
  stateConstants: [37, 5],
  unsupported: null,
};
const spec = (iface: DesignInterface, seed = 3) => ({
  nonce: "0123456789abcdef",
  reference: { module: "ref_x", iface },
  candidates: ["cand_a"],
  seed,
  cycles: 2000,
  vectors: 100,
  exhaustiveBits: 10,
});

describe("state facts from the reference netlist", () => {
  it("reads flip-flop bits and the constants compared against state, not those compared against inputs alone", async () => {
    const { iface } = await analyseReference(
      `module m(input clk, input reset, input en, input [4:0] a, output hit, output small);
  reg [7:0] cnt;
  always @(posedge clk) if (reset || !en) cnt <= 0; else if (cnt < 8'd200) cnt <= cnt + 8'd1;
  assign hit = (cnt == 8'd37);
  assign small = (a == 5'd9);
endmodule
`,
      undefined,
      20_000,
    );
    expect(iface.stateBits).toBe(8);
    expect(iface.maxStateConstant).toBe(200);
    expect(iface.stateConstants).toEqual([200, 37]);
  });
});

describe("deep-state stimulus", () => {
  it("holds inputs up to twice the largest threshold, near every threshold, within a budget scaled by state", () => {
    const plan = deepPlan(seq, 2000, 2);
    expect(plan).not.toBeNull();
    expect(plan?.hold).toBeGreaterThanOrEqual(2 * 37);
    expect(plan?.near).toEqual([36, 4]);
    expect(plan?.cycles).toBeGreaterThanOrEqual(12 * 37);
    expect(plan?.cycles).toBeLessThanOrEqual(2000);
    // Nothing to hold: no clock, no data input, or no state at all.
    expect(deepPlan({ ...seq, clock: null, sequential: false }, 2000, 2)).toBeNull();
    expect(deepPlan(seq, 2000, 0)).toBeNull();
    expect(deepPlan({ ...seq, stateBits: 0, maxStateConstant: 0, stateConstants: [] }, 2000, 2)).toBeNull();
  });

  it("sweeps exact-length pulses around the smallest thresholds first, on top of the random holds", () => {
    const plan = deepPlan(seq, 2000, 2);
    const random = deepPlan({ ...seq, stateConstants: [4096] }, 2000, 2);
    // en and mode are 4 bits: 8 values and their complements, holds of n..n+3 cycles for n = 4, each framed by one
    // cycle of the complement on both sides (n = 36 would take more than half the random phase's 2000 cycles).
    expect(plan?.sweepValues).toEqual({ enumerate: true, rounds: 8 });
    expect(plan?.sweep).toEqual([4]);
    expect(plan?.sweepCycles).toBe(8 * (8 * 4 + 28));
    expect(plan?.cycles).toBe((random?.cycles ?? 0) + (plan?.sweepCycles ?? 0));
    const tb = generateTestbench(spec(seq));
    expect(tb.source).toContain("repeat (4 + rg0123456789abcdef_j)");
    expect(tb.source).not.toContain("repeat (36 + rg0123456789abcdef_j)");
    // One data bit: the value and its complement, and both thresholds fit.
    const one = { ...seq, ports: seq.ports.filter((p) => p.name !== "mode") };
    expect(deepPlan(one, 2000, 1)).toMatchObject({ sweep: [4, 36], sweepValues: { enumerate: true, rounds: 1 } });
    // Wide inputs: random values.
    const wide = { ...seq, ports: seq.ports.map((p) => (p.name === "mode" ? { ...p, width: 8 } : p)) };
    expect(deepPlan(wide, 2000, 2)?.sweepValues).toEqual({ enumerate: false, rounds: 8 });
  });

  it("lets simulation alone catch a press of exactly the threshold's length that random holds miss (pair 86)", async () => {
    const r = await verify({ ...pair("86_long_press_boundary"), engine: "sim" });
    expect(r.status).toBe("fail");
    expect(r.signals.filter((s) => !s.ok).map((s) => s.name)).toEqual(["long", "short"]);
    // Found in the deep phase, after the directed and random cycles.
    expect(r.counterexample?.cycle).toBeGreaterThan(2000);
    const equiv = await verify({ ...pair("92_long_press_wide_counter_equiv"), engine: "sim" });
    expect(equiv.status).toBe("pass");
  });

  it("adds the deep phase to the step count, keeps the verdict protocol and stays deterministic by seed", () => {
    const without = generateTestbench(spec({ ...seq, stateBits: 0, maxStateConstant: 0, stateConstants: [] }));
    const tb = generateTestbench(spec(seq));
    const plan = deepPlan(seq, 2000, 2);
    expect(tb.steps).toBe(without.steps + (plan?.cycles ?? 0));
    expect(tb.samples).toBe(2 * tb.steps);
    expect(tb.source).toContain(`% ${plan?.hold}`);
    expect(tb.source).toContain("RTLGYM0123456789abcdef END");
    expect(generateTestbench(spec(seq)).source).toBe(tb.source);
    expect(generateTestbench(spec(seq, 4)).source).not.toBe(tb.source);
    // Per-bit sticky masks for every data input, carrying the nonce like every other testbench name.
    expect(tb.source).toMatch(/rg0123456789abcdef_k1 = rg0123456789abcdef_s\[34:32\]/);
  });

  it("adds one long run from a reset, enables high, only when a threshold is beyond the random holds", () => {
    expect(deepPlan(seq, 2000, 2)?.long).toBeUndefined();
    const far = { ...seq, maxStateConstant: 11_999, stateConstants: [11_999] };
    const plan = deepPlan(far, 2000, 2);
    expect(plan?.long).toBe(24_000);
    expect(plan?.hold).toBe(4096);
    // A clock counting to 11:59:59 in BCD compares against 0x115959: the run is capped.
    expect(deepPlan({ ...seq, maxStateConstant: 0x115959, stateConstants: [0x115959] }, 2000, 2)?.long).toBe(65_536);
    const tb = generateTestbench(spec(far));
    const short = generateTestbench(spec(seq));
    // The long run and its reset cycle are counted like every other step.
    expect(tb.steps - short.steps).toBe((plan?.cycles ?? 0) - (deepPlan(seq, 2000, 2)?.cycles ?? 0) + 24_000 + 1);
    expect(tb.source).toContain("repeat (24000)");
  });

  it("reaches a difference 12,000 enabled cycles deep that the holds and the bounded proof miss (pair 96)", async () => {
    const r = await verify({ ...pair("96_far_threshold_off_by_one"), engine: "sim" });
    expect(r.status).toBe("fail");
    expect(r.counterexample?.cycle).toBeGreaterThan(12_000);
    const equiv = await verify({ ...pair("97_far_threshold_down_counter_equiv"), engine: "sim" });
    expect(equiv.status).toBe("pass");
  });

  it("lets simulation alone reach an FSM path behind 24 held cycles that random stimulus never reached", async () => {
    const r = await verify({ ...pair("82_deep_fsm_path_armed"), engine: "sim" });
    expect(r.status).toBe("fail");
    expect(r.signals.filter((s) => !s.ok).map((s) => s.name)).toEqual(["z"]);
    // Found in the deep phase, after the directed and random cycles.
    expect(r.counterexample?.cycle).toBeGreaterThan(2000);
  });
});

describe("reading sat -tempinduct logs", () => {
  const model = (steps: number) =>
    Array.from(
      { length: steps },
      (_v, i) =>
        `   ${i + 1} \\in_en                    1         1             1\n   ${i + 1} \\in_reset  ${i === 0 ? 1 : 0}  ${i === 0 ? 1 : 0}  ${i === 0 ? 1 : 0}`,
    ).join("\n");
  const bases = (n: number) =>
    Array.from({ length: n }, (_v, i) => `Base case for induction length ${i + 1} proven.`).join("\n");

  it("takes a closed induction step for a proof and a base-case model for a difference", () => {
    expect(
      parseInductionLog(`${bases(3)}\n** Trying induction with length 4 **\nInduction step proven: SUCCESS!`, seq, 1),
    ).toEqual({ kind: "proved", length: 4 });
    const diff = parseBaseLog(
      `${bases(29)}\nSAT temporal induction proof finished - model found for base case: FAIL!\n${model(31)}\n`,
      seq,
      1,
    );
    expect(diff.kind).toBe("different");
    if (diff.kind === "different") expect(diff.trace).toHaveLength(31);
  });

  it("never takes a failed induction step or a model cut short by a kill for a difference", () => {
    // Failed induction steps print models of unreachable states: the verdict stays open, bounded by the base case.
    const induction = `${bases(20)}\nInduction step failed. Incrementing induction length.\n${model(5)}\nReached maximum number of time steps -> proof failed.`;
    expect(parseInductionLog(induction, seq, 1)).toEqual({ kind: "open", depth: 21, timedOut: false });
    const cut = `${bases(29)}\nSAT temporal induction proof finished - model found for base case: FAIL!\n${model(12)}`;
    expect(parseBaseLog(cut, seq, 1)).toEqual({ kind: "open", depth: 30, timedOut: true });
    expect(parseBaseLog("", seq, 1)).toEqual({ kind: "open", depth: 0, timedOut: true });
  });
});

describe("formal beyond the 20-cycle bound (real yosys)", () => {
  it("finds a debouncer off by one at cycle 25 and confirms it by replay", async () => {
    const r = await verify({ ...pair("79_debounce_stable_length"), engine: "formal" });
    expect(r.status).toBe("fail");
    expect(r.decidedBy).toBe("formal");
    expect(r.counterexample?.engine).toBe("formal");
    expect(r.counterexample?.trace?.length).toBeGreaterThan(20);
    expect(r.engines.formal.status).toBe("fail");
  });

  it("proves a differently encoded equivalent design at every depth", async () => {
    const r = await verify(pair("88_debounce_shift_vs_run_length_equiv"));
    expect(r.status).toBe("pass");
    expect(r.engines.formal).toMatchObject({ status: "proved", mode: "sequential", method: "induction" });
    expect(r.assurance?.formal).toBe("proved");
  });

  it("keeps a design that differs only in unreachable states equivalent: induction failing is no difference", async () => {
    const r = await verify({ ...pair("12_mod10_counter_reachable"), engine: "formal" });
    expect(r.status).toBe("pass");
    expect(["proved", "bounded"]).toContain(r.engines.formal.status);
    expect(r.assurance?.formal).toBe(r.engines.formal.status);
  });
});
