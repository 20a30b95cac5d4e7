import pLimit from "p-limit";
import { beforeAll, describe, expect, it } from "vitest";
import { loadPairs, type Pair } from "../../src/bench/pairs.js";
import type { VerifyResult } from "../../src/contracts/index.js";
import { VerifyResult as VerifyResultSchema } from "../../src/contracts/index.js";
import { verify } from "../../src/verify/index.js";
import { PAIRS_DIR } from "../helpers.js";

// Hang cases get a short limit so the suite stays fast; every other pair gets the default limit (a deep-state pair
// may spend the whole formal budget, 3 s, on top of simulation, and the machine is shared).
const TIMEOUT_MS = 4000;
const DEFAULT_TIMEOUT_MS = 10_000;
const pairs = await loadPairs(PAIRS_DIR);
const results = new Map<string, { result: VerifyResult; wallMs: number }>();

describe("bundled reference/candidate pairs (both engines, real tools)", () => {
  beforeAll(async () => {
    const limit = pLimit(2);
    await Promise.all(
      pairs.map((p) =>
        limit(async () => {
          const started = performance.now();
          const result = await verify({
            reference: p.reference,
            candidate: p.candidate,
            timeoutMs: p.meta.category === "hang" ? TIMEOUT_MS : DEFAULT_TIMEOUT_MS,
            ...(p.meta.refTop !== undefined && { refTop: p.meta.refTop }),
            ...(p.meta.candTop !== undefined && { candTop: p.meta.candTop }),
          });
          results.set(p.id, { result, wallMs: performance.now() - started });
        }),
      ),
    );
  }, 600_000);

  it("has at least 60 pairs across every category", () => {
    expect(pairs.length).toBeGreaterThanOrEqual(60);
    const categories = new Set(pairs.map((p) => p.meta.category));
    for (const c of ["equivalent", "subtle_bug", "forgery", "compile_error", "interface", "hang"])
      expect(categories).toContain(c);
  });

  it.each(pairs.map((p) => [p.id, p] as [string, Pair]))("%s", (_id, pair) => {
    const entry = results.get(pair.id);
    expect(entry).toBeDefined();
    const { result, wallMs } = entry as { result: VerifyResult; wallMs: number };
    expect(VerifyResultSchema.safeParse(result).success).toBe(true);
    if (pair.meta.category === "hang" && ["timeout", "fail"].includes(pair.meta.expect)) {
      // A hang may end as timeout or as a failure the sandbox caught (memory cap); never a pass, never late.
      expect(["timeout", "fail"]).toContain(result.status);
      expect(wallMs).toBeLessThan(TIMEOUT_MS + 5000);
    } else {
      expect(result.status, result.message).toBe(pair.meta.expect);
    }
    if (pair.meta.expect === "fail" && pair.meta.failing) {
      const failing = result.signals
        .filter((s) => !s.ok)
        .map((s) => s.name)
        .sort();
      expect(failing).toEqual([...pair.meta.failing].sort());
      // A design that crashed the simulator (memory cap) has no counterexample to show.
      if (pair.meta.category !== "hang") expect(result.counterexample).toBeDefined();
    }
    if (pair.meta.needsFormal) expect(result.decidedBy).toBe("formal");
    if (result.status === "pass") {
      expect(result.signals.every((s) => s.ok)).toBe(true);
      expect(result.engines.sim.status).toBe("pass");
      expect(["proved", "bounded", "unconfirmed", "skipped"]).toContain(result.engines.formal.status);
    }
    expect(result.toolVersions.iverilog).toMatch(/Icarus Verilog/);
    expect(result.toolVersions.yosys).toMatch(/Yosys/);
  });
});
