// What the 3-seed summaries of bench/learning share: reading a run's `--json` summary (its last line), the
// statistics over seeds, and the command line `--name NAME [--config FILE] [--json OUT.json] [--from NAME0] RUN.json...`.
import { existsSync, readFileSync } from "node:fs";

/** The last JSON line a run printed, or why there is none (a missing or failed run is listed, not hidden). */
export function readSummary<T>(file: string): { summary: T } | { error: string } {
  if (!existsSync(file)) return { error: "no summary" };
  const text = readFileSync(file, "utf8").trim();
  if (text === "") return { error: "empty summary (the run failed: see its .err)" };
  return { summary: JSON.parse(text.split("\n").at(-1) as string) as T };
}

/** Mean, sample standard deviation and range; null for no values. */
export function stats(xs: number[]): { mean: number; sd: number; min: number; max: number } | null {
  if (xs.length === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
}

/** The summaries' command line; exits with the usage on no run files. */
export function summaryArgs(script: string, defaultName: string) {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const value = args[i + 1];
    args.splice(i, 2);
    return value;
  };
  const name = flag("--name") ?? defaultName;
  const config = flag("--config");
  const jsonOut = flag("--json");
  // The runs started from another run's models (seeds.sh's MODEL_FROM): NAME0-s<seed>.json beside each run file.
  const from = flag("--from");
  if (args.length === 0) {
    console.error(`usage: ${script} --name NAME [--config FILE] [--json OUT.json] [--from NAME0] RUN.json...`);
    process.exit(2);
  }
  return { name, config, jsonOut, from, files: args };
}

export const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(1)}%`);
export const pp = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}`;
