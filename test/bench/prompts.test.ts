import { describe, expect, it } from "vitest";
import {
  buildPrompt,
  completionHeader,
  extractCandidate,
  extractCandidateDetailed,
  suiteFamily,
} from "../../src/bench/prompts.js";
import type { Problem } from "../../src/contracts/bench.js";

const REF = "module RefModule(input clk, input reset, output reg [3:0] q);\nendmodule\n";

function problem(fields: Partial<Problem> & Pick<Problem, "suite" | "task" | "prompt" | "candTop">): Problem {
  return { id: "p", reference: REF, refTop: "RefModule", tags: [], ...fields };
}

const veTestbench = { kind: "verilog-eval", source: "", top: "tb", files: {}, includeReference: true } as const;

const SPEC = `
I would like you to implement a module named TopModule with the following
interface. All input and output ports are one bit unless otherwise
specified.

 - input  clk
 - input  reset
 - output q (4 bits)

Make a decade counter that counts 1 through 10, inclusive.
`;
const IFC = "module TopModule (\n  input clk,\n  input reset,\n  output reg [3:0] q\n);\n";

const v2Spec = problem({ suite: "verilog-eval-v2", task: "spec-to-rtl", prompt: SPEC, candTop: "TopModule" });
const v2Complete = problem({
  suite: "verilog-eval-v2-code-complete",
  task: "code-complete",
  prompt: `\nMake a decade counter that counts 1 through 10, inclusive.\n\n${IFC}\n`,
  header: IFC,
  candTop: "TopModule",
  testbench: veTestbench,
});
const V1_HEADER = "module top_module (\n\tinput a,\n\tinput b,\n\toutput out\n);\n";
const v1 = problem({
  suite: "verilog-eval-v1-human",
  task: "code-complete",
  prompt: "Create a module that implements an AND gate.",
  header: V1_HEADER,
  candTop: "top_module",
});
const RTLLM_DESC =
  "Please act as a professional verilog designer.\n\nImplement a module of an 8-bit adder.\n\nModule name:\n    adder_8bit\n\nGive me the complete code.\n";
const rtllm = problem({
  suite: "rtllm-v2.0",
  task: "spec-to-rtl",
  prompt: RTLLM_DESC,
  candTop: "adder_8bit",
  testbench: { kind: "rtllm", source: "", top: "testbench", files: {}, includeReference: false },
});
const BUILTIN_HEADER = "module TopModule(input [3:0] a, input [3:0] b, output [4:0] s);";
const builtin = problem({
  suite: "builtin",
  task: "spec-to-rtl",
  prompt: "Add a and b; s is the 5-bit sum.",
  header: BUILTIN_HEADER,
  candTop: "TopModule",
});

const VE_SPEC_SYSTEM = "\nYou are a Verilog RTL designer that only writes code using correct Verilog syntax.\n";
const VE_COMPLETE_SYSTEM =
  "\nYou only complete chats with syntax correct Verilog code. End the Verilog module code completion with " +
  "'endmodule'. Do not include module, input and output definitions.\n";
const IMPLEMENT =
  "// Implement the Verilog module based on the following description. Assume that signals are positive " +
  "clock/clk triggered unless otherwise stated.";

describe("suiteFamily", () => {
  it("reads the testbench kind, else the suite name", () => {
    expect(suiteFamily(v2Spec)).toBe("verilog-eval");
    expect(suiteFamily(v2Complete)).toBe("verilog-eval");
    expect(suiteFamily(v1)).toBe("verilog-eval");
    expect(suiteFamily(rtllm)).toBe("rtllm");
    expect(suiteFamily({ ...rtllm, testbench: undefined } as Problem)).toBe("rtllm");
    expect(suiteFamily(builtin)).toBe("builtin");
  });
});

