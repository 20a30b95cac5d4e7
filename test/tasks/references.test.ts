import { describe, expect, it } from "vitest";
import { assemble, type Family, type Params } from "../../src/tasks/family.js";
import { listFamilies } from "../../src/tasks/registry.js";
import { Rng } from "../../src/tasks/rng.js";
import { verifyGroup } from "../../src/verify/index.js";

/** A few parameter sets per family: two training draws and one held-out draw (the ones generation uses). */
function sampleParams(f: Family, seed: number): Params[] {
  const rng = new Rng(seed);
  const out: Params[] = [];
  const keys = new Set<string>();
  const want = (heldout: boolean, count: number) => {
    for (let i = 0, got = 0; i < 400 && got < count; i++) {
      const p = f.sample(rng);
      const key = JSON.stringify(p);
      if ((f.composite || f.heldout(p) === heldout) && !keys.has(key)) {
        keys.add(key);
        out.push(p);
        got++;
      }
    }
  };
  want(false, 2);
  want(true, 1);
  return out;
}

// Families are checked concurrently by verifyGroup's own process limit; each check gets generous time.
const OPTIONS = { timeoutMs: 20_000, cycles: 1500, formalDepth: 12 } as const;

describe("task families: two independent references agree, a wrong variant is caught", () => {
  const families = listFamilies();
  it.concurrent.each(families.map((f) => [f.name, f] as const))("%s", async (_name, f) => {
    const params = sampleParams(f, 7);
    expect(params.length).toBeGreaterThanOrEqual(f.composite ? 2 : 3);
    for (const p of params) {
      const ports = f.ports(p);
      const reference = assemble(ports, f.a(p));
      const [alt, wrong] = await verifyGroup({
        reference,
        candidates: [assemble(ports, f.b(p)), assemble(ports, f.wrong(p))],
        ...OPTIONS,
      });
      const where = `${f.name} ${JSON.stringify(p)}`;
      expect(alt?.status, `${where}: writer B ${alt?.message}\n${assemble(ports, f.b(p))}`).toBe("pass");
      expect(wrong?.status, `${where}: the wrong variant passed`).toBe("fail");
    }
  });
});
