import { describe, expect, it } from "vitest";
import { verify } from "../../src/verify/index.js";
import { loadOneCore } from "../helpers/cpu-load.js";

const REF = "module RefModule(input [5:0] a, output reg [5:0] y); always @(*) y = a; endmodule\n";
// Correct but slow: every evaluation runs an 8,000-step loop, about 0.3 s of CPU between two progress lines of the
// testbench (64 vectors): well inside the 1 s stall window in CPU time, far outside it in wall-clock time when the
// simulator gets a seventh of a core.
const SLOW = `module TopModule(input [5:0] a, output reg [5:0] y);
  integer i;
  always @(*) begin y = 6'd0; for (i = 0; i < 8000; i = i + 1) if (i[5:0] == a) y = i[5:0]; end
endmodule
`;
// Two always @(*) blocks that retrigger each other in zero time once a[0] is 1.
const HANG = `module TopModule(input [5:0] a, output reg [5:0] y);
  reg p, q;
  always @(*) p = a[0] ? ~q : 1'b0;
  always @(*) q = p;
  always @(*) y = a;
endmodule
`;

describe("stall watchdog under CPU load", () => {
  it("does not end a slow but correct design as a stall, and still ends a hung one", async () => {
    const alone = await verify({ reference: REF, candidate: SLOW, engine: "sim", timeoutMs: 60_000 });
    expect(alone.status).toBe("pass");
    const load = loadOneCore(6);
    try {
      const loaded = await verify({ reference: REF, candidate: SLOW, engine: "sim", timeoutMs: 60_000 });
      expect(loaded.status, loaded.message).toBe("pass");
      expect(loaded.engines.sim.exhaustive).toBe(true);
      // The load was real: the simulator waited for the core more than it ran. Judged on the loaded run itself (wall
      // time against the CPU time the watchdog sampled, plus its sampling interval), not against an "alone" run that
      // the suite's other files load too (a fresh clone measured only 1.8x between the two).
      const { durationMs, cpuMs } = loaded.engines.sim;
      expect(cpuMs, "the watchdog sampled the simulator's CPU time").toBeGreaterThan(0);
      expect(durationMs).toBeGreaterThan(2 * ((cpuMs ?? 0) + 250));
      const started = performance.now();
      const hung = await verify({ reference: REF, candidate: HANG, engine: "sim", timeoutMs: 60_000 });
      expect(hung.status).toBe("timeout");
      expect(hung.message).toMatch(/^no simulation progress for 1000 ms of CPU time.*zero-delay loop/);
      expect(performance.now() - started).toBeLessThan(40_000);
    } finally {
      load.release();
    }
  }, 120_000);
});
