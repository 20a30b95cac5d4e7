import { describe, expect, it } from "vitest";
import { sftTimeoutMs } from "../../src/train/sft.js";

describe("sftTimeoutMs", () => {
  it("outlasts a time budget longer than the default hard limit", () => {
    // A 70-minute budget was killed at 45 minutes by the default limit (the testbed's 1,500-step model).
    expect(sftTimeoutMs({ timeBudgetS: 4200 })).toBe((4200 + 900) * 1000);
    expect(sftTimeoutMs({ timeBudgetS: 600 })).toBe(45 * 60_000);
    expect(sftTimeoutMs({})).toBe(45 * 60_000);
    expect(sftTimeoutMs({ timeoutMs: 1000, timeBudgetS: 4200 })).toBe(1000);
  });
});
