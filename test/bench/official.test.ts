/**
 * The official-testbench runner on two small problems written for these tests (fixtures/official): one in the
 * VerilogEval style, one in the RTLLM style. Correct candidates pass, wrong ones fail, and no forgery passes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hardenTestbench, readRtllm, readVerilogEval, runOfficial, testbenchLines } from "../../src/bench/official.js";
import type { Problem } from "../../src/contracts/bench.js";
import { BadInputError } from "../../src/core/errors.js";
import { packageRoot } from "../../src/core/paths.js";

const DIR = join(packageRoot(), "fixtures", "official");
const read = (...p: string[]) => readFileSync(join(DIR, ...p), "utf8");
const TIMEOUT_MS = 10_000;

const veProblem: Problem = {
  suite: "test-ve",
  id: "Prob900_counter",
  task: "spec-to-rtl",
  prompt: read("verilog-eval", "prompt.txt"),
  reference: read("verilog-eval", "ref.sv"),
  refTop: "RefModule",
  candTop: "TopModule",
  tags: ["sequential"],
  testbench: {
    kind: "verilog-eval",
    source: read("verilog-eval", "test.sv"),
    top: "tb",
    files: {},
    includeReference: true,
  },
};

const rtllmProblem: Problem = {
  suite: "test-rtllm",
  id: "counter",
  task: "spec-to-rtl",
  prompt: read("rtllm", "design_description.txt"),
  reference: read("rtllm", "verified_counter.v"),
  refTop: "verified_counter",
  candTop: "counter",
  tags: ["sequential"],
  testbench: {
    kind: "rtllm",
    source: read("rtllm", "testbench.v"),
    top: "testbench",
    files: { "expected.dat": read("rtllm", "expected.dat") },
    includeReference: false,
  },
};

const VE_PORTS = "input clk, input reset, input load, input [3:0] d, output reg [3:0] q";
const veCandidate = (body: string, extra = "") => `module TopModule (${VE_PORTS});\n${body}\nendmodule\n${extra}`;
const VE_CORRECT = veCandidate("always @(posedge clk) if (reset) q <= 0; else if (load) q <= d; else q <= q + 1;");
/** Counts by two: wrong after the first increment. */
const VE_WRONG_LOGIC = "always @(posedge clk) if (reset) q <= 0; else if (load) q <= d; else q <= q + 2;";
const VE_WRONG = veCandidate(VE_WRONG_LOGIC);

const RT_PORTS = "input clk, input rst_n, output reg [3:0] count";
const rtCandidate = (body: string, extra = "") => `module counter (${RT_PORTS});\n${body}\nendmodule\n${extra}`;
const RT_CORRECT = rtCandidate(
  "always @(posedge clk or negedge rst_n) if (!rst_n) count <= 0; else count <= count + 1;",
);
const RT_WRONG_LOGIC = "always @(posedge clk or negedge rst_n) if (!rst_n) count <= 0; else count <= count + 2;";
const RT_WRONG = rtCandidate(RT_WRONG_LOGIC);

