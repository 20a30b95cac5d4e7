import { describe, expect, it } from "vitest";
import { Problem } from "../../src/contracts/bench.js";
import { type GeneratedTask, generateTasks, SPLITS } from "../../src/tasks/generate.js";
import { getFamily, listFamilies } from "../../src/tasks/registry.js";
import { Rng } from "../../src/tasks/rng.js";
import { numberWords } from "../../src/tasks/text.js";

const OPTIONS = { seed: 5, train: 1500, heldout: 150 } as const;
const splits = generateTasks(OPTIONS);
const all = (): GeneratedTask[] => SPLITS.flatMap((s) => splits[s]);

describe("families", () => {
  it("has at least 40 base families and some compositions, each with at least 3 wordings", () => {
    const base = listFamilies().filter((f) => !f.composite);
    const composite = listFamilies().filter((f) => f.composite);
    expect(base.length).toBeGreaterThanOrEqual(40);
    expect(composite.length).toBeGreaterThanOrEqual(4);
    for (const f of listFamilies()) expect(f.phrasings.length, f.name).toBeGreaterThanOrEqual(3);
    expect(new Set(listFamilies().map((f) => f.name)).size).toBe(listFamilies().length);
  });

  it("every base family has parameters on both sides of the held-out line", () => {
    for (const f of listFamilies().filter((x) => !x.composite)) {
      const rng = new Rng(1);
      const sides = new Set<boolean>();
      for (let i = 0; i < 2000 && sides.size < 2; i++) sides.add(f.heldout(f.sample(rng)));
      expect([...sides].sort(), f.name).toEqual([false, true]);
    }
  });
});

