// The 3-seed table of a recipe: held-out pass@1 before -> after per seed, the gain's mean, standard deviation and
// range. Reads the `--json` summaries of `rtlgym train itertl|salv|rl`; a missing or failed run is listed, not hidden.
//   tsx bench/learning/summarize.ts --name NAME [--config FILE] [--json OUT.json] RUN.json...
import { existsSync, readFileSync, writeFileSync } from "node:fs";

interface Row {
  file: string;
  seed: number | null;
  before: number | null;
  after: number | null;
  gain: number | null;
  minutes: number | null;
  error?: string;
}

function readRun(file: string): Row {
  const empty = { file, seed: null, before: null, after: null, gain: null, minutes: null };
  if (!existsSync(file)) return { ...empty, error: "no summary" };
  const text = readFileSync(file, "utf8").trim();
  if (text === "") return { ...empty, error: "empty summary (the run failed: see its .err)" };
  const s = JSON.parse(text.split("\n").at(-1) as string) as {
    seed: number;
    before: { "pass@1": number | null };
    after: { "pass@1": number };
    minutes: number;
  };
  const before = s.before["pass@1"];
  const after = s.after["pass@1"];
  return { file, seed: s.seed, before, after, gain: before === null ? null : after - before, minutes: s.minutes };
}

function stats(xs: number[]): { mean: number; sd: number; min: number; max: number } | null {
  if (xs.length === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, min: Math.min(...xs), max: Math.max(...xs) };
}

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  args.splice(i, 2);
  return value;
};
const name = flag("--name") ?? "recipe";
const config = flag("--config");
const jsonOut = flag("--json");
if (args.length === 0) {
  console.error("usage: summarize.ts --name NAME [--config FILE] [--json OUT.json] RUN.json...");
  process.exit(2);
}
const rows = args.map(readRun);
const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(1)}%`);
const pp = (x: number) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(1)}`;
const ok = rows.filter((r) => r.gain !== null);
const gain = stats(ok.map((r) => r.gain as number));
const before = stats(ok.map((r) => r.before as number));
const after = stats(ok.map((r) => r.after as number));

const lines = [
  `### ${name}${config ? ` (${config})` : ""}`,
  "",
  "| seed | pass@1 before | pass@1 after | gain (points) | minutes |",
  "| --- | --- | --- | --- | --- |",
  ...rows.map((r) =>
    r.error
      ? `| ${r.file} | - | - | ${r.error} | - |`
      : `| ${r.seed} | ${pct(r.before)} | ${pct(r.after)} | ${r.gain === null ? "-" : pp(r.gain)} | ${r.minutes?.toFixed(1)} |`,
  ),
];
if (gain && before && after) {
  lines.push(
    `| **mean of ${ok.length}** | ${pct(before.mean)} | ${pct(after.mean)} | **${pp(gain.mean)}** (sd ${(100 * gain.sd).toFixed(1)}, range ${pp(gain.min)} to ${pp(gain.max)}) | |`,
  );
}
process.stdout.write(`${lines.join("\n")}\n`);
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ name, config, rows, before, after, gain }, null, 2)}\n`);
