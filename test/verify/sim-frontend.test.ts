import { describe, expect, it } from "vitest";
import { verify } from "../../src/verify/index.js";

// Without formal the front end reads candidates' ports from iverilog's elaboration instead of Yosys, and asks
// Yosys about state only for exhaustive passes: verdicts and evidence must be those of the engine that reads
// every candidate with Yosys.
const REF = "module r(input a, input b, output y); assign y = a & b; endmodule";
const CANDIDATES = {
  nets: "module r(input a, input b, output y); assign y = ~(~a | ~b); endmodule",
  comb: "module r(input a, input b, output reg y); always @* if (a) y = b; else y = 1'b0; endmodule",
  // Equal on every input vector, but y holds its value when a is X: Yosys infers a latch, so no proof.
  latch: "module r(input a, input b, output reg y); always @* if (a) y = b; else if (!a) y = 1'b0; endmodule",
  wider: "module r(input a, input b, output [1:0] y); assign y = a & b; endmodule",
  extra: "module r(input a, input b, input c, output y); assign y = a & b; endmodule",
  wrong: "module r(input a, input b, output y); assign y = a | b; endmodule",
};
const EXPECTED: Record<keyof typeof CANDIDATES, [string, string | undefined]> = {
  nets: ["pass", "proved"],
  comb: ["pass", "proved"],
  latch: ["pass", "simulated"],
  wider: ["interface_mismatch", undefined],
  extra: ["interface_mismatch", undefined],
  wrong: ["fail", "proved"],
};

describe("the sim-only front end", () => {
  for (const engine of ["sim", "both"] as const) {
    it(`gives the same verdicts and strength with engine ${engine}`, async () => {
      for (const [name, source] of Object.entries(CANDIDATES)) {
        const r = await verify({ reference: REF, candidate: source, engine, seed: 1, timeoutMs: 20_000 });
        const [status, strength] = EXPECTED[name as keyof typeof CANDIDATES];
        expect([name, r.status, r.assurance?.strength], r.message).toEqual([name, status, strength]);
      }
    }, 120_000);
  }

  it("names the differing port when iverilog's reading of the interface disagrees", async () => {
    const r = await verify({ reference: REF, candidate: CANDIDATES.wider, engine: "sim", seed: 1 });
    expect(r.message).toMatch(/y: reference 1 bits, candidate 2/);
  });
});
