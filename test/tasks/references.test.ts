import { describe, expect, it } from "vitest";
import { auditFamily, auditParams } from "../../src/tasks/audit.js";
import { assemble } from "../../src/tasks/family.js";
import { getFamily, listFamilies } from "../../src/tasks/registry.js";
import { verify } from "../../src/verify/index.js";

// Every family, two training-side parameter sets and one held-out set (compositions: three draws), checked with the
// real verifier: writer B must be equivalent to writer A (the reference), and the wrong variant must fail.
describe("task families: two independent references agree, a wrong variant is caught", () => {
  it.concurrent.each(listFamilies().map((f) => [f.name, f] as const))("%s", async (_name, f) => {
    const cases = await auditFamily(f, { seed: 7, train: 2, heldout: 1 });
    expect(cases.length).toBe(3);
    for (const c of cases) {
      expect(c.alternative, `${f.name} ${JSON.stringify(c.params)}: ${c.detail}`).toBe("pass");
      expect(c.wrong, `${f.name} ${JSON.stringify(c.params)}: the wrong variant was not caught`).toBe("fail");
    }
  });
});

describe("audit", () => {
  it("draws training-side and held-out parameter sets as asked", () => {
    const f = getFamily("mux");
    const drawn = auditParams(f, 3, 2, 2);
    expect(drawn.filter((d) => !d.heldout).every((d) => !f.heldout(d.p))).toBe(true);
    expect(drawn.filter((d) => d.heldout).every((d) => f.heldout(d.p))).toBe(true);
    expect(drawn.length).toBe(4);
  });

  it("reports a writer that disagrees (the audit can fail)", async () => {
    // A family whose writer B is replaced by its wrong variant must be reported as not ok.
    const f = getFamily("counter");
    const broken = { ...f, b: f.wrong };
    const cases = await auditFamily(broken, { train: 1, heldout: 0 });
    expect(cases[0]?.ok).toBe(false);
    expect(cases[0]?.alternative).toBe("fail");
    expect(cases[0]?.detail).toMatch(/writer B/);
  });

  it("a held-out sequence detector reference is X before its first reset, like the spec says", async () => {
    // Writer A holds unused FSM encodings instead of jumping to 0, so a design that self-initialises is not forced.
    const f = getFamily("sequence_detector");
    const p = { asyncReset: true, activeLow: false, pattern: "011000", mealy: true, overlap: true };
    const ports = f.ports(p);
    const result = await verify({ reference: assemble(ports, f.a(p)), candidate: assemble(ports, f.b(p)) });
    expect(result.status).toBe("pass");
  });
});