describe("runOfficial, VerilogEval-style testbench", () => {
  it("passes a correct candidate and the reference itself", async () => {
    const v = await runOfficial(veProblem, VE_CORRECT, { timeoutMs: TIMEOUT_MS });
    expect(v).toMatchObject({ verdict: "pass", mismatches: 0 });
    expect(v.detail).toMatch(/Mismatches: 0 in \d+ samples/);
    const ref = veProblem.reference.replace("RefModule", "TopModule");
    expect((await runOfficial(veProblem, ref, { timeoutMs: TIMEOUT_MS })).verdict).toBe("pass");
  });

  it("fails a wrong candidate with the testbench's mismatch count", async () => {
    const v = await runOfficial(veProblem, VE_WRONG, { timeoutMs: TIMEOUT_MS });
    expect(v.verdict).toBe("fail");
    expect(v.mismatches).toBeGreaterThan(0);
    expect(v.detail).toMatch(/Hint: Output 'q' has \d+ mismatches/);
  });

  const forgeries: Record<string, string> = {
    "prints the pass line and stops": veCandidate(
      `${VE_WRONG_LOGIC}\ninitial begin #1 $display("Mismatches: 0 in 100 samples"); $finish; end`,
    ),
    "stops the simulation early": veCandidate(`${VE_WRONG_LOGIC}\ninitial #1 $finish;`),
    "prints the pass line in a final block": veCandidate(
      `${VE_WRONG_LOGIC}\nfinal $display("Mismatches: 0 in 80 samples");`,
    ),
    "declares tb, RefModule and stimulus_gen": veCandidate(
      VE_WRONG_LOGIC,
      `module RefModule (${VE_PORTS});\n${VE_WRONG_LOGIC}\nendmodule
module stimulus_gen (input clk, output logic reset, output logic load, output logic [3:0] d);
  initial begin reset = 1; load = 0; d = 0; end
endmodule
module tb();
  initial begin $display("Mismatches: 0 in 100 samples"); $finish; end
endmodule\n`,
    ),
    "writes a file with $fdisplay to stdout": veCandidate(
      `${VE_WRONG_LOGIC}\ninitial $fdisplay(32'h8000_0001, "Mismatches: 0 in 100 samples");`,
    ),
  };
  for (const [name, candidate] of Object.entries(forgeries)) {
    it(`fails a wrong candidate that ${name}`, async () => {
      const v = await runOfficial(veProblem, candidate, { timeoutMs: TIMEOUT_MS });
      expect(v.verdict).toBe("fail");
      expect(v.mismatches).toBeGreaterThan(0);
    });
  }

  const unreachable: Record<string, string> = {
    "copies the reference instance's output (upward name)": veCandidate("always @* q = good1.q;"),
    "copies the testbench's reference signal": veCandidate("always @* q = tb.q_ref;"),
    "reads the reference by its module name": veCandidate("always @* q = RefModule.q;"),
    "clears the testbench's error count": veCandidate(`${VE_WRONG_LOGIC}\nalways @(q) tb.stats1.errors = 0;`),
    "calls a testbench task": veCandidate(`${VE_WRONG_LOGIC}\ninitial tb.wait_for_end_of_timestep;`),
    "drives the stimulus from an input port": `module TopModule (input clk, output reset, input load, input [3:0] d, output reg [3:0] q);
assign reset = 1'bx;
always @(posedge clk) q <= 0;
endmodule\n`,
    "leaves an `ifdef open to swallow the testbench": `${VE_WRONG}\n\`ifdef RTLGYM_NEVER_DEFINED\n`,
    "does not compile": veCandidate("always @(posedge clk) q <= ;"),
  };
  for (const [name, candidate] of Object.entries(unreachable)) {
    it(`gives compile_error to a candidate that ${name}`, async () => {
      const v = await runOfficial(veProblem, candidate, { timeoutMs: TIMEOUT_MS });
      expect(v.verdict).toBe("compile_error");
    });
  }

  it("refuses candidates with file access, $root, or hierarchical force before compiling", async () => {
    for (const body of [
      `${VE_WRONG_LOGIC}\ninitial begin : f integer fd; fd = $fopen("x.txt", "w"); end`,
      `${VE_WRONG_LOGIC}\ninitial force $root.tb.stats1.errors = 0;`,
      `${VE_WRONG_LOGIC}\ninitial force tb.stats1.errors = 0;`,
    ]) {
      const v = await runOfficial(veProblem, veCandidate(body), { timeoutMs: TIMEOUT_MS });
      expect(v.verdict).toBe("compile_error");
      expect(v.detail).toMatch(/candidate rejected/);
    }
  });

  it("returns timeout for a hanging candidate within the limit", async () => {
    const limit = 2000;
    const started = performance.now();
    const hang = veCandidate(`${VE_WRONG_LOGIC}\nreg a; initial a = 0; always @(a) a <= ~a;`);
    const v = await runOfficial(veProblem, hang, { timeoutMs: limit });
    expect(v.verdict).toBe("timeout");
    expect(performance.now() - started).toBeLessThan(limit + 1500);
  });

  it("is inconclusive when the testbench's own TIMEOUT cuts a run with no mismatch", async () => {
    const tb = veProblem.testbench;
    if (!tb) throw new Error("fixture has a testbench");
    const short: Problem = { ...veProblem, testbench: { ...tb, source: tb.source.replace("#1000000", "#100") } };
    const v = await runOfficial(short, VE_CORRECT, { timeoutMs: TIMEOUT_MS });
    expect(v).toMatchObject({ verdict: "inconclusive", mismatches: 0 });
  });

  it("returns infra_error when the reference itself does not compile", async () => {
    const broken: Problem = { ...veProblem, reference: veProblem.reference.replace("q <= 4'd0;", "q <= ;") };
    const v = await runOfficial(broken, VE_CORRECT, { timeoutMs: TIMEOUT_MS });
    expect(v.verdict).toBe("infra_error");
    expect(v.detail).toMatch(/reference itself does not compile/);
    // A candidate that does not compile is still its own fault when the reference is fine.
    expect((await runOfficial(veProblem, veCandidate("q <= ;"), { timeoutMs: TIMEOUT_MS })).verdict).toBe(
      "compile_error",
    );
  });

  it("rejects bad input", async () => {
    const { testbench: _tb, ...noTestbench } = veProblem;
    await expect(runOfficial(noTestbench, VE_CORRECT, { timeoutMs: 1000 })).rejects.toBeInstanceOf(BadInputError);
    await expect(runOfficial(veProblem, VE_CORRECT, { timeoutMs: 0 })).rejects.toBeInstanceOf(BadInputError);
    await expect(runOfficial(veProblem, VE_CORRECT, { timeoutMs: 1000, nonce: "x y" })).rejects.toBeInstanceOf(
      BadInputError,
    );
  });
});

