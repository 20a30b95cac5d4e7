import { type ExecFileOptionsWithStringEncoding, execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileP = promisify(execFile);

/** The checkout's root, its CLI entry point and the tsx that runs it (for tests that spawn the CLI themselves). */
export const ROOT = join(import.meta.dirname, "..", "..");
export const MAIN = join(ROOT, "src", "cli", "main.ts");
export const TSX = join(ROOT, "node_modules", ".bin", "tsx");

/** The shared corpus, when this checkout sits beside ../shared (CI has it). */
export const CORPUS = join(ROOT, "..", "shared", "corpus");

export interface CliOptions {
  /** Wall-clock limit: the child is killed after it (then `code` is -1). */
  timeoutMs?: number;
  /** Added to this process's environment, read at the call. */
  env?: Record<string, string>;
  cwd?: string;
  /** Written to the child's stdin, which is then closed; without it stdin stays an open pipe. */
  input?: string;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Each stream's output is capped: a runaway child fails the test instead of filling memory. */
const MAX_BUFFER = 64 << 20;

/** Runs the real CLI (`rtlgym ...`) in a child process; a nonzero exit is a result, not an exception. */
export async function rtlgym(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const opts: ExecFileOptionsWithStringEncoding = {
    encoding: "utf8",
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: MAX_BUFFER,
  };
  if (options.env !== undefined) opts.env = { ...process.env, ...options.env };
  if (options.cwd !== undefined) opts.cwd = options.cwd;
  const running = execFileP(TSX, [MAIN, ...args], opts);
  if (options.input !== undefined) running.child.stdin?.end(options.input);
  try {
    const { stdout, stderr } = await running;
    return { code: 0, stdout, stderr };
  } catch (e) {
    // A kill (timeout, signal) or a failed spawn has no numeric exit code.
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

/** `rtlgym(args)` with the arguments spread and the default options. */
export const cli = (...args: string[]): Promise<CliResult> => rtlgym(args);

/** The CLI's stdout, for steps that must succeed: throws with the exit code and stderr on a nonzero exit. */
export async function rtlgymStdout(args: string[], options: CliOptions = {}): Promise<string> {
  const r = await rtlgym(args, options);
  if (r.code !== 0) throw new Error(`rtlgym ${args.join(" ")} exited with ${r.code}: ${r.stderr.slice(-8000)}`);
  return r.stdout;
}
