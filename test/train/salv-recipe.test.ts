import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readConfigFile } from "../../src/train/config.js";
import { SalvConfig, trainingPrompts, trainSalv } from "../../src/train/salv-recipe.js";

const ROOT = join(import.meta.dirname, "..", "..");

describe("train salv config", () => {
  it("reads the testbed recipe with SALV's settings", () => {
    const c = readConfigFile(join(ROOT, "recipes", "salv", "testbed.yaml"), SalvConfig);
    expect(c).toMatchObject({ recipe: "salv", samples: 5, mask: "slice", eval: { split: "heldout-params" } });
    expect(c.train.beta).toBe(0.1);
  });

  it("names the key of a wrong setting and refuses a model folder that is not one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "salv-config-"));
    try {
      const bad = join(dir, "bad.yaml");
      await writeFile(bad, "model: m\ntasks: t\nout: o\nmask: tokens\ntrain: { betta: 0.1 }\n");
      expect(() => readConfigFile(bad, SalvConfig)).toThrow(/mask: .*\n\s+train: .*betta/s);
      const config = SalvConfig.parse({ model: dir, tasks: dir, out: join(dir, "out") });
      await expect(trainSalv({ config, db: join(dir, "db") })).rejects.toThrow(/not a Hugging Face model directory/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("draws the training prompts from the difficulty band when there is one, seeded", () => {
    const all = Array.from({ length: 20 }, (_, i) => ({ id: `p${i}` }));
    const c = SalvConfig.parse({ model: "m", tasks: "t", out: "o", prompts: 4, difficulty: { report: "d.json" } });
    const band = new Set(["p3", "p5", "p8", "p13", "p17", "p19"]);
    const drawn = trainingPrompts(all, c, band);
    expect(drawn).toHaveLength(4);
    for (const p of drawn) expect(band.has(p.id)).toBe(true);
    expect(trainingPrompts(all, c, band)).toEqual(drawn);
    expect(trainingPrompts(all, { ...c, seed: 2 }, band)).not.toEqual(drawn);
    expect(trainingPrompts(all, c).some((p) => !band.has(p.id))).toBe(true);
    expect(() => trainingPrompts(all, c, new Set(["elsewhere"]))).toThrow(
      /no train problem of d.json lies in the band/,
    );
  });
});
