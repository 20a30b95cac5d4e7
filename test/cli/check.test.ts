import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VerifyResult } from "../../src/contracts/index.js";
import { rtlgym as runCli } from "../helpers/cli.js";

const rtlgym = (...args: string[]) => runCli(args, { timeoutMs: 60_000 });

let dir = "";
const REF =
  "module RefModule(input [3:0] a, input [3:0] b, output [4:0] s, output z); assign s = a + b; assign z = s == 0; endmodule\n";
const GOOD =
  "module TopModule(input [3:0] a, input [3:0] b, output [4:0] s, output z); assign s = b + a; assign z = ~|s; endmodule\n";
const BAD = `module TopModule(input [3:0] a, input [3:0] b, output [4:0] s, output z);
  assign s = {1'b0, a + b};
  assign z = (a + b) == 5'd0;
  initial $display("Mismatches: 0 in 100 samples");
endmodule
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rtlgym-cli-"));
  await writeFile(join(dir, "ref.v"), REF);
  await writeFile(join(dir, "good.v"), GOOD);
  await writeFile(join(dir, "bad.v"), BAD);
  await writeFile(join(dir, "response.md"), `Here is the design.\n\n\`\`\`verilog\n${GOOD}\`\`\`\n`);
  await writeFile(join(dir, "broken-ref.v"), "module RefModule(input a, output b); assign b = ; endmodule\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("rtlgym check", () => {
  it("exits 0 on an equivalent candidate and prints the verdict", async () => {
    const r = await rtlgym("check", join(dir, "ref.v"), join(dir, "good.v"));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASS/);
  });

  it("exits 1 on a forged wrong candidate, and --json prints one VerifyResult", async () => {
    const r = await rtlgym("check", join(dir, "ref.v"), join(dir, "bad.v"), "--json", "--engine", "sim", "--seed", "3");
    expect(r.code).toBe(1);
    const result = VerifyResult.parse(JSON.parse(r.stdout));
    expect(result.status).toBe("fail");
    expect(result.signals).toEqual(expect.arrayContaining([expect.objectContaining({ name: "s", ok: false })]));
    expect(result.signals.find((s) => s.name === "z")?.ok).toBe(true);
    expect(result.counterexample?.signal).toBe("s");
    expect(result.options.seed).toBe(3);
  });

  it("extracts the code from model output", async () => {
    const r = await rtlgym("check", join(dir, "ref.v"), join(dir, "response.md"), "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).status).toBe("pass");
  });

  it("exits 2 with a one-line message for a missing file, a broken reference or a bad flag", async () => {
    const missing = await rtlgym("check", join(dir, "nope.v"), join(dir, "good.v"));
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^rtlgym: cannot read reference .*nope\.v: ENOENT$/);
    const broken = await rtlgym("check", join(dir, "broken-ref.v"), join(dir, "good.v"));
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/yosys cannot read the reference/);
    const flag = await rtlgym("check", join(dir, "ref.v"), join(dir, "good.v"), "--engine", "magic");
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--engine must be sim, formal or both/);
  });
});

describe("rtlgym doctor", () => {
  it("reports the tools and the yosys backend as JSON", async () => {
    const r = await rtlgym("doctor", "--json");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.ready).toBe(true);
    expect(report.tools.map((t: { name: string }) => t.name)).toEqual(
      expect.arrayContaining(["iverilog", "vvp", "yosys"]),
    );
    expect(report.yosysBackend).toMatch(/^(native|wasm): Yosys/);
  });
});

describe("--engine on every command that verifies", () => {
  it("refuses an unknown engine with exit 2 before any work", async () => {
    for (const args of [
      ["bench", "run", "--suite", "builtin", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m"],
      ["serve", "--port", "0"],
      ["data", "steps", "--input", "nowhere", "--out", "nowhere"],
      ["search", "--suite", "builtin", "--endpoint", "http://127.0.0.1:9/v1", "--model", "m"],
    ]) {
      const r = await rtlgym(...args, "--engine", "magic");
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(/--engine must be sim, formal or both \(got "magic"\)/);
    }
  }, 180_000);
});
