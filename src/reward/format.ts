/** CodeV-R1's response shape: reasoning in `<think>`, then the answer in `<answer>`, nothing else around them. */
const THINK_ANSWER = /^\s*<think>[\s\S]*?<\/think>\s*<answer>([\s\S]*?)<\/answer>\s*$/;
const VERILOG_FENCE = /```[ \t]*(?:verilog|systemverilog|sv|v)\b/i;

/**
 * Why a response breaks CodeV-R1's format (think block, then an answer block holding a ```verilog fence), or
 * undefined when it holds.
 */
export function codevFormatError(response: string): string | undefined {
  const m = THINK_ANSWER.exec(response);
  if (!m) return "the response is not <think>...</think><answer>...</answer>";
  if (!VERILOG_FENCE.test(m[1] ?? "")) return "the <answer> block holds no ```verilog code block";
  return undefined;
}
