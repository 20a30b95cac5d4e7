import { describe, expect, it } from "vitest";
import { extractVerilog } from "../../src/verilog/extract.js";

const AND = "module top_module(input a, input b, output y);\n  assign y = a & b;\nendmodule";
const OR = "module top_module(input a, input b, output y);\n  assign y = a | b;\nendmodule";
const fence = (lang: string, code: string): string => `\`\`\`${lang}\n${code}\n\`\`\``;

describe("extractVerilog: fences", () => {
  it("takes a single verilog fence", () => {
    const out = extractVerilog(`Here is the design:\n\n${fence("verilog", AND)}\n\nIt ANDs the inputs.`);
    expect(out).toEqual({ code: `${AND}\n`, method: "fence-verilog", notes: [] });
  });

  it("takes the last verilog fence when there are several", () => {
    const response = `First try:\n${fence("verilog", AND)}\nWait, it should be OR:\n${fence("systemverilog", OR)}\n`;
    expect(extractVerilog(response).code).toBe(`${OR}\n`);
  });

  it("prefers a tagged verilog fence over a later plain fence", () => {
    const response = `${fence("sv", OR)}\nOutput:\n${fence("", "module top_module; endmodule")}`;
    const out = extractVerilog(response);
    expect(out.method).toBe("fence-verilog");
    expect(out.code).toBe(`${OR}\n`);
  });

  it("skips a trailing verilog snippet that declares no module", () => {
    const response = `${fence("verilog", AND)}\nInstantiate it like this:\n${fence("verilog", "top_module u (.a(x), .b(y), .y(z));")}`;
    expect(extractVerilog(response).code).toBe(`${AND}\n`);
  });

  it("falls back to the last plain fence that declares a module", () => {
    const response = `${fence("", AND)}\n${fence("bash", "iverilog -o sim top.v")}\n`;
    const out = extractVerilog(response);
    expect(out.method).toBe("fence");
    expect(out.code).toBe(`${AND}\n`);
  });

  it("runs an unterminated final fence to the end of the text", () => {
    const out = extractVerilog(`Sure.\n\`\`\`verilog\n${AND}\n`);
    expect(out.code).toBe(`${AND}\n`);
    expect(out.notes).toContain("code fence not closed; took it to the end of the text");
  });

  it("accepts a closing fence glued to the last code line", () => {
    expect(extractVerilog(`\`\`\`verilog\n${AND}\`\`\``).code).toBe(`${AND}\n`);
  });

  it("handles CRLF line endings", () => {
    const out = extractVerilog(fence("verilog", AND).replace(/\n/g, "\r\n"));
    expect(out.code).toBe(`${AND}\n`);
  });
});

describe("extractVerilog: reasoning and answer tags", () => {
  it("follows CodeV-R1 style think + answer", () => {
    const response = `<think>
Let me draft it:
${fence("verilog", OR)}
Hmm, no, the spec says AND.
</think>
<answer>
${fence("verilog", AND)}
</answer>`;
    const out = extractVerilog(response);
    expect(out.method).toBe("answer-fence");
    expect(out.code).toBe(`${AND}\n`);
    expect(out.notes).toEqual(["removed <think> reasoning", "searched only the last <answer> block"]);
  });

  it("drops an unterminated think block entirely", () => {
    const out = extractVerilog(`${fence("verilog", AND)}\n<think>\nmaybe ${fence("verilog", OR)}`);
    expect(out.code).toBe(`${AND}\n`);
  });

  it("drops reasoning before a stray </think>", () => {
    const out = extractVerilog(`I think:\n${fence("verilog", OR)}\n</think>\n${fence("verilog", AND)}`);
    expect(out.code).toBe(`${AND}\n`);
    expect(out.notes).toContain("removed reasoning before </think>");
  });

  it("uses only the last answer block", () => {
    const response = `<answer>${fence("verilog", OR)}</answer>\nrevised:\n<answer>${fence("verilog", AND)}</answer>`;
    expect(extractVerilog(response).code).toBe(`${AND}\n`);
  });

  it("takes raw code from an answer without fences", () => {
    const out = extractVerilog(`<think>easy</think><answer>\nThe code:\n${AND}\nDone.\n</answer>`);
    expect(out.method).toBe("raw");
    expect(out.code).toBe(`${AND}\n`);
  });

  it("returns none when the answer holds no module even if the reasoning did", () => {
    const out = extractVerilog(`<think>${fence("verilog", AND)}</think><answer>I cannot do this.</answer>`);
    expect(out.method).toBe("none");
    expect(out.code).toBe("");
  });
});

describe("extractVerilog: [BEGIN]/[DONE]", () => {
  it("takes the last [BEGIN] ... [DONE] pair", () => {
    const response = `[BEGIN]\n${OR}\n[DONE]\nActually:\n[BEGIN]\n${AND}\n[DONE]\n`;
    const out = extractVerilog(response);
    expect(out.method).toBe("begin-done");
    expect(out.code).toBe(`${AND}\n`);
  });

  it("runs to the end when [DONE] is missing", () => {
    const out = extractVerilog(`[BEGIN]\n${AND}`);
    expect(out.code).toBe(`${AND}\n`);
    expect(out.notes).toContain("[BEGIN] without [DONE]; took it to the end of the text");
  });
});

