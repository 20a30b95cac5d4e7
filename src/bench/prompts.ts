import type { Problem } from "../contracts/index.js";
import type { Api } from "../llm/index.js";
import { type Extraction, extractVerilog } from "../verilog/index.js";
import { extractVhdl } from "../vhdl/index.js";

/**
 * `upstream` reproduces each suite's own prompting; `rtlgym` asks every suite the same way (one ```verilog block);
 * `codev` asks for CodeV-R1's reasoning format (`<think>...</think><answer>```verilog ...```</answer>`).
 */
export type PromptStyle = "upstream" | "rtlgym" | "codev";
export const PROMPT_STYLES: readonly PromptStyle[] = ["upstream", "rtlgym", "codev"];

/** Prompt conventions a problem follows, from its testbench kind or its suite name. */
export type SuiteFamily = "verilog-eval" | "rtllm" | "builtin";

export interface PromptOptions {
  /** Default "upstream"; the builtin suite has no upstream and always gets the rtlgym prompt. */
  style?: PromptStyle;
  api: Api;
  /**
   * In-context examples put before the question, as VerilogEval's `sv-generate -x N` does: the text of
   * `scripts/verilog-example-prefix_<task>_<N>-shot.txt` from the user's verilog-eval clone. VerilogEval only.
   */
  examples?: string;
}

/** A prompt ready for the model client: `prefill` is where the answer starts (keep it for {@link extractCandidate}). */
export interface BuiltPrompt {
  system?: string;
  prompt: string;
  /** Text the answer begins with: appended to the prompt (completions) or continued as an assistant message (chat). */
  prefill?: string;
  /** Stop sequences that end the answer (completions prompts). */
  stop?: string[];
}

// VerilogEval v2 `scripts/sv-generate` (NVlabs/verilog-eval): system messages and framing, kept byte for byte so
// scores stay comparable with published ones.
const VE_SPEC_SYSTEM = "\nYou are a Verilog RTL designer that only writes code using correct Verilog syntax.\n";
const VE_COMPLETE_SYSTEM =
  "\nYou only complete chats with syntax correct Verilog code. End the Verilog module code completion with " +
  "'endmodule'. Do not include module, input and output definitions.\n";
const VE_COMPLETE_PREFIX =
  "\n// Implement the Verilog module based on the following description. Assume that signals are positive " +
  "clock/clk triggered unless otherwise stated.\n";
const VE_NO_EXPLAIN =
  "\nEnclose your code with [BEGIN] and [DONE]. Only output the code snippet\nand do NOT output anything else.\n";

const RTLGYM_SYSTEM = "You are an expert digital hardware designer. You write correct, synthesizable Verilog.";

// CodeV-R1's system prompt (its training and evaluation scripts), in substance: reason in <think>, answer in <answer>
// with one ```verilog block. The `codev` reward checks exactly this shape (src/reward/format.ts).
export const CODEV_SYSTEM =
  "You are a helpful assistant. The assistant first thinks about the reasoning process in the mind and then " +
  "provides the user with the answer. The reasoning process and answer are enclosed within <think> </think> and " +
  "<answer> </answer> tags, respectively, i.e., <think> reasoning process here </think><answer> answer here " +
  "</answer>. Now the user asks you to write verilog code. After thinking, when you finally reach a conclusion, " +
  "enclose the final verilog code in ```verilog ``` within <answer> </answer> tags. i.e., <answer> ```verilog\n " +
  "module top_module(in, out, ...) ... ``` </answer>.\n";

/** Which prompt conventions apply to a problem. */
export function suiteFamily(problem: Problem): SuiteFamily {
  if (problem.testbench) return problem.testbench.kind;
  const suite = problem.suite.toLowerCase();
  if (suite.includes("verilog-eval") || suite.includes("verilogeval")) return "verilog-eval";
  if (suite.includes("rtllm")) return "rtllm";
  return "builtin";
}

