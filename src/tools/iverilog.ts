import { existsSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ToolMissingError } from "../core/errors.js";
import { type RunResult, runProcess, withTempDir } from "./process.js";
import { type ElaboratedRoot, readElaboratedRoots } from "./vvp-scopes.js";
import { findOnPath } from "./which.js";

export interface IverilogPaths {
  iverilog: string;
  vvp: string;
  /** iverilog's own preprocessor, run directly so none of the driver's predefined macros (`__ICARUS__`) exist. */
  ivlpp: string;
}

/** Where distributions put ivlpp (Debian's multiarch dir first), relative to the driver's prefix. */
function findIvlpp(iverilog: string): string | undefined {
  const fromEnv = process.env.RTLGYM_IVLPP_BIN;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  const prefix = dirname(dirname(iverilog));
  const arch = process.arch === "x64" ? "x86_64" : process.arch === "arm64" ? "aarch64" : process.arch;
  return [
    `${prefix}/lib/${arch}-linux-gnu/ivl/ivlpp`,
    `${prefix}/lib/ivl/ivlpp`,
    `${prefix}/lib64/ivl/ivlpp`,
    `${prefix}/libexec/ivl/ivlpp`,
  ].find((p) => existsSync(p));
}

let located: Promise<IverilogPaths> | undefined;

