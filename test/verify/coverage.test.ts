import { describe, expect, it } from "vitest";
import type { DesignInterface } from "../../src/contracts/index.js";
import { verify } from "../../src/verify/index.js";
import { runSimulation } from "../../src/verify/simulate.js";
import { belowBar, parseStrengthBar, passStrength } from "../../src/verify/strength.js";

// Bits that toggle: cnt[2:0] (0..5 then a reset) and u.r (a 2-bit counter inside a submodule, named through the
// flattened hierarchy). Bits that must not count: cnt[7:3] (never set), `latched` (rises once, never falls), and
// `junk` (never initialised: X throughout, so every change is through X).
const COUNTER = `module counter(input clk, input reset, input a, output y);
  reg [7:0] cnt;
  reg latched;
  reg [1:0] junk;
  initial latched = 1'b0;
  always @(posedge clk) if (reset) cnt <= 8'd0; else if (cnt < 8'd5) cnt <= cnt + 8'd1;
  always @(posedge clk) if (a) latched <= 1'b1;
  always @(posedge clk) junk <= junk + 2'd1;
  wire o;
  sub u (.clk(clk), .reset(reset), .o(o));
  assign y = ^{cnt, latched, junk, o};
endmodule
module sub(input clk, input reset, output o);
  reg [1:0] r;
  always @(posedge clk) if (reset) r <= 2'd0; else r <= r + 2'd1;
  assign o = r[0] & r[1];
endmodule
`;

// S3 is in the transition table (S2 -> S3 when c == 7) but c saturates at 4: the stimulus can never visit it.
const FSM = `module fsm(input clk, input reset, input a, output y);
  localparam S0 = 2'd0, S1 = 2'd1, S2 = 2'd2, S3 = 2'd3;
  reg [1:0] state, next;
  reg [2:0] c;
  always @(posedge clk) if (reset) c <= 3'd0; else if (c != 3'd4) c <= c + 3'd1;
  always @(*) case (state)
    S0: next = a ? S1 : S0;
    S1: next = a ? S2 : S0;
    S2: next = (c == 3'd7) ? S3 : (a ? S2 : S0);
    default: next = S0;
  endcase
  always @(posedge clk) if (reset) state <= S0; else state <= next;
  assign y = state == S3 || state == S2;
endmodule
`;

// Every state reachable and the outputs a function of the state: temporal induction closes the proof.
const SIMPLE_FSM = `module fsm2(input clk, input reset, input a, output y);
  localparam S0 = 2'd0, S1 = 2'd1, S2 = 2'd2, S3 = 2'd3;
  reg [1:0] state, next;
  always @(*) case (state) S0: next = a ? S1 : S0; S1: next = a ? S2 : S0; S2: next = a ? S2 : S3; default: next = S0; endcase
  always @(posedge clk) if (reset) state <= S0; else state <= next;
  assign y = state == S3;
endmodule
`;

const COMB = "module comb(input [3:0] a, input [3:0] b, output [4:0] s); assign s = a + b; endmodule\n";

