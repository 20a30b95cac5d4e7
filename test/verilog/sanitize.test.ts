import { describe, expect, it } from "vitest";
import { hasUnknownLiterals, sanitizeCandidate, sealDirectives } from "../../src/verilog/sanitize.js";

const lines = (s: string): number => s.split("\n").length;

describe("sanitizeCandidate", () => {
  it("replaces a forged verdict and $finish with empty blocks, keeping line numbers", () => {
    const src = `module top_module(input [3:0] a, output signed [4:0] y);
  assign y = $signed(a) + 1;
  initial begin
    $display("Mismatches: 0 in 100 samples"); $finish;
  end
endmodule
`;
    const out = sanitizeCandidate(src);
    expect(out.code).not.toContain("$display");
    expect(out.code).not.toContain("Mismatches");
    expect(out.code).not.toContain("$finish");
    expect(out.code).toContain("$signed(a)");
    expect(out.code).toMatch(/^\s*begin end *begin end$/m);
    expect(lines(out.code)).toBe(lines(src));
    expect(out.neutralised).toEqual(["$display", "$finish"]);
    expect(out.rejected).toEqual([]);
  });

  it("keeps allowed pure functions", () => {
    const src = "localparam W = $clog2(16); wire [W:0] r = $unsigned(x) + $bits(x) + $countones(x);";
    expect(sanitizeCandidate(src)).toEqual({ code: src, neutralised: [], rejected: [] });
  });

  it("blanks multi-line argument lists with nested parentheses, keeping line breaks", () => {
    const src = 'initial $monitor("%d %d",\n  (a + (b)),\n  c);\nassign y = a;';
    const out = sanitizeCandidate(src);
    expect(lines(out.code)).toBe(lines(src));
    expect(out.code.trim().split("\n").at(-1)).toBe("assign y = a;");
    expect(out.code).toMatch(/^initial\s+begin end/);
    expect(out.neutralised).toEqual(["$monitor"]);
  });

  it("neutralises unknown system tasks and tasks without arguments", () => {
    const out = sanitizeCandidate('initial begin $dumpfile("x.vcd"); $dumpvars; $my_task(1); $stop; end');
    expect(out.code.replace(/\s+/g, " ")).toBe("initial begin begin end begin end begin end begin end end");
    expect(out.neutralised).toEqual(["$dumpfile", "$dumpvars", "$my_task", "$stop"]);
  });

  it("leaves $names in comments and strings alone", () => {
    const src = '// $display("x")\n/* $finish; */ wire [7:0] s = "$finish";';
    expect(sanitizeCandidate(src)).toEqual({ code: src, neutralised: [], rejected: [] });
  });

  it("rejects `include and blanks the line", () => {
    const src = '`include "evil.v"\nmodule m; endmodule';
    const out = sanitizeCandidate(src);
    expect(out.rejected).toEqual(["`include"]);
    expect(out.code).toBe(`${" ".repeat(17)}\nmodule m; endmodule`);
  });

  it("rejects file access and command execution", () => {
    const src = `module m;
  integer f;
  reg [7:0] mem [0:3];
  initial begin
    f = $fopen("/tmp/result.txt", "w");
    $fwrite(f, "PASS");
    $readmemh("mem.hex", mem);
    $system("rm -rf /");
  end
endmodule`;
    const out = sanitizeCandidate(src);
    expect(out.rejected).toEqual(["$fopen", "$readmemh", "$system"]);
    expect(out.neutralised).toEqual(["$fwrite"]);
    expect(out.code).not.toMatch(/\$f|\$readmemh|\$system|result\.txt/);
    expect(lines(out.code)).toBe(lines(src));
  });

  it("rejects $root, plusargs and macro token pasting", () => {
    const out = sanitizeCandidate(
      'initial $root.tb.errors = 0;\ninitial if ($test$plusargs("x")) y = 1;\n`define P(n) $dis``n',
    );
    expect(out.rejected).toEqual(["$root", "$test$plusargs", "``"]);
    expect(out.neutralised).toEqual(["$dis"]);
  });

  it("rejects bind and force/release of hierarchical names, but not local force", () => {
    const out = sanitizeCandidate("bind tb checker c(.x(y));\ninitial force tb.dut.q = 0;\ninitial release tb.q;");
    expect(out.rejected).toEqual(["bind", "force", "release"]);
    expect(out.code.replace(/\s+/g, " ").trim()).toBe("; initial ; initial ;");
    expect(sanitizeCandidate("initial begin force q = a.b; release q; end").rejected).toEqual([]);
  });

  it("blanks to the end when an argument list is never closed", () => {
    const out = sanitizeCandidate('initial $display("x", (a);\nendmodule');
    expect(out.code.trim()).toBe("initial");
    expect(lines(out.code)).toBe(2);
  });
});

describe("sealDirectives", () => {
  it("undefines the file's macros and resets directives after it", () => {
    const out = sealDirectives("`define W 8\n`define D(x) x\n`default_nettype none\nmodule m; endmodule\n");
    expect(out).toMatch(/`resetall\n`undef W\n`undef D\n$/);
    expect(out.startsWith("`define W 8\n")).toBe(true);
  });
});

describe("hasUnknownLiterals", () => {
  it("spots x and z literals but not identifiers or hex digits", () => {
    expect(hasUnknownLiterals("assign y = s ? 1'bx : a;")).toBe(true);
    expect(hasUnknownLiterals("assign y = 4'bz0z1;")).toBe(true);
    expect(hasUnknownLiterals("assign y = 'x;")).toBe(true);
    expect(hasUnknownLiterals("casez (s) 4'b1???: y = 1; endcase")).toBe(true);
    expect(hasUnknownLiterals("wire x; assign y = x + 8'hFF + 4'd9; // 1'bx")).toBe(false);
  });
});
