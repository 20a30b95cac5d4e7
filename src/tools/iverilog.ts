import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ToolMissingError } from "../core/errors.js";
import { type RunResult, runProcess, withTempDir } from "./process.js";
import { findOnPath } from "./which.js";

export interface IverilogPaths {
  iverilog: string;
  vvp: string;
}

let located: Promise<IverilogPaths> | undefined;

/** Finds iverilog and vvp (RTLGYM_IVERILOG_BIN / RTLGYM_VVP_BIN override); throws ToolMissingError. */
export function iverilogPaths(): Promise<IverilogPaths> {
  located ??= (async () => {
    const iverilog = await findOnPath(process.env.RTLGYM_IVERILOG_BIN ?? "iverilog");
    const vvp = await findOnPath(process.env.RTLGYM_VVP_BIN ?? "vvp");
    if (!iverilog || !vvp) {
      located = undefined; // let a later call find it once installed
      throw new ToolMissingError(iverilog ? "vvp" : "iverilog", "install it with `apt-get install iverilog`");
    }
    return { iverilog, vvp };
  })();
  return located;
}

let versionPromise: Promise<string> | undefined;

export function iverilogVersion(): Promise<string> {
  versionPromise ??= (async () => {
    const { iverilog } = await iverilogPaths();
    return withTempDir("iv-v", async (cwd) => {
      const r = await runProcess(iverilog, ["-V"], { cwd, timeoutMs: 10_000 });
      const first = `${r.stdout}${r.stderr}`.split("\n")[0] ?? "";
      return first.replace(/\s*\(\)\s*$/, "").trim();
    });
  })();
  return versionPromise;
}

export interface CompileOptions {
  cwd: string;
  files: string[];
  top: string;
  output: string;
  timeoutMs: number;
  memoryLimitMb: number;
}

/** iverilog -g2012 on files in cwd. Warnings (e.g. "sorry" notes on always_comb) are not failures. */
export async function compile(options: CompileOptions): Promise<RunResult> {
  const { iverilog } = await iverilogPaths();
  return runProcess(iverilog, ["-g2012", "-Wno-timescale", "-s", options.top, "-o", options.output, ...options.files], {
    cwd: options.cwd,
    timeoutMs: options.timeoutMs,
    memoryLimitMb: options.memoryLimitMb,
    maxOutputBytes: 256 << 10,
  });
}

export interface SimulateOptions {
  cwd: string;
  program: string;
  timeoutMs: number;
  memoryLimitMb: number;
  maxOutputBytes: number;
  stallMs?: number;
}

/** vvp -n: no interactive prompt on $stop, so nothing waits for stdin. */
export async function simulate(options: SimulateOptions): Promise<RunResult> {
  const { vvp } = await iverilogPaths();
  return runProcess(vvp, ["-n", options.program], {
    cwd: options.cwd,
    timeoutMs: options.timeoutMs,
    memoryLimitMb: options.memoryLimitMb,
    maxOutputBytes: options.maxOutputBytes,
    ...(options.stallMs !== undefined && { stallMs: options.stallMs }),
  });
}

/**
 * Elaborates SystemVerilog that yosys cannot read into plain Verilog-1995 (`iverilog -tvlog95`): packed
 * array ports become flat vectors, `always_ff` becomes `always`. Returns undefined when iverilog cannot either.
 */
export async function translateToVerilog95(source: string, timeoutMs: number): Promise<string | undefined> {
  const { iverilog } = await iverilogPaths();
  return withTempDir("vlog95", async (cwd) => {
    await writeFile(join(cwd, "in.sv"), source);
    const r = await runProcess(iverilog, ["-g2012", "-tvlog95", "-pallowsigned=1", "-o", "out.v", "in.sv"], {
      cwd,
      timeoutMs,
      memoryLimitMb: 1024,
    });
    if (r.exitCode !== 0 || r.timedOut) return undefined;
    return readFile(join(cwd, "out.v"), "utf8").catch(() => undefined);
  });
}
