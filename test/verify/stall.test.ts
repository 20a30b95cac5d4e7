import { describe, expect, it } from "vitest";
import { verify, verifyGroup } from "../../src/verify/index.js";

const REF = `module RefModule(input clk, input reset, input en, input [3:0] d, output reg [3:0] q, output y);
  always @(posedge clk) if (reset) q <= 4'd0; else q <= q + d;
  assign y = en & q[0];
endmodule
`;
const top = (
  body: string,
) => `module TopModule(input clk, input reset, input en, input [3:0] d, output reg [3:0] q, output y);
${body}
endmodule
`;
const COUNT = "  always @(posedge clk) if (reset) q <= 4'd0; else q <= q + d;\n";
const CORRECT = top(`${COUNT}  assign y = en & q[0];`);
const CORRECT2 = top("  always @(posedge clk) begin if (reset) q <= 0; else q <= d + q; end\n  assign y = q[0] && en;");
const WRONG = top(`${COUNT}  assign y = en & q[1];`);
const WRONG_Q = top("  always @(posedge clk) if (reset) q <= 4'd0; else q <= q - d;\n  assign y = en & q[0];");
// Two always @(*) blocks that retrigger each other in zero time once en=1 (fixtures/pairs/67).
const HANG = top(
  `${COUNT}  reg a, b;\n  always @(*) a = en ? ~b : 1'b0;\n  always @(*) b = a;\n  assign y = en & q[0];`,
);

describe("stall detection", () => {
  it("ends a hanging candidate of a group long before its time limit, without touching the others", async () => {
    const candidates = [CORRECT, WRONG, HANG, CORRECT2, WRONG_Q, CORRECT, WRONG, CORRECT2];
    const started = performance.now();
    const results = await verifyGroup({ reference: REF, candidates, timeoutMs: 20_000, engine: "sim" });
    const wall = performance.now() - started;
    expect(results.map((r) => r.status)).toEqual(["pass", "fail", "timeout", "pass", "fail", "pass", "fail", "pass"]);
    expect(results[2]?.message).toMatch(/^no simulation progress for \d+ ms.*zero-delay loop/);
    expect(results[2]?.engines.sim.status).toBe("timeout");
    expect(results[1]?.signals.filter((s) => !s.ok).map((s) => s.name)).toEqual(["y"]);
    // Shared run given up after 2 s of silence, the hanging one alone after another 2 s: far from 20 s.
    expect(wall).toBeLessThan(8000);
  });

  it("ends a single hanging candidate early too", async () => {
    const started = performance.now();
    const r = await verify({ reference: REF, candidate: HANG, timeoutMs: 20_000, engine: "sim" });
    expect(r.status).toBe("timeout");
    expect(r.message).toMatch(/no simulation progress/);
    expect(performance.now() - started).toBeLessThan(8000);
  });

  it("never cuts a long run that keeps progressing", async () => {
    // Many more cycles than the stall window takes to simulate: progress lines keep it alive to the verdict.
    const r = await verify({ reference: REF, candidate: CORRECT, cycles: 150_000, timeoutMs: 60_000, engine: "sim" });
    expect(r.status).toBe("pass");
    expect(r.engines.sim.cycles).toBeGreaterThan(150_000 - 1000);
  }, 90_000);
});
