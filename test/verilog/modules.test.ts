import { describe, expect, it } from "vitest";
import { findTop, listModules, moduleHeaderPortNames } from "../../src/verilog/modules.js";

const HIERARCHY = `
module full_adder(input a, b, cin, output s, cout);
  assign {cout, s} = a + b + cin;
endmodule

module adder4 #(parameter W = 4) (input [W-1:0] a, b, output [W:0] sum);
  wire [W:0] c;
  assign c[0] = 1'b0;
  genvar i;
  generate
    for (i = 0; i < W; i = i + 1) begin : stage
      full_adder fa (.a(a[i]), .b(b[i]), .cin(c[i]), .s(sum[i]), .cout(c[i+1]));
    end
  endgenerate
  assign sum[W] = c[W];
endmodule

module top_module(input [7:0] x, y, output [8:0] z);
  adder4 #(.W(8)) u_add (.a(x), .b(y), .sum(z));
endmodule
`;

describe("listModules", () => {
  it("finds every module with offsets of keyword, name and endmodule", () => {
    const src = "module a; endmodule\nmacromodule b(x); input x; endmodule";
    const modules = listModules(src);
    expect(modules.map((m) => m.name)).toEqual(["a", "b"]);
    const [a, b] = modules;
    expect(src.slice(a?.start, a?.end)).toBe("module a; endmodule");
    expect(src.slice(b?.start, b?.end)).toBe("macromodule b(x); input x; endmodule");
    expect(src.slice(b?.nameStart, (b?.nameStart ?? 0) + 1)).toBe("b");
  });

  it("handles parameter lists and generate blocks", () => {
    const modules = listModules(HIERARCHY);
    expect(modules.map((m) => [m.name, m.instantiates])).toEqual([
      ["full_adder", []],
      ["adder4", ["full_adder"]],
      ["top_module", ["adder4"]],
    ]);
  });

  it("finds instantiations with and without parameters, ranges, and several instances", () => {
    const src = `module t(input clk, output [3:0] q);
      sub u0 (clk, q[0]);
      sub #(8) u1 (.clk(clk), .q(q[1]));
      sub #4 u2 (clk, q[2]);
      ram_cell u3 [1:0] (clk, q[3]);
      other x1 (clk), x2 (clk);
      (* keep *) attr_cell ua (clk);
      if (1) begin : g
        gen_cell ug (clk);
      end
    endmodule`;
    expect(listModules(src)[0]?.instantiates).toEqual(["sub", "ram_cell", "other", "attr_cell", "gen_cell"]);
  });

  it("skips gate primitives, keywords, declarations and function calls", () => {
    const src = `module t(input a, b, output y, z);
      and g1 (y, a, b);
      nand #1 g2 (z, a, b);
      wire w;
      reg [3:0] r;
      assign w = f(a);
      always @(posedge a) r <= r + 1;
      function [3:0] f; input x; f = x; endfunction
    endmodule`;
    expect(listModules(src)[0]?.instantiates).toEqual([]);
  });

  it("ignores module declarations in comments and strings", () => {
    const src = '// module fake(a);\n/* module fake2; */\nmodule real_one; initial $display("module s;"); endmodule';
    expect(listModules(src).map((m) => m.name)).toEqual(["real_one"]);
  });

  it("ignores prose that contains the word module", () => {
    expect(listModules("This module implements a counter. The module top has ports.")).toEqual([]);
  });

  it("reports an unterminated module as running to the end", () => {
    const src = "module m(input a);\n assign b = a;";
    expect(listModules(src)[0]?.end).toBe(src.length);
  });

  it("gives escaped module names without the backslash", () => {
    expect(listModules("module \\odd-name (a); endmodule")[0]?.name).toBe("odd-name");
  });
});

describe("findTop", () => {
  it("picks the only module nobody instantiates", () => {
    expect(findTop(HIERARCHY)).toBe("top_module");
    const reordered = "module top(x); sub s(x); endmodule\nmodule sub(x); endmodule";
    expect(findTop(reordered)).toBe("top");
  });

  it("prefers a declared preferred name", () => {
    expect(findTop(HIERARCHY, "adder4")).toBe("adder4");
    expect(findTop(HIERARCHY, "missing")).toBe("top_module");
  });

  it("prefers TopModule or top_module among several roots, else the last declared", () => {
    expect(findTop("module TopModule; endmodule\nmodule helper; endmodule")).toBe("TopModule");
    expect(findTop("module a; endmodule\nmodule b; endmodule")).toBe("b");
  });

  it("ignores self-instantiation and returns undefined without modules", () => {
    expect(findTop("module r(x); r inner(x); endmodule\nmodule s; endmodule")).toBe("s");
    expect(findTop("just text")).toBeUndefined();
  });
});

describe("moduleHeaderPortNames", () => {
  it("reads ANSI headers with shared declarations and parameters", () => {
    const src = "module m #(parameter W = 8) (input wire [W-1:0] a, b, input clk, output reg signed [3:0] q = 0);";
    expect(moduleHeaderPortNames(src, "m")).toEqual(["a", "b", "clk", "q"]);
  });

  it("reads non-ANSI headers", () => {
    const src = "module m(a, b, y);\n input a, b;\n output y;\nendmodule";
    expect(moduleHeaderPortNames(src, "m")).toEqual(["a", "b", "y"]);
  });

  it("reads explicit port expressions and handles port-less or unknown modules", () => {
    expect(moduleHeaderPortNames("module m(.x(a), .y(b)); endmodule", "m")).toEqual(["x", "y"]);
    expect(moduleHeaderPortNames("module m; endmodule", "m")).toEqual([]);
    expect(moduleHeaderPortNames("module m(a); endmodule", "other")).toEqual([]);
  });

  it("picks the named module among several", () => {
    expect(moduleHeaderPortNames(HIERARCHY, "adder4")).toEqual(["a", "b", "sum"]);
  });
});
