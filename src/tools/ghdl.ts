import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ToolMissingError } from "../core/errors.js";
import { type RunResult, runProcess, withTempDir } from "./process.js";
import { findOnPath } from "./which.js";

/**
 * GHDL (Debian's 2.0.0, mcode backend) behind the process layer: every run in the sandbox, in the caller's own
 * temp dir (the work library lives there), with a hard wall-clock kill and capped output. VHDL-2008 throughout,
 * with the Synopsys packages (std_logic_unsigned, ...) visible, since generated VHDL often uses them.
 */
export const GHDL_FLAGS = ["--std=08", "-fsynopsys", "--workdir=."] as const;

export interface GhdlLimits {
  timeoutMs: number;
  memoryLimitMb?: number;
  maxOutputBytes?: number;
  /** End the run when it prints nothing on stdout for this much CPU time (see runProcess). */
  stallMs?: number;
  signal?: AbortSignal;
}

let located: Promise<string> | undefined;

/** The ghdl binary (RTLGYM_GHDL_BIN overrides); throws ToolMissingError. */
export function ghdlPath(): Promise<string> {
  located ??= (async () => {
    const path = await findOnPath(process.env.RTLGYM_GHDL_BIN ?? "ghdl");
    if (!path) {
      located = undefined;
      throw new ToolMissingError("ghdl", "install it with `apt-get install ghdl` (needed for VHDL only)");
    }
    return path;
  })();
  return located;
}

let versionPromise: Promise<string> | undefined;

/** "GHDL 2.0.0 (Debian ...) [Dunoon edition] mcode": recorded with every VHDL verdict. */
export function ghdlVersion(): Promise<string> {
  versionPromise ??= (async () => {
    const ghdl = await ghdlPath();
    return withTempDir("ghdl-v", async (cwd) => {
      const r = await runProcess(ghdl, ["--version"], { cwd, timeoutMs: 10_000 });
      const lines = r.stdout.split("\n").map((l) => l.trim());
      const backend = lines.find((l) => /code generator/.test(l))?.replace(/ code generator$/, "");
      return `${lines[0] ?? "GHDL"}${backend ? ` ${backend}` : ""}`;
    });
  })();
  versionPromise.catch(() => {
    versionPromise = undefined;
  });
  return versionPromise;
}

async function ghdl(cwd: string, args: string[], limits: GhdlLimits): Promise<RunResult> {
  return runProcess(await ghdlPath(), args, {
    cwd,
    timeoutMs: limits.timeoutMs,
    memoryLimitMb: limits.memoryLimitMb ?? 1024,
    maxOutputBytes: limits.maxOutputBytes ?? 256 << 10,
    sandbox: true,
    ...(limits.stallMs !== undefined && { stallMs: limits.stallMs }),
    ...(limits.signal && { signal: limits.signal }),
  });
}

/** `ghdl -a`: analyses files (in cwd) into library `work` (its .cf file lands in cwd). */
export function ghdlAnalyse(cwd: string, files: string[], work: string, limits: GhdlLimits): Promise<RunResult> {
  return ghdl(cwd, ["-a", ...GHDL_FLAGS, `--work=${work}`, ...files], limits);
}

/** `ghdl -e`: elaborates `top` of library `work` (with mcode this only checks; `-r` elaborates again in memory). */
export function ghdlElaborate(
  cwd: string,
  top: string,
  work: string,
  limits: GhdlLimits,
  generics: Record<string, string> = {},
): Promise<RunResult> {
  const g = Object.entries(generics).map(([k, v]) => `-g${k}=${v}`);
  return ghdl(cwd, ["-e", ...GHDL_FLAGS, `--work=${work}`, ...g, top], limits);
}

/**
 * `ghdl -r`: runs testbench `top` until `stopTime` (a VHDL time such as "20us"): a design with its own free-running
 * process never lets the event queue drain. No waveform is written; assertions never stop the run and the IEEE
 * libraries' metavalue warnings are off (they would fill the output cap).
 */
