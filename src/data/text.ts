import { createHash } from "node:crypto";
import { KEYWORDS, type Token, tokenize } from "../verilog/index.js";
import { lexVhdl, normaliseVhdl, RESERVED } from "../vhdl/index.js";
import { shingleHashes } from "./minhash.js";

/** How a file's bytes were turned into text. */
export interface Decoded {
  text: string;
  encoding: "utf-8" | "utf-8-bom" | "utf-16le" | "utf-16be" | "latin1";
  /** Why a fallback was used (not valid UTF-8 ...), when one was. */
  note?: string;
}

/** Bytes that look like a binary file rather than source text (NUL bytes outside a UTF-16 file). */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

/**
 * Decodes source bytes: a BOM decides (UTF-8, UTF-16), else strict UTF-8, else latin1 (every byte is a character,
 * so nothing is lost; Verilog's own tokens are ASCII). Returns undefined for binary data.
 */
export function decodeSource(bytes: Uint8Array): Decoded | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: new TextDecoder("utf-16le").decode(bytes.subarray(2)), encoding: "utf-16le" };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { text: new TextDecoder("utf-16be").decode(bytes.subarray(2)), encoding: "utf-16be" };
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return { text: new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(3)), encoding: "utf-8-bom" };
  if (looksBinary(bytes)) return undefined;
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), encoding: "utf-8" };
  } catch {
    let bad = 0;
    for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) bad++;
    return {
      text: new TextDecoder("latin1").decode(bytes),
      encoding: "latin1",
      note: `not valid UTF-8 (${bad} bytes >= 0x80); decoded as latin1`,
    };
  }
}

/** Tokens without comments and whitespace: the text a tool reads, so reformatting does not change it. */
export function codeTokens(src: string): Token[] {
  return tokenize(src);
}

/** The token texts, identifiers kept: exact-duplicate key and near-duplicate shingles. */
export function normalisedTokens(src: string): string[] {
  return codeTokens(src).map((t) => t.text);
}

/**
 * The token texts with every non-keyword identifier replaced by `$id`: renaming signals or modules does not
 * change them (used by decontamination, where a renamed copy must still be found).
 */
export function abstractTokens(src: string): string[] {
  return codeTokens(src).map((t) =>
    (t.kind === "ident" && !KEYWORDS.has(t.text)) || t.kind === "escaped" ? "$id" : t.text,
  );
}

/** sha256 of the normalised token stream: equal for texts that differ only in whitespace and comments. */
export function tokenHash(tokens: readonly string[]): string {
  return createHash("sha256").update(tokens.join(" ")).digest("hex").slice(0, 32);
}

/** 32-bit FNV-1a of a string. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The distinct hashed n-grams of a token list (the whole list as one gram when shorter than n). */
export function ngramSet(tokens: readonly string[], n: number): Set<number> {
  if (tokens.length === 0) return new Set();
  return new Set(shingleHashes(tokens, n));
}

/** The text of every comment in a Verilog source (line and block), in order. */
export function commentText(src: string): string {
  const parts: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '"') {
      i++;
      while (i < src.length && src[i] !== '"' && src[i] !== "\n") i += src[i] === "\\" ? 2 : 1;
      i++;
    } else if (c === "/" && src[i + 1] === "/") {
      const end = src.indexOf("\n", i);
      parts.push(src.slice(i + 2, end < 0 ? src.length : end));
      i = end < 0 ? src.length : end;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      parts.push(src.slice(i + 2, end < 0 ? src.length : end));
      i = end < 0 ? src.length : end + 2;
    } else i++;
  }
  return parts.join("\n");
}

/** Lower-case words of prose (letters and digits), for specification overlap. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9_]+/g) ?? [];
}

export type TextLanguage = "verilog" | "vhdl";

/**
 * Names from VHDL's standard libraries a renamed copy keeps (types, conversions, edge functions): left in place by
 * `abstractTokensOf`, like Verilog keywords, so they still carry evidence.
 */
const VHDL_LIBRARY_NAMES = new Set(
  (
    "ieee std work std_logic_1164 numeric_std numeric_std_unsigned std_logic std_ulogic std_logic_vector " +
    "std_ulogic_vector unsigned signed bit bit_vector boolean integer natural positive true false rising_edge " +
    "falling_edge to_unsigned to_signed to_integer resize shift_left shift_right rotate_left rotate_right " +
    "std_match to_01 length range high low left right event"
  ).split(" "),
);

/**
 * `normalisedTokens` in either language. VHDL: its lexer's tokens, comments dropped and basic identifiers and
 * reserved words lower-cased (VHDL ignores their case, so `Count` and `COUNT` are the same name).
 */
export function normalisedTokensOf(src: string, language: TextLanguage = "verilog"): string[] {
  if (language === "verilog") return normalisedTokens(src);
  return lexVhdl(normaliseVhdl(src)).tokens.map((t) => t.norm);
}

/** `abstractTokens` in either language: VHDL identifiers other than reserved words and standard names become `$id`. */
export function abstractTokensOf(src: string, language: TextLanguage = "verilog"): string[] {
  if (language === "verilog") return abstractTokens(src);
  return lexVhdl(normaliseVhdl(src)).tokens.map((t) =>
    (t.kind === "id" && !RESERVED.has(t.norm) && !VHDL_LIBRARY_NAMES.has(t.norm)) || t.kind === "extid"
      ? "$id"
      : t.norm,
  );
}

/**
 * `commentText` in either language. VHDL: `--` line comments and block comments, read from the gaps between
 * the lexer's tokens (so `--` inside a string is never taken for a comment).
 */
export function commentTextOf(src: string, language: TextLanguage = "verilog"): string {
  if (language === "verilog") return commentText(src);
  const code = normaliseVhdl(src);
  const { tokens } = lexVhdl(code);
  const parts: string[] = [];
  const gaps: Array<[number, number]> = [];
  let from = 0;
  for (const t of tokens) {
    gaps.push([from, t.start]);
    from = t.end;
  }
  gaps.push([from, code.length]);
  for (const [a, b] of gaps) {
    for (const m of code.slice(a, b).matchAll(/--([^\n]*)|\/\*([\s\S]*?)(?:\*\/|$)/g)) parts.push(m[1] ?? m[2] ?? "");
  }
  return parts.join("\n");
}
