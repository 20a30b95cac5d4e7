import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { abstractTokensOf, commentTextOf, normalisedTokensOf } from "../../src/data/text.js";
import { decontaminate, ingest } from "../helpers/decontaminate.js";

const SUITES = join(import.meta.dirname, "..", "..", "suites");

interface Hit {
  id: string;
  benchmark: string;
  problem: string;
  method: string;
  evidence: string;
}
interface Result {
  checked: number;
  hits: Hit[];
  equivalenceChecks: number;
}

let root = "";
let both: Result = { checked: 0, hits: [], equivalenceChecks: 0 };
let verilogOnly: Result = { checked: 0, hits: [], equivalenceChecks: 0 };

/** b012 written another way (a loop instead of one xor with a shifted copy): only equivalence can see it. */
const GRAY_LOOP = `library ieee;
use ieee.std_logic_1164.all;

entity gray_enc is
  port (bin : in std_logic_vector(7 downto 0); gray : out std_logic_vector(7 downto 0));
end entity;

architecture loop_form of gray_enc is
begin
  process (bin) begin
    gray(7) <= bin(7);
    for i in 6 downto 0 loop
      gray(i) <= bin(i + 1) xor bin(i);
    end loop;
  end process;
end architecture;
`;

/** An unrelated design: ports no benchmark has, and a string holding `--` that is not a comment. */
const UNRELATED = `library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;

-- A small delay line.
entity tap_delay is
  generic (DEPTH : natural := 3);
  port (clock, clear : in std_logic; sample : in std_logic_vector(5 downto 0);
        delayed : out std_logic_vector(5 downto 0); tag : out string(1 to 4));
end entity;

architecture rtl of tap_delay is
  type taps_t is array (0 to DEPTH - 1) of std_logic_vector(5 downto 0);
  signal taps : taps_t;
begin
  tag <= "--ok";
  process (clock) begin
    if rising_edge(clock) then
      if clear = '1' then taps <= (others => (others => '0'));
      else taps <= sample & taps(0 to DEPTH - 2);
      end if;
    end if;
  end process;
  delayed <= taps(DEPTH - 1);
end architecture;
`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "rtlgym-decon-vhdl-"));
  const src = join(root, "src");
  await mkdir(src);
  // 1. the builtin-vhdl ALU reference, renamed, recased, re-spaced and commented.
  const alu = await readFile(join(SUITES, "builtin-vhdl", "b021_alu8", "ref.vhd"), "utf8");
  const copied = alu
    .replace(/\bTopModule\b/g, "My_Alu")
    .replace(/\bprocess\b/g, "PROCESS")
    .replace(/\bwhen\b/g, "When")
    .replace(/ <= /g, "  <=  ")
    .replace(/;\n/g, "; -- copied\n");
  await writeFile(join(src, "my_alu.vhd"), `-- An 8-bit ALU from somewhere.\n${copied}`);
  await writeFile(join(src, "gray_enc.vhd"), GRAY_LOOP);
  // 2. the PWM specification pasted into VHDL comments above an unrelated design.
  const spec = (await readFile(join(SUITES, "builtin", "b041_pwm8", "spec.md"), "utf8")).split("## Interface")[0];
  const commented = (spec ?? "")
    .split("\n")
    .map((l) => `-- ${l}`)
    .join("\n");
  await writeFile(join(src, "tap_delay.vhd"), UNRELATED);
  await writeFile(
    join(src, "duty.vhd"),
    `${commented}\nlibrary ieee;\nuse ieee.std_logic_1164.all;\nentity duty_reg is\n  port (clk : in std_logic; d : in std_logic_vector(3 downto 0); q : out std_logic_vector(3 downto 0));\nend entity;\narchitecture rtl of duty_reg is\nbegin\n  q <= d when rising_edge(clk);\nend architecture;\n`,
  );
  const out = join(root, "ds");
  await ingest(src, out);
  both = await decontaminate<Result>(out, "builtin,builtin-vhdl");
  verilogOnly = await decontaminate<Result>(out, "builtin");
}, 180_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const methods = (r: Result, top: string) =>
  r.hits
    .filter((h) => h.id.toLowerCase().endsWith(`#${top}`))
    .map((h) => `${h.benchmark}/${h.problem}:${h.method}`)
    .sort();

describe("decontamination of VHDL records (real GHDL, iverilog, Yosys)", () => {
  it("flags a copied builtin-vhdl reference by n-grams and equivalence, a rewrite by equivalence, a pasted spec", () => {
    expect(both.checked).toBe(4);
    expect(methods(both, "my_alu")).toEqual([
      "builtin-vhdl/b021_alu8:code-ngram",
      "builtin-vhdl/b021_alu8:code-ngram-renamed",
      "builtin-vhdl/b021_alu8:equivalence",
    ]);
    // Twins (builtin and builtin-vhdl) are checked once, in the record's language.
    expect(methods(both, "gray_enc")).toEqual(["builtin-vhdl/b012_bin_to_gray8:equivalence"]);
    expect(methods(both, "duty_reg")).toEqual(["builtin-vhdl/b041_pwm8:spec-ngram", "builtin/b041_pwm8:spec-ngram"]);
    expect(methods(both, "tap_delay")).toEqual([]);
  });

  it("checks a VHDL record against a Verilog reference when no VHDL twin is there", () => {
    expect(methods(verilogOnly, "gray_enc")).toEqual(["builtin/b012_bin_to_gray8:equivalence"]);
    expect(methods(verilogOnly, "my_alu")).toEqual(["builtin/b021_alu8:equivalence"]);
    expect(methods(verilogOnly, "tap_delay")).toEqual([]);
  });
});

describe("VHDL text for n-grams", () => {
  it("lower-cases identifiers, drops comments, abstracts names but not standard ones", () => {
    const a = normalisedTokensOf("Y <= A xor B; -- note", "vhdl");
    expect(a).toEqual(["y", "<=", "a", "xor", "b", ";"]);
    expect(abstractTokensOf("y <= std_logic_vector(unsigned(a) + 1);", "vhdl")).toEqual([
      "$id",
      "<=",
      "std_logic_vector",
      "(",
      "unsigned",
      "(",
      "$id",
      ")",
      "+",
      "1",
      ")",
      ";",
    ]);
    expect(commentTextOf('x <= "--no"; -- yes one\n/* and two */ y <= 1;', "vhdl")).toBe(" yes one\n and two ");
  });
});
