import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTasks, writeSplits } from "../../src/tasks/index.js";
import { type EvaluateModelOptions, evaluateModel, evaluationKey, modelDigest } from "../../src/train/evaluate.js";
import { openTrainStore } from "../../src/train/store.js";

let dir: string;
let model: string;
let options: EvaluateModelOptions;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "rtlgym-evalcache-"));
  const splits = generateTasks({ seed: 3, train: 20, heldout: 10 });
  const prompt = (p: { prompt: string }) => ({ chat: { prompt: p.prompt }, completion: { prompt: p.prompt } });
  await writeSplits(join(dir, "tasks"), splits, prompt, { seed: 3, train: 20, heldout: 10 });
  // Not a loadable model: any attempt to serve it fails, so a returned result can only have come from the cache.
  model = join(dir, "model");
  mkdirSync(join(model, "checkpoints"), { recursive: true });
  writeFileSync(join(model, "config.json"), '{"model_type": "llama"}');
  writeFileSync(join(model, "model.safetensors"), "weights v1");
  options = { model, tasksDir: join(dir, "tasks"), split: "heldout-params", n: 2, limit: 3, store: join(dir, "db") };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("evaluation reuse", () => {
  it("digests the files that decide generation, not rtlgym's records or checkpoints", async () => {
    const first = await modelDigest(model);
    writeFileSync(join(model, "rtlgym-rl-summary.json"), "{}");
    writeFileSync(join(model, "report.html"), "<html>");
    writeFileSync(join(model, "checkpoints", "model.safetensors"), "other");
    expect(await modelDigest(model)).toBe(first);
    writeFileSync(join(model, "model.safetensors"), "weights v2");
    expect(await modelDigest(model)).not.toBe(first);
    writeFileSync(join(model, "model.safetensors"), "weights v1");
    expect(await modelDigest(model)).toBe(first);
  });

  it("keys on every setting that changes the figures", async () => {
    const key = await evaluationKey(options);
    expect(await evaluationKey({ ...options })).toBe(key);
    for (const change of [
      { seed: 2 },
      { n: 3 },
      { limit: 4 },
      { temperature: 0.7 },
      { maxTokens: 100 },
      { promptStyle: "codev" as const },
      { engine: "both" as const },
      { split: "heldout-phrasing" },
    ]) {
      expect(await evaluationKey({ ...options, ...change }), JSON.stringify(change)).not.toBe(key);
    }
    // The threads of the server and the run store do not change what is sampled.
    expect(await evaluationKey({ ...options, threads: 2, store: join(dir, "other.db") })).toBe(key);
  });

  it("returns a finished identical evaluation from the run store instead of sampling again", async () => {
    const key = await evaluationKey(options);
    const recorded = {
      passAt1: 0.25,
      passAtK: { "1": 0.25, "2": 0.4 },
      problems: 3,
      samples: 6,
      statuses: { pass: 2, fail: 4 },
      runId: "2026-12-01T00-00-00-abcd",
      seconds: 12,
    };
    const store = openTrainStore(options.store);
    store.cacheEvaluation(key, recorded);
    store.close();
    expect(await evaluateModel(options)).toEqual({ ...recorded, reused: true });
    // Another model file: no cached figures, so it would have to sample (and this directory cannot be served).
    writeFileSync(join(model, "model.safetensors"), "weights v3");
    await expect(evaluateModel({ ...options, python: join(dir, "no-python") })).rejects.toThrow(/no-python/);
    writeFileSync(join(model, "model.safetensors"), "weights v1");
    await expect(evaluateModel({ ...options, reuse: false, python: join(dir, "no-python") })).rejects.toThrow(/no-python/);
  });
});
