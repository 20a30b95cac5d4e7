import type { Token } from "./lexer.js";
import { isPunct, isWord, stripComments, tokenize } from "./lexer.js";
import { moduleDeclAt } from "./modules.js";

/** How the code was found; see {@link extractVerilog}. */
export type ExtractionMethod = "answer-fence" | "fence-verilog" | "fence" | "begin-done" | "raw" | "none";

/** Code pulled out of a model response, how it was found, and every fix-up applied (for diagnostics). */
export interface Extraction {
  code: string;
  method: ExtractionMethod;
  notes: string[];
}

/** Options for {@link extractVerilog}. */
export interface ExtractOptions {
  /** Module header the model was asked to continue (code-completion tasks). */
  prefix?: string;
}

interface Fence {
  lang: string;
  body: string;
  closed: boolean;
}

interface Picked {
  code: string;
  method: ExtractionMethod;
}

/** Token indices of module declarations and `endmodule`s in a piece of text. */
interface ModuleScan {
  tokens: Token[];
  decls: number[];
  ends: number[];
}

const VERILOG_LANGS = new Set(["verilog", "systemverilog", "sv", "v"]);

function scanModules(text: string): ModuleScan {
  const tokens = tokenize(text);
  const decls: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (moduleDeclAt(tokens, i) >= 0) decls.push(i);
    else if (isWord(tokens[i], "endmodule")) ends.push(i);
  }
  return { tokens, decls, ends };
}

const hasModule = (text: string): boolean => scanModules(text).decls.length > 0;

/** True when the text is a module body to put after a header: no declaration, or an `endmodule` before the first one. */
function isBody(scan: ModuleScan): boolean {
  const firstDecl = scan.decls[0];
  return firstDecl === undefined || (scan.ends[0] ?? Number.POSITIVE_INFINITY) < firstDecl;
}

/** Drops leading blank lines (keeping the first line's indentation) and trailing whitespace. */
const tidy = (text: string): string => text.replace(/^(?:[ \t]*\n)+/, "").trimEnd();

/** Drops `<think>...</think>` blocks (an unterminated one runs to the end) and reasoning before a stray `</think>`. */
function stripThinking(text: string, notes: string[]): string {
  let out = text.replace(/<think>[\s\S]*?(?:<\/think>|$)/gi, "");
  if (out !== text) notes.push("removed <think> reasoning");
  const close = out.toLowerCase().lastIndexOf("</think>");
  if (close >= 0) {
    out = out.slice(close + "</think>".length);
    notes.push("removed reasoning before </think>");
  }
  return out;
}

/** Content of the last `<answer>` block (to `</answer>` or the end), or undefined when there is none. */
function lastAnswer(text: string): string | undefined {
  const lower = text.toLowerCase();
  const open = lower.lastIndexOf("<answer>");
  if (open < 0) return undefined;
  const from = open + "<answer>".length;
  const close = lower.indexOf("</answer>", from);
  return text.slice(from, close < 0 ? undefined : close);
}

