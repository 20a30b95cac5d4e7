import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SalvSummary } from "../../src/train/salv-recipe.js";
import { recipeFixture, runRecipe, SALV_PAIRS } from "../helpers/tiny-model.js";

/*
 * `rtlgym train salv --config` end to end through the real CLI, model server, bench and TRL, on a tiny random model
 * (made here) and the pairs of adapters/python/tests/fixtures (real salv-pairs output): held-out pass@1 before, two
 * masked DPO steps, pass@1 after, the summary the issue asks for; a rerun resumes with nothing left to do.
 * Sampling and pairing are covered by salv-pairs.test.ts. About a minute on 2 cores.
 */

let dir: string;

beforeAll(async () => {
  dir = await recipeFixture("salv-train-");
  await writeFile(
    join(dir, "salv.yaml"),
    [
      `model: ${join(dir, "model")}`,
      `tasks: ${join(dir, "tasks")}`,
      `out: ${join(dir, "run")}`,
      `pairs: { file: ${SALV_PAIRS} }`,
      "sampling: { maxTokens: 8 }",
      "train: { maxSteps: 2, batchSize: 2, learningRate: 1.0e-3, maxLength: 2048 }",
      "eval: { n: 1, limit: 1 }",
      "threads: 2",
      "",
    ].join("\n"),
  );
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("rtlgym train salv", () => {
  it("evaluates, trains with the slice mask, evaluates again, and resumes with nothing left to do", async () => {
    const cli = () => runRecipe<SalvSummary>(dir, "salv");
    const s = await cli();
    expect(s).toMatchObject({
      recipe: "salv",
      mask: "slice",
      split: "heldout-params",
      seed: 1,
      pairs: { signal: 5, module: 1 },
      train: { steps: 2 },
      samplesRunId: null,
      rounds: [{ round: 1, samplesRunId: null, pairs: { signal: 5, module: 1 }, train: { steps: 2 } }],
    });
    expect(s.rounds[0]?.model).toBe(s.model);
    for (const side of [s.before, s.after]) {
      expect(side["pass@1"]).toBeGreaterThanOrEqual(0);
      expect(side.runId).toMatch(/^\d{4}-/);
    }
    expect(s.after.runId).not.toBe(s.before.runId);
    expect(s.train.maskedFraction).toBeGreaterThan(0);
    expect(s.train.maskedFraction).toBeLessThan(1);
    expect(typeof s.minutes).toBe("number");
    const t0 = Date.now();
    const again = await cli();
    expect(again.before).toEqual(s.before);
    expect(again.after).toEqual(s.after);
    expect(Date.now() - t0).toBeLessThan(30_000);
  }, 600_000);
});
