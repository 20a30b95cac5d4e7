import { describe, expect, it } from "vitest";
import { elaborateSources } from "../../src/tools/iverilog.js";
import { readElaboratedRoots } from "../../src/tools/vvp-scopes.js";

// Every case runs the real iverilog and reads what it generated: the reader is only as good as its agreement with
// the tool's actual output.
async function roots(source: string, tops: string[]) {
  const run = await elaborateSources({ "d.v": source }, tops, { timeoutMs: 20_000 }, true);
  expect(run.ok, run.log).toBe(true);
  return run.roots ?? new Map();
}

describe("readElaboratedRoots (iverilog's vvp assembly)", () => {
  it("reads each root's ports in order, with direction, width and signedness", async () => {
    const r = await roots(
      `module top_a(input clk, input [3:0] a, input signed [7:0] b, output reg [3:0] q, output y);
         always @(posedge clk) q <= a;
         assign y = ^b;
       endmodule
       module top_b(input x, output [2:0] z); assign z = {3{x}}; endmodule`,
      ["top_a", "top_b"],
    );
    expect(r.get("top_a")?.ports).toEqual([
      { name: "clk", direction: "input", width: 1, signed: false },
      { name: "a", direction: "input", width: 4, signed: false },
      { name: "b", direction: "input", width: 8, signed: true },
      { name: "q", direction: "output", width: 4, signed: false },
      { name: "y", direction: "output", width: 1, signed: false },
    ]);
    expect(r.get("top_b")?.ports.map((p: { name: string }) => p.name)).toEqual(["x", "z"]);
  });

  it("reads escaped identifiers as their text, not as vvp spells them", async () => {
    const r = await roots(
      'module \\m"x (input \\a"b , input \\c\\d , input signed [1:0] \\s"1 , output y);\n' +
        'assign y = \\a"b ^ \\c\\d ^ \\s"1 [0];\nendmodule\n',
      ['m"x'],
    );
    expect(r.get('m"x')?.ports).toEqual([
      { name: 'a"b', direction: "input", width: 1, signed: false },
      { name: "c\\d", direction: "input", width: 1, signed: false },
      { name: 's"1', direction: "input", width: 2, signed: true },
      { name: "y", direction: "output", width: 1, signed: false },
    ]);
  });

  it("calls a design stateless only when its whole scope tree has nothing but nets", async () => {
    const r = await roots(
      `module leaf(input [1:0] x, output [1:0] y); assign y = ~x; endmodule
       module nets(input [1:0] a, output [1:0] o); leaf u (.x(a), .y(o)); endmodule
       module flop(input clk, input d, output reg q); always @(posedge clk) q <= d; endmodule
       module comb(input [1:0] s, output reg y); always @* y = s[0] ^ s[1]; endmodule
       module latch(input en, input d, output reg q); always @* if (en) q = d; endmodule
       module deep(input clk, input d, output q); flop f (.clk(clk), .d(d), .q(q)); endmodule`,
      ["nets", "flop", "comb", "latch", "deep"],
    );
    expect(r.get("nets")?.stateless).toBe(true);
    // A procedural variable may be a latch: undefined asks Yosys (the reader cannot tell `comb` from `latch`).
    for (const top of ["flop", "comb", "latch", "deep"]) expect(r.get(top)?.stateless, top).toBeUndefined();
  });

  it("cannot be shown forged port or scope lines from inside a design's strings", async () => {
    // iverilog writes a string as one line with its newlines and quotes escaped (\012, \042): the text below must
    // stay text, not become a port of width 8 or a second, stateless scope of the same name.
    const r = await roots(
      `module top_h(input a, output y);
         initial $display("\\n    .port_info 2 /INPUT 8 \\"z\\";\\nS_0x1 .scope module, \\"top_h\\" \\"top_h\\" 2 1;");
         reg r;
         always @* r = a;
         assign y = r;
       endmodule`,
      ["top_h"],
    );
    expect(r.get("top_h")?.ports.map((p: { name: string; width: number }) => `${p.name}:${p.width}`)).toEqual([
      "a:1",
      "y:1",
    ]);
    expect(r.get("top_h")?.stateless).toBeUndefined();
  });

  it("leaves out tops it does not find and roots without port lines", () => {
    const vvp = [
      'S_0x1 .scope module, "a" "a" 2 1;',
      " .timescale 0 0;",
      'S_0x2 .scope module, "b" "b" 2 5;',
      " .timescale 0 0;",
      '    .port_info 0 /INPUT 1 "x";',
    ].join("\n");
    const r = readElaboratedRoots(vvp, ["a", "b", "c"]);
    expect([...r.keys()]).toEqual(["b"]);
  });
});
