import { describe, expect, it } from "vitest";
import { BadInputError } from "../../src/core/errors.js";
import { formatModelShape, parseModelShape, type SftPrecision, sftTimeoutMs, trainSft } from "../../src/train/sft.js";

describe("sftTimeoutMs", () => {
  it("outlasts a time budget longer than the default hard limit", () => {
    // A 70-minute budget was killed at 45 minutes by the default limit (the testbed's 1,500-step model).
    expect(sftTimeoutMs({ timeBudgetS: 4200 })).toBe((4200 + 900) * 1000);
    expect(sftTimeoutMs({ timeBudgetS: 600 })).toBe(45 * 60_000);
    expect(sftTimeoutMs({})).toBe(45 * 60_000);
    expect(sftTimeoutMs({ timeoutMs: 1000, timeBudgetS: 4200 })).toBe(1000);
  });
});

describe("trainSft options", () => {
  it("refuses an unknown precision before starting the trainer", async () => {
    const run = trainSft({ data: "tasks", out: "/tmp/never", precision: "fp16" as SftPrecision, db: false });
    await expect(run).rejects.toBeInstanceOf(BadInputError);
    await expect(run).rejects.toThrow(/unknown precision fp16; precisions: auto, fp32, bf16/);
  });
});

describe("trainSft tokenizer options", () => {
  it("refuses --split-digits with a base model, which brings its own tokenizer", async () => {
    const run = trainSft({ data: "tasks", out: "/tmp/never", base: "some/model", splitDigits: true, db: false });
    await expect(run).rejects.toBeInstanceOf(BadInputError);
    await expect(run).rejects.toThrow(/--split-digits is for a tokenizer trained from scratch/);
  });
});

describe("trainSft loss options", () => {
  it("refuses a prompt loss weight outside 0..1 before starting the trainer", async () => {
    for (const promptLossWeight of [-0.1, 1.5, Number.NaN]) {
      const run = trainSft({ data: "tasks", out: "/tmp/never", promptLossWeight, db: false });
      await expect(run).rejects.toBeInstanceOf(BadInputError);
      await expect(run).rejects.toThrow(/--prompt-loss-weight must be between 0 and 1/);
    }
  });

  it("refuses a time budget of 0 or less: the schedule is a share of it", async () => {
    for (const timeBudgetS of [0, -1]) {
      const run = trainSft({ data: "tasks", out: "/tmp/never", timeBudgetS, db: false });
      await expect(run).rejects.toBeInstanceOf(BadInputError);
      await expect(run).rejects.toThrow(/--time-budget-s must be above 0 seconds/);
    }
  });

  it("refuses a batch size that is not a whole number above 0, and a learning rate of 0 or less", async () => {
    for (const batchSize of [0, -4, 2.5]) {
      const run = trainSft({ data: "tasks", out: "/tmp/never", batchSize, db: false });
      await expect(run).rejects.toThrow(/--batch-size must be a whole number of rows, 1 or more/);
    }
    for (const learningRate of [0, -1e-3, Number.POSITIVE_INFINITY, Number.NaN]) {
      const run = trainSft({ data: "tasks", out: "/tmp/never", learningRate, db: false });
      await expect(run).rejects.toBeInstanceOf(BadInputError);
      await expect(run).rejects.toThrow(/--learning-rate must be a number above 0/);
    }
  });
});

describe("model shape", () => {
  it("reads LAYERSxHIDDENxHEADSxFFN and writes it back the same way", () => {
    const shape = parseModelShape("6x208x4x624");
    expect(shape).toEqual({ layers: 6, hiddenSize: 208, heads: 4, intermediateSize: 624 });
    expect(formatModelShape(shape)).toBe("6x208x4x624");
    expect(parseModelShape(" 4X256X8X768 ")).toEqual({ layers: 4, hiddenSize: 256, heads: 8, intermediateSize: 768 });
  });

  it("refuses a malformed shape, and a hidden size the heads do not divide", () => {
    for (const bad of ["4x256x4", "4x256x4x768x1", "0x256x4x768", "4x256x4x-1", "4x2.5x4x768", "", "axbxcxd"]) {
      expect(() => parseModelShape(bad)).toThrow(/--shape must be LAYERSxHIDDENxHEADSxFFN/);
    }
    expect(() => parseModelShape("4x250x4x768")).toThrow(/hidden size \(250\) must split evenly over the heads \(4\)/);
  });

  it("refuses a shape with a base model, which has its own", async () => {
    const shape = parseModelShape("4x256x4x768");
    const run = trainSft({ data: "tasks", out: "/tmp/never", base: "some/model", shape, db: false });
    await expect(run).rejects.toBeInstanceOf(BadInputError);
    await expect(run).rejects.toThrow(/--shape is for a model trained from scratch/);
  });
});