describe("buildPrompt, upstream style", () => {
  it("VerilogEval v2 spec-to-rtl: sv-generate's system message, Question/Answer and [BEGIN]/[DONE]", () => {
    const built = buildPrompt(v2Spec, { api: "chat" });
    expect(built.system).toBe(VE_SPEC_SYSTEM);
    expect(built.prompt).toBe(
      `\nQuestion:\n${SPEC.trim()}\n\nEnclose your code with [BEGIN] and [DONE]. Only output the code snippet\n` +
        "and do NOT output anything else.\n\nAnswer:\n",
    );
    expect(built.prefill).toBeUndefined();
  });

  it("VerilogEval v2 spec-to-rtl: in-context examples go before the question", () => {
    const examples = "Question:\nexample\n\nAnswer:\n[BEGIN]\nmodule TopModule; endmodule\n[DONE]\n";
    const built = buildPrompt(v2Spec, { api: "chat", examples });
    expect(built.prompt.startsWith(`${examples}\nQuestion:\n`)).toBe(true);
  });

  it("VerilogEval v2 spec-to-rtl on /v1/completions: system text first, answer opened with [BEGIN]", () => {
    const built = buildPrompt(v2Spec, { api: "completions" });
    expect(built.system).toBeUndefined();
    expect(built.prompt.startsWith(`${VE_SPEC_SYSTEM}\n\nQuestion:\n`)).toBe(true);
    expect(built.prompt.endsWith("\nAnswer:\n")).toBe(true);
    expect(built.prefill).toBe("[BEGIN]\n");
    expect(built.stop).toEqual(["[DONE]"]);
  });

  it("VerilogEval v2 code-complete: commented description, blank line, then the interface", () => {
    const built = buildPrompt(v2Complete, { api: "chat" });
    expect(built.system).toBe(VE_COMPLETE_SYSTEM);
    expect(built.prompt).toBe(
      `\n${IMPLEMENT}\n// \n// Make a decade counter that counts 1 through 10, inclusive.\n// \n\n${IFC}`,
    );
  });

  it("VerilogEval v1: description and header apart, for chat and for a base model", () => {
    const chat = buildPrompt(v1, { api: "chat" });
    expect(chat.system).toBe(VE_COMPLETE_SYSTEM);
    expect(chat.prompt).toBe(
      `\n${IMPLEMENT}\n// Create a module that implements an AND gate.\n// \n\n${V1_HEADER.trimEnd()}`,
    );

    const base = buildPrompt(v1, { api: "completions" });
    expect(base.system).toBeUndefined();
    expect(base.prompt).toBe(`\n${IMPLEMENT}\n// Create a module that implements an AND gate.\n// \n\n`);
    expect(base.prefill).toBe(V1_HEADER);
    expect(base.stop).toEqual(["endmodule"]);
  });

  it("RTLLM: the description as it is", () => {
    expect(buildPrompt(rtllm, { api: "chat" })).toEqual({ prompt: RTLLM_DESC });
    const base = buildPrompt(rtllm, { api: "completions" });
    expect(base.prompt).toBe(`${RTLLM_DESC.trimEnd()}\n\n`);
    expect(base.prefill).toBe("```verilog\n");
  });

  it("builtin: spec, interface and one ```verilog block", () => {
    const built = buildPrompt(builtin);
    expect(built.system).toMatch(/Verilog/);
    expect(built.prompt).toBe(
      "Add a and b; s is the 5-bit sum.\n\nThe module must have exactly this interface:\n\n" +
        `\`\`\`verilog\n${BUILTIN_HEADER}\n\`\`\`\n\n` +
        "Write the Verilog module `TopModule`. Reply with the complete module in one ```verilog code block.",
    );
    const base = buildPrompt(builtin, { api: "completions" });
    expect(base.prefill).toBe(`\`\`\`verilog\n${BUILTIN_HEADER}\n`);
    expect(base.stop).toEqual(["```"]);
  });
});

