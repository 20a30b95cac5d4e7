import { stripComments, tokenize } from "../verilog/index.js";

/** Longest sequences compared in full; longer ones are cut so one huge response cannot stall the server. */
const MAX_TOKENS = 4000;

/** Verilog tokens of a text (comments and whitespace dropped), the unit Rouge-L compares here. */
export function codeTokens(text: string): string[] {
  return tokenize(stripComments(text))
    .slice(0, MAX_TOKENS)
    .map((t) => t.text);
}

/** Length of the longest common subsequence of two token lists (two rolling rows, O(n*m) time, O(m) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Uint32Array(b.length + 1);
  let curr = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const x = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      curr[j] = x === b[j - 1] ? (prev[j - 1] as number) + 1 : Math.max(prev[j] as number, curr[j - 1] as number);
    }
    [prev, curr] = [curr, prev];
  }
  return prev[b.length] as number;
}

/** Rouge-L F1 of a candidate against a reference: LCS-based precision and recall over tokens, in 0..1. */
export function rougeL(candidate: readonly string[], reference: readonly string[]): number {
  const lcs = lcsLength(candidate, reference);
  if (lcs === 0) return 0;
  const precision = lcs / candidate.length;
  const recall = lcs / reference.length;
  return (2 * precision * recall) / (precision + recall);
}
