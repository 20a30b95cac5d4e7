import { fnv1a } from "./text.js";

/** MinHash signatures and banded LSH over token shingles: near-duplicate candidates in linear time. */
export interface MinHashOptions {
  /** Permutations (signature length). */
  perms: number;
  /** LSH bands; perms must be a multiple. */
  bands: number;
  /** Tokens per shingle. */
  shingle: number;
  seed: number;
}

export const DEFAULT_MINHASH: MinHashOptions = { perms: 128, bands: 32, shingle: 5, seed: 1 };

/** A deterministic 32-bit generator (mulberry32) so signatures are stable across runs. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * Computes MinHash signatures. Each permutation is h_k(x) = mix(a_k * x + b_k mod 2^32) with a_k odd: a bijection of
 * 32-bit values (so a true permutation of the shingle hashes), followed by a fixed avalanche so that the order
 * does not follow x's low bits.
 */
export class MinHasher {
  readonly options: MinHashOptions;
  readonly #a: Uint32Array;
  readonly #b: Uint32Array;

  constructor(options: Partial<MinHashOptions> = {}) {
    this.options = { ...DEFAULT_MINHASH, ...options };
    if (this.options.perms % this.options.bands !== 0) throw new Error("perms must be a multiple of bands");
    const next = mulberry32(this.options.seed);
    this.#a = Uint32Array.from({ length: this.options.perms }, () => next() | 1);
    this.#b = Uint32Array.from({ length: this.options.perms }, () => next());
  }

  /** The distinct shingle hashes of a token list (each token hashed once, shingles combined from those hashes). */
  shingles(tokens: readonly string[]): Uint32Array {
    return shingleHashes(tokens, this.options.shingle);
  }

  signature(shingles: Uint32Array): Uint32Array {
    const { perms } = this.options;
    const sig = new Uint32Array(perms).fill(0xffffffff);
    for (let k = 0; k < perms; k++) {
      const a = this.#a[k] as number;
      const b = this.#b[k] as number;
      let min = 0xffffffff;
      for (let j = 0; j < shingles.length; j++) {
        let v = (Math.imul(a, shingles[j] as number) + b) >>> 0;
        v ^= v >>> 16;
        v = Math.imul(v, 0x85ebca6b) >>> 0;
        v ^= v >>> 13;
        if (v < min) min = v;
      }
      sig[k] = min;
    }
    return sig;
  }
}

/** Distinct hashes of the n-token windows of a list (the whole list as one window when shorter than n). */
export function shingleHashes(tokens: readonly string[], n: number): Uint32Array {
  const th = new Uint32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) th[i] = fnv1a(tokens[i] as string);
  const set = new Set<number>();
  const windows = Math.max(1, tokens.length - n + 1);
  for (let i = 0; i < windows; i++) {
    let h = 0x9747b28c ^ n;
    for (let j = i; j < Math.min(i + n, tokens.length); j++) {
      h = Math.imul(h ^ (th[j] as number), 0x5bd1e995);
      h ^= h >>> 15;
    }
    set.add(h >>> 0);
  }
  return Uint32Array.from(set);
}

/** The fraction of equal signature slots: an unbiased estimate of the Jaccard similarity of the two sets. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  let eq = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) eq++;
  return eq / a.length;
}

/** The exact Jaccard similarity of two shingle sets. */
export function jaccard(a: Uint32Array, b: Uint32Array): number {
  const sa = new Set(a);
  let inter = 0;
  for (const x of b) if (sa.has(x)) inter++;
  const union = sa.size + new Set(b).size - inter;
  return union === 0 ? 1 : inter / union;
}

/** Pairs (i < j) whose signatures share at least one LSH band: the candidates worth comparing exactly. */
export function lshCandidates(signatures: readonly Uint32Array[], bands: number): Array<[number, number]> {
  const seen = new Set<string>();
  const pairs: Array<[number, number]> = [];
  const first = signatures[0];
  if (!first) return pairs;
  const rows = first.length / bands;
  for (let band = 0; band < bands; band++) {
    const buckets = new Map<string, number[]>();
    for (let i = 0; i < signatures.length; i++) {
      const key = Array.from((signatures[i] as Uint32Array).subarray(band * rows, band * rows + rows)).join(",");
      const list = buckets.get(key);
      if (list) list.push(i);
      else buckets.set(key, [i]);
    }
    for (const list of buckets.values()) {
      if (list.length < 2) continue;
      for (let x = 0; x < list.length; x++) {
        for (let y = x + 1; y < list.length; y++) {
          const i = list[x] as number;
          const j = list[y] as number;
          const k = `${i},${j}`;
          if (!seen.has(k)) {
            seen.add(k);
            pairs.push([i, j]);
          }
        }
      }
    }
  }
  return pairs;
}

/** Union-find over indices. */
export class DisjointSets {
  readonly #parent: Int32Array;
  constructor(n: number) {
    this.#parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    let r = i;
    while (this.#parent[r] !== r) r = this.#parent[r] as number;
    let x = i;
    while (this.#parent[x] !== r) {
      const next = this.#parent[x] as number;
      this.#parent[x] = r;
      x = next;
    }
    return r;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.#parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
}
