import type { Token } from "./lexer.js";
import { closingIndex, isPunct, isWord, stripComments, tokenize } from "./lexer.js";
import { KEYWORDS } from "./modules.js";

/** A candidate with its side-effecting constructs blanked out. `rejected` non-empty means: treat as compile_error. */
export interface Sanitized {
  code: string;
  /** Constructs removed because they are harmless to drop (output, simulation control), e.g. "$display". */
  neutralised: string[];
  /** Constructs that could reach files or outside the design; also blanked, but the candidate must be refused. */
  rejected: string[];
}

/** Pure system functions a design may legitimately use; every other `$name` is removed or rejected. */
const ALLOWED_SYSTEM = new Set([
  "$signed",
  "$unsigned",
  "$clog2",
  "$bits",
  "$size",
  "$high",
  "$low",
  "$left",
  "$right",
  "$countones",
  "$onehot",
  "$onehot0",
  "$isunknown",
  "$time",
  "$stime",
  "$realtime",
  "$random",
  "$urandom",
  "$urandom_range",
  "$rtoi",
  "$itor",
  "$realtobits",
  "$bitstoreal",
  "$ln",
  "$log10",
  "$exp",
  "$sqrt",
  "$pow",
  "$floor",
  "$ceil",
  "$sin",
  "$cos",
  "$tan",
  "$abs",
]);

/** System tasks that read files, run commands, read plusargs or reach the whole hierarchy. */
const REJECTED_SYSTEM = new Set([
  "$fopen",
  "$fgets",
  "$fgetc",
  "$fscanf",
  "$sscanf",
  "$fread",
  "$readmemh",
  "$readmemb",
  "$writememh",
  "$writememb",
  "$system",
  "$value$plusargs",
  "$test$plusargs",
  "$root",
]);

/**
 * Directives that may remain in a preprocessed candidate: they change how the design is read in ways both tools
 * agree on. Every other one left after preprocessing (`line, `pragma, `begin_keywords, or one assembled by a macro)
 * is refused: `line would move the blame for a compile error onto a neighbour's file.
 */
const ALLOWED_DIRECTIVES = new Set(["`timescale", "`default_nettype", "`resetall", "`celldefine", "`endcelldefine"]);

/**
 * One line-ending convention for every consumer of candidate text. The tools disagree with naive lexers on a lone
 * carriage return (iverilog ends a `//` comment there), so CRLF and lone CR become LF before anything reads the text.
 */
export function normaliseLineEndings(src: string): string {
  return src.includes("\r") ? src.replace(/\r\n?/g, "\n") : src;
}

const SIMPLE_IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Replaces every character except line breaks with a space, so offsets and line numbers stay. */
function blank(text: string): string {
  return text.replace(/[^\n\r]/g, " ");
}

/** Index of the first `;` at or after `from` (or of any token in `stops`), else tokens.length. */
function statementEnd(tokens: readonly Token[], from: number, stops: readonly string[] = []): number {
  let j = from;
  while (j < tokens.length && !isPunct(tokens[j], ";") && !stops.some((s) => isPunct(tokens[j], s))) j++;
  return j;
}

export interface SanitizeOptions {
  /**
   * The text is the preprocessor's output (no macros left; see verify's front end): comments and attributes are
   * blanked (Yosys reads `translate_off` comments and `full_case` attributes that the simulator ignores, so they
   * would show the two engines different designs), and every directive but the harmless few is refused.
   */
  preprocessed?: boolean;
}

/**
 * Makes a candidate safe to simulate next to our testbench: it must not print (and so forge) a verdict, end the
 * simulation, touch files or run code. Allowed pure system functions stay. Any other `$name` call, with its balanced
 * argument list, is blanked (line breaks kept, the following `;` becomes an empty statement) and listed in
 * `neutralised`. File access, `$system`, plusargs, `$root`, `` `include ``, macro token pasting (` `` `, which could
 * assemble a task name the scan never sees), DPI imports and exports (Yosys evaluates imported C functions while it
 * reads a design), escaped identifiers that are not plain names (`\$fopen ` is run as the task by iverilog), `bind`,
 * and `force`/`release` of hierarchical names are blanked too but listed in `rejected`: the caller must refuse such
 * a candidate. Escaped identifiers that spell a plain name (`\TopModule `) become that name. Line endings are
 * normalised first (see normaliseLineEndings).
 */
