import { describe, expect, it } from "vitest";
import { auditProblems } from "../../src/bench/audit.js";
import { scoreProblem } from "../../src/bench/score.js";
import type { Problem } from "../../src/contracts/bench.js";

/** iverilog accepts this reference; yosys 0.23 stops on it ("Multiple edge sensitive events"). */
const UNREADABLE: Problem = {
  suite: "mini",
  id: "dual_edge_reset",
  task: "spec-to-rtl",
  prompt: "",
  reference: `module RefModule(input clk, input rst, input d, output reg q);
  always @(posedge clk or negedge rst or posedge rst) if (rst) q <= 0; else q <= d;
endmodule
`,
  refTop: "RefModule",
  candTop: "TopModule",
  tags: [],
};

const READABLE: Problem = {
  ...UNREADABLE,
  id: "and_gate",
  reference: "module RefModule(input a, input b, output y); assign y = a & b; endmodule\n",
};

describe("scoring when rtlgym cannot read a reference", () => {
  it("marks every sample unsupported with the reason, and the next problem still scores", async () => {
    const scores = await scoreProblem(UNREADABLE, [
      { sample: 0, code: "module TopModule(input clk, input rst, input d, output reg q); endmodule" },
      { sample: 1, code: null },
    ]);
    expect(scores.map((s) => s.status)).toEqual(["unsupported", "unsupported"]);
    expect(scores[0]?.result.message).toMatch(/reference could not be checked: .*yosys/i);
    expect(scores[0]?.result.toolVersions.iverilog).toMatch(/11/);

    const ok = await scoreProblem(READABLE, [
      { sample: 0, code: READABLE.reference.replace("RefModule", "TopModule") },
    ]);
    expect(ok[0]?.status).toBe("pass");
  });

  it("lets an audit go on past such a problem", async () => {
    const rows = await auditProblems([UNREADABLE, READABLE], { mutants: 2, verify: { engine: "sim" } });
    expect(rows[0]?.referenceSelf).toBe("unsupported");
    expect(rows[1]).toMatchObject({ referenceSelf: "pass" });
  });
});

describe("scoring under a problem's stated input constraint", () => {
  // "s1 and s2 are never both 1": the sample differs from the reference only there.
  const PICK: Problem = {
    ...READABLE,
    id: "pick",
    reference:
      "module RefModule(input s1, input s2, input a, input b, output y); assign y = s1 ? a : (s2 ? b : 1'b0); endmodule\n",
    assume: "!(s1 && s2)",
  };
  const sample = {
    sample: 0,
    code: "module TopModule(input s1, input s2, input a, input b, output y); assign y = s2 ? b : (s1 ? a : 1'b0); endmodule\n",
  };

  it("passes a sample that differs only where the spec says inputs never go, and the caller's constraint wins", async () => {
    const verify = { engine: "sim" as const };
    expect((await scoreProblem(PICK, [sample], { verify }))[0]?.status).toBe("pass");
    const { assume: _, ...unconstrained } = PICK;
    expect((await scoreProblem(unconstrained, [sample], { verify }))[0]?.status).toBe("fail");
    expect((await scoreProblem(PICK, [sample], { verify: { ...verify, assume: "1" } }))[0]?.status).toBe("fail");
  });
});
