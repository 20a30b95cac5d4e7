import { existsSync, readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ItertlSummary, RankedRow } from "../../src/train/itertl.js";
import { recipeFixture, runRecipe } from "../helpers/tiny-model.js";

/*
 * `rtlgym train itertl --config` end to end through the real CLI, model server, verifier and the Python round
 * trainer, on a tiny random chat model: held-out pass@1 before, two rounds (each samples the model the previous round
 * trained, verifies and scores the samples, writes the ranked rows and trains on them), pass@1 after, the summary the
 * issue asks for; a rerun resumes with nothing left to do. The losses are covered by test_itertl.py, the scores by
 * itertl.test.ts. About a minute on 2 cores.
 */

let dir: string;

beforeAll(async () => {
  dir = await recipeFixture("itertl-train-");
  await writeFile(
    join(dir, "itertl.yaml"),
    [
      `model: ${join(dir, "model")}`,
      `tasks: ${join(dir, "tasks")}`,
      `out: ${join(dir, "run")}`,
      "rounds: 2",
      "prompts: 2",
      "samples: 2",
      "sampling: { temperature: 1, maxTokens: 8 }",
      "train: { learningRate: 1.0e-3, target: reference, schedule: constant }",
      "eval: { n: 1, limit: 1 }",
      "threads: 2",
      "",
    ].join("\n"),
  );
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("rtlgym train itertl", () => {
  it("evaluates, runs two rounds of sample, verify, rank-train, evaluates again, resumes with nothing left to do, and continues with a third round", async () => {
    const cli = () => runRecipe<ItertlSummary>(dir, "itertl");
    const s = await cli();
    expect(s).toMatchObject({
      recipe: "itertl",
      split: "heldout-params",
      seed: 1,
      loss: "itertl",
      target: "reference",
    });
    expect(s.rounds.map((r) => r.round)).toEqual([1, 2]);
    for (const [i, r] of s.rounds.entries()) {
      expect(r.model).toBe(join(dir, "run", `round-${i + 1}`));
      expect(existsSync(join(r.model, "model.safetensors"))).toBe(true);
      expect(r.prompts).toBe(2);
      expect(r.samples + r.masked).toBe(4);
      expect(r.finalLoss).toBeTypeOf("number");
      // The ranked rows the trainer read: each prompt's reference, both samples, their scores and verdicts.
      const rows = readFileSync(join(dir, "run", `round-${i + 1}.ranked.jsonl`), "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as RankedRow);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.reference).toContain("module");
        expect(row.scores).toHaveLength(row.responses.length);
        expect(row.passed).toHaveLength(row.responses.length);
      }
    }
    expect(s.model).toBe(join(dir, "run", "round-2"));
    for (const side of [s.before, s.after]) {
      expect(side["pass@1"]).toBeGreaterThanOrEqual(0);
      expect(side.runId).toMatch(/^\d{4}-/);
    }
    expect(s.after.runId).not.toBe(s.before.runId);
    expect(typeof s.minutes).toBe("number");
    // The trainer ran with the config's schedule (the round's summary records it).
    const round = JSON.parse(readFileSync(join(dir, "run", "round-1", "rtlgym-itertl.json"), "utf8"));
    expect(round).toMatchObject({ schedule: "constant", target: "reference" });

    const t0 = Date.now();
    const again = await cli();
    expect(again.before).toEqual(s.before);
    expect(again.after).toEqual(s.after);
    expect(again.rounds).toEqual(s.rounds);
    expect(Date.now() - t0).toBeLessThan(30_000);

    // Raising rounds continues the finished run: one more round from round 2's model, evaluated afresh.
    const config = join(dir, "itertl.yaml");
    await writeFile(config, readFileSync(config, "utf8").replace("rounds: 2", "rounds: 3"));
    const more = await cli();
    expect(more.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    expect(more.rounds.slice(0, 2)).toEqual(s.rounds);
    expect(more.model).toBe(join(dir, "run", "round-3"));
    expect(more.before).toEqual(s.before);
    expect(more.after.runId).not.toBe(s.after.runId);
  }, 600_000);
});
