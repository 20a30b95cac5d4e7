import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { knownConstraints } from "../../src/bench/suites/constraints.js";
import { findProblem, loadSuite } from "../../src/bench/suites/registry.js";
import { verify } from "../../src/verify/index.js";
import { renameModules } from "../../src/verilog/index.js";

const ROOT = join(import.meta.dirname, "..", "..");
const BENCHMARKS = process.env.RTLGYM_BENCHMARKS ?? join(ROOT, "..", "shared", "benchmarks");
// The public benchmark data, as the integration tests: skipped without it.
const HAVE_DATA = existsSync(join(BENCHMARKS, "verilog-eval", "v2", "dataset_spec-to-rtl"));

describe.skipIf(!HAVE_DATA)("input constraints stated by suite specs", () => {
  it("each is a valid constraint over its problem's inputs, and the reference passes against itself under it", async () => {
    const known = knownConstraints();
    expect(known.length).toBeGreaterThanOrEqual(7);
    for (const { problem: name, assume } of known.filter((k) => k.problem.startsWith("verilog-eval-v2/"))) {
      const [suiteName, id] = name.split("/") as [string, string];
      const problem = findProblem(await loadSuite(suiteName, BENCHMARKS), id);
      const self = renameModules(problem.reference, (n) => (n === problem.refTop ? problem.candTop : undefined));
      const r = await verify({
        reference: problem.reference,
        candidate: self,
        refTop: problem.refTop,
        candTop: problem.candTop,
        assume,
      });
      expect(r.status, `${name}: ${r.message}`).toBe("pass");
    }
  }, 120_000);

  it("Prob070: a minimal SOP that uses the never-occurring inputs differently passes only under the constraint", async () => {
    const problem = findProblem(await loadSuite("verilog-eval-v2", BENCHMARKS), "Prob070_ece241_2013_q2");
    // 2, 7, 15 -> 1; 3, 8, 11, 12 free: this one outputs 0 for 3 and 11 where the reference outputs 1.
    const cand = `module TopModule(input a, input b, input c, input d, output out_sop, output out_pos);
  assign out_sop = (~a & ~b & c & ~d) | (b & c & d);
  assign out_pos = out_sop;
endmodule
`;
    const base = { reference: problem.reference, candidate: cand, refTop: problem.refTop, candTop: problem.candTop };
    expect((await verify(base)).status).toBe("fail");
    const assume = knownConstraints().find((k) => k.problem === "verilog-eval-v2/Prob070_ece241_2013_q2")?.assume;
    expect(assume).toBeDefined();
    const r = await verify({ ...base, assume: assume as string });
    expect(r.status, r.message).toBe("pass");
  });
});
