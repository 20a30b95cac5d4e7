import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { throttled } from "../../src/cli/throttle.js";

describe("throttled", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(10_000);
  });
  afterEach(() => vi.useRealTimers());

  it("passes the first call, drops calls within the interval, passes the next one after it", () => {
    const seen: number[] = [];
    const f = throttled(1000, (n: number) => seen.push(n));
    f(1);
    vi.advanceTimersByTime(999);
    f(2);
    vi.advanceTimersByTime(1);
    f(3);
    f(4);
    expect(seen).toEqual([1, 3]);
  });

  it("always passes the calls `always` accepts, and they restart the interval", () => {
    const seen: Array<[number, number]> = [];
    const f = throttled(
      1000,
      (done: number, total: number) => seen.push([done, total]),
      (done, total) => done === total,
    );
    f(1, 3);
    f(2, 3);
    f(3, 3);
    vi.advanceTimersByTime(500);
    f(3, 4);
    expect(seen).toEqual([
      [1, 3],
      [3, 3],
    ]);
  });
});
