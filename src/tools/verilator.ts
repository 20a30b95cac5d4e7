import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { runProcess, withTempDir } from "./process.js";
import { findOnPath } from "./which.js";

/**
 * Verilator as a second front end: it never simulates here, it only says whether a design that iverilog rejected is
 * legal Verilog/SystemVerilog (iverilog 11 rejects some legal code, e.g. an enum assigned from a conditional without
 * a cast), so a compile error counts only when two front ends agree.
 */
export type LintOutcome =
  | { kind: "ok"; durationMs: number }
  | { kind: "error"; log: string; durationMs: number }
  | { kind: "timeout"; durationMs: number }
  /** Verilator is not installed or cannot run here: nothing was confirmed either way. */
  | { kind: "unavailable"; reason: string };

/** The driver and the binary it runs: the Perl driver costs ~250 ms a call, the binary itself ~15 ms. */
interface VerilatorInstall {
  driver: string;
  /** verilator_bin beside the driver, and the VERILATOR_ROOT it needs (what the driver would set). */
  binary?: { path: string; root: string };
}

const located = new Map<string, Promise<VerilatorInstall | undefined>>();

/** The verilator install (RTLGYM_VERILATOR_BIN names the driver, read on every call), or undefined. */
function verilatorInstall(): Promise<VerilatorInstall | undefined> {
  const name = process.env.RTLGYM_VERILATOR_BIN ?? "verilator";
  let found = located.get(name);
  if (found === undefined) {
    found = (async () => {
      const driver = await findOnPath(name);
      if (driver === undefined) {
        located.delete(name); // found once installed
        return undefined;
      }
      const path = join(dirname(driver), "verilator_bin");
      const root = await withTempDir("vl-root", async (cwd) => {
        const r = await runProcess(driver, ["--getenv", "VERILATOR_ROOT"], { cwd, timeoutMs: 10_000 });
        return r.exitCode === 0 ? r.stdout.trim() : "";
      });
      return existsSync(path) && root !== "" ? { driver, binary: { path, root } } : { driver };
    })();
    located.set(name, found);
  }
  return found;
}

/** The verilator driver, or undefined when it is not installed. */
export async function verilatorPath(): Promise<string | undefined> {
  return (await verilatorInstall())?.driver;
}

let version: Promise<string | undefined> | undefined;

/** "Verilator 5.006 2023-01-22 rev (Debian 5.006-3)", or undefined when it is not installed. */
export function verilatorVersion(): Promise<string | undefined> {
  version ??= (async () => {
    const bin = await verilatorPath();
    if (bin === undefined) return undefined;
    return withTempDir("vl-v", async (cwd) => {
      const r = await runProcess(bin, ["--version"], { cwd, timeoutMs: 10_000 });
      return r.exitCode === 0 ? r.stdout.trim().split("\n")[0] : undefined;
    });
  })();
  return version;
}

/**
 * Warnings Verilator gives for code the standard makes an error (iverilog rejects it too): a part-select whose
 * bounds run against the declared direction (IEEE 1800-2017 11.5.1). Seen on the testbed model's own answers.
 */
const ILLEGAL_WARNINGS = [/Range extract has backward bit ordering/];

export interface LintLimits {
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Parses and elaborates one design with Verilator (`--lint-only`): errors only, every warning off, delays accepted
 * and ignored (`--no-timing`). The source is candidate code: it runs sandboxed, in its own temp dir, under a hard
 * wall-clock kill with capped output, like every tool that reads candidate code.
 */
export async function verilatorLint(source: string, top: string, limits: LintLimits): Promise<LintOutcome> {
  const install = await verilatorInstall();
  if (install === undefined) {
    return { kind: "unavailable", reason: "verilator is not installed (apt-get install verilator)" };
  }
  const bin = install.binary?.path ?? install.driver;
  return withTempDir("vl-lint", async (cwd) => {
    await writeFile(join(cwd, "design.sv"), source);
    const r = await runProcess(
      bin,
      ["--lint-only", "-Wno-fatal", "-Wno-lint", "-Wno-style", "--no-timing", "--top-module", top, "design.sv"],
      {
        cwd,
        timeoutMs: limits.timeoutMs,
        maxOutputBytes: 256 << 10,
        memoryLimitMb: 2048,
        sandbox: true,
        ...(install.binary && { env: { VERILATOR_ROOT: install.binary.root } }),
        ...(limits.signal && { signal: limits.signal }),
      },
    );
    if (r.timedOut) return { kind: "timeout", durationMs: r.durationMs };
    if (r.spawnError) return { kind: "unavailable", reason: `verilator did not start: ${r.spawnError.message}` };
    const log = `${r.stderr}${r.stdout}`.trim();
    // It writes /dev/null even when linting; a sandbox user that may not (a host /dev/null without 0666) is the
    // machine's problem, not the design's.
    if (/Cannot write \/dev\/null/.test(log))
      return { kind: "unavailable", reason: "verilator cannot write /dev/null" };
    if (r.exitCode !== 0 || ILLEGAL_WARNINGS.some((w) => w.test(log)))
      return { kind: "error", log, durationMs: r.durationMs };
    return { kind: "ok", durationMs: r.durationMs };
  });
}