describe("buildPrompt, rtlgym style", () => {
  it("asks every suite the same way and keeps the header out of the description", () => {
    const spec = buildPrompt(v2Spec, { api: "chat", style: "rtlgym" });
    expect(spec.prompt).toContain(SPEC.trim());
    expect(spec.prompt).toContain("in one ```verilog code block");
    expect(spec.prompt).not.toContain("[BEGIN]");

    const complete = buildPrompt(v2Complete, { api: "chat", style: "rtlgym" });
    expect(complete.prompt).toBe(
      "Make a decade counter that counts 1 through 10, inclusive.\n\nComplete this module:\n\n" +
        `\`\`\`verilog\n${IFC.trimEnd()}\n\`\`\`\n\n` +
        "Reply with the complete module `TopModule`, header included, in one ```verilog code block.",
    );
    expect(buildPrompt(rtllm, { api: "chat", style: "rtlgym" }).prompt).toContain("module `adder_8bit`");
  });
});

describe("extractCandidate", () => {
  it("reads VerilogEval's [BEGIN]/[DONE] answer", () => {
    const answer = "[BEGIN]\nmodule TopModule(input clk, input reset, output reg [3:0] q);\nendmodule\n[DONE]\n";
    const got = extractCandidateDetailed(v2Spec, answer);
    expect(got.method).toBe("begin-done");
    expect(got.code).toBe("module TopModule(input clk, input reset, output reg [3:0] q);\nendmodule\n");
  });

  it("prepends the header when a code-complete answer only continues it", () => {
    const got = extractCandidateDetailed(
      v2Complete,
      "  always @(posedge clk) q <= reset ? 4'd1 : q + 4'd1;\nendmodule\n",
    );
    expect(got.code).toBe(`${IFC}  always @(posedge clk) q <= reset ? 4'd1 : q + 4'd1;\nendmodule\n`);
    expect(got.notes).toContain("prepended the given module header");
  });

  it("keeps a code-complete answer that repeats the header as it is", () => {
    const full = `${IFC}  assign q = 4'd0;\nendmodule\n`;
    const got = extractCandidateDetailed(v2Complete, `Here you go:\n\`\`\`verilog\n${full}\`\`\`\n`);
    expect(got.code).toBe(full);
    expect(got.notes).not.toContain("prepended the given module header");
  });

  it("reads a completions answer together with its prefill (stopped before endmodule)", () => {
    const base = buildPrompt(v1, { api: "completions" });
    const got = extractCandidate(
      v1,
      "\tassign out = a & b;\n",
      base.prefill !== undefined ? { prefill: base.prefill } : {},
    );
    expect(got).toBe(`${V1_HEADER}\tassign out = a & b;\nendmodule\n`);

    const spec = buildPrompt(v2Spec, { api: "completions" });
    const fromSpec = extractCandidate(v2Spec, "module TopModule(output y);\n  assign y = 1;\nendmodule\n", {
      prefill: spec.prefill ?? "",
    });
    expect(fromSpec).toBe("module TopModule(output y);\n  assign y = 1;\nendmodule\n");
  });

  it("takes the ```verilog block of an RTLLM or builtin answer", () => {
    const code =
      "module adder_8bit(input [7:0] a, b, input cin, output [7:0] sum, output cout);\n" +
      "  assign {cout, sum} = a + b + cin;\nendmodule\n";
    expect(extractCandidate(rtllm, `Sure!\n\`\`\`verilog\n${code}\`\`\`\nThis adds.`)).toBe(code);
    expect(extractCandidate(builtin, `\`\`\`verilog\n${code}\`\`\``)).toBe(code);
    expect(extractCandidate(rtllm, "no code here")).toBe("");
    expect(extractCandidateDetailed(rtllm, "no code here").method).toBe("none");
  });

  it("derives the header of a code-complete problem from its prompt when it has no header field", () => {
    const noHeader = { ...v2Complete, header: undefined } as Problem;
    expect(completionHeader(noHeader)).toBe(IFC);
    expect(completionHeader(v1)).toBe(V1_HEADER);
  });
});
