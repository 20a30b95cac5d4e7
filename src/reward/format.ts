import type { HdlLanguage } from "../contracts/index.js";

const VERILOG_FENCE = /```[ \t]*(?:verilog|systemverilog|sv|v)\b/i;
const VHDL_FENCE = /```[ \t]*(?:vhdl|vhd)\b/i;
const THINK_OPEN = "<think>";
const THINK_CLOSE = "</think>";
const ANSWER_OPEN = "<answer>";
const ANSWER_CLOSE = "</answer>";

/** `\s` of a regular expression, one character at a time. */
const isSpace = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);

/**
 * The `<answer>` content of a response shaped `\s*<think>…</think>\s*<answer>…</answer>\s*`, or undefined. The same
 * language as `/^\s*<think>[\s\S]*?<\/think>\s*<answer>([\s\S]*?)<\/answer>\s*$/` and the same capture, found with
 * string searches in linear time: that regex retries the rest of the text after every `</think>` followed by
 * `<answer>`, quadratic on a response repeating them.
 */
export function thinkAnswerBlock(response: string): string | undefined {
  const body = response.trimStart();
  if (!body.startsWith(THINK_OPEN)) return undefined;
  const tail = body.trimEnd();
  // Trailing whitespace is the only text a lazy match may leave after `</answer>`, so it is the last one.
  if (!tail.endsWith(ANSWER_CLOSE)) return undefined;
  const close = tail.length - ANSWER_CLOSE.length;
  // The lazy think block ends at the first `</think>` that whitespace and `<answer>` follow.
  for (let at = body.indexOf(THINK_CLOSE, THINK_OPEN.length); at >= 0; at = body.indexOf(THINK_CLOSE, at + 1)) {
    let open = at + THINK_CLOSE.length;
    while (isSpace(body[open])) open++;
    if (!body.startsWith(ANSWER_OPEN, open)) continue;
    const from = open + ANSWER_OPEN.length;
    return from <= close ? body.slice(from, close) : undefined;
  }
  return undefined;
}

/**
 * Why a response breaks CodeV-R1's format (think block, then an answer block holding a ```verilog fence, or a
 * ```vhdl fence when the answer's language is VHDL), or undefined when it holds.
 */
export function codevFormatError(response: string, language: HdlLanguage = "verilog"): string | undefined {
  const answer = thinkAnswerBlock(response);
  if (answer === undefined) return "the response is not <think>...</think><answer>...</answer>";
  if (language === "vhdl")
    return VHDL_FENCE.test(answer) ? undefined : "the <answer> block holds no ```vhdl code block";
  if (!VERILOG_FENCE.test(answer)) return "the <answer> block holds no ```verilog code block";
  return undefined;
}