export function ghdlRun(
  cwd: string,
  top: string,
  work: string,
  stopTime: string,
  limits: GhdlLimits,
): Promise<RunResult> {
  return ghdl(
    cwd,
    [
      "-r",
      ...GHDL_FLAGS,
      `--work=${work}`,
      top,
      `--stop-time=${stopTime}`,
      "--ieee-asserts=disable",
      "--assert-level=none",
    ],
    limits,
  );
}

/** `ghdl synth --out=verilog`: the netlist of entity `top` (analysed into `work`) as Verilog, on stdout. */
export function ghdlSynth(
  cwd: string,
  top: string,
  work: string,
  limits: GhdlLimits,
  generics: Record<string, string> = {},
  out: "verilog" | "vhdl" = "verilog",
): Promise<RunResult> {
  const g = Object.entries(generics).map(([k, v]) => `-g${k}=${v}`);
  return ghdl(cwd, ["synth", ...GHDL_FLAGS, `--work=${work}`, ...g, `--out=${out}`, top], {
    ...limits,
    maxOutputBytes: limits.maxOutputBytes ?? 4 << 20,
  });
}

export type SynthOutcome =
  /** `vhdl`: GHDL's VHDL netlist of the same design, when asked for (it keeps what the Verilog writer drops). */
  | { kind: "ok"; verilog: string; vhdl?: string; durationMs: number }
  | { kind: "analyse_error" | "synth_error"; log: string; durationMs: number }
  | { kind: "timeout"; durationMs: number };

/**
 * Analyses one VHDL source alone in its own temp dir and synthesizes entity `top` to Verilog; `alsoVhdl(verilog)`
 * saying yes adds the VHDL netlist too (a second synth run in the same work library).
 */
export async function synthesizeVhdl(
  source: string,
  top: string,
  limits: GhdlLimits,
  alsoVhdl: (verilog: string) => boolean = () => false,
  generics: Record<string, string> = {},
): Promise<SynthOutcome> {
  const started = performance.now();
  return withTempDir("ghdl-synth", async (cwd) => {
    await writeFile(join(cwd, "design.vhd"), source);
    const a = await ghdlAnalyse(cwd, ["design.vhd"], "work", limits);
    const ms = () => performance.now() - started;
    if (a.timedOut) return { kind: "timeout", durationMs: ms() };
    if (a.exitCode !== 0) return { kind: "analyse_error", log: `${a.stderr}${a.stdout}`.trim(), durationMs: ms() };
    const s = await ghdlSynth(cwd, top, "work", limits, generics);
    if (s.timedOut) return { kind: "timeout", durationMs: ms() };
    if (s.exitCode !== 0 || s.outputCapped)
      return {
        kind: "synth_error",
        log: s.outputCapped
          ? "the netlist exceeds the output cap"
          : s.stderr.trim() || `ghdl synth exited ${s.exitCode}`,
        durationMs: ms(),
      };
    if (!alsoVhdl(s.stdout)) return { kind: "ok", verilog: s.stdout, durationMs: ms() };
    const v = await ghdlSynth(cwd, top, "work", limits, generics, "vhdl");
    const ok = v.exitCode === 0 && !v.timedOut && !v.outputCapped;
    return { kind: "ok", verilog: s.stdout, ...(ok && { vhdl: v.stdout }), durationMs: ms() };
  });
}

/**
 * The GHDL Yosys plugin (`yosys -m ghdl`), when a user installed it: Debian 12 does not package it, so rtlgym only
 * reports it (doctor) and never requires it.
 */
export function ghdlYosysPlugin(): string | undefined {
  const dirs = ["/usr/share/yosys/plugins", "/usr/local/share/yosys/plugins", "/usr/lib/yosys/plugins"];
  return dirs.map((d) => `${d}/ghdl.so`).find((p) => existsSync(p));
}
