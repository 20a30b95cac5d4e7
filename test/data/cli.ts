import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const MAIN = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");
const TSX = join(import.meta.dirname, "..", "..", "node_modules", ".bin", "tsx");

/** Runs the real CLI (`rtlgym ...`) in a child process. */
export async function rtlgym(
  args: string[],
  timeoutMs = 120_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [MAIN, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : -1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

/** The shared corpus, when this checkout sits beside ../shared (CI has it). */
export const CORPUS = join(import.meta.dirname, "..", "..", "..", "shared", "corpus");
