/** Token kinds. Comments and whitespace never become tokens. */
export type TokenKind = "ident" | "escaped" | "number" | "string" | "system" | "directive" | "punct";

/** One lexical token; `start`/`end` (exclusive) are offsets into the source so callers can splice text in place. */
export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

/** Multi-character operators, longest first so the scanner takes the longest match. `(*`/`*)` stay split so `@(*)` balances. */
const OPERATORS = [
  "<<<=",
  ">>>=",
  "===",
  "!==",
  "==?",
  "!=?",
  "<<<",
  ">>>",
  "<<=",
  ">>=",
  "<->",
  "->>",
  "|->",
  "|=>",
  "**",
  "<=",
  ">=",
  "==",
  "!=",
  "&&",
  "||",
  "<<",
  ">>",
  "~&",
  "~|",
  "~^",
  "^~",
  "+:",
  "-:",
  "::",
  "->",
  "++",
  "--",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "##",
  ":=",
];

/** OPERATORS by first character, longest first: one lookup per punctuation character instead of 43 `startsWith`s. */
const OPERATORS_BY_FIRST = new Map<string, string[]>();
for (const op of OPERATORS) {
  const list = OPERATORS_BY_FIRST.get(op[0] as string) ?? [];
  list.push(op);
  OPERATORS_BY_FIRST.set(op[0] as string, list);
}

/** Digits allowed after each base letter of a based literal (x/z/? are unknown/high-impedance digits). */
const BASE_DIGITS: Record<string, RegExp> = {
  b: /[01xz?_]/i,
  o: /[0-7xz?_]/i,
  d: /[0-9xz?_]/i,
  h: /[0-9a-fxz?_]/i,
};

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v";
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

function isIdentStart(c: string | undefined): boolean {
  return c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_");
}

function isIdentChar(c: string | undefined): boolean {
  return isIdentStart(c) || isDigit(c) || c === "$";
}

function skipWhile(src: string, i: number, pred: (c: string | undefined) => boolean): number {
  let j = i;
  while (j < src.length && pred(src[j])) j++;
  return j;
}

const isDigitOrUnderscore = (c: string | undefined): boolean => isDigit(c) || c === "_";
const isBlank = (c: string | undefined): boolean => c === " " || c === "\t";

/** End of a based literal starting at the apostrophe `i` (`'hFF`, `'sd3`, `'b x`, `'1`), or `i` if it is not one. */
function basedEnd(src: string, i: number): number {
  let j = i + 1;
  if (src[j] === "s" || src[j] === "S") j++;
  const digits = BASE_DIGITS[(src[j] ?? "").toLowerCase()];
  if (digits) {
    const afterBase = j + 1;
    const valueStart = skipWhile(src, afterBase, isBlank);
    const valueEnd = skipWhile(src, valueStart, (c) => c !== undefined && digits.test(c));
    return valueEnd > valueStart ? valueEnd : afterBase;
  }
  // SystemVerilog unbased unsized literals: '0 '1 'x 'z
  if (j === i + 1 && /[01xz]/i.test(src[j] ?? "") && !isIdentChar(src[j + 1])) return j + 1;
  return i;
}

/** End of a number starting with a digit: decimal, real (`1.5e-3`) or sized based (`8'hFF`, `4 'b1010`). */
function numberEnd(src: string, i: number): number {
  let j = skipWhile(src, i, isDigitOrUnderscore);
  const tick = skipWhile(src, j, isBlank);
  if (src[tick] === "'") {
    const based = basedEnd(src, tick);
    if (based > tick) return based;
  }
  if (src[j] === "." && isDigit(src[j + 1])) j = skipWhile(src, j + 1, isDigitOrUnderscore);
  if (src[j] === "e" || src[j] === "E") {
    const sign = src[j + 1] === "+" || src[j + 1] === "-" ? j + 2 : j + 1;
    if (isDigit(src[sign])) j = skipWhile(src, sign, isDigitOrUnderscore);
  }
  return j;
}

