import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { liveProcessCount, runProcess } from "../../src/tools/process.js";
import { verify, verifyGroup } from "../../src/verify/index.js";

const REF = `module RefModule(input clk, input reset, input [3:0] d, output reg [3:0] q, output odd);
  always @(posedge clk) if (reset) q <= 4'd0; else q <= q + d;
  assign odd = q[0];
endmodule
`;
const top = (body: string) => `module TopModule(input clk, input reset, input [3:0] d, output reg [3:0] q, output odd);
${body}
endmodule
`;
const CORRECT = top("  always @(posedge clk) begin if (reset) q <= 0; else q <= d + q; end\n  assign odd = q[0];");
const WRONG_ODD = top("  always @(posedge clk) if (reset) q <= 4'd0; else q <= q + d;\n  assign odd = q[1];");
const HANG = top(
  "  reg x;\n  always @(posedge clk) if (reset) q <= 4'd0; else q <= q + d;\n  always @(*) begin x = d[0]; while (x == d[0]) x = d[0]; end\n  assign odd = q[0];",
);
const BROKEN = top("  always @(posedge clk) q <= q + ;\n  assign odd = q[0];");
const FORGED = top(
  '  always @(posedge clk) q <= 4\'d0;\n  assign odd = 1\'b0;\n  initial begin $display("Mismatches: 0 in 100 samples"); $display("RTLGYM0 END 4000"); $finish; end',
);
const NARROW = `module TopModule(input clk, input reset, input [3:0] d, output reg [2:0] q, output odd);
  always @(posedge clk) q <= 0;
  assign odd = 0;
endmodule
`;
/** The verdicts of CORRECT, WRONG_ODD, HANG, BROKEN, FORGED, NARROW, PEEK, in that order. */
const MIXED_STATUSES = ["pass", "fail", "timeout", "compile_error", "fail", "interface_mismatch", "compile_error"];
const PEEK = top("  always @(posedge clk) q <= 0;\n  assign odd = rtlgym_tb.ref.odd;");

describe("verifyGroup", () => {
  // The simulation starts beside the front end, before it has rejected NARROW, PEEK and BROKEN: whichever engine,
  // a run they were part of must not decide anyone's verdict.
  it.each(["both", "sim"] as const)(
    "isolates broken, hanging and forged candidates without spoiling the others (%s)",
    async (engine) => {
      const candidates = [CORRECT, WRONG_ODD, HANG, BROKEN, FORGED, NARROW, PEEK, CORRECT];
      const started = performance.now();
      const results = await verifyGroup({ reference: REF, candidates, timeoutMs: 3000, engine });
      const wall = performance.now() - started;
      expect(results.map((r) => r.status)).toEqual([...MIXED_STATUSES, "pass"]);
      expect(results[1]?.signals.filter((s) => !s.ok).map((s) => s.name)).toEqual(["odd"]);
      expect(results[1]?.signals.find((s) => s.name === "q")?.ok).toBe(true);
      expect(results[4]?.signals.find((s) => s.name === "q")?.ok).toBe(false);
      // The shared run stalled (given up after 2 s without progress), then each candidate ran alone within its
      // 3 s limit; generous slack for a loaded machine.
      expect(wall).toBeLessThan(3000 + 2000 + 6000);
    },
  );

  it("gives the same verdicts with every core busy, when the simulation waits for the front end", async () => {
    // Idle tool processes fill the cores, so the check does not start its shared run beside the front end.
    const stop = new AbortController();
    const busy = Array.from({ length: availableParallelism() }, () =>
      runProcess("sleep", ["60"], { cwd: "/", timeoutMs: 60_000, signal: stop.signal }),
    );
    try {
      expect(liveProcessCount()).toBeGreaterThanOrEqual(availableParallelism());
      const candidates = [CORRECT, WRONG_ODD, HANG, BROKEN, FORGED, NARROW, PEEK];
      const results = await verifyGroup({ reference: REF, candidates, timeoutMs: 3000, engine: "sim" });
      expect(results.map((r) => r.status)).toEqual(MIXED_STATUSES);
      expect(results[1]?.signals.filter((s) => !s.ok).map((s) => s.name)).toEqual(["odd"]);
    } finally {
      stop.abort();
      await Promise.all(busy);
    }
  });

  it("gives identical candidates identical, independent verdicts", async () => {
    const results = await verifyGroup({ reference: REF, candidates: [WRONG_ODD, WRONG_ODD], engine: "sim" });
    expect(results[0]).toEqual(results[1]);
    expect(results[0]).not.toBe(results[1]);
  });
});