/** Markdown code fences; an unterminated last fence runs to the end. A closing ``` may trail the last code line. */
function parseFences(text: string): Fence[] {
  const fences: Fence[] = [];
  let open: { lang: string; lines: string[] } | undefined;
  for (const line of text.split("\n")) {
    if (open === undefined) {
      const opening = /^\s*```+\s*([^\s`]*)/.exec(line);
      if (opening) open = { lang: (opening[1] ?? "").toLowerCase(), lines: [] };
      continue;
    }
    const trimmed = line.trimEnd();
    if (!trimmed.endsWith("```")) {
      open.lines.push(line);
      continue;
    }
    const before = trimmed.replace(/`+$/, "");
    if (before.trim() !== "") open.lines.push(before);
    fences.push({ lang: open.lang, body: open.lines.join("\n"), closed: true });
    open = undefined;
  }
  if (open) fences.push({ lang: open.lang, body: open.lines.join("\n"), closed: false });
  return fences;
}

/**
 * The last Verilog-tagged fence declaring a module, else the last other fence declaring one; with a prefix, failing
 * both, the last Verilog-tagged (else untagged) fence, which may hold just a module body.
 */
function chooseFence(fences: readonly Fence[], allowBody: boolean): Fence | undefined {
  const tagged = fences.filter((f) => VERILOG_LANGS.has(f.lang));
  const others = fences.filter((f) => !VERILOG_LANGS.has(f.lang));
  const withModule = tagged.findLast((f) => hasModule(f.body)) ?? others.findLast((f) => hasModule(f.body));
  if (withModule || !allowBody) return withModule;
  return tagged.at(-1) ?? others.findLast((f) => f.lang === "");
}

/** From the first module declaration to the last `endmodule` (or the end); with a prefix, a body-only text whole. */
function rawCode(text: string, allowBody: boolean): string | undefined {
  const scan = scanModules(text);
  if (allowBody && isBody(scan)) return text;
  const first = scan.decls[0];
  if (first === undefined) return undefined;
  const lastEnd = scan.ends.at(-1);
  const start = (scan.tokens[first] as Token).start;
  const end = lastEnd !== undefined && lastEnd > first ? (scan.tokens[lastEnd] as Token).end : text.length;
  return text.slice(start, end);
}

function pick(text: string, inAnswer: boolean, allowBody: boolean, notes: string[]): Picked | undefined {
  const fence = chooseFence(parseFences(text), allowBody);
  if (fence) {
    if (!fence.closed) notes.push("code fence not closed; took it to the end of the text");
    const method = inAnswer ? "answer-fence" : VERILOG_LANGS.has(fence.lang) ? "fence-verilog" : "fence";
    return { code: fence.body, method };
  }
  if (!inAnswer) {
    const begin = text.lastIndexOf("[BEGIN]");
    if (begin >= 0) {
      const from = begin + "[BEGIN]".length;
      const done = text.indexOf("[DONE]", from);
      const body = text.slice(from, done < 0 ? undefined : done);
      if (allowBody || hasModule(body)) {
        if (done < 0) notes.push("[BEGIN] without [DONE]; took it to the end of the text");
        return { code: body, method: "begin-done" };
      }
    }
  }
  const raw = rawCode(text, allowBody);
  return raw === undefined ? undefined : { code: raw, method: "raw" };
}

/** Cuts prose after the last `endmodule` (keeping an SV `: label`); a tail holding a declaration or directive stays. */
function trimTail(code: string, notes: string[]): string {
  const { tokens, decls, ends } = scanModules(code);
  const lastEnd = ends.at(-1);
  if (lastEnd === undefined || decls.some((d) => d > lastEnd)) return code;
  let keep = lastEnd;
  if (isPunct(tokens[keep + 1], ":") && tokens[keep + 2]?.kind === "ident") keep += 2;
  if (tokens.slice(keep + 1).some((t) => t.kind === "directive")) return code;
  const cut = (tokens[keep] as Token).end;
  const tail = code.slice(cut);
  if (stripComments(tail).trim() !== "") notes.push("dropped text after the last endmodule");
  return code.slice(0, cut);
}

/**
 * Pulls the Verilog design out of an LLM response. Rules, in order:
 * 1. `<think>...</think>` is dropped (an unterminated `<think>` to the end; text before a stray `</think>` too).
 * 2. If an `<answer>` block exists, only the last one is searched (to `</answer>` or the end): its code fence if it
 *    has one, else its raw text (method "answer-fence" or "raw").
 * 3. Fences: the last ```verilog / ```systemverilog / ```sv / ```v block declaring a module wins (CodeV-R1's "last
 *    Verilog block"), else the last other fence declaring one; an unterminated final fence runs to the end.
 * 4. VerilogEval v2 `[BEGIN] ... [DONE]`: the last `[BEGIN]`, to `[DONE]` or the end.
 * 5. Raw: from the first `module` declaration (token-level, so not in comments or prose) to the last `endmodule`.
 * 6. Nothing declares a module: method "none" and empty code, unless `prefix` is given.
 * Fix-ups, each recorded in `notes`: prose after the last `endmodule` is cut; with `prefix` (code completion), code
 * without a module declaration, or starting with a body that ends in `endmodule`, gets `prefix + "\n"` in front (and
 * fences or `[BEGIN]` blocks holding just a body qualify in steps 3-4); each missing `endmodule` is appended.
 */
export function extractVerilog(response: string, options: ExtractOptions = {}): Extraction {
  const notes: string[] = [];
  const { prefix } = options;
  let text = stripThinking(response.replace(/\r\n?/g, "\n"), notes);
  const answer = lastAnswer(text);
  if (answer !== undefined) {
    notes.push("searched only the last <answer> block");
    text = answer;
  }
  const picked = pick(text, answer !== undefined, prefix !== undefined, notes);
  if (picked === undefined) return { code: "", method: "none", notes: [...notes, "no Verilog module found"] };

  let code = trimTail(tidy(picked.code), notes);
  if (prefix !== undefined && isBody(scanModules(code))) {
    code = `${prefix}\n${code}`;
    notes.push("prepended the given module header");
  }
  const { decls, ends } = scanModules(code);
  const missing = decls.length - ends.length;
  code = `${tidy(code)}\n`;
  if (missing > 0) {
    code += "endmodule\n".repeat(missing);
    notes.push(`appended ${missing} missing endmodule${missing > 1 ? "s" : ""}`);
  }
  return { code, method: picked.method, notes };
}
