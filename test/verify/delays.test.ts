import { describe, expect, it } from "vitest";
import { linesOf } from "../../src/verify/check-frontend.js";
import { verify, verifyGroup } from "../../src/verify/index.js";

// Real RTL writes `q <= #1 d` (the corpus' yosys-tests fsm.v does). A delay means the same in the reference as in
// the candidate only if both files are compiled under the testbench's timescale; with the reference left at the
// simulator's default (1 s), a design failed against itself.
const DELAYED = `module fsm(input clock, input reset, input req, output reg gnt);
  reg [1:0] state;
  always @(posedge clock)
    if (reset) begin state <= #1 2'd0; gnt <= 0; end
    else case (state)
      2'd0: if (req) begin state <= #1 2'd1; gnt <= 1; end
      2'd1: if (!req) begin state <= #1 2'd0; gnt <= 0; end
      default: state <= #1 2'd0;
    endcase
endmodule`;
// The same machine without the delays: equivalent at every clock edge the testbench compares.
const UNDELAYED = DELAYED.replaceAll("<= #1 ", "<= ");
// A different machine (grants stay high), so the checks are not blind.
const WRONG = UNDELAYED.replace("2'd1: if (!req) begin state <= 2'd0; gnt <= 0; end", "2'd1: if (!req) state <= 2'd0;");

describe("delays in the reference and the candidate", () => {
  for (const engine of ["sim", "both"] as const) {
    it(`a design with intra-assignment delays passes against itself (engine ${engine})`, async () => {
      const r = await verify({ reference: DELAYED, candidate: DELAYED, engine, seed: 1, timeoutMs: 30_000 });
      expect(r.status, r.message).toBe("pass");
    }, 60_000);
  }

  it("delays are neither required nor forbidden: with and without them, either side, same verdicts", async () => {
    const [a, b, c] = await verifyGroup({
      reference: DELAYED,
      candidates: [UNDELAYED, WRONG, DELAYED],
      engine: "sim",
      seed: 1,
      timeoutMs: 30_000,
    });
    expect([a?.status, b?.status, c?.status]).toEqual(["pass", "fail", "pass"]);
    const back = await verify({ reference: UNDELAYED, candidate: DELAYED, engine: "sim", seed: 1, timeoutMs: 30_000 });
    expect(back.status, back.message).toBe("pass");
  }, 60_000);
});

describe("compiler lines after the timescale preamble", () => {
  it("numbers the candidate's and the reference's lines as their authors wrote them", () => {
    const log = ["cand_3.v:5: error: a", "ref.v:7: warning: b", "rtlgym_tb.v:9: note: c", "other.v:2: error: d"].join(
      "\n",
    );
    expect(linesOf(log, "cand_3.v")).toBe("candidate:4: error: a");
    expect(linesOf(log, "cand_3.v", true).split("\n")).toEqual([
      "candidate:4: error: a",
      "ref.v:6: warning: b",
      "rtlgym_tb.v:9: note: c",
      "other.v:2: error: d",
    ]);
  });
});
