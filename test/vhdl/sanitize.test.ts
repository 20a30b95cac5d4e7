import { describe, expect, it } from "vitest";
import {
  extractVhdl,
  findTopEntity,
  incompleteCases,
  lexVhdl,
  listEntities,
  repairCases,
  sanitizeVhdl,
} from "../../src/vhdl/index.js";

const wrap = (body: string, decls = "") => `library ieee;
use ieee.std_logic_1164.all;
entity t is port (a : in std_logic; y : out std_logic); end entity;
architecture rtl of t is
${decls}
begin
${body}
end architecture;
`;
const rejected = (src: string) => sanitizeVhdl(src, { role: "candidate" }).rejected.join("; ");

describe("VHDL lexer", () => {
  it("tells character literals from attribute ticks, and keeps strings, comments and extended identifiers whole", () => {
    const { tokens, errors } = lexVhdl(
      `c <= '"'; d <= x'high; e <= "--"; f <= q(1)'length; \\a\\\\b\\ -- textio\n/* file */ g`,
    );
    expect(errors).toEqual([]);
    const kinds = tokens.map((t) => `${t.kind}:${t.text}`);
    expect(kinds).toContain(`char:'"'`);
    expect(kinds).toContain(`string:"--"`);
    expect(kinds).toContain("extid:\\a\\\\b\\");
    expect(tokens.filter((t) => t.text === "'")).toHaveLength(2); // x'high, )'length
    expect(tokens.some((t) => t.norm === "textio" || t.norm === "file")).toBe(false);
    expect(tokens.at(-1)?.norm).toBe("g");
  });

  it("reports unterminated strings instead of skipping text", () => {
    expect(lexVhdl(`y <= "abc\n; use std.textio.all;`).errors[0]).toMatch(/unterminated string/);
  });
});

describe("VHDL sanitizer", () => {
  it("refuses file I/O, VHPI, std.env, external names, force and reports in candidates", () => {
    expect(rejected(`use std.textio.all;\n${wrap("y <= a;")}`)).toMatch(/textio/);
    expect(rejected(wrap("y <= a;", 'file f : text open write_mode is "out.txt";'))).toMatch(/file declarations/);
    expect(rejected(wrap("process begin std.env.finish; end process;"))).toMatch(/std\.env/);
    expect(rejected(wrap("y <= a;", 'attribute foreign of p : procedure is "VHPIDIRECT system";'))).toMatch(/foreign/);
    expect(rejected(wrap("y <= << signal .rtlgym_trace_tb.s_y : std_logic >>;"))).toMatch(/external names/);
    expect(rejected(wrap("process begin y <= force '1'; wait; end process;"))).toMatch(/force/);
    expect(rejected(wrap('process begin report "RTLGYM_0 0 1"; wait; end process;'))).toMatch(/report/);
    expect(rejected(`library mylib;\n${wrap("y <= a;")}`)).toMatch(/library mylib/);
    expect(rejected(`library ieee; use ieee.std_logic_textio.all;\n${wrap("y <= a;")}`)).toMatch(/std_logic_textio/);
    // the trace testbench's own names: a candidate cannot declare or reach them
    expect(rejected(wrap("y <= a;", "signal rtlgym_stim : std_logic;"))).toMatch(/rtlgym_/);
  });

  it("lets the same words pass inside comments, strings and extended identifiers, and lets a reference report", () => {
    const src = wrap(
      `-- use std.textio.all; report "x"; std.env.finish\n  y <= a; -- file`,
      `constant s : string := "textio file report";\nsignal \\textio\\ : std_logic;`,
    );
    expect(sanitizeVhdl(src, { role: "candidate" }).rejected).toEqual([]);
    const ref = wrap("process (a) begin assert a /= 'X' report \"a is X\"; y <= a; end process;");
    expect(sanitizeVhdl(ref, { role: "reference" }).rejected).toEqual([]);
    expect(sanitizeVhdl(ref, { role: "candidate" }).rejected.join()).toMatch(/report/);
  });

  it("marks matching case (case?) unsupported: GHDL 2.0 ignores its '-' choices", () => {
    const src = wrap(
      "process (a) begin case? a is when '-' => y <= '1'; when others => y <= '0'; end case?; end process;",
    );
    expect(sanitizeVhdl(src, { role: "candidate" }).unsupported.join()).toMatch(/case\?/);
  });

  it("normalises CR line endings so a comment cannot end where the lexer does not see it", () => {
    const s = sanitizeVhdl(`-- comment\ruse std.textio.all;\n${wrap("y <= a;")}`, { role: "candidate" });
    expect(s.code).not.toContain("\r");
    expect(s.rejected.join()).toMatch(/textio/);
  });
});

