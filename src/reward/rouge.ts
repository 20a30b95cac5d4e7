import type { HdlLanguage } from "../contracts/index.js";
import { stripComments, tokenize } from "../verilog/index.js";
import { lexVhdl } from "../vhdl/index.js";

/** Longest sequences compared in full; longer ones are cut so one huge response cannot stall the server. */
const MAX_TOKENS = 4000;

/**
 * Verilog tokens of a text (comments and whitespace dropped), the unit Rouge-L compares here: the first MAX_TOKENS.
 * VHDL text gives VHDL tokens (identifiers and keywords lower-cased: VHDL ignores their case). Lexes growing
 * prefixes, so a megabyte response costs what its first tokens cost; a prefix's last token may be cut short, so a
 * prefix must yield more than MAX_TOKENS tokens to be used.
 */
export function codeTokens(text: string, language: HdlLanguage = "verilog"): string[] {
  const lex =
    language === "vhdl"
      ? (t: string) => lexVhdl(t).tokens.map((k) => k.norm)
      : (t: string) => tokenize(stripComments(t)).map((k) => k.text);
  for (let size = 64 * 1024; ; size *= 4) {
    const last = size >= text.length;
    const tokens = lex(last ? text : text.slice(0, size));
    if (last || tokens.length > MAX_TOKENS) return tokens.slice(0, MAX_TOKENS);
  }
}

/**
 * Length of the longest common subsequence of two token lists. Bit-parallel (Allison-Dix / Hyyrö): one row of the
 * dynamic programme is a bit vector over `b`, updated a 32-bit word at a time, so O(|a| x |b| / 32) time and O(|b|)
 * memory (with the token caps, well under a millisecond instead of a 16M-cell table per response).
 */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  const words = Math.ceil(b.length / 32);
  // Where each token occurs in b, as a bit vector.
  const masks = new Map<string, Uint32Array>();
  for (let j = 0; j < b.length; j++) {
    const token = b[j] as string;
    let mask = masks.get(token);
    if (mask === undefined) {
      mask = new Uint32Array(words);
      masks.set(token, mask);
    }
    mask[j >>> 5] = ((mask[j >>> 5] as number) | (1 << (j & 31))) >>> 0;
  }
  // v has a 0 bit for each position of b matched so far; v' = (v + (v & m)) | (v & ~m), carried across words.
  const v = new Uint32Array(words).fill(0xffffffff);
  for (const token of a) {
    const mask = masks.get(token);
    if (mask === undefined) continue;
    let carry = 0;
    for (let w = 0; w < words; w++) {
      const vw = v[w] as number;
      const mw = mask[w] as number;
      const sum = vw + ((vw & mw) >>> 0) + carry;
      carry = sum > 0xffffffff ? 1 : 0;
      v[w] = (sum >>> 0) | (vw & ~mw);
    }
  }
  let lcs = 0;
  for (let j = 0; j < b.length; j++) if (((v[j >>> 5] as number) & (1 << (j & 31))) === 0) lcs++;
  return lcs;
}

/** Rouge-L F1 of a candidate against a reference: LCS-based precision and recall over tokens, in 0..1. */
export function rougeL(candidate: readonly string[], reference: readonly string[]): number {
  const lcs = lcsLength(candidate, reference);
  if (lcs === 0) return 0;
  const precision = lcs / candidate.length;
  const recall = lcs / reference.length;
  return (2 * precision * recall) / (precision + recall);
}
