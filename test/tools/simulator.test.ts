import { describe, expect, it } from "vitest";
import { liveProcessCount } from "../../src/tools/process.js";
import { ghdlSimulator, inSimulationDir, iverilogSimulator } from "../../src/tools/simulator.js";

const LIMITS = { timeoutMs: 20_000, memoryLimitMb: 1024 };

const VERILOG_TB = `module tb; initial begin $display("hello %0d", 6 * 7); $finish; end endmodule\n`;
const VERILOG_HANG = "module tb; reg r = 0; always #1 r = ~r; endmodule\n"; // never ends on its own

const VHDL_TB = `entity tb is end entity;
architecture sim of tb is
  signal clk : bit := '0';
begin
  clk <= not clk after 1 ns; -- free-running: only the stop time ends the run
  process begin
    report "hello from vhdl";
    wait;
  end process;
end architecture;
`;

describe("the simulator seam", () => {
  it("compiles and runs a Verilog testbench with iverilog, under the program name and flags given", async () => {
    const sim = iverilogSimulator({ flags: ["-g2012"], program: "bin" });
    expect(sim.name).toBe("iverilog");
    expect(await sim.version()).toMatch(/Icarus Verilog/);
    await inSimulationDir("sim-test", { "tb.v": VERILOG_TB }, async (cwd) => {
      const build = { cwd, files: ["tb.v"], top: "tb" };
      const c = await sim.compile(build, LIMITS);
      expect(c.exitCode).toBe(0);
      const r = await sim.run(build, LIMITS);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain("hello 42");
    });
  });

  it("reports a compile error as a result, not a throw", async () => {
    await inSimulationDir("sim-test", { "tb.v": "module tb; wire x = ; endmodule\n" }, async (cwd) => {
      const c = await iverilogSimulator().compile({ cwd, files: ["tb.v"], top: "tb" }, LIMITS);
      expect(c.exitCode).not.toBe(0);
      expect(`${c.stderr}${c.stdout}`).toContain("tb.v:1");
    });
  });

  it("kills a run at its wall-clock limit and on abort, leaving no process behind", async () => {
    const sim = iverilogSimulator();
    await inSimulationDir("sim-test", { "tb.v": VERILOG_HANG }, async (cwd) => {
      const build = { cwd, files: ["tb.v"], top: "tb" };
      expect((await sim.compile(build, LIMITS)).exitCode).toBe(0);
      const started = performance.now();
      const r = await sim.run(build, { ...LIMITS, timeoutMs: 500 });
      expect(r.timedOut).toBe(true);
      expect(performance.now() - started).toBeLessThan(10_000);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 300);
      const aborted = await sim.run(build, { ...LIMITS, signal: controller.signal });
      expect(aborted.timedOut).toBe(true);
      expect(liveProcessCount()).toBe(0);
    });
  });

  it("analyses and runs VHDL with GHDL until the stop time", async () => {
    const sim = ghdlSimulator({ stopTime: "20ns" });
    expect(sim.name).toBe("ghdl");
    await inSimulationDir("sim-test", { "tb.vhd": VHDL_TB }, async (cwd) => {
      const build = { cwd, files: ["tb.vhd"], top: "tb" };
      const a = await sim.compile(build, LIMITS);
      expect(a.exitCode).toBe(0);
      const r = await sim.run(build, LIMITS);
      expect(r.timedOut).toBe(false);
      expect(r.exitCode).toBe(0);
      expect(`${r.stdout}${r.stderr}`).toContain("hello from vhdl");
    });
  });
});
