import { describe, expect, it } from "vitest";
import { auditProblems, forge } from "../../src/bench/audit.js";
import { loadBuiltinVhdlSuite } from "../../src/bench/suites/builtin-vhdl.js";
import { generateVhdlMutants, vhdlMutantsThatAnalyse } from "../../src/data/mutate-vhdl.js";
import { lexVhdl, sanitizeVhdl } from "../../src/vhdl/index.js";

const DESIGN = `library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

entity Top is
  port (clk, rst : in std_logic; a, b : in unsigned(3 downto 0); op : in std_logic_vector(1 downto 0);
        y : out unsigned(3 downto 0); hit : out std_logic);
end entity;

architecture rtl of Top is
  signal r : unsigned(3 downto 0) := "0000";
  function pick(v : unsigned(3 downto 0); k : natural) return std_logic is
  begin
    return v(k);
  end function;
begin
  hit <= '1' when a <= b else '0';
  process (clk) begin
    if rising_edge(clk) then
      if rst = '1' then r <= (others => '0');
      else
        case op is
          when "00" => r <= a + b;
          when "01" => r <= a - b;
          when others => r <= a and not b;
        end case;
      end if;
    end if;
  end process;
  y <= r xor x"5";
end architecture;
`;

describe("VHDL mutants", () => {
  it("mutates operators, literals, conditions and choices, never the entity, declarations or assignments", () => {
    const mutants = generateVhdlMutants(DESIGN);
    const kinds = new Set(mutants.map((m) => m.kind));
    for (const k of ["binop", "logic", "literal", "drop-negation", "cond-invert", "choice-swap"])
      expect(kinds).toContain(k);
    // Everything before the signal's initial value (which may change) is never mutated.
    const header = DESIGN.slice(0, DESIGN.indexOf('"0000";'));
    const descriptions = mutants.map((m) => m.description);
    expect(descriptions).toContain("<= -> < (line 17)"); // the comparison in `when a <= b`
    expect(descriptions).toContain(`"00" -> "01" (line 23)`);
    expect(descriptions).toContain(`x"5" -> x"4" (line 30)`);
    expect(descriptions.some((d) => /choices "00" and "01" swapped/.test(d))).toBe(true);
    for (const m of mutants) {
      expect(m.source).not.toBe(DESIGN);
      // Entity, signal and function declarations (with their ranges) and the port names stay as written.
      expect(m.source.startsWith(header), m.description).toBe(true);
      expect(m.source).toContain("function pick(v : unsigned(3 downto 0); k : natural) return std_logic is");
      // Clock edges are never inverted, signal assignments never become comparisons.
      expect(m.source).toContain("if rising_edge(clk) then");
      expect(m.source.match(/ <= /g)?.length ?? 0).toBeGreaterThanOrEqual(6);
      expect(lexVhdl(m.source).errors).toEqual([]);
    }
    expect(new Set(mutants.map((m) => m.source)).size).toBe(mutants.length);
    // Deterministic per seed, and a limit mixes operators.
    expect(generateVhdlMutants(DESIGN, { seed: 3, limit: 5 })).toEqual(
      generateVhdlMutants(DESIGN, { seed: 3, limit: 5 }),
    );
    expect(new Set(generateVhdlMutants(DESIGN, { limit: 5 }).map((m) => m.kind)).size).toBe(5);
  });

  it("keeps only mutants GHDL analyses", async () => {
    // `a xnor b xor c` mixes logical operators without brackets: illegal VHDL, so both xor swaps go.
    const src = `library ieee;
use ieee.std_logic_1164.all;
entity P is port (a, b, c : in std_logic; y, z : out std_logic); end entity;
architecture rtl of P is
begin
  y <= a xor b xor c;
  z <= not a;
end architecture;
`;
    const all = generateVhdlMutants(src);
    expect(all.map((m) => m.kind).sort()).toEqual(["drop-negation", "logic", "logic"]);
    const kept = await vhdlMutantsThatAnalyse(src);
    expect(kept.map((m) => m.description)).toEqual(["drop not before a (line 7)"]);
  }, 30_000);

  it("forges a VHDL sample that reports the pass line and stops, inside the architecture", () => {
    const forged = forge(DESIGN, "verilog-eval", "vhdl");
    expect(forged).toContain('report "Mismatches: 0 in 100 samples" severity note;');
    expect(forged).toMatch(/std\.env\.stop;\n {4}wait;\n {2}end process;\nend architecture;\n$/);
    expect(lexVhdl(forged).errors).toEqual([]);
    expect(sanitizeVhdl(forged, { role: "candidate" }).rejected.join("; ")).toMatch(/report.*std\.env/);
  });
});

describe("bench audit of the VHDL track (real GHDL)", () => {
  it("catches every mutant and refuses the forged sample", async () => {
    const suite = await loadBuiltinVhdlSuite();
    const problems = suite.problems.filter((p) => ["b003_mux4_4bit", "b030_counter4_wrap"].includes(p.id));
    expect(problems).toHaveLength(2);
    const rows = await auditProblems(problems, { mutants: 3, verify: { engine: "both", timeoutMs: 30_000 } });
    for (const row of rows) {
      expect(row, row.id).toMatchObject({ referenceSelf: "pass", referenceOfficial: "none", forgedVerdict: "none" });
      expect(row.mutants, row.id).toBe(3);
      expect(row.nonEquivalent, row.id).toBe(row.mutants);
      // The forgery is refused by the candidate filter before any tool runs it.
      expect(row.forgedRtlgym, row.id).toBe("compile_error");
    }
  }, 120_000);
});