describe("VHDL entity interfaces", () => {
  it("maps std_logic, vectors, unsigned, signed, integer ranges and generic-sized ports", () => {
    const [e] = listEntities(`entity e is
      generic (W : natural := 4; N : integer := 2 ** 3);
      port (clk, rst : in std_logic; d : in std_logic_vector(W-1 downto 0); u : in unsigned(0 to N-1);
            s : out signed(7 downto 0); i : in integer range -8 to 7; n : out natural range 0 to 9; b : out boolean);
    end entity;`);
    expect(e?.unsupported).toEqual([]);
    const byName = Object.fromEntries((e?.ports ?? []).map((p) => [p.name, p]));
    expect(byName.clk?.width).toBe(1);
    expect(byName.rst?.direction).toBe("input");
    expect(byName.d?.width).toBe(4);
    expect(byName.u?.width).toBe(8);
    expect(byName.s).toMatchObject({ kind: "vector", signed: true, width: 8 });
    expect(byName.i).toMatchObject({ kind: "integer", signed: true, width: 4 });
    expect(byName.n).toMatchObject({ kind: "integer", width: 4, direction: "output" });
    expect(byName.b?.kind).toBe("bool");
  });

  it("says why what cannot be mapped is unsupported", () => {
    const [e] = listEntities(`entity e is
      generic (W : natural);
      port (x : in integer range 0 to 9; io : inout std_logic; r : in my_record_t; \\Odd\\ : in std_logic);
    end entity;`);
    const why = e?.unsupported.join("\n") ?? "";
    expect(why).toMatch(/generic w has no default/);
    expect(why).toMatch(/port x: integer range 0 to 9 does not cover all 4-bit values/);
    expect(why).toMatch(/port io: mode inout/);
    expect(why).toMatch(/port r: type my_record_t is not mapped/);
    expect(why).toMatch(/extended identifiers/);
  });

  it("finds the top entity (the one nothing instantiates)", () => {
    const src = `entity leaf is port (a : in bit); end entity;
      architecture r of leaf is begin end;
      entity top is port (a : in bit); end entity;
      architecture r of top is begin u: entity work.leaf port map (a => a); end;`;
    expect(findTopEntity(src)).toBe("top");
  });
});

describe("GHDL netlist repair (GHDL issue 2041)", () => {
  const verilog = `module m(input [1:0] op, output [3:0] y);
  always @*
    case (n12_o)
      3'b100: n13_o <= n8_o;
      3'b010: n13_o <= n5_o;
      3'b001: n13_o <= n2_o;
    endcase
  assign n11_o = a ^ b;
endmodule
`;
  const vhdl = `  with n12_o select n13_o <=
    n8_o when "100",
    n5_o when "010",
    n2_o when "001",
    n11_o when others;`;

  it("finds case blocks without their default and restores it from the VHDL netlist", () => {
    expect(incompleteCases(verilog)).toHaveLength(1);
    const fixed = repairCases(verilog, vhdl);
    expect(fixed.repaired).toBe(1);
    expect(fixed.code).toContain("default: n13_o <= n11_o;");
    expect(incompleteCases(fixed.code)).toEqual([]);
  });

  it("leaves a block it cannot restore as a defect", () => {
    expect(repairCases(verilog, "").unrepaired).toHaveLength(1);
  });
});

describe("VHDL extraction", () => {
  it("takes the last ```vhdl fence that declares an entity and never reads <think>", () => {
    const code = "entity t is port (a : in bit); end entity;";
    const r = extractVhdl(
      `<think>\`\`\`vhdl\nentity wrong is end;\n\`\`\`</think>\nAnswer:\n\`\`\`vhdl\n${code}\n\`\`\`\n`,
    );
    expect(r).toEqual({ code, method: "fence-vhdl" });
    expect(extractVhdl("no code here").method).toBe("none");
  });
});