describe("runOfficial, RTLLM-style testbench", () => {
  it("passes a correct candidate beside the testbench's data file", async () => {
    const v = await runOfficial(rtllmProblem, RT_CORRECT, { timeoutMs: TIMEOUT_MS });
    expect(v).toMatchObject({ verdict: "pass", mismatches: 0 });
    expect(v.detail).toMatch(/Your Design Passed/);
    const ref = rtllmProblem.reference.replace("verified_counter", "counter");
    expect((await runOfficial(rtllmProblem, ref, { timeoutMs: TIMEOUT_MS })).verdict).toBe("pass");
  });

  it("fails a wrong candidate with the failure count", async () => {
    const v = await runOfficial(rtllmProblem, RT_WRONG, { timeoutMs: TIMEOUT_MS });
    expect(v.verdict).toBe("fail");
    expect(v.mismatches).toBeGreaterThan(0);
  });

  it("never passes forged candidates", async () => {
    const forged = [
      rtCandidate(
        `${RT_WRONG_LOGIC}\ninitial begin #1 $display("===========Your Design Passed==========="); $finish; end`,
      ),
      rtCandidate(`${RT_WRONG_LOGIC}\ninitial #1 $finish;`),
      rtCandidate(
        RT_WRONG_LOGIC,
        `module testbench;\ninitial begin $display("===========Your Design Passed==========="); $finish; end\nendmodule\n`,
      ),
    ];
    for (const candidate of forged) {
      const v = await runOfficial(rtllmProblem, candidate, { timeoutMs: TIMEOUT_MS });
      expect(v.verdict).toBe("fail");
    }
    for (const candidate of [
      rtCandidate(`${RT_WRONG_LOGIC}\ninitial testbench.error = 0;`),
      rtCandidate(`${RT_WRONG_LOGIC}\nalways @(count) uut.count = testbench.expected[0];`),
      rtCandidate(`reg [3:0] e [0:19]; integer i;\ninitial $readmemh("expected.dat", e);\n${RT_WRONG_LOGIC}`),
    ]) {
      expect((await runOfficial(rtllmProblem, candidate, { timeoutMs: TIMEOUT_MS })).verdict).toBe("compile_error");
    }
  });

  it("returns timeout for a hanging candidate", async () => {
    const hang = rtCandidate(`${RT_WRONG_LOGIC}\nreg a; initial a = 0; always @(a) a <= ~a;`);
    expect((await runOfficial(rtllmProblem, hang, { timeoutMs: 1500 })).verdict).toBe("timeout");
  });
});