export function sanitizeCandidate(input: string, options: SanitizeOptions = {}): Sanitized {
  const first = sanitizeOnce(normaliseLineEndings(input), options);
  if (first.rejected.length > 0 || first.code === input) return first;
  // What the tools get must be text this scan accepts as it is: a second pass over the result that still finds
  // something to change means the first pass was misled (a blanked span that re-lexes differently), so refuse.
  const second = sanitizeOnce(first.code, options);
  if (second.rejected.length > 0 || second.code !== first.code) {
    return { ...first, rejected: ["text whose sanitised form is not stable (re-lexes differently)"] };
  }
  return first;
}

function sanitizeOnce(src: string, options: SanitizeOptions): Sanitized {
  const tokens = tokenize(src);
  const ranges: Array<[number, number]> = [];
  const replacements: Array<[number, number, string]> = [];
  const neutralised = new Set<string>();
  const rejected = new Set<string>();
  let next: { stop: Int32Array; dot: Int32Array } | undefined;
  const blankTokens = (from: number, to: number): void => {
    const first = tokens[from];
    const last = tokens[Math.min(to, tokens.length - 1)];
    if (first && last) ranges.push([first.start, to < tokens.length ? last.end : src.length]);
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === "system" && !ALLOWED_SYSTEM.has(t.text)) {
      // An unbalanced argument list blanks to the end: broken either way, and nothing after it can slip through.
      const to = isPunct(tokens[i + 1], "(") ? closingIndex(tokens, i + 1) : i;
      const end = to < 0 ? tokens.length : to;
      const semicolon = tokens[end + 1];
      if (to >= 0 && semicolon && isPunct(semicolon, ";")) {
        // A whole task call becomes `begin end`: unlike a bare `;` it is legal after `initial` or `always`.
        const newlines = src.slice(t.start, semicolon.end).replace(/[^\n]/g, "");
        replacements.push([t.start, semicolon.end, `begin end${newlines}`]);
        i = end + 1;
      } else {
        blankTokens(i, end);
        i = end;
      }
      (REJECTED_SYSTEM.has(t.text) ? rejected : neutralised).add(t.text);
    } else if (t.kind === "escaped") {
      const name = t.text.slice(1);
      if (SIMPLE_IDENT.test(name) && !KEYWORDS.has(name)) replacements.push([t.start, t.end, name]);
      else {
        ranges.push([t.start, t.end]);
        rejected.add(name.startsWith("$") ? `escaped system task name ${t.text}` : `escaped identifier ${t.text}`);
      }
    } else if ((isWord(t, "import") || isWord(t, "export")) && tokens[i + 1]?.kind === "string") {
      const end = statementEnd(tokens, i);
      blankTokens(i, end);
      rejected.add(`DPI ${t.text} ${tokens[i + 1]?.text}`);
      i = end;
    } else if (options.preprocessed && t.kind === "directive" && !ALLOWED_DIRECTIVES.has(t.text)) {
      ranges.push([t.start, t.end]);
      rejected.add(t.text);
    } else if (options.preprocessed && attributeAt(src, t)) {
      const close = src.indexOf("*)", t.end + 1);
      const end = close < 0 ? src.length : close + 2;
      ranges.push([t.start, end]);
      while (i + 1 < tokens.length && (tokens[i + 1] as Token).start < end) i++;
    } else if (t.kind === "directive" && t.text === "`include") {
      const newline = src.indexOf("\n", t.end);
      const lineEnd = newline < 0 ? src.length : newline;
      ranges.push([t.start, lineEnd]);
      rejected.add(t.text);
      while (i + 1 < tokens.length && (tokens[i + 1] as Token).start < lineEnd) i++;
    } else if (isPunct(t, "``")) {
      ranges.push([t.start, t.end]);
      rejected.add(t.text);
    } else if (isWord(t, "bind")) {
      const end = statementEnd(tokens, i);
      blankTokens(i, end - 1);
      rejected.add(t.text);
      i = end;
    } else if (isWord(t, "force") || isWord(t, "release")) {
      // Next `;`/`=` and next `.` from precomputed tables: a scan per `force` would be quadratic on `force force ...`.
      next ??= nextIndexes(tokens);
      const target = next.stop[i + 1] ?? tokens.length;
      if ((next.dot[i + 1] ?? tokens.length) < target) {
        const end = statementEnd(tokens, i);
        blankTokens(i, end - 1);
        rejected.add(t.text);
        i = end;
      }
    }
  }

  const edits = [
    ...(options.preprocessed ? commentRanges(src) : []).map(([a, b]): [number, number] => [a, b]),
    ...ranges,
  ];
  const all = [
    ...edits.map(([start, end]): [number, number, string] => [start, end, blank(src.slice(start, end))]),
    ...replacements,
  ].sort((a, b) => a[0] - b[0]);
  let code = "";
  let from = 0;
  for (const [start, end, text] of all) {
    if (start < from) continue; // inside an edit already made (an attribute spanning a comment, say)
    code += src.slice(from, start) + text;
    from = end;
  }
  code += src.slice(from);
  return { code, neutralised: [...neutralised], rejected: [...rejected] };
}

