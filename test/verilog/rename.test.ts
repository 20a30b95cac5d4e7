import { describe, expect, it } from "vitest";
import { listModules } from "../../src/verilog/modules.js";
import { renameModules, suffixModules } from "../../src/verilog/rename.js";

const SRC = `// sub is instantiated by top
module sub #(parameter W = 1) (input a, output y);
  assign y = a;
endmodule
module top(input a, output y);
  /* sub here is a comment */
  sub #(.W(1)) u (.a(a), .y(y));
  defparam u.W = 1;
  initial $display("sub");
  wire sub_done;
  wire \\sub ;
endmodule
`;

describe("renameModules", () => {
  it("renames declarations and instantiations but not comments, strings or longer names", () => {
    const out = renameModules(SRC, (name) => (name === "sub" ? "leaf" : undefined));
    expect(out).toContain("module leaf #(");
    expect(out).toContain("leaf #(.W(1)) u (");
    expect(out).toContain("// sub is instantiated by top");
    expect(out).toContain("/* sub here is a comment */");
    expect(out).toContain('$display("sub")');
    expect(out).toContain("wire sub_done;");
    expect(out).toContain("wire \\sub ;");
    expect(listModules(out).map((m) => m.name)).toEqual(["leaf", "top"]);
  });

  it("renames hierarchical references and defparam targets", () => {
    const src = "module a; endmodule\nmodule t; a i(); defparam a.P = 1; initial x = t.i.y; endmodule";
    const out = renameModules(src, (n) => `${n}_x`);
    expect(out).toBe("module a_x; endmodule\nmodule t_x; a_x i(); defparam a_x.P = 1; initial x = t_x.i.y; endmodule");
  });

  it("leaves names the callback declines, and names it maps to themselves", () => {
    expect(renameModules(SRC, () => undefined)).toBe(SRC);
    expect(renameModules(SRC, (n) => n)).toBe(SRC);
  });

  it("does not rename identifiers that are not declared modules", () => {
    const src = "module m; other o(); endmodule";
    expect(renameModules(src, (n) => `${n}_1`)).toBe("module m_1; other o(); endmodule");
  });

  it("leaves modules declared with an escaped name alone", () => {
    const src = "module \\esc (a); endmodule";
    expect(renameModules(src, () => "renamed")).toBe(src);
  });
});

describe("suffixModules", () => {
  it("suffixes every module and returns the map", () => {
    const { code, names } = suffixModules(SRC, "_cand3");
    expect([...names]).toEqual([
      ["sub", "sub_cand3"],
      ["top", "top_cand3"],
    ]);
    expect(listModules(code).map((m) => [m.name, m.instantiates])).toEqual([
      ["sub_cand3", []],
      ["top_cand3", ["sub_cand3"]],
    ]);
  });

  it("keeps every line in place", () => {
    const { code } = suffixModules(SRC, "_ref");
    expect(code.split("\n")).toHaveLength(SRC.split("\n").length);
  });
});