describe("extractVerilog: raw text", () => {
  it("cuts prose around raw code, ignoring 'module' in prose and comments", () => {
    const response = `This module implements an AND gate. // module fake;\nThe module top_module is below.\n${AND}\nThis design uses one gate; the module is combinational.`;
    const out = extractVerilog(response);
    expect(out.method).toBe("raw");
    expect(out.code).toBe(`${AND}\n`);
  });

  it("keeps several modules from the first declaration to the last endmodule", () => {
    const code =
      "module sub(input a, output y); assign y = a; endmodule\n\nmodule top_module(input a, output y); sub s(a, y); endmodule";
    expect(extractVerilog(`Here:\n${code}\nThanks!`).code).toBe(`${code}\n`);
  });

  it("returns none when there is no module", () => {
    expect(extractVerilog("I am not sure how to design this circuit.")).toEqual({
      code: "",
      method: "none",
      notes: ["no Verilog module found"],
    });
  });
});

describe("extractVerilog: file-scope code around raw modules (issue 8, class 8)", () => {
  const USES = "module top_module(input [`W-1:0] a, output state_t y);\n  assign y = state_t'(a[0]);\nendmodule";

  it("keeps `timescale, `define, typedef and localparam lines before the module in raw text", () => {
    const preamble = "`timescale 1ns/1ps\n`define W 8\ntypedef enum logic {IDLE, RUN} state_t;\nlocalparam int N = `W;";
    const out = extractVerilog(`Here is the code:\n${preamble}\n${USES}\nHope this helps.`);
    expect(out.method).toBe("raw");
    expect(out.code).toBe(`${preamble}\n${USES}\n`);
  });

  it("keeps them in a fence-less <answer> too, with multi-line defines, packages and imports", () => {
    const preamble =
      "`define ADD(a, b) \\\n  ((a) + (b))\npackage p;\n  typedef logic [3:0] nib_t;\nendpackage : p\nimport p::*;";
    const code = "module top_module(input nib_t a, output y);\n  assign y = `ADD(a[0], a[1]);\nendmodule";
    const out = extractVerilog(`<think>plan</think><answer>\nThe design:\n${preamble}\n${code}\n</answer>`);
    expect(out.method).toBe("raw");
    expect(out.code).toBe(`${preamble}\n${code}\n`);
  });

  it("keeps an include guard whole: `ifndef/`define before, `endif after", () => {
    const guarded = `\`ifndef TOP_V\n\`define TOP_V\n${AND}\n\`endif`;
    expect(extractVerilog(`Sure:\n${guarded}\nDone.`).code).toBe(`${guarded}\n`);
    const labelled = "`ifndef M\nmodule m; endmodule : m\n`endif";
    expect(extractVerilog(`${labelled}\nThat is all.`).code).toBe(`${labelled}\n`);
  });

  it("leaves prose that only looks like code out", () => {
    for (const prose of [
      "Use `define` for constants.",
      "The parameter WIDTH: the width;",
      "Code: localparam W = 8;",
      "Note: reset is active high;",
      "`endif` closes the guard.",
      '`include "defs.vh"',
    ]) {
      expect(extractVerilog(`${prose}\n${AND}`).code, prose).toBe(`${AND}\n`);
    }
  });

  it("stops at the first line that is not file-scope code", () => {
    const out = extractVerilog(`\`define A 1\nSome prose in between.\n\`define W 8\n${AND}`);
    expect(out.code).toBe(`\`define W 8\n${AND}\n`);
  });
});

describe("extractVerilog: fix-ups", () => {
  it("appends a missing endmodule", () => {
    const out = extractVerilog(fence("verilog", "module top_module(input a, output y);\n  assign y = ~a;"));
    expect(out.code).toBe("module top_module(input a, output y);\n  assign y = ~a;\nendmodule\n");
    expect(out.notes).toContain("appended 1 missing endmodule");
  });

  it("drops prose after the last endmodule inside a fence", () => {
    const out = extractVerilog(fence("verilog", `${AND}\nThis module is correct.`));
    expect(out.code).toBe(`${AND}\n`);
    expect(out.notes).toContain("dropped text after the last endmodule");
  });

  it("keeps an SV endmodule label and trailing directives", () => {
    expect(extractVerilog(fence("sv", "module m; endmodule : m\n// end")).code).toBe("module m; endmodule : m\n");
    const guarded = "`ifndef M\nmodule m; endmodule\n`endif";
    expect(extractVerilog(fence("verilog", guarded)).code).toBe(`${guarded}\n`);
  });
});

describe("extractVerilog: code-completion prefix", () => {
  const prefix = "module top_module(input a, input b, output y);";

  it("prepends the header to a body-only completion", () => {
    const out = extractVerilog("  assign y = a & b;\nendmodule\n", { prefix });
    expect(out.code).toBe(`${prefix}\n  assign y = a & b;\nendmodule\n`);
    expect(out.notes).toContain("prepended the given module header");
  });

  it("prepends the header to a body in a fence or [BEGIN] block and closes it", () => {
    expect(extractVerilog(fence("verilog", "assign y = a & b;"), { prefix }).code).toBe(
      `${prefix}\nassign y = a & b;\nendmodule\n`,
    );
    expect(extractVerilog("[BEGIN]\nassign y = a & b;\nendmodule\n[DONE]", { prefix }).code).toBe(
      `${prefix}\nassign y = a & b;\nendmodule\n`,
    );
  });

  it("keeps helper modules declared after the completed body", () => {
    const body = "  helper h(a, b, y);\nendmodule\n\nmodule helper(input a, b, output y); assign y = a & b; endmodule";
    expect(extractVerilog(body, { prefix }).code).toBe(`${prefix}\n${body}\n`);
  });

  it("does not prepend the header when the model repeated the whole module", () => {
    const out = extractVerilog(fence("verilog", AND), { prefix });
    expect(out.code).toBe(`${AND}\n`);
    expect(out.notes).toEqual([]);
  });

  it("drops [DONE] after a raw completion", () => {
    expect(extractVerilog("assign y = a & b;\nendmodule\n[DONE]", { prefix }).code).toBe(
      `${prefix}\nassign y = a & b;\nendmodule\n`,
    );
  });
});
