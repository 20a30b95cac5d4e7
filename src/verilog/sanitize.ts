import type { Token } from "./lexer.js";
import { closingIndex, isPunct, isWord, stripComments, tokenize } from "./lexer.js";

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

/**
 * Makes a candidate safe to simulate next to our testbench: it must not print (and so forge) a verdict, end the
 * simulation, or touch files. Allowed pure system functions stay. Any other `$name` call, with its balanced argument
 * list, is blanked (line breaks kept, the following `;` becomes an empty statement) and listed in `neutralised`.
 * File access, `$system`, plusargs, `$root`, `` `include ``, macro token pasting (` `` `, which could assemble a
 * task name the scan never sees), `bind`, and `force`/`release` of hierarchical names are blanked too but listed in
 * `rejected`: the caller must refuse such a candidate.
 */
export function sanitizeCandidate(src: string): Sanitized {
  const tokens = tokenize(src);
  const ranges: Array<[number, number]> = [];
  const replacements: Array<[number, number, string]> = [];
  const neutralised = new Set<string>();
  const rejected = new Set<string>();
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
      const target = statementEnd(tokens, i, ["="]);
      if (tokens.slice(i + 1, target).some((x) => isPunct(x, "."))) {
        const end = statementEnd(tokens, i);
        blankTokens(i, end - 1);
        rejected.add(t.text);
        i = end;
      }
    }
  }

  const edits = [
    ...ranges.map(([start, end]): [number, number, string] => [start, end, blank(src.slice(start, end))]),
    ...replacements,
  ].sort((a, b) => a[0] - b[0]);
  let code = "";
  let from = 0;
  for (const [start, end, text] of edits) {
    code += src.slice(from, start) + text;
    from = end;
  }
  code += src.slice(from);
  return { code, neutralised: [...neutralised], rejected: [...rejected] };
}

/**
 * Canonical text for caching and deduplication: comments removed, whitespace runs collapsed to one space, trimmed.
 * String literals keep their inner spacing, and a line break is kept after a compiler-directive line, where it ends a
 * `define body; so two sources with the same result are the same design.
 */
export function normaliseForCache(src: string): string {
  const stripped = stripComments(src);
  const tokens = tokenize(stripped);
  let out = "";
  let directiveLine = false;
  let prev: Token | undefined;
  for (const t of tokens) {
    if (prev !== undefined && prev.end < t.start) {
      const gapHasNewline = /[\n\r]/.test(stripped.slice(prev.end, t.start));
      // A backslash before the newline continues a `define body onto the next line.
      if (gapHasNewline && directiveLine && !isPunct(prev, "\\")) {
        out += "\n";
        directiveLine = false;
      } else {
        out += " ";
      }
    }
    if (t.kind === "directive") directiveLine = true;
    out += t.text;
    prev = t;
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