/** For each token index, the index of the next `;` or `=` and of the next `.` at or after it (tokens.length if none). */
function nextIndexes(tokens: readonly Token[]): { stop: Int32Array; dot: Int32Array } {
  const stop = new Int32Array(tokens.length + 1).fill(tokens.length);
  const dot = new Int32Array(tokens.length + 1).fill(tokens.length);
  for (let j = tokens.length - 1; j >= 0; j--) {
    const t = tokens[j];
    stop[j] = isPunct(t, ";") || isPunct(t, "=") ? j : (stop[j + 1] as number);
    dot[j] = isPunct(t, ".") ? j : (dot[j + 1] as number);
  }
  return { stop, dot };
}

/** `(*` that opens an attribute instance (not the `(*)` of `@(*)`, and not `@ (*`). */
function attributeAt(src: string, t: Token): boolean {
  if (t.text !== "(" || src[t.end] !== "*" || src[t.end + 1] === ")") return false;
  let j = t.start - 1;
  while (j >= 0 && /\s/.test(src[j] as string)) j--;
  return src[j] !== "@";
}

/** Comment spans as the lexer sees them. */
function commentRanges(src: string): Array<[number, number]> {
  const stripped = stripComments(src);
  const out: Array<[number, number]> = [];
  let start = -1;
  for (let i = 0; i <= src.length; i++) {
    const differs = i < src.length && stripped[i] !== src[i];
    if (differs && start < 0) start = i;
    else if (!differs && start >= 0) {
      out.push([start, i]);
      start = -1;
    }
  }
  return out;
}

/**
 * Appends what undoes a file's compiler directives (`resetall, and `undef for each macro it defines), so a
 * candidate compiled beside others in one simulation cannot change how the files after it are read.
 */
export function sealDirectives(src: string): string {
  const tokens = tokenize(src);
  const defined = new Set<string>();
  tokens.forEach((t, i) => {
    const next = tokens[i + 1];
    if (t.kind === "directive" && t.text === "`define" && next && (next.kind === "ident" || next.kind === "escaped"))
      defined.add(next.text);
  });
  const undefs = [...defined].map((name) => `\`undef ${name}\n`).join("");
  return `${src}\n\`resetall\n${undefs}`;
}

/** Whether the source writes an x or z literal (`1'bx`, `'z`, `4'b10?1`): only then can it drive X on purpose. */
export function hasUnknownLiterals(src: string): boolean {
  return tokenize(src).some((t) => t.kind === "number" && /'[sS]?[bBoOhHdD]?\s*[0-9a-fA-F_]*[xXzZ?]/.test(t.text));
}
