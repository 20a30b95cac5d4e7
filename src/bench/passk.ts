/**
 * Unbiased pass@k for one problem (Chen et al. 2021): 1 - C(n-c, k) / C(n, k), computed as a product so it
 * stays exact for large n. Throws RangeError for k outside 1..n or c outside 0..n: a caller asking for
 * pass@k beyond the samples it has would otherwise get a silently wrong number.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k))
    throw new RangeError("n, c, k must be integers");
  if (k < 1 || k > n) throw new RangeError(`pass@${k} needs 1 <= k <= n (n = ${n})`);
  if (c < 0 || c > n) throw new RangeError(`c = ${c} outside 0..${n}`);
  if (n - c < k) return 1;
  let miss = 1;
  for (let i = n - c + 1; i <= n; i++) miss *= 1 - k / i;
  return 1 - miss;
}

/** The k values reported for a set of problems: the requested ones that every problem has samples for, or 1..min n. */
export function reportableKs(ns: readonly number[], requested?: readonly number[]): number[] {
  const minN = ns.length === 0 ? 0 : Math.min(...ns);
  const ks = requested && requested.length > 0 ? [...requested] : Array.from({ length: minN }, (_, i) => i + 1);
  return [...new Set(ks)].filter((k) => k >= 1 && k <= minN).sort((a, b) => a - b);
}

/**
 * Mean pass@k over problems. A problem with no scored samples counts as 0 (it stays in the denominator: dropping
 * unattempted problems inflates pass rates). Returns {} when no k is reportable.
 */
export function meanPassAtK(
  problems: readonly { n: number; c: number }[],
  ks: readonly number[],
): Record<string, number> {
  const out: Record<string, number> = {};
  if (problems.length === 0) return out;
  for (const k of ks) {
    let sum = 0;
    for (const p of problems) sum += p.n >= k ? passAtK(p.n, p.c, k) : 0;
    out[String(k)] = sum / problems.length;
  }
  return out;
}
