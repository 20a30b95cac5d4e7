// The 3-seed table of a recipe: held-out pass@1 before -> after per seed, the gain's mean, standard deviation and
// range. Reads the `--json` summaries of `rtlgym train itertl|salv|rl`; a missing or failed run is listed, not hidden.
//   tsx bench/learning/summarize.ts --name NAME [--config FILE] [--json OUT.json] RUN.json...
import { writeFileSync } from "node:fs";
import { pct, pp, readSummary, stats, summaryArgs } from "./summary-args.js";

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
  const read = readSummary<{
    seed: number;
    before: { "pass@1": number | null };
    after: { "pass@1": number };
    minutes: number;
  }>(file);
  if ("error" in read) return { ...empty, error: read.error };
  const s = read.summary;
  const before = s.before["pass@1"];
  const after = s.after["pass@1"];
  return { file, seed: s.seed, before, after, gain: before === null ? null : after - before, minutes: s.minutes };
}

const { name, config, jsonOut, files } = summaryArgs("summarize.ts", "recipe");
const rows = files.map(readRun);
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