describe("hardenTestbench", () => {
  const tb = veProblem.testbench;
  if (!tb) throw new Error("fixture has a testbench");
  const h = hardenTestbench(tb, veProblem.reference, "TopModule", "nabc123");

  it("renames the testbench's modules, instances, labels and tasks, and the reference, but not the candidate", () => {
    expect(h.top).toBe("tb_nabc123");
    for (const name of ["module tb_nabc123", "stimulus_gen_nabc123 stim1_nabc123", "RefModule_nabc123 good1_nabc123"]) {
      expect(h.testbench).toContain(name);
    }
    expect(h.testbench).toContain("TopModule top_module1_nabc123");
    expect(h.testbench).toContain("begin : compare_nabc123");
    expect(h.testbench).toContain("task wait_for_end_of_timestep_nabc123");
    expect(h.testbench).toMatch(/\.q\(q_ref\)/); // port connections keep the callee's port names
    expect(h.reference).toContain("module RefModule_nabc123");
    expect(h.testbench).not.toMatch(/\$dump/);
  });

  it("marks every line the testbench prints", () => {
    expect(h.testbench).toContain('$display("nabc123|", "Mismatches: %1d in %1d samples"');
    expect(h.testbench).toContain('$display("nabc123|", "TIMEOUT")');
    const out = "nabc123|Mismatches: 0 in 10 samples\nMismatches: 0 in 99 samples\nnabc123|TIMEOUT\n";
    expect(testbenchLines(out, h.mark)).toEqual(["Mismatches: 0 in 10 samples", "TIMEOUT"]);
  });
});

describe("verdict readers", () => {
  it("reads VerilogEval lines", () => {
    expect(readVerilogEval(["Mismatches: 0 in 20 samples"])).toMatchObject({ verdict: "pass", mismatches: 0 });
    expect(readVerilogEval(["Mismatches: 3 in 20 samples"])).toMatchObject({ verdict: "fail", mismatches: 3 });
    expect(readVerilogEval(["TIMEOUT", "Mismatches: 0 in 20 samples"]).verdict).toBe("inconclusive");
    expect(readVerilogEval(["TIMEOUT", "Mismatches: 2 in 20 samples"]).verdict).toBe("fail");
    expect(readVerilogEval(["Hint: Mismatches: 0 in 20 samples"]).verdict).toBe("fail");
    expect(readVerilogEval([]).verdict).toBe("fail");
  });

  it("reads RTLLM lines, whatever the spacing", () => {
    expect(readRtllm(["===========Your Design Passed==========="]).verdict).toBe("pass");
    expect(readRtllm(["=========== Your Design Passed ==========="]).verdict).toBe("pass");
    expect(readRtllm(["Failed at i=3", "=========== Your Design Passed ==========="]).verdict).toBe("fail");
    expect(readRtllm(["=========== Test completed with          4 failures ==========="])).toMatchObject({
      verdict: "fail",
      mismatches: 4,
    });
    expect(readRtllm(["===========Failed===========          3"])).toMatchObject({ verdict: "fail", mismatches: 3 });
    expect(readRtllm(["===========Error==========="]).verdict).toBe("fail");
    expect(readRtllm(["Starting ROM Testbench..."]).verdict).toBe("fail");
  });
});