/** Finds iverilog and vvp (RTLGYM_IVERILOG_BIN / RTLGYM_VVP_BIN override); throws ToolMissingError. */
export function iverilogPaths(): Promise<IverilogPaths> {
  located ??= (async () => {
    const iverilog = await findOnPath(process.env.RTLGYM_IVERILOG_BIN ?? "iverilog");
    const vvp = await findOnPath(process.env.RTLGYM_VVP_BIN ?? "vvp");
    const ivlpp = iverilog ? findIvlpp(iverilog) : undefined;
    if (!iverilog || !vvp || !ivlpp) {
      located = undefined; // let a later call find it once installed
      const missing = !iverilog ? "iverilog" : !vvp ? "vvp" : "ivlpp";
      throw new ToolMissingError(missing, "install it with `apt-get install iverilog` (RTLGYM_IVLPP_BIN names ivlpp)");
    }
    return { iverilog, vvp, ivlpp };
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

export interface ElaborateOptions {
  cwd: string;
  files: string[];
  tops: string[];
  timeoutMs: number;
  memoryLimitMb: number;
  signal?: AbortSignal;
  /** Write the vvp assembly here (in `cwd`) instead of generating nothing; see vvp-scopes.ts for what it tells. */
  output?: string;
}

/**
 * Elaborates files with the given tops as roots and nothing above them (`-t null`: no code generated, unless
 * `output` asks for the vvp assembly). A design that reaches names outside itself (a testbench task, a signal up
 * the hierarchy) fails here, so a candidate is known to resolve every name inside itself before it is ever
 * instantiated under a testbench.
 */
export async function elaborate(options: ElaborateOptions): Promise<RunResult> {
  const { iverilog } = await iverilogPaths();
  const roots = options.tops.flatMap((t) => ["-s", t]);
  const target = options.output === undefined ? ["-t", "null"] : ["-t", "vvp", "-o", options.output];
  return runProcess(iverilog, ["-g2012", "-u", "-Wno-timescale", ...target, ...roots, ...options.files], {
    cwd: options.cwd,
    timeoutMs: options.timeoutMs,
    memoryLimitMb: options.memoryLimitMb,
    maxOutputBytes: 256 << 10,
    sandbox: true,
    ...(options.signal && { signal: options.signal }),
  });
}

/**
 * {@link elaborate} on the given sources (file name -> text) in their own temp dir, `tops` as the roots: the
 * compiler's log when they do not elaborate alone.
 */
export async function elaborateSources(
  sources: Record<string, string>,
  tops: string[],
  limits: { timeoutMs: number; memoryLimitMb?: number; signal?: AbortSignal },
  /** Also read the roots' ports and statelessness from the generated vvp (one process either way). */
  readRoots = false,
): Promise<{ ok: boolean; timedOut: boolean; log: string; roots?: Map<string, ElaboratedRoot> }> {
  return withTempDir("elab", async (cwd) => {
    const files = Object.keys(sources);
    await Promise.all(files.map((name) => writeFile(join(cwd, name), sources[name] ?? "")));
    const output = readRoots ? ROOTS_VVP : undefined;
    const r = await elaborate({
      cwd,
      files,
      tops,
      timeoutMs: limits.timeoutMs,
      memoryLimitMb: limits.memoryLimitMb ?? 1024,
      ...(limits.signal && { signal: limits.signal }),
      ...(output && { output }),
    });
    const ok = r.exitCode === 0 && !r.timedOut;
    const result = { ok, timedOut: r.timedOut, log: `${r.stderr}${r.stdout}`.trim() };
    if (!ok || !output) return result;
    const path = join(cwd, output);
    // A design big enough to make this file huge is read by Yosys instead (the caller falls back on a missing root).
    const size = await stat(path).then(
      (s) => s.size,
      () => Number.POSITIVE_INFINITY,
    );
    if (size > MAX_ROOTS_VVP_BYTES) return result;
    return { ...result, roots: readElaboratedRoots(await readFile(path, "utf8"), tops) };
  });
}

const ROOTS_VVP = "roots.vvp";
const MAX_ROOTS_VVP_BYTES = 16 << 20;

export type Preprocessed =
  | { kind: "ok"; code: string }
  | { kind: "error"; log: string }
  | { kind: "include"; file: string }
  | { kind: "timeout" };

const MAX_EXPANSION_BYTES = 8 << 20;

/** The file name the preprocessor sees; `line directives naming any other file mean an `include was followed. */
const PP_INPUT = "in.v";
const LINE_DIRECTIVE = /^[ \t]*`line[ \t]+\d+[ \t]+"([^"\n]*)"[ \t]+\d[ \t]*$/;

/**
 * Runs iverilog's preprocessor alone, with no predefined macro and no include path, in the sandbox: the one
 * expansion of macros and conditionals that every tool then reads, so `ifdef __ICARUS__ / YOSYS cannot show the
 * simulator and the prover different designs. Line structure is kept, so compile errors point at the right lines.
 */
export async function preprocess(source: string, timeoutMs: number, signal?: AbortSignal): Promise<Preprocessed> {
  const { ivlpp } = await iverilogPaths();
  return withTempDir("pp", async (cwd) => {
    await writeFile(join(cwd, PP_INPUT), source);
    const r = await runProcess(ivlpp, ["-L", "-o", "out.v", PP_INPUT], {
      cwd,
      timeoutMs,
      memoryLimitMb: 512,
      maxOutputBytes: 64 << 10,
      sandbox: true,
      ...(signal && { signal }),
    });
    if (r.timedOut) return { kind: "timeout" };
    // A macro bomb expands exponentially: refuse a result no honest design needs before reading it.
    const size = await stat(join(cwd, "out.v")).then(
      (s) => s.size,
      () => 0,
    );
    if (size > MAX_EXPANSION_BYTES)
      return { kind: "error", log: `the preprocessed text exceeds ${MAX_EXPANSION_BYTES >> 20} MB (a macro bomb?)` };
    const out = await readFile(join(cwd, "out.v"), "utf8").catch(() => undefined);
    if (r.exitCode !== 0 || out === undefined) {
      const log = `${r.stderr}${r.stdout}`.trim() || `preprocessor exited with ${r.exitCode ?? r.signal}`;
      return { kind: "error", log };
    }
    const lines = out.split("\n");
    const kept: string[] = [];
    for (const line of lines) {
      const m = LINE_DIRECTIVE.exec(line);
      if (!m) kept.push(line);
      else if (m[1] !== PP_INPUT) return { kind: "include", file: m[1] ?? "" };
    }
    return { kind: "ok", code: kept.join("\n") };
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
      sandbox: true,
    });
    if (r.exitCode !== 0 || r.timedOut) return undefined;
    return readFile(join(cwd, "out.v"), "utf8").catch(() => undefined);
  });
}
