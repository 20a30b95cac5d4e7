import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILTIN_TAGS, builtinSuite, loadBuiltinSuite } from "../../src/bench/suites/builtin.js";
import { BadInputError } from "../../src/core/errors.js";
import { generateMutants } from "../../src/data/mutate.js";
import { verifyGroup } from "../../src/verify/index.js";
import { moduleHeaderPortNames } from "../../src/verilog/index.js";

const suite = await builtinSuite.load(undefined);

/** Enough stimulus to tell the mutants apart, short enough for the whole suite to check in about a minute. */
const OPTIONS = {
  engine: "both",
  seed: 1,
  cycles: 400,
  formalDepth: 8,
  formalTimeoutMs: 1500,
  timeoutMs: 8000,
  refTop: "TopModule",
  candTop: "TopModule",
} as const;

/** Wrong variants for references the mutation operators cannot touch (their only operators have no flip). */
const HAND_WRONG: Record<string, [string, string]> = {
  b010_parity_generator: ["(^data) ^ odd", "(^data) ^ ~odd"],
  b019_mult4x4: ["a * b", "a * {b[3:1], 1'b0}"],
  b020_mult_signed8: ["a * b", "$unsigned(a) * $unsigned(b)"],
};

/** Up to three generated mutants, minus those that edit a `for` header (an endless loop only tests the timeout). */
function wrongVariants(id: string, reference: string): string[] {
  const lines = reference.split("\n");
  const mutants = generateMutants(reference, { limit: 6, seed: 7 })
    .filter((m) => {
      const line = Number(/@(\d+):/.exec(m.id)?.[1] ?? 0);
      return !/\bfor\s*\(/.test(lines[line - 1] ?? "");
    })
    .slice(0, 3)
    .map((m) => m.source);
  const hand = HAND_WRONG[id];
  if (hand) {
    const [from, to] = hand;
    expect(reference).toContain(from);
    mutants.push(reference.replace(from, to));
  }
  return mutants;
}

/** The last fenced Verilog block of a spec: the interface it promises. */
function specHeader(spec: string): string | undefined {
  const blocks = [...spec.matchAll(/```verilog\n([\s\S]*?)```/g)];
  return blocks.at(-1)?.[1]?.trim();
}

describe("builtin suite", () => {
  it("ships at least 60 well-formed problems with a content revision", () => {
    expect(builtinSuite.embedded).toBe(true);
    expect(suite.name).toBe("builtin");
    expect(suite.revision).toMatch(/^builtin-[\w.-]+\+sha256:[0-9a-f]{8}$/);
    expect(suite.problems.length).toBeGreaterThanOrEqual(60);
    const ids = suite.problems.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const known = new Set<string>(BUILTIN_TAGS);
    for (const p of suite.problems) {
      expect(p.tags.length).toBeGreaterThan(0);
      for (const tag of p.tags) expect(known.has(tag), `${p.id}: tag ${tag}`).toBe(true);
      expect(p.task).toBe("spec-to-rtl");
      expect(p.refTop).toBe("TopModule");
      expect(p.candTop).toBe("TopModule");
    }
    const difficulties = new Set(suite.problems.map((p) => p.difficulty));
    for (const d of [1, 2, 3, 4]) expect(difficulties.has(d), `difficulty ${d}`).toBe(true);
  });

  it("is stable: loading twice gives the same revision", async () => {
    expect((await builtinSuite.load(undefined)).revision).toBe(suite.revision);
  });

  it("rejects a missing or ill-formed problems.json and a missing reference with BadInputError", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rtlgym-builtin-"));
    try {
      await expect(loadBuiltinSuite(dir)).rejects.toThrow(/cannot read problems\.json/);
      await writeFile(join(dir, "problems.json"), "{ not json");
      await expect(loadBuiltinSuite(dir)).rejects.toThrow(/not valid JSON/);
      const entry = { id: "b001_x", title: "x", tags: ["combinational"], difficulty: 5, task: "spec-to-rtl" };
      await writeFile(join(dir, "problems.json"), JSON.stringify({ version: "1", problems: [entry] }));
      await expect(loadBuiltinSuite(dir)).rejects.toThrow(/ill-formed at problems\.0\.difficulty/);
      await writeFile(
        join(dir, "problems.json"),
        JSON.stringify({ version: "1", problems: [{ ...entry, difficulty: 1 }] }),
      );
      await mkdir(join(dir, "b001_x"));
      await writeFile(join(dir, "b001_x", "spec.md"), "spec");
      await expect(loadBuiltinSuite(dir)).rejects.toBeInstanceOf(BadInputError);
      await writeFile(join(dir, "b001_x", "ref.v"), "module TopModule(input a, output y); assign y = a; endmodule\n");
      const loaded = await loadBuiltinSuite(dir);
      expect(loaded.problems[0]?.header).toBe("module TopModule(input a, output y);");
      expect(loaded.revision).toMatch(/^builtin-1\+sha256:[0-9a-f]{8}$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each(suite.problems.map((p) => [p.id, p] as const))("%s: the spec states the reference's interface", (_, p) => {
    const fromSpec = specHeader(p.prompt);
    expect(fromSpec).toBeDefined();
    const norm = (s: string) => s.replace(/\s+/g, " ").trim();
    expect(norm(fromSpec as string)).toBe(norm(p.header ?? ""));
    const ports = moduleHeaderPortNames(p.reference, "TopModule");
    expect(ports.length).toBeGreaterThan(0);
    expect(moduleHeaderPortNames(fromSpec as string, "TopModule")).toEqual(ports);
  });

  describe.concurrent("references pass against themselves and wrong variants are caught", () => {
    it.each(suite.problems.map((p) => [p.id, p] as const))(
      "%s",
      async (id, p) => {
        const wrong = wrongVariants(id, p.reference);
        expect(wrong.length, "no wrong variant to check").toBeGreaterThan(0);
        const [self, ...rest] = await verifyGroup({
          ...OPTIONS,
          reference: p.reference,
          candidates: [p.reference, ...wrong],
        });
        expect(self?.status, self?.message).toBe("pass");
        expect(
          rest.some((r) => r.status !== "pass"),
          "no wrong variant was caught",
        ).toBe(true);
      },
      60_000,
    );
  });
});
