/**
 * A VHDL-2008 lexer, exact where a filter's safety depends on it: comments (`--` to the end of the line, `/* *\/`),
 * string literals (`""` escapes, never across a line), character literals versus the attribute tick, bit strings
 * (`x"FF"`, `8ub"1"`), based literals (`16#FF#`), basic identifiers (case-insensitive) and extended identifiers
 * (`\Name\`, `\\` escapes, case-sensitive). Whatever it cannot classify is an error, never skipped text.
 */
export type VhdlTokenKind = "id" | "extid" | "string" | "char" | "bitstring" | "number" | "punct";

export interface VhdlToken {
  kind: VhdlTokenKind;
  text: string;
  /** Basic identifiers and reserved words lower-cased (VHDL is case-insensitive); other tokens as written. */
  norm: string;
  start: number;
  end: number;
  line: number;
}

export interface Lexed {
  tokens: VhdlToken[];
  errors: string[];
}

export const RESERVED = new Set(
  (
    "abs access after alias all and architecture array assert assume assume_guarantee attribute begin block body " +
    "buffer bus case component configuration constant context cover default disconnect downto else elsif end " +
    "entity exit fairness file for force function generate generic group guarded if impure in inertial inout is " +
    "label library linkage literal loop map mod nand new next nor not null of on open or others out package " +
    "parameter port postponed procedure process property protected pure range record register reject release rem " +
    "report restrict restrict_guarantee return rol ror select sequence severity shared signal sla sll sra srl " +
    "strong subtype then to transport type unaffected units until use variable vmode vprop vunit wait when while " +
    "with xnor xor"
  ).split(" "),
);

/** Multi-character delimiters, longest first (VHDL-2008 matching operators and external-name brackets included). */
const DELIMITERS = ["?/=", "?<=", "?>=", "=>", "**", ":=", "/=", ">=", "<=", "<>", "??", "?=", "?<", "?>", "<<", ">>"];
const SINGLE = new Set([..."&'()*+,-./:;<=>|[]?@`"]);
/** Line ends for comments: VHDL ends a line at any format effector but the tab (LF, CR, VT, FF). */
const LINE_END = /[\n\r\v\f]/;
const LETTER = /[A-Za-z]/;
const WORD = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;
/** Bit-string bases, optionally with a length (`12UX"F"`, VHDL-2008). */
const BITSTRING = /^(\d*)(b|o|x|d|ub|uo|ux|sb|so|sx)"/i;

export function lexVhdl(source: string): Lexed {
  const tokens: VhdlToken[] = [];
  const errors: string[] = [];
  let i = 0;
  let line = 1;
  const n = source.length;
  const push = (kind: VhdlTokenKind, start: number, end: number, norm?: string) => {
    const text = source.slice(start, end);
    tokens.push({ kind, text, norm: norm ?? text, start, end, line });
  };
  while (i < n) {
    const c = source[i] as string;
    if (c === "\n") {
      line++;
      i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "-" && source[i + 1] === "-") {
      while (i < n && !LINE_END.test(source[i] as string)) i++;
      continue;
    }
    if (c === "/" && source[i + 1] === "*") {
      const close = source.indexOf("*/", i + 2);
      const stop = close < 0 ? n : close + 2;
      for (let k = i; k < stop; k++) if (source[k] === "\n") line++;
      if (close < 0) errors.push(`line ${line}: unterminated /* comment`);
      i = stop;
      continue;
    }
    // Bit strings before identifiers: x"FF" starts like the identifier x.
    const bits = BITSTRING.exec(source.slice(i, i + 8));
    if (bits && (bits[1] !== "" || LETTER.test(c))) {
      const end = closeString(source, i + bits[0].length - 1);
      if (end < 0) {
        errors.push(`line ${line}: unterminated bit string`);
        break;
      }
      push("bitstring", i, end, source.slice(i, end).toLowerCase());
      i = end;
      continue;
    }
    if (LETTER.test(c)) {
      let j = i + 1;
      while (j < n && WORD.test(source[j] as string)) j++;
      const text = source.slice(i, j);
      if (/__|_$/.test(text)) errors.push(`line ${line}: malformed identifier ${text}`);
      push("id", i, j, text.toLowerCase());
      i = j;
      continue;
    }
    if (c === "\\") {
      let j = i + 1;
      for (;;) {
        if (j >= n || LINE_END.test(source[j] as string)) {
          errors.push(`line ${line}: unterminated extended identifier`);
          return { tokens, errors };
        }
        if (source[j] === "\\") {
          if (source[j + 1] === "\\") j += 2;
          else break;
        } else j++;
      }
      push("extid", i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '"') {
      const end = closeString(source, i);
      if (end < 0) {
        errors.push(`line ${line}: unterminated string`);
        break;
      }
      push("string", i, end);
      i = end;
      continue;
    }
    if (c === "'") {
      // A tick after a name, `)`, `]` or `all` is an attribute or qualification; otherwise 'x' is a character.
      const prev = tokens[tokens.length - 1];
      const afterName =
        prev !== undefined &&
        ((prev.kind === "id" && (!RESERVED.has(prev.norm) || prev.norm === "all")) ||
          prev.kind === "extid" ||
          prev.norm === ")" ||
          prev.norm === "]");
      if (!afterName && source[i + 2] === "'" && i + 1 < n && !LINE_END.test(source[i + 1] as string)) {
        push("char", i, i + 3);
        i += 3;
        continue;
      }
      push("punct", i, i + 1);
      i++;
      continue;
    }
    if (DIGIT.test(c)) {
      let j = i;
      while (j < n && /[0-9_]/.test(source[j] as string)) j++;
      if (source[j] === "#" || source[j] === ":") {
        // based literal 16#FF# (or the old 16:FF: form)
        const mark = source[j];
        const close = source.indexOf(mark as string, j + 1);
        if (close < 0 || !/^[0-9A-Fa-f_.]+$/.test(source.slice(j + 1, close))) {
          errors.push(`line ${line}: malformed based literal`);
          break;
        }
        j = close + 1;
      } else if (source[j] === "." && DIGIT.test(source[j + 1] ?? "")) {
        j++;
        while (j < n && /[0-9_]/.test(source[j] as string)) j++;
      }
      if (/[eE]/.test(source[j] ?? "") && /[-+0-9]/.test(source[j + 1] ?? "")) {
        j += 2;
        while (j < n && DIGIT.test(source[j] as string)) j++;
      }
      push("number", i, j);
      i = j;
      continue;
    }
    const delim = DELIMITERS.find((d) => source.startsWith(d, i));
    if (delim) {
      push("punct", i, i + delim.length);
      i += delim.length;
      continue;
    }
    if (SINGLE.has(c)) {
      push("punct", i, i + 1);
      i++;
      continue;
    }
    errors.push(`line ${line}: unexpected character ${JSON.stringify(c)}`);
    i++;
  }
  return { tokens, errors };
}

/** End (exclusive) of the string literal opening at `open` (a `"`), or -1; `""` is an escaped quote. */
function closeString(source: string, open: number): number {
  let j = open + 1;
  for (;;) {
    const ch = source[j];
    if (ch === undefined || LINE_END.test(ch)) return -1;
    if (ch === '"') {
      if (source[j + 1] === '"') j += 2;
      else return j + 1;
    } else j++;
  }
}

/** Index of the token closing the bracket at `open` ("(" or "["), or -1. */
export function closingParen(tokens: readonly VhdlToken[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = (tokens[k] as VhdlToken).norm;
    if (t === "(" || t === "[") depth++;
    else if (t === ")" || t === "]") {
      depth--;
      if (depth === 0) return k;
    }
  }
  return -1;
}