describe("coverage of the reference's state", () => {
  it("counts a state bit only when it was seen to rise and to fall between defined values", async () => {
    const r = await verify({ reference: COUNTER, candidate: COUNTER, engine: "sim", timeoutMs: 60_000 });
    expect(r.status).toBe("pass");
    // 8 (cnt) + 1 (latched) + 2 (junk) + 2 (u.r); toggled: cnt[2:0] and u.r.
    expect(r.assurance?.coverage).toEqual({ stateBits: 13, toggled: 5 });
    expect(r.assurance?.strength).toBe("simulated");
    expect(belowBar(r, parseStrengthBar("simulated"))).toBeNull();
    expect(belowBar(r, parseStrengthBar("simulated:0.3"))).toBeNull();
    expect(belowBar(r, parseStrengthBar("simulated:0.5"))).toMatch(/toggled 5 of 13 state bits \(38.5%\), below 50%/);
    expect(belowBar(r, parseStrengthBar("bounded"))).toBe("simulated is below bounded");
  }, 120_000);

  it("counts FSM states visited and transition-table pairs taken; an unreachable state stays unvisited", async () => {
    const r = await verify({ reference: FSM, candidate: FSM, engine: "sim", timeoutMs: 60_000 });
    expect(r.status).toBe("pass");
    const c = r.assurance?.coverage;
    expect(c).toMatchObject({ fsms: 1, fsmStates: 4, fsmStatesVisited: 3 });
    // Table pairs: S0->S0, S0->S1, S1->S0, S1->S2, S2->S0, S2->S2, S2->S3, S3->S0; the last two are never taken.
    expect(c?.fsmTransitions).toBe(8);
    expect(c?.fsmTransitionsSeen).toBe(6);
    // state (2) + c (3): c counts 0..4, so c[2] rises at 4 and falls on a reset; all five toggle.
    expect(c?.stateBits).toBe(5);
    expect(c?.toggled).toBe(5);
  }, 120_000);

  it("has no coverage for a combinational design, and an exhaustive stateless pass is proved", async () => {
    const r = await verify({ reference: COMB, candidate: COMB, timeoutMs: 60_000 });
    expect(r.status).toBe("pass");
    expect(r.assurance?.coverage).toBeUndefined();
    expect(r.assurance?.exhaustive).toBe(true);
    expect(passStrength(r)).toBe("proved");
  }, 120_000);

  it("a formal proof makes the pass proved, whatever the coverage bar", async () => {
    const r = await verify({ reference: SIMPLE_FSM, candidate: SIMPLE_FSM, timeoutMs: 60_000 });
    expect(r.status).toBe("pass");
    expect(r.assurance?.coverage).toMatchObject({ fsmStates: 4, fsmStatesVisited: 4, fsmTransitions: 8 });
    expect(passStrength(r)).toBe("proved");
    expect(belowBar(r, parseStrengthBar("proved"))).toBeNull();
    expect(belowBar(r, parseStrengthBar("simulated:1"))).toBeNull();
  }, 120_000);

  it("runs without coverage when the testbench cannot name a probed register, instead of failing the candidate", async () => {
    const iface: DesignInterface = {
      top: "ref_x",
      ports: [
        { name: "clk", direction: "input", width: 1, signed: false },
        { name: "d", direction: "input", width: 1, signed: false },
        { name: "q", direction: "output", width: 1, signed: false },
      ],
      parameters: {},
      clock: "clk",
      clockEdges: ["pos"],
      resets: [],
      sequential: true,
      hasLatches: false,
      cells: 1,
      stateBits: 1,
      unsupported: null,
    };
    const flop = (name: string) =>
      `module ${name}(input clk, input d, output reg q); always @(posedge clk) q <= d; endmodule\n`;
    const spec = {
      nonce: "00aa11bb22cc33dd",
      reference: { module: "ref_x", iface },
      candidates: ["cand_a"],
      seed: 1,
      cycles: 200,
      vectors: 10,
      exhaustiveBits: 8,
    };
    const limits = { timeoutMs: 30_000, memoryLimitMb: 512 };
    const files = { sources: { "ref.v": flop("ref_x"), "cand.v": flop("cand_a") } };
    const good = await runSimulation(
      { ...spec, coverage: { signals: [{ expr: "q", width: 1 }], bits: 1, unobserved: 0, fsms: [] } },
      files,
      limits,
    );
    expect(good.kind).toBe("ok");
    if (good.kind === "ok") expect(good.coverage).toEqual({ stateBits: 1, toggled: 1 });
    const bad = await runSimulation(
      { ...spec, coverage: { signals: [{ expr: "no_such_reg", width: 1 }], bits: 1, unobserved: 0, fsms: [] } },
      files,
      limits,
    );
    expect(bad.kind).toBe("ok");
    if (bad.kind === "ok") {
      expect(bad.coverage).toBeUndefined();
      expect(bad.results[0]?.signals.every((s) => s.mismatches === 0)).toBe(true);
    }
  }, 120_000);
});

describe("strength bars", () => {
  it("parses LEVEL and LEVEL:TOGGLE and rejects anything else", () => {
    expect(parseStrengthBar("bounded")).toEqual({ level: "bounded" });
    expect(parseStrengthBar("simulated:0.9")).toEqual({ level: "simulated", toggle: 0.9 });
    expect(parseStrengthBar("simulated:90%")).toEqual({ level: "simulated", toggle: 0.9 });
    for (const bad of ["strong", "bounded:", "bounded:1.5", "bounded:x", "proved:0.5:1"])
      expect(() => parseStrengthBar(bad)).toThrow(/min-strength/);
  });
});