/**
 * End of a string literal opened at `i`. Verilog strings cannot span lines (iverilog rejects even a backslash-escaped
 * line break), so any line break ends an unterminated string, not included; so does EOF. Seeing more as code is the
 * safe side for the sanitizer.
 */
function stringEnd(src: string, i: number): number {
  let j = i + 1;
  while (j < src.length) {
    const c = src[j];
    if (c === "\\" && src[j + 1] !== "\n") j += 2;
    else if (c === '"') return j + 1;
    else if (c === "\n") return j;
    else j++;
  }
  return src.length;
}

function lex(src: string, comments?: Array<[number, number]>): Token[] {
  const tokens: Token[] = [];
  const push = (kind: TokenKind, start: number, end: number): void => {
    tokens.push({ kind, text: src.slice(start, end), start, end });
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const next = src[i + 1];
    const start = i;
    if (isSpace(c)) {
      i++;
    } else if (c === "/" && next === "/") {
      const newline = src.indexOf("\n", i);
      i = newline < 0 ? src.length : newline;
      comments?.push([start, i]);
    } else if (c === "/" && next === "*") {
      const close = src.indexOf("*/", i + 2);
      i = close < 0 ? src.length : close + 2;
      comments?.push([start, i]);
    } else if (isIdentStart(c)) {
      i = skipWhile(src, i + 1, isIdentChar);
      push("ident", start, i);
    } else if (isDigit(c)) {
      i = numberEnd(src, i);
      push("number", start, i);
    } else if (c === "'" && basedEnd(src, i) > i) {
      i = basedEnd(src, i);
      push("number", start, i);
    } else if (c === '"') {
      i = stringEnd(src, i);
      push("string", start, i);
    } else if (c === "$") {
      i = skipWhile(src, i + 1, isIdentChar);
      push("system", start, i);
    } else if (c === "`" && isIdentStart(next)) {
      i = skipWhile(src, i + 1, isIdentChar);
      push("directive", start, i);
    } else if (c === "`") {
      // `` (token paste) and `" (stringify) are macro-body operators.
      i += next === "`" || next === '"' ? 2 : 1;
      push("punct", start, i);
    } else if (c === "\\" && next !== undefined && !isSpace(next)) {
      i = skipWhile(src, i + 1, (ch) => !isSpace(ch));
      push("escaped", start, i);
    } else {
      const op = OPERATORS_BY_FIRST.get(c as string)?.find((o) => src.startsWith(o, i));
      i += op ? op.length : String.fromCodePoint(src.codePointAt(i) ?? 0).length;
      push("punct", start, i);
    }
  }
  return tokens;
}

/** Splits Verilog source into tokens, skipping comments and whitespace. Never throws: anything unterminated ends at EOF. */
export function tokenize(src: string): Token[] {
  return lex(src);
}

/** Blanks every comment with spaces but keeps line breaks, so offsets and line numbers still match the original. */
export function stripComments(src: string): string {
  const comments: Array<[number, number]> = [];
  lex(src, comments);
  let out = "";
  let from = 0;
  for (const [start, end] of comments) {
    out += src.slice(from, start) + src.slice(start, end).replace(/[^\n\r]/g, " ");
    from = end;
  }
  return out + src.slice(from);
}

/** Index of the token closing the `(`, `[` or `{` at `open`, or -1 when it is never closed. */
export function closingIndex(tokens: readonly Token[], open: number): number {
  const opener = tokens[open]?.text;
  const closer = opener === "(" ? ")" : opener === "[" ? "]" : opener === "{" ? "}" : undefined;
  if (closer === undefined) return -1;
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i];
    if (t?.kind !== "punct") continue;
    if (t.text === opener) depth++;
    else if (t.text === closer && --depth === 0) return i;
  }
  return -1;
}

/** True when `t` is the punctuation `text`. */
export function isPunct(t: Token | undefined, text: string): boolean {
  return t?.kind === "punct" && t.text === text;
}

/** True when `t` is the plain identifier or keyword `text`. */
export function isWord(t: Token | undefined, text: string): boolean {
  return t?.kind === "ident" && t.text === text;
}
