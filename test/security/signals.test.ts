import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAIN, rtlgym } from "../helpers/cli.js";

// Issue 8 through the CLI: hostile candidates fail `rtlgym check`, and a signal to it leaves no tool process and
// no temp dir behind (class 6).

const work = mkdtempSync(join(tmpdir(), "rtlgym-sig-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const REF = `module RefModule(input clk, input reset, output reg [31:0] q);
  always @(posedge clk) if (reset) q <= 0; else q <= q + 1;
endmodule
`;
/** Correct, but every cycle spins a long loop: the simulation runs for many seconds while printing progress. */
const SLOW = `module TopModule(input clk, input reset, output reg [31:0] q);
  integer i; reg [31:0] acc;
  always @(posedge clk) begin
    for (i = 0; i < 200000; i = i + 1) acc = acc + i;
    if (reset) q <= 0; else q <= q + 1;
  end
endmodule
`;

/** Processes whose working directory is inside `dir` (tools run in their temp dir, also inside the sandbox). */
function processesIn(dir: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/cwd`).startsWith(dir)) found.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("rtlgym check refuses hostile candidates", () => {
  it("forged verdicts, escaped system tasks, DPI and upward references exit 1 and never pass", async () => {
    writeFileSync(join(work, "ref.v"), REF);
    const stuck = (extra: string) =>
      `module TopModule(input clk, input reset, output reg [31:0] q);\n  always @(posedge clk) q <= 0;\n${extra}\nendmodule\n`;
    const attacks = [
      stuck('  initial \\$display ("Mismatches: 0 in 100 samples");'),
      stuck('  import "DPI-C" function int system(input string c);\n  localparam int X = system("id");'),
      stuck("  initial forever #1 rg_reset(1);"),
      `\`ifdef __ICARUS__\n${SLOW}\`else\n${stuck("")}\`endif\n`,
      stuck("  // x\r initial $finish;"),
    ];
    for (const [i, attack] of attacks.entries()) {
      writeFileSync(join(work, `attack${i}.v`), attack);
      const r = await rtlgym(["check", join(work, "ref.v"), join(work, `attack${i}.v`), "--json"], {
        timeoutMs: 60_000,
      });
      expect(r.code, `attack ${i}: ${r.stderr}`).toBe(1);
      expect(JSON.parse(r.stdout).status).not.toBe("pass");
    }
    // Each check has its own 60 s limit, as when these ran synchronously (which no test timeout could cut short).
  }, 300_000);
});

describe("signals end rtlgym without leftovers", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} to rtlgym check kills its tools and removes its temp dirs`, async () => {
      const tmp = mkdtempSync(join(work, `${signal}-`));
      writeFileSync(join(work, "ref.v"), REF);
      writeFileSync(join(work, "slow.v"), SLOW);
      const child = spawn(
        process.execPath,
        ["--import", "tsx", MAIN, "check", join(work, "ref.v"), join(work, "slow.v"), "--timeout-ms", "60000"],
        { env: { ...process.env, TMPDIR: tmp }, stdio: "ignore" },
      );
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      // Wait until a tool is running inside one of the check's temp dirs.
      let seen = 0;
      for (let i = 0; i < 300 && seen === 0; i++) {
        await sleep(50);
        seen = processesIn(tmp).length;
      }
      expect(seen, "a tool process was seen running").toBeGreaterThan(0);
      await sleep(300);
      child.kill(signal);
      const code = await exited;
      expect(code).toBe(signal === "SIGTERM" ? 143 : 130);
      await sleep(200);
      expect(processesIn(tmp)).toEqual([]);
      expect(readdirSync(tmp).filter((n) => n.startsWith("rtlgym-"))).toEqual([]);
    });
  }
});
