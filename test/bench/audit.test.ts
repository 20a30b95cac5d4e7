import { describe, expect, it } from "vitest";
import { auditProblems, auditReport, forge, renderAuditMarkdown } from "../../src/bench/audit.js";
import type { LoadedSuite, Problem } from "../../src/contracts/bench.js";

const REF = `module RefModule(input [7:0] a, output hit, output [7:0] inc);
  assign hit = a == 8'd77;
  assign inc = a + 8'd1;
endmodule
`;

/** A VerilogEval-style testbench that only ever drives four values: it cannot tell 77 from 76. */
const WEAK_TB = `\`timescale 1 ps/1 ps
module tb();
  reg [7:0] a;
  wire hit_ref, hit_dut;
  wire [7:0] inc_ref, inc_dut;
  integer mismatches = 0, samples = 0, i;
  RefModule good(.a(a), .hit(hit_ref), .inc(inc_ref));
  TopModule top_module1(.a(a), .hit(hit_dut), .inc(inc_dut));
  initial begin
    for (i = 0; i < 4; i = i + 1) begin
      a = i * 3;
      #1;
      samples = samples + 1;
      if ({hit_ref, inc_ref} !== {hit_dut, inc_dut}) mismatches = mismatches + 1;
    end
    $display("Hint: Total mismatched samples is %1d out of %1d samples", mismatches, samples);
    $display("Mismatches: %1d in %1d samples", mismatches, samples);
    $finish;
  end
endmodule
`;

const problem: Problem = {
  suite: "mini",
  id: "Prob001_weak",
  task: "spec-to-rtl",
  prompt: "hit is 1 when a is 77; inc is a plus one",
  reference: REF,
  refTop: "RefModule",
  candTop: "TopModule",
  tags: ["combinational"],
  testbench: { kind: "verilog-eval", source: WEAK_TB, top: "tb", files: {}, includeReference: true },
};

describe("bench audit", () => {
  it("finds mutants a weak testbench accepts, passes the reference, and never lets a forgery through", async () => {
    const excluded: Problem = { ...problem, id: "Prob002_broken", excluded: "known broken upstream" };
    const rows = await auditProblems([problem, excluded], {
      mutants: 8,
      verify: { engine: "both", timeoutMs: 20_000 },
      officialTimeoutMs: 20_000,
    });
    const row = rows[0];
    expect(row).toMatchObject({ id: "Prob001_weak", referenceOfficial: "pass", referenceSelf: "pass" });
    expect(row?.forgedVerdict).not.toBe("pass");
    // rtlgym itself refuses the forged sample (its $finish/$display are filtered out of candidates).
    expect(row?.forgedRtlgym).not.toMatch(/^(pass|none)$/);
    expect(row?.mutants).toBeGreaterThan(2);
    // Every mutant of this design differs from the reference, and some slip past the four-sample testbench.
    expect(row?.nonEquivalent).toBe(row?.mutants);
    expect(row?.testbenchMisses.length).toBeGreaterThan(0);
    for (const m of row?.testbenchMisses ?? []) expect(m.evidence).toMatch(/expected .* got /);
    expect(rows[1]).toMatchObject({ id: "Prob002_broken", excluded: "known broken upstream" });

    const suite: LoadedSuite = { name: "mini", revision: "r0", dataDir: null, problems: [problem, excluded] };
    const report = auditReport(suite, rows, {
      seconds: 1,
      mutantsPerProblem: 8,
      seed: 1,
      toolVersions: { iverilog: "11", yosys: "0.23", yosysBackend: "native" },
    });
    expect(report).toMatchObject({ attempted: 1, scored: 1, passAtK: { "1": 1 } });
    expect(report.excluded).toEqual([{ id: "Prob002_broken", reason: "known broken upstream" }]);
    expect(report.totals.problemsWithMisses).toEqual(["Prob001_weak"]);
    expect(report.totals.forgeable).toEqual([]);
    const md = renderAuditMarkdown(report);
    expect(md).toMatch(/testbenches that accept a wrong design: 1 problems/);
    expect(md).toMatch(/\| Prob002_broken \| excluded: known broken upstream/);
  }, 120_000);

  it("forges by printing the pass line from the candidate", () => {
    const forged = forge("module TopModule(output y);\n  assign y = 0;\nendmodule\n", "verilog-eval");
    expect(forged).toContain('$display("Mismatches: 0 in 100 samples")');
    expect(forged.trim().endsWith("endmodule")).toBe(true);
  });
});