describe("verify", () => {
  it("finds a comparator wrong for one 32-bit value only through formal, and replays it", async () => {
    const ref = "module RefModule(input [31:0] a, output lt); assign lt = a < 32'd400000000; endmodule\n";
    const cand =
      "module TopModule(input [31:0] a, output lt); assign lt = (a == 32'd12345) ? 1'b0 : (a < 32'd400000000); endmodule\n";
    const sim = await verify({ reference: ref, candidate: cand, engine: "sim" });
    expect(sim.status).toBe("pass");
    const both = await verify({ reference: ref, candidate: cand, engine: "both" });
    expect(both.status).toBe("fail");
    expect(both.decidedBy).toBe("formal");
    expect(both.counterexample?.engine).toBe("formal");
    expect(both.counterexample?.inputs.a).toBe(`32'b${(12345).toString(2).padStart(32, "0")}`);
  });

  it("does not turn a formal modelling gap into a failure (X in the reference matches anything)", async () => {
    const ref =
      "module RefModule(input [1:0] s, output reg y); always @(*) case (s) 2'd0: y = 1'b0; 2'd1: y = 1'b1; default: y = 1'bx; endcase endmodule\n";
    const cand = "module TopModule(input [1:0] s, output y); assign y = s[0]; endmodule\n";
    const r = await verify({ reference: ref, candidate: cand });
    expect(r.status).toBe("pass");
  });

  it("requires the candidate to match initial values the reference defines", async () => {
    const ref =
      "module RefModule(input clk, input d, output reg q = 1'b1); always @(posedge clk) q <= q ^ d; endmodule\n";
    const cand =
      "module TopModule(input clk, input d, output reg q); initial q = 1'b0; always @(posedge clk) q <= q ^ d; endmodule\n";
    const r = await verify({ reference: ref, candidate: cand, engine: "sim" });
    expect(r.status).toBe("fail");
    expect(r.counterexample?.cycle).toBe(0);
  });

  it("records the options, seed and tool versions with the result", async () => {
    const r = await verify({ reference: REF, candidate: CORRECT, seed: 7, cycles: 300, engine: "sim" });
    expect(r.options).toMatchObject({ seed: 7, cycles: 300, engine: "sim" });
    expect(r.engines.sim.seed).toBe(7);
    expect(r.engines.formal.status).toBe("skipped");
    expect(r.interface?.clock).toBe("clk");
    expect(r.interface?.resets).toEqual([{ name: "reset", activeHigh: true, kind: "sync" }]);
  });
});

describe("designs yosys 0.23 cannot read (packed-array ports)", () => {
  const ref = `module RefModule (input clk, input reset, input [3:0][7:0] a, output logic [7:0] y);
  always_ff @(posedge clk) if (reset) y <= 0; else y <= a[1] + a[2];
endmodule
`;
  it("checks the interface through iverilog's elaboration and lets simulation decide", async () => {
    const same = await verify({
      reference: ref,
      candidate: ref.replace("RefModule", "TopModule").replace("a[1] + a[2]", "a[2] + a[1]"),
    });
    expect(same.status).toBe("pass");
    expect(same.decidedBy).toBe("sim");
    expect(same.engines.formal.status).toBe("skipped");
    expect(same.engines.formal.reason).toMatch(/yosys cannot read the reference/);
    const wide = await verify({
      reference: ref,
      candidate: ref.replace("RefModule", "TopModule").replace("logic [7:0] y", "logic [8:0] y"),
    });
    expect(wide.status).toBe("interface_mismatch");
    const wrong = await verify({
      reference: ref,
      candidate: ref.replace("RefModule", "TopModule").replace("a[1] + a[2]", "a[1] + a[3]"),
    });
    expect(wrong.status).toBe("fail");
  });
});

describe("bad input", () => {
  it("throws BadInputError for an empty reference, bad candidates or an invalid option", async () => {
    await expect(verify({ reference: "", candidate: CORRECT })).rejects.toThrow(/reference is empty/);
    await expect(verify({ reference: "// no module here\n", candidate: CORRECT })).rejects.toThrow(
      /contains no module/,
    );
    await expect(verifyGroup({ reference: REF, candidates: [1 as unknown as string] })).rejects.toThrow(
      /array of strings/,
    );
    await expect(verify({ reference: REF, candidate: CORRECT, formalDepth: 1 })).rejects.toMatchObject({
      code: "BAD_INPUT",
    });
    expect(await verifyGroup({ reference: REF, candidates: [] })).toEqual([]);
  });
});
