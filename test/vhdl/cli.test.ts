import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VerifyResult } from "../../src/contracts/index.js";
import { rtlgym as runCli } from "../helpers/cli.js";

const FIX = join(import.meta.dirname, "fixtures");

const rtlgym = (...args: string[]) => runCli(args, { timeoutMs: 60_000 });

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rtlgym-vhdl-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("rtlgym check with VHDL", () => {
  it("exits 0 on a hierarchical equivalent, 1 on a wrong one, with one VerifyResult as JSON", async () => {
    const ok = await rtlgym("check", join(FIX, "counter_ref.vhd"), join(FIX, "counter_hier.vhd"), "--json");
    expect(ok.code, ok.stderr).toBe(0);
    const good = VerifyResult.parse(JSON.parse(ok.stdout));
    expect(good.status).toBe("pass");
    expect(good.route).toMatchObject({ reference: "vhdl", candidate: "vhdl", kind: "translated" });
    const bad = await rtlgym("check", join(FIX, "counter_ref.vhd"), join(FIX, "counter_bad.vhd"), "--json");
    expect(bad.code).toBe(1);
    expect(VerifyResult.parse(JSON.parse(bad.stdout)).status).toBe("fail");
  });

  it("reads VHDL from a ```vhdl fence of model output and names entities with --ref-top/--cand-top", async () => {
    const response = join(dir, "answer.md");
    const code = readFileSync(join(FIX, "alu_good.vhd"), "utf8");
    await writeFile(
      response,
      `<think>maybe \`\`\`vhdl\nentity x is end;\n\`\`\`</think>\nHere it is:\n\`\`\`vhdl\n${code}\`\`\`\n`,
    );
    const r = await rtlgym("check", join(FIX, "alu_ref.vhd"), response, "--ref-top", "alu", "--cand-top", "ALU");
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^PASS/);
    expect(r.stdout).toMatch(/route: vhdl vs vhdl/);
    expect(r.stdout).toMatch(/GHDL 2\.0/);
  });

  it("--vhdl-route native decides by GHDL simulation only", async () => {
    const r = await rtlgym(
      "check",
      join(FIX, "fsm_ref.vhd"),
      join(FIX, "fsm_bad.vhd"),
      "--vhdl-route",
      "native",
      "--json",
    );
    expect(r.code).toBe(1);
    const v = VerifyResult.parse(JSON.parse(r.stdout));
    expect(v.route?.kind).toBe("native");
    expect(v.signals.filter((s) => !s.ok).map((s) => s.name)).toEqual(["hit"]);
  });

  it("exits 2 for a reference that uses textio, a missing entity or a bad --lang", async () => {
    const ref = join(dir, "ref.vhd");
    await writeFile(
      ref,
      "use std.textio.all;\nentity e is port (a : in bit); end entity;\narchitecture r of e is begin end;\n",
    );
    const t = await rtlgym("check", ref, join(FIX, "and_ref.vhd"));
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/textio/);
    const m = await rtlgym("check", join(FIX, "and_ref.vhd"), join(FIX, "and_ref.vhd"), "--ref-top", "nope");
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/no entity named nope/);
    const l = await rtlgym("check", join(FIX, "and_ref.vhd"), join(FIX, "and_ref.vhd"), "--lang", "vhdl2");
    expect(l.code).toBe(2);
  });

  it("bench --lang vhdl picks the builtin suite's VHDL track; other suites have none", async () => {
    const out = join(dir, "audit");
    const r = await rtlgym(
      "bench",
      "audit",
      "--suite",
      "builtin",
      "--lang",
      "vhdl",
      "--limit",
      "1",
      "--out",
      out,
      "--quiet",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, "audit.md"), "utf8")).toMatch(/\| b001_\w+ \| pass \|/);
    const none = await rtlgym("bench", "audit", "--suite", "rtllm-v2.0", "--lang", "vhdl", "--limit", "1");
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no VHDL track/);
  });
});