describe("generateTasks", () => {
  it("writes the requested counts, valid problems with unique ids, references that start with the header", () => {
    expect(splits.train.length).toBe(OPTIONS.train);
    for (const s of ["heldout-params", "heldout-phrasing", "heldout-families"] as const) {
      expect(splits[s].length).toBe(OPTIONS.heldout);
    }
    const ids = new Set<string>();
    for (const t of all()) {
      expect(Problem.safeParse(t.problem).success).toBe(true);
      expect(ids.has(t.problem.id)).toBe(false);
      ids.add(t.problem.id);
      expect(t.problem.reference.startsWith(`${t.problem.header}\n`)).toBe(true);
      expect(t.alternative.startsWith(`${t.problem.header}\n`)).toBe(true);
      expect(t.problem.suite).toBe("tasks");
      expect(t.problem.candTop).toBe("TopModule");
      expect(t.problem.difficulty).toBeGreaterThanOrEqual(1);
    }
  });

  it("is deterministic by seed, and held-out splits do not depend on the training size", () => {
    const again = generateTasks(OPTIONS);
    expect(JSON.stringify(again)).toBe(JSON.stringify(splits));
    const other = generateTasks({ ...OPTIONS, seed: 6 });
    expect(other.train.map((t) => t.problem.prompt)).not.toEqual(splits.train.map((t) => t.problem.prompt));
    const smaller = generateTasks({ ...OPTIONS, train: 10 });
    for (const s of ["heldout-params", "heldout-phrasing", "heldout-families"] as const) {
      expect(JSON.stringify(smaller[s])).toBe(JSON.stringify(splits[s]));
    }
  });

  it("keeps the held-out splits disjoint from training: parameters, wordings, families", () => {
    const trainKeys = new Set(splits.train.map((t) => t.meta.paramKey));
    const trainWordings = new Set(splits.train.map((t) => t.meta.phrasingId));
    const trainFamilies = new Set(splits.train.map((t) => t.meta.family));
    for (const t of splits["heldout-params"]) {
      expect(trainKeys.has(t.meta.paramKey), t.meta.paramKey).toBe(false);
      expect(getFamily(t.meta.family).heldout(t.meta.params)).toBe(true);
    }
    for (const t of splits["heldout-phrasing"])
      expect(trainWordings.has(t.meta.phrasingId), t.meta.phrasingId).toBe(false);
    for (const t of splits["heldout-families"]) expect(trainFamilies.has(t.meta.family), t.meta.family).toBe(false);
    for (const t of splits.train) expect(getFamily(t.meta.family).heldout(t.meta.params)).toBe(false);
    // No held-out prompt text appears in training either.
    const trainPrompts = new Set(splits.train.map((t) => t.problem.prompt));
    for (const s of ["heldout-params", "heldout-phrasing", "heldout-families"] as const) {
      for (const t of splits[s]) expect(trainPrompts.has(t.problem.prompt)).toBe(false);
    }
  });

  it("held-out parameters change the body, not just a width: unseen mux sizes, moduli, patterns", () => {
    const heldoutOf = (family: string, key: string) =>
      new Set(splits["heldout-params"].filter((t) => t.meta.family === family).map((t) => t.meta.params[key]));
    const trainOf = (family: string, key: string) =>
      new Set(splits.train.filter((t) => t.meta.family === family).map((t) => t.meta.params[key]));
    for (const [family, key] of [
      ["mux", "n"],
      ["counter", "mod"],
      ["sequence_detector", "pattern"],
      ["tick_generator", "n"],
      ["delay_line", "d"],
    ] as const) {
      const train = trainOf(family, key);
      for (const v of heldoutOf(family, key))
        expect(train.has(v), `${family} ${key}=${v} seen in training`).toBe(false);
    }
  });

  it("tags families whose held-out parameters change the body's shape", () => {
    const tagged = splits["heldout-params"].filter((t) => t.problem.tags.includes("param-dependent"));
    // 23 of 45 base families are structural and drawn twice as often: about two thirds of the split.
    expect(tagged.length).toBeGreaterThan(OPTIONS.heldout * 0.55);
    expect(new Set(tagged.map((t) => t.meta.family))).toContain("sequence_detector");
    expect(
      splits["heldout-params"].some((t) => t.meta.family === "adder" && t.problem.tags.includes("param-dependent")),
    ).toBe(false);
  });

  it("covers every base family in training, uses all training wordings, and writes numbers both ways", () => {
    const families = new Set(splits.train.map((t) => t.meta.family));
    for (const f of listFamilies().filter((x) => !x.composite)) expect(families.has(f.name), f.name).toBe(true);
    const byWording = new Set(splits.train.map((t) => t.meta.phrasingId));
    for (const f of listFamilies().filter((x) => !x.composite)) {
      for (let i = 0; i < f.phrasings.length - 1; i++) expect(byWording.has(`${f.name}/p${i}`)).toBe(true);
    }
    const words = splits.train.filter((t) => t.meta.numberStyle === "words");
    expect(words.length).toBeGreaterThan(OPTIONS.train * 0.2);
    expect(
      words.some((t) => /\b(three|four|five|six|seven|eight|nine|ten|twelve|sixteen)\b/.test(t.problem.prompt)),
    ).toBe(true);
    expect(new Set(splits.train.map((t) => t.meta.completionStyle))).toEqual(new Set(["a", "b"]));
  });

  it("rejects bad options with clear errors", () => {
    expect(() => generateTasks({ families: ["nope"] })).toThrow(/unknown task families: nope/);
    expect(() => generateTasks({ train: -1 })).toThrow(/--train must be a non-negative integer/);
    expect(() => generateTasks({ seed: 1.5 })).toThrow(/--seed/);
  });

  it("restricts to the named families", () => {
    const only = generateTasks({ seed: 1, train: 20, heldout: 5, families: ["mux", "gray_counter"] });
    expect(new Set(only.train.map((t) => t.meta.family))).toEqual(new Set(["mux"]));
    expect(new Set(only["heldout-families"].map((t) => t.meta.family))).toEqual(new Set(["gray_counter"]));
  });
});

describe("numberWords", () => {
  it("spells numbers", () => {
    expect([0, 7, 13, 20, 42, 100, 256, 1024].map(numberWords)).toEqual([
      "zero",
      "seven",
      "thirteen",
      "twenty",
      "forty-two",
      "one hundred",
      "two hundred fifty-six",
      "one thousand twenty-four",
    ]);
  });
});