/** Python's `str.splitlines()` for \n text: no empty piece after a final newline. */
function splitLines(text: string): string[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** Index of the line declaring the candidate module (`module TopModule`), or -1. */
function headerLine(lines: readonly string[], candTop: string): number {
  return lines.findIndex((line) => line.includes(`module ${candTop}`));
}

/**
 * The completion text of a code-complete problem: its prompt with the header after it. VerilogEval v2 prompt files
 * already end in the header; v1 keeps the description and header apart.
 */
function completionText(problem: Problem): string {
  if (headerLine(splitLines(problem.prompt), problem.candTop) >= 0 || problem.header === undefined) {
    return problem.prompt;
  }
  return `${problem.prompt.trimEnd()}\n\n${problem.header}`;
}

/** The module header a code-complete answer continues (undefined when the problem has none). */
export function completionHeader(problem: Problem): string | undefined {
  if (problem.header !== undefined) return problem.header;
  const lines = splitLines(problem.prompt);
  const at = headerLine(lines, problem.candTop);
  return at < 0 ? undefined : `${lines.slice(at).join("\n").trimEnd()}\n`;
}

/** The problem's description without a trailing module header. */
function description(problem: Problem): string {
  const lines = splitLines(problem.prompt);
  const at = headerLine(lines, problem.candTop);
  return (at < 0 ? problem.prompt : lines.slice(0, at).join("\n")).trim();
}

/** sv-generate, task spec-to-rtl: "Question:" / "Answer:" with the [BEGIN]/[DONE] instruction. */
function verilogEvalSpec(problem: Problem, options: PromptOptions): BuiltPrompt {
  let prompt = `${options.examples ?? ""}\nQuestion:\n${problem.prompt.trim()}\n`;
  prompt = `${prompt.trimEnd()}\n${VE_NO_EXPLAIN}\nAnswer:\n`;
  if (options.api === "chat") return { system: VE_SPEC_SYSTEM, prompt };
  // No system role on /v1/completions: sv-generate's own fallback puts the system message first.
  return { prompt: `${VE_SPEC_SYSTEM}\n${prompt}`, prefill: "[BEGIN]\n", stop: ["[DONE]"] };
}

/** sv-generate, task code-complete-iccad2023 (and VerilogEval v1): commented description, then the header. */
function verilogEvalComplete(problem: Problem, options: PromptOptions): BuiltPrompt {
  const lines = splitLines(completionText(problem));
  const at = headerLine(lines, problem.candTop);
  const described = (at < 0 ? lines : lines.slice(0, at)).map((line) => `// ${line}`);
  const header = at < 0 ? [] : lines.slice(at);
  const before = `${options.examples ?? ""}${VE_COMPLETE_PREFIX}`;
  if (options.api === "chat") {
    const body = at < 0 ? described : [...described, "", ...header];
    return { system: VE_COMPLETE_SYSTEM, prompt: before + body.join("\n") };
  }
  const prompt = `${before}${described.join("\n")}\n\n`;
  return { prompt, ...(header.length > 0 && { prefill: `${header.join("\n")}\n` }), stop: ["endmodule"] };
}

/** RTLLM: the design description is the whole prompt (it already asks for the complete code). */
function rtllm(problem: Problem, options: PromptOptions): BuiltPrompt {
  if (options.api === "chat") return { prompt: problem.prompt };
  return { prompt: `${problem.prompt.trimEnd()}\n\n`, prefill: "```verilog\n", stop: ["```"] };
}

const RTLGYM_VHDL_SYSTEM = "You are an expert digital hardware designer. You write correct, synthesizable VHDL.";

/** The VHDL track (problem.language "vhdl"): the spec, the entity, and a request for one ```vhdl block. */
function rtlgymVhdlPrompt(problem: Problem, options: PromptOptions): BuiltPrompt {
  const parts = [problem.prompt.trim()];
  if (problem.header !== undefined && !problem.prompt.includes(problem.header.trim()))
    parts.push(`The entity must have exactly this interface:\n\n\`\`\`vhdl\n${problem.header.trimEnd()}\n\`\`\``);
  parts.push(
    `Write the VHDL entity \`${problem.candTop}\` and its architecture (VHDL-2008, ieee.numeric_std). Reply with the complete design in one \`\`\`vhdl code block.`,
  );
  const prompt = parts.join("\n\n");
  if (options.api === "chat") return { system: RTLGYM_VHDL_SYSTEM, prompt };
  return { prompt: `${RTLGYM_VHDL_SYSTEM}\n\n${prompt}\n\n`, prefill: "```vhdl\n", stop: ["```"] };
}

/** rtlgym's own prompt: the spec, the interface when known, and a request for one ```verilog block. */
function rtlgymPrompt(problem: Problem, options: PromptOptions): BuiltPrompt {
  if (problem.language === "vhdl") return rtlgymVhdlPrompt(problem, options);
  const complete = problem.task === "code-complete";
  const header = complete ? completionHeader(problem) : problem.header;
  const spec = complete ? description(problem) : problem.prompt.trim();
  const parts = [spec];
  if (header !== undefined) {
    parts.push(
      complete
        ? `Complete this module:\n\n\`\`\`verilog\n${header.trimEnd()}\n\`\`\``
        : `The module must have exactly this interface:\n\n\`\`\`verilog\n${header.trimEnd()}\n\`\`\``,
    );
  }
  const ask = complete
    ? `Reply with the complete module \`${problem.candTop}\`, header included, in one \`\`\`verilog code block.`
    : `Write the Verilog module \`${problem.candTop}\`. Reply with the complete module in one \`\`\`verilog code block.`;
  parts.push(ask);
  const prompt = parts.join("\n\n");
  if (options.api === "chat") return { system: RTLGYM_SYSTEM, prompt };
  const prefill = `\`\`\`verilog\n${header !== undefined ? `${header.trimEnd()}\n` : ""}`;
  return { prompt: `${RTLGYM_SYSTEM}\n\n${prompt}\n\n`, prefill, stop: ["```"] };
}

/**
 * CodeV-R1 style: rtlgym's spec and interface under CodeV-R1's system prompt, asking for the think/answer format.
 * Completions prompts carry no prefill or stop: the answer is the whole continuation up to the end of text.
 */
function codevPrompt(problem: Problem, options: PromptOptions): BuiltPrompt {
  const base = rtlgymPrompt(problem, { ...options, api: "chat" });
  const prompt = `${base.prompt}\nReason inside <think> </think> first, then put that code block inside <answer> </answer>.`;
  if (options.api === "chat") return { system: CODEV_SYSTEM, prompt };
  return { prompt: `${CODEV_SYSTEM}\n${prompt}\n\n` };
}

/**
 * The prompt for one problem. Upstream style follows each suite's generator: VerilogEval v2 `sv-generate`
 * (spec-to-rtl: system message, "Question:"/"Answer:", [BEGIN]/[DONE]; code-complete and v1: system message and
 * the commented description followed by the module header), RTLLM's description as is; builtin problems (and
 * every problem in rtlgym style) get the spec, the interface and a request for one ```verilog block. Completions
 * prompts end where the answer starts (`prefill`), for base models.
 */
export function buildPrompt(problem: Problem, options: PromptOptions = { api: "chat" }): BuiltPrompt {
  const style = options.style ?? "upstream";
  // CodeV-R1's system prompt asks for Verilog: VHDL problems keep rtlgym's prompt whatever the style.
  if (problem.language === "vhdl") return rtlgymVhdlPrompt(problem, options);
  if (style === "codev") return codevPrompt(problem, options);
  const family = suiteFamily(problem);
  if (style === "upstream" && family === "verilog-eval") {
    return problem.task === "code-complete" ? verilogEvalComplete(problem, options) : verilogEvalSpec(problem, options);
  }
  if (style === "upstream" && family === "rtllm" && problem.task === "spec-to-rtl") return rtllm(problem, options);
  return rtlgymPrompt(problem, options);
}

/** Options for {@link extractCandidate}. */
export interface ExtractCandidateOptions {
  /** The prompt's `prefill`: the answer is read as its continuation. */
  prefill?: string;
}

/**
 * {@link extractCandidate} with the extraction method and the fix-up notes, for diagnostics. Code-complete answers
 * that only continue the header get the header in front (extractVerilog's `prefix`).
 */
export function extractCandidateDetailed(
  problem: Problem,
  text: string,
  options: ExtractCandidateOptions = {},
): Extraction {
  const full = `${options.prefill ?? ""}${text}`;
  if (problem.language === "vhdl") {
    const v = extractVhdl(full);
    return { code: v.code, method: v.method === "fence-vhdl" ? "fence" : v.method, notes: [`vhdl: ${v.method}`] };
  }
  const prefix = problem.task === "code-complete" ? completionHeader(problem) : undefined;
  return extractVerilog(full, prefix !== undefined ? { prefix: prefix.trimEnd() } : {});
}

/** Candidate source from a raw model answer (empty when it holds no Verilog module); see {@link extractVerilog}. */
export function extractCandidate(problem: Problem, text: string, options: ExtractCandidateOptions = {}): string {
  return extractCandidateDetailed(problem, text, options).code;
}
