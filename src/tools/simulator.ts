import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ghdlAnalyse, ghdlRun, ghdlVersion } from "./ghdl.js";
import { iverilogPaths, iverilogVersion } from "./iverilog.js";
import { type RunOptions, type RunResult, runProcess, withTempDir } from "./process.js";

/**
 * The seam every simulation goes through: compile the design and its testbench (already written into a temp dir,
 * see {@link inSimulationDir}), then run what was built. Both steps are child processes under the limits every tool
 * gets: argument arrays, the sandbox, a hard wall-clock kill, capped output, a memory cap and an optional
 * AbortSignal. What differs per tool (flags, program names, a stop time) is fixed when the simulator is made.
 *
 * Two implementations: {@link iverilogSimulator} (Verilog) and {@link ghdlSimulator} (VHDL). A Verilator one
 * would be a third factory here returning the same interface (`verilator --binary` as compile, the built
 * executable as run); callers would not change.
 */
export interface Simulator {
  /** The tool as results name it ("iverilog", "ghdl"). */
  readonly name: string;
  /** The tool's version line, recorded with verdicts. */
  version(): Promise<string>;
  /** Compiles (GHDL: analyses) `files` in `cwd` with `top` as the root unit. */
  compile(build: SimBuild, limits: SimulatorLimits): Promise<RunResult>;
  /** Runs what `compile` built in the same `cwd`, starting from `top`. */
  run(build: Omit<SimBuild, "files">, limits: SimulatorLimits): Promise<RunResult>;
}

export interface SimBuild {
  /** A temp dir of the caller's own (the work library and compiled program land there). */
  cwd: string;
  /** File names relative to `cwd`, in the order the tool should read them. */
  files: readonly string[];
  top: string;
}

export interface SimulatorLimits {
  /** Hard wall-clock limit of this one process. */
  timeoutMs: number;
  memoryLimitMb: number;
  /** Per stream; defaults: 256 KiB for compile, 1 MiB for run. */
  maxOutputBytes?: number;
  /** End the run when it prints nothing on stdout for this much CPU time (see runProcess). */
  stallMs?: number;
  signal?: AbortSignal;
}

const COMPILE_OUTPUT_BYTES = 256 << 10;
const RUN_OUTPUT_BYTES = 1 << 20;

/** The process options every simulator step runs with: always in the sandbox. */
function processOptions(cwd: string, limits: SimulatorLimits, defaultOutputBytes: number): RunOptions {
  return {
    cwd,
    timeoutMs: limits.timeoutMs,
    memoryLimitMb: limits.memoryLimitMb,
    maxOutputBytes: limits.maxOutputBytes ?? defaultOutputBytes,
    sandbox: true,
    ...(limits.stallMs !== undefined && { stallMs: limits.stallMs }),
    ...(limits.signal && { signal: limits.signal }),
  };
}

const withOutputCap = (limits: SimulatorLimits, bytes: number): SimulatorLimits => ({
  ...limits,
  maxOutputBytes: limits.maxOutputBytes ?? bytes,
});

/** Runs `fn` in a fresh temp dir holding `files` (name -> text); the dir is removed afterwards, whatever happens. */
export function inSimulationDir<T>(
  prefix: string,
  files: Readonly<Record<string, string>>,
  fn: (cwd: string) => Promise<T>,
): Promise<T> {
  return withTempDir(prefix, async (cwd) => {
    await Promise.all(Object.entries(files).map(([name, text]) => writeFile(join(cwd, name), text)));
    return fn(cwd);
  });
}

export interface IverilogConventions {
  /** Flags before `-s TOP -o PROGRAM FILES`. */
  flags?: readonly string[];
  /** File name of the compiled program (`-o`), run by `vvp -n`. */
  program?: string;
}

/**
 * Default flags: iverilog -g2012 with each file its own compilation unit (`-u`: one candidate's file-scope typedefs,
 * imports and `timescale cannot reach another's). Warnings (e.g. "sorry" notes on always_comb) are not failures.
 */
const IVERILOG_FLAGS = ["-g2012", "-u", "-Wno-timescale"] as const;

/** iverilog compiles, `vvp -n` runs (no interactive prompt on $stop, so nothing waits for stdin). */
export function iverilogSimulator(conventions: IverilogConventions = {}): Simulator {
  const flags = conventions.flags ?? IVERILOG_FLAGS;
  const program = conventions.program ?? "sim.vvp";
  return {
    name: "iverilog",
    version: iverilogVersion,
    async compile({ cwd, files, top }, limits) {
      const { iverilog } = await iverilogPaths();
      const args = [...flags, "-s", top, "-o", program, ...files];
      return runProcess(iverilog, args, processOptions(cwd, limits, COMPILE_OUTPUT_BYTES));
    },
    async run({ cwd }, limits) {
      const { vvp } = await iverilogPaths();
      return runProcess(vvp, ["-n", program], processOptions(cwd, limits, RUN_OUTPUT_BYTES));
    },
  };
}

export interface GhdlConventions {
  /** Simulated time to stop at (a VHDL time such as "20us"): a free-running process never drains the queue. */
  stopTime: string;
  /** Library the files are analysed into. */
  work?: string;
}

/** `ghdl -a` analyses, `ghdl -r` elaborates (mcode: in memory) and runs; see ghdl.ts for the flags. */
export function ghdlSimulator(conventions: GhdlConventions): Simulator {
  const work = conventions.work ?? "work";
  return {
    name: "ghdl",
    version: ghdlVersion,
    compile({ cwd, files }, limits) {
      return ghdlAnalyse(cwd, [...files], work, withOutputCap(limits, COMPILE_OUTPUT_BYTES));
    },
    run({ cwd, top }, limits) {
      return ghdlRun(cwd, top, work, conventions.stopTime, withOutputCap(limits, RUN_OUTPUT_BYTES));
    },
  };
}
