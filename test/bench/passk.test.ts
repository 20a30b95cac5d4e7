import { describe, expect, it } from "vitest";
import { meanPassAtK, passAtK, reportableKs } from "../../src/bench/passk.js";

/** Direct binomial form, for small n only. */
function binom(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

describe("passAtK", () => {
  it("matches 1 - C(n-c,k)/C(n,k) on every small case", () => {
    for (let n = 1; n <= 12; n++)
      for (let c = 0; c <= n; c++)
        for (let k = 1; k <= n; k++) {
          const direct = n - c < k ? 1 : 1 - binom(n - c, k) / binom(n, k);
          expect(passAtK(n, c, k)).toBeCloseTo(direct, 12);
        }
  });

  it("pass@1 is the plain fraction and the edges are exact", () => {
    expect(passAtK(20, 7, 1)).toBeCloseTo(7 / 20, 12);
    expect(passAtK(20, 0, 10)).toBe(0);
    expect(passAtK(20, 20, 10)).toBe(1);
    expect(passAtK(200, 1, 100)).toBeCloseTo(0.5, 12);
  });

  it("rejects k beyond n and impossible counts", () => {
    expect(() => passAtK(5, 1, 6)).toThrow(RangeError);
    expect(() => passAtK(5, 6, 1)).toThrow(RangeError);
    expect(() => passAtK(5, 1, 0)).toThrow(RangeError);
  });
});

describe("meanPassAtK", () => {
  it("averages over problems and keeps empty problems in the denominator", () => {
    const problems = [
      { n: 4, c: 4 },
      { n: 4, c: 0 },
      { n: 0, c: 0 },
    ];
    const ks = reportableKs([4, 4], [1, 2, 10]);
    expect(ks).toEqual([1, 2]);
    const m = meanPassAtK(problems, ks);
    expect(m["1"]).toBeCloseTo(1 / 3, 12);
    expect(m["2"]).toBeCloseTo(1 / 3, 12);
  });

  it("defaults to every k up to the smallest n", () => {
    expect(reportableKs([5, 3, 8])).toEqual([1, 2, 3]);
    expect(reportableKs([])).toEqual([]);
  });
});
