import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { DesignInterface } from "../../src/contracts/index.js";
import { verify } from "../../src/verify/index.js";
import { generateTestbench } from "../../src/verify/testbench.js";
import { PAIRS_DIR } from "../helpers.js";

// Regression: a VerilogEval Prob153 (gshare) mutant with its async reset on the wrong edge passed, because the
// outputs are X unless `valid` and the only samples taken while the reset was up (before the clock reset the
// candidate too) happened to have valid low. Every reset change between edges is now probed at once, with the
// data inputs as they are, inverted and random.
const PAIR = join(PAIRS_DIR, "77_async_reset_wrong_edge_masked");
const REF = readFileSync(join(PAIR, "ref.v"), "utf8");
const CAND = readFileSync(join(PAIR, "cand.v"), "utf8");

describe("reset probes between clock edges", () => {
  it("catches an async reset on the wrong edge behind a valid-masked output, whatever the seed", async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = await verify({ reference: REF, candidate: CAND, engine: "sim", seed, cycles: 200 });
      expect(r.status, `seed ${seed}: ${r.message}`).toBe("fail");
      expect(r.counterexample?.cycle).toBeLessThan(8);
    }
  }, 60_000);

  it("keeps the reference equivalent to itself and to an equivalent rewrite", async () => {
    const rewrite = REF.replace("if (areset) begin", "if (areset == 1'b1) begin").replace(
      "(posedge clk, posedge areset)",
      "(posedge areset or posedge clk)",
    );
    expect(rewrite).not.toBe(REF);
    for (const candidate of [REF, rewrite]) {
      const r = await verify({ reference: REF, candidate, engine: "sim", seed: 3 });
      expect(r.status, r.message).toBe("pass");
    }
  }, 60_000);

  it("does not count probe samples, so the expected sample count stays 2 per cycle", () => {
    const iface: DesignInterface = {
      top: "m",
      ports: [
        { name: "clk", direction: "input", width: 1, signed: false },
        { name: "areset", direction: "input", width: 1, signed: false },
        { name: "valid", direction: "input", width: 1, signed: false },
        { name: "y", direction: "output", width: 4, signed: false },
      ],
      parameters: {},
      clock: "clk",
      clockEdges: ["pos"],
      resets: [{ name: "areset", activeHigh: true, kind: "async" }],
      sequential: true,
      hasLatches: false,
      cells: 10,
      unsupported: null,
    };
    const tb = generateTestbench({
      nonce: "0123456789abcdef",
      reference: { module: "ref_x", iface },
      candidates: ["cand_a"],
      seed: 1,
      cycles: 300,
      vectors: 100,
      exhaustiveBits: 10,
    });
    expect(tb.samples).toBe(2 * tb.steps);
    expect(tb.source).toContain("if (ph != 2) rg0123456789abcdef_samples = rg0123456789abcdef_samples + 1;");
    // The probe inverts every data input (a one-bit `valid` mask is seen both ways) but never the reset.
    const probe = tb.source.split("\n").find((l) => l.includes("task rg0123456789abcdef_probe")) ?? "";
    expect(probe).toContain("rg0123456789abcdef_i1 = ~rg0123456789abcdef_i1;");
    expect(probe).not.toContain("rg0123456789abcdef_i0 = ~rg0123456789abcdef_i0;");
  });
});
