import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataRecord, Reject } from "../../src/data/dataset.js";
import { CORPUS, rtlgym } from "../helpers/cli.js";

let root = "";
let repo = "";
let commit = "";

const MIT = `MIT License\n\nCopyright (c) 2026 Someone\n\nPermission is hereby granted, free of charge, to any person obtaining a copy of this software...\n`;

const SUB = `// Adds two bytes.
module adder8 (input [7:0] a, input [7:0] b, output [\`WIDTH:0] s);
  assign s = a + b;
endmodule
`;
const TOP = `\`include "defs.vh"
// Accumulates the sum of a and b every cycle; synchronous active-high reset.
module acc_top (input clk, input rst, input [7:0] a, input [7:0] b, output reg [8:0] q);
  wire [8:0] s;
  adder8 u_add (.a(a), .b(b), .s(s));
  always @(posedge clk) begin
    if (rst) q <= 9'd0;
    else q <= s;
  end
endmodule
`;
const ASYNC = `module areg (input clk, input rst_n, input [3:0] d, output reg [3:0] q);
  always @(posedge clk or negedge rst_n)
    if (!rst_n) q <= 4'd0; else q <= d;
endmodule
`;
// The same module reformatted with other comments: an exact duplicate by normalised tokens.
const ASYNC_COPY = `/* copy */ module areg(input clk,input rst_n,input [3:0] d,output reg [3:0] q);
always @(posedge clk or negedge rst_n) if (!rst_n) q <= 4'd0; else q <= d; // same
endmodule
`;
const BIG = (
  extra: string,
) => `module wide_logic (input [15:0] a, input [15:0] b, input [1:0] op, output reg [15:0] y, output z);
  always @(*) begin
    case (op)
      2'd0: y = a & b;
      2'd1: y = a | b;
      2'd2: y = a ^ b;
      default: y = ~(a & b);
    endcase
  end
  assign z = ~|y;
  wire [15:0] t1 = a + b;
  wire [15:0] t2 = a - b;
  wire [15:0] t3 = {a[7:0], b[7:0]};
  wire [15:0] t4 = {b[7:0], a[7:0]};
  ${extra}
endmodule
`;
const TB = `\`timescale 1ns/1ps
module tb_acc;
  reg clk = 0, rst = 1; reg [7:0] a = 1, b = 2; wire [8:0] q;
  acc_top dut (.clk(clk), .rst(rst), .a(a), .b(b), .q(q));
  always #5 clk = ~clk;
  initial begin #20 rst = 0; #100 $finish; end
endmodule
`;
const VENDOR = `module use_vendor (input clk_in, output clk_out);
  BUFG u_buf (.I(clk_in), .O(clk_out));
endmodule
`;
const BROKEN = `module broken (input a, output y);
  assign y = a &;
endmodule
`;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "rtlgym-ingest-"));
  repo = join(root, "myrepo");
  await mkdir(join(repo, "rtl"), { recursive: true });
  await mkdir(join(repo, "tb"), { recursive: true });
  await mkdir(join(repo, "include"), { recursive: true });
  await writeFile(join(repo, "LICENSE"), MIT);
  await writeFile(join(repo, "include", "defs.vh"), "`define WIDTH 8\n");
  await writeFile(join(repo, "rtl", "adder8.v"), SUB);
  await writeFile(join(repo, "rtl", "acc_top.v"), TOP);
  await writeFile(join(repo, "rtl", "areg.v"), ASYNC);
  await writeFile(join(repo, "rtl", "areg_copy.v"), ASYNC_COPY);
  await writeFile(join(repo, "rtl", "wide_logic.v"), BIG("wire [15:0] t5 = a;"));
  await writeFile(join(repo, "rtl", "wide_logic2.v"), BIG("wire [15:0] t6 = b;"));
  await writeFile(join(repo, "rtl", "vendor.v"), VENDOR);
  await writeFile(join(repo, "rtl", "broken.v"), BROKEN);
  // latin1: an e-acute byte in a comment (not valid UTF-8)
  await writeFile(
    join(repo, "rtl", "latin.v"),
    Buffer.from("// caf\xe9\nmodule latin_inv (input a, output y); assign y = ~a; endmodule\n", "latin1"),
  );
  await writeFile(join(repo, "rtl", "blob.v"), Buffer.from([0x6d, 0, 1, 2, 3, 0]));
  await writeFile(join(repo, "rtl", "pkg.sv"), "package p; localparam int W = 3; endpackage\n");
  // VHDL: a package in a named design library, an entity using it, a top instantiating that entity, an orphan.
  await writeFile(
    join(repo, "rtl", "core.vhd"),
    "library ieee;\nuse ieee.std_logic_1164.all;\npackage core_pkg is\n  constant W : natural := 4;\nend package;\n",
  );
  await writeFile(
    join(repo, "rtl", "vcount.vhd"),
    `library ieee, mylib;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
use mylib.core_pkg.all;
entity vcount is
  port (clk, rst : in std_logic; q : out unsigned(W - 1 downto 0));
end entity;
architecture rtl of vcount is
  signal r : unsigned(W - 1 downto 0);
begin
  process (clk) begin
    if rising_edge(clk) then
      if rst = '1' then r <= (others => '0'); else r <= r + 1; end if;
    end if;
  end process;
  q <= r;
end architecture;
`,
  );
  await writeFile(
    join(repo, "rtl", "vtop.vhd"),
    `library ieee;
use ieee.std_logic_1164.all;
use ieee.numeric_std.all;
library mylib;
entity vtop is
  port (clk, rst : in std_logic; q : out unsigned(3 downto 0));
end entity;
architecture rtl of vtop is
begin
  u0: entity mylib.vcount port map (clk => clk, rst => rst, q => q);
end architecture;
`,
  );
  await writeFile(join(repo, "rtl", "orphan.vhd"), "architecture a of nowhere is\nbegin\nend architecture;\n");
  await writeFile(join(repo, "tb", "tb_acc.v"), TB);
  await symlink("../rtl/areg.v", join(repo, "tb", "areg_link.v"));
  const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" });
  git("init", "-q");
  git("-c", "user.email=t@example.com", "-c", "user.name=t", "add", ".");
  git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "fixture");
  commit = git("rev-parse", "HEAD").trim();
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe("rtlgym data ingest", () => {
  it("turns a git checkout into units, duplicates and rejects, accounting for every file", async () => {
    const out = join(root, "ds");
    const r = await rtlgym(["data", "ingest", repo, "--out", out, "--json", "--quiet"]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      files: number;
      units: number;
      duplicates: number;
      rejected: Array<{ path: string; reason: string }>;
    };
    const records = (await readFile(join(out, "records.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => DataRecord.parse(JSON.parse(l)));
    const dups = (await readFile(join(out, "duplicates.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => DataRecord.parse(JSON.parse(l)));
    const rejects = (await readFile(join(out, "rejects.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => Reject.parse(JSON.parse(l)));
    const byTop = new Map(records.map((x) => [x.top, x]));

    // Provenance: the commit from git, the licence from LICENSE.
    const acc = byTop.get("acc_top");
    expect(acc?.commit).toBe(commit);
    expect(acc?.licence).toBe("MIT");
    // The include was resolved (defs.vh lives in another folder) and the instantiated module pulled in.
    expect(acc?.files.sort()).toEqual(["include/defs.vh", "rtl/acc_top.v", "rtl/adder8.v"]);
    expect(acc?.modules).toEqual(["acc_top", "adder8"]);
    expect(acc?.synthesizable).toBe(true);
    expect(acc?.synth).toMatchObject({ clocked: true, clock: "clk", resetStyle: "sync" });
    // adder8 is instantiated by a design, so it is not a unit of its own.
    expect(byTop.has("adder8")).toBe(false);
    expect(byTop.get("areg")?.synth).toMatchObject({
      clocked: true,
      resetStyle: "async",
      resets: [{ name: "rst_n", activeHigh: false, kind: "async" }],
    });
    expect(byTop.get("wide_logic")?.synth).toMatchObject({ clocked: false, resetStyle: "none" });
    // Testbench: classified, and its DUT stays a design top.
    expect(byTop.get("tb_acc")?.kind).toBe("testbench");
    // Not synthesizable, with the reason.
    expect(byTop.get("use_vendor")?.synth?.error).toMatch(/BUFG/);
    expect(byTop.get("broken")?.synthesizable).toBe(false);
    expect(byTop.get("broken")?.synth?.error).toMatch(/syntax error/);
    // latin1 fallback with its reason.
    expect(byTop.get("latin_inv")?.encoding.join()).toMatch(/not valid UTF-8.*latin1/);
    // Exact and near duplicates: one representative kept, the other recorded.
    const exact = dups.find((d) => d.top === "areg");
    expect(exact).toMatchObject({ duplicateKind: "exact", duplicateOf: byTop.get("areg")?.id });
    const near = dups.find((d) => d.top === "wide_logic");
    expect(near?.duplicateKind).toBe("near");
    expect(near?.similarity).toBeGreaterThan(0.85);
    expect(records.filter((x) => x.top === "wide_logic")).toHaveLength(1);

    // Rejects with reasons.
    const reason = (p: string) => rejects.find((x) => x.path === p)?.reason;
    expect(reason("rtl/blob.v")).toMatch(/binary/);
    expect(reason("rtl/orphan.vhd")).toMatch(/VHDL architecture of an entity defined nowhere/);
    // VHDL units: the package from another file and the design library renamed to work; GHDL then Yosys.
    const vcount = byTop.get("vcount");
    expect(vcount).toMatchObject({ language: "vhdl", kind: "design", modules: ["vcount"], synthesizable: true });
    expect(vcount?.files.sort()).toEqual(["rtl/core.vhd", "rtl/vcount.vhd"]);
    expect(vcount?.code).toMatch(/use work\.core_pkg\.all;/);
    expect(vcount?.synth).toMatchObject({ clocked: true, clock: "clk", resetStyle: "sync", outputBits: 4 });
    expect(byTop.get("vtop")).toMatchObject({ language: "vhdl", modules: ["vcount", "vtop"], synthesizable: true });
    expect(byTop.get("acc_top")?.language).toBeUndefined();
    expect(reason("rtl/pkg.sv")).toMatch(/no module/);
    expect(reason("LICENSE")).toMatch(/metadata/);
    expect(reason("tb/areg_link.v")).toMatch(/symbolic link/);

    // Every input file is in a unit (kept or duplicate) or rejected, never both, never neither.
    const walked = execFileSync("git", ["-C", repo, "ls-files"], { encoding: "utf8" }).trim().split("\n");
    const inUnits = new Set([...records, ...dups].flatMap((x) => x.files));
    const rejected = new Set(rejects.map((x) => x.path));
    for (const f of walked) expect(inUnits.has(f) !== rejected.has(f), f).toBe(true);
    expect(summary.files).toBe(walked.length);
    expect(summary.units).toBe(records.length + dups.length);
    expect(summary.duplicates).toBe(dups.length);
    expect(summary.rejected.map((x) => x.path).sort()).toEqual([...rejected].map((p) => `myrepo/${p}`).sort());

    // Reports: HTML with inline SVG plots, Markdown, JSON.
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html).toContain("<svg");
    expect(await readFile(join(out, "report.md"), "utf8")).toContain("| myrepo |");
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.sources[0]).toMatchObject({ name: "myrepo", commit, commitFrom: "git", licence: "MIT" });
  }, 90_000);

  it.skipIf(!existsSync(CORPUS))(
    "ingests a corpus project (serv) with its SOURCE.txt and licence",
    async () => {
      const out = join(root, "serv-ds");
      const r = await rtlgym(["data", "ingest", join(CORPUS, "serv"), "--out", out, "--json", "--quiet"]);
      expect(r.code, r.stderr).toBe(0);
      const s = JSON.parse(r.stdout) as {
        files: number;
        units: number;
        inUnits: number;
        rejected: unknown[];
        sources: Array<{ licence: string; commit: string }>;
      };
      expect(s.sources[0]).toMatchObject({ licence: "ISC", commit: "9baea86ff0e46e64b45342b9742898ed24e3c285" });
      expect(s.inUnits + s.rejected.length).toBe(s.files);
      const records = (await readFile(join(out, "records.jsonl"), "utf8"))
        .trim()
        .split("\n")
        .map((l) => DataRecord.parse(JSON.parse(l)));
      const top = records.find((x) => x.top === "serv_rf_top");
      expect(top?.synthesizable).toBe(true);
      expect(top?.modules.length).toBeGreaterThan(5);
      expect(records.some((x) => x.kind === "testbench")).toBe(true);
    },
    90_000,
  );
});
