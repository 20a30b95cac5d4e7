import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { StepPrmProofConfig } from "../../src/cli/search-proof.js";
import { readConfigFile } from "../../src/train/config.js";
import { ItertlConfig, RlConfig, SalvConfig } from "../../src/train/index.js";
import { ROOT } from "../helpers/cli.js";

// Every recipe file a user is pointed at (recipes/*/testbed.yaml, the measured configs of bench/learning) must load
// with its command's schema: a renamed key fails here, not an hour into a run.
const SCHEMAS: Record<string, z.ZodType> = {
  "codev-r1": RlConfig,
  itertl: ItertlConfig,
  salv: SalvConfig,
  stepprm: StepPrmProofConfig,
};

const files = [
  ...readdirSync(join(ROOT, "recipes")).map((r) => join(ROOT, "recipes", r, "testbed.yaml")),
  ...readdirSync(join(ROOT, "bench", "learning", "configs")).map((f) => join(ROOT, "bench", "learning", "configs", f)),
];

describe("recipe files", () => {
  it.each(files.map((f) => [f.slice(ROOT.length + 1), f]))("%s loads with its command's schema", (_name, file) => {
    const recipe = readConfigFile(file, z.looseObject({ recipe: z.string() })).recipe;
    const schema = SCHEMAS[recipe];
    expect(schema, `${file}: recipe ${recipe}`).toBeDefined();
    expect(() => readConfigFile(file, schema as z.ZodType)).not.toThrow();
  });

  it("keeps the CodeV-R1 testbed recipe on the measured band setup", () => {
    const c = readConfigFile(join(ROOT, "recipes", "codev-r1", "testbed.yaml"), RlConfig);
    expect(c.difficulty?.band).toEqual([0.1, 0.9]);
    expect(c.train).toMatchObject({ learningRate: 5e-5, temperature: 0.7 });
    // The order: distillation (rejection sampling) first, then RL.
    expect(c.distill).toMatchObject({ algorithm: "rft", train: { maxSteps: 30 } });
  });

  it("keeps the ITERTL testbed recipe on the measured rounds, evaluated as the SFT model is", () => {
    const c = readConfigFile(join(ROOT, "recipes", "itertl", "testbed.yaml"), ItertlConfig);
    expect(c).toMatchObject({ rounds: 7, prompts: 20, samples: 8, difficulty: { band: [0.1, 0.9] } });
    expect(c.train).toMatchObject({ target: "verified-all", groupsPerStep: 4, learningRate: 5e-5 });
    // The rounds sample 256 tokens; the held-out evaluation keeps the SFT model's 384 (eval.maxTokens).
    expect([c.sampling.maxTokens, c.eval.maxTokens]).toEqual([256, 384]);
    expect(ItertlConfig.parse({ model: "m", tasks: "t", out: "o" }).eval.maxTokens).toBeUndefined();
  });
});
