import { describe, expect, it } from "vitest";
import { generateMutants, type Mutant } from "../../src/data/mutate.js";
import { listModules } from "../../src/verilog/index.js";

const SEQ = `// a + b in a comment stays
module counter #(parameter W = 4) (
  input clk,
  input reset,
  input [W-1:0] d,
  output reg [3:0] q,
  output y
);
  wire [7:0] unused;
  initial $display("a + b");
  always @(posedge clk or posedge reset)
    if (reset) q <= 4'd9;
    else q <= q + 1'b1;
  assign y = (q <= d) ? ~q[0] : q[1];
endmodule
`;

const norm = (s: string) => s.replace(/\s+/g, " ").trim();
const byDescription = (ms: Mutant[], d: string) => ms.find((m) => m.description.startsWith(d));

describe("generateMutants", () => {
  const all = generateMutants(SEQ);

  it("applies each operator once per site", () => {
    expect(byDescription(all, "+ -> -")?.source).toContain("q <= q - 1'b1;");
    expect(byDescription(all, "<= -> <")?.source).toContain("assign y = (q < d)");
    expect(byDescription(all, "4'd9 -> 4'd8")?.source).toContain("q <= 4'd8;");
    expect(byDescription(all, "1'b1 -> 1'b0")?.source).toContain("q + 1'b0;");
    expect(byDescription(all, "if (reset) -> if (!(reset))")?.source).toContain("if (!(reset)) q <= 4'd9;");
    expect(byDescription(all, "? ~q[0] : q[1]")?.source).toContain("? q[1] : ~q[0];");
    expect(byDescription(all, "drop ~")?.source).toContain("? q[0] : q[1];");
    expect(byDescription(all, "posedge reset -> negedge reset")?.source).toContain("@(posedge clk or negedge reset)");
    expect(new Set(all.map((m) => m.kind))).toEqual(
      new Set(["binop", "literal", "if-invert", "ternary-swap", "drop-negation", "edge"]),
    );
  });

  it("never touches non-blocking assignments, the clock, headers, declared ranges, comments or strings", () => {
    for (const m of all) {
      expect(m.source).toContain("// a + b in a comment stays");
      expect(m.source).toContain('$display("a + b")');
      expect(m.source).toContain(
        "module counter #(parameter W = 4) (\n  input clk,\n  input reset,\n  input [W-1:0] d,",
      );
      expect(m.source).toContain("wire [7:0] unused;");
      expect(m.source).toContain("posedge clk");
      expect(m.source).not.toMatch(/q < (4'd9|q)/);
      expect(listModules(m.source).map((x) => x.name)).toEqual(["counter"]);
    }
  });

  it("gives unique ids and outputs, none equal to the source", () => {
    expect(new Set(all.map((m) => m.id)).size).toBe(all.length);
    const texts = all.map((m) => norm(m.source));
    expect(new Set(texts).size).toBe(texts.length);
    expect(texts).not.toContain(norm(SEQ));
  });

  it("is deterministic for a seed, mixes operators under a limit, and honours the limit", () => {
    const a = generateMutants(SEQ, { limit: 4, seed: 7 });
    expect(generateMutants(SEQ, { limit: 4, seed: 7 })).toEqual(a);
    expect(a).toHaveLength(4);
    expect(new Set(a.map((m) => m.kind)).size).toBe(4);
    const orders = new Set(
      [1, 2, 3, 4, 5].map((seed) =>
        generateMutants(SEQ, { seed })
          .map((m) => m.id)
          .join(),
      ),
    );
    expect(orders.size).toBeGreaterThan(1);
    expect(generateMutants(SEQ, { limit: 0 })).toEqual([]);
  });

  it("flips literals bit-wise in their own base and keeps comparisons apart from assignments", () => {
    const src = `module m(input [7:0] a, output reg z, output [7:0] w);
  assign w = a == 8'hFF ? 8'b1010_0000 : 'h3;
  always @(*) begin z = 1'b0; if (a >= 8'd10 && a <= 8'd20) z <= a < 3; end
endmodule
`;
    const ms = generateMutants(src);
    const descriptions = ms.map((m) => m.description.replace(/ \(line \d+\)$/, ""));
    expect(descriptions).toEqual(
      expect.arrayContaining([
        "8'hFF -> 8'hFE",
        "8'b1010_0000 -> 8'b1010_0001",
        "'h3 -> 'h2",
        "== -> !=",
        ">= -> >",
        "<= -> <",
        "< -> <=",
        "&& -> ||",
      ]),
    );
    // The non-blocking `z <=` is not a comparison, so it has no mutant of its own.
    expect(ms.filter((m) => m.description.startsWith("<= -> <"))).toHaveLength(1);
  });

  it("returns nothing for a design without mutable sites, and nothing outside modules", () => {
    expect(generateMutants("module w(input a, output y);\n  assign y = a;\nendmodule\n")).toEqual([]);
    expect(generateMutants("`timescale 1ns/1ps\n// 1 + 2\n")).toEqual([]);
  });

  it("skips ternaries whose arms are equal and flips reductions", () => {
    const ms = generateMutants(
      "module r(input [3:0] a, output y, output z);\n  assign y = a[0] ? a[1] : a[1];\n  assign z = &a;\nendmodule\n",
    );
    expect(ms.some((m) => m.kind === "ternary-swap")).toBe(false);
    expect(ms.find((m) => m.kind === "reduction")?.source).toContain("assign z = |a;");
  });
});
