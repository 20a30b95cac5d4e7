// The 3-seed table of a recipe: held-out pass@1 before -> after per seed, the gain's mean, standard deviation and
// range. Reads the `--json` summaries of `rtlgym train itertl|salv|rl`; a missing or failed run is listed, not hidden.
//   tsx bench/learning/summarize.ts --name NAME [--config FILE] [--json OUT.json] [--from NAME0] RUN.json...
// --from NAME0: each seed started from NAME0's model of that seed (NAME0-s<seed>.json beside the run file), so a
// second gain is shown, over the model NAME0 itself started from (e.g. DAPO after rejection sampling, over SFT).
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pct, pp, readSummary, stats, summaryArgs } from "./summary-args.js";

interface Row {
  file: string;
  seed: number | null;
  before: number | null;
  after: number | null;
  gain: number | null;
  /** With --from: pass@1 of the model the NAME0 run started from, and the gain over it. */
  origin?: number | null;
  totalGain?: number | null;
  minutes: number | null;
  error?: string;
}

interface RunSummary {
  seed: number;
  before: { "pass@1": number | null };
  after: { "pass@1": number };
  minutes: number;
}

/** One seed's row; `from` is the earlier run this one started from (its start model's pass@1 is the origin). */
function readRun(file: string, from: string | undefined): Row {
  const empty = { file, seed: null, before: null, after: null, gain: null, minutes: null };
  const read = readSummary<RunSummary>(file);
  if ("error" in read) return { ...empty, error: read.error };
  const s = read.summary;
  const before = s.before["pass@1"];
  const after = s.after["pass@1"];
  const row: Row = {
    file,
    seed: s.seed,
    before,
    after,
    gain: before === null ? null : after - before,
    minutes: s.minutes,
  };
  if (from !== undefined) {
    const start = readSummary<RunSummary>(join(dirname(file), `${from}-s${s.seed}.json`));
    row.origin = "error" in start ? null : start.summary.before["pass@1"];
    row.totalGain = row.origin == null ? null : after - row.origin;
  }
  return row;
}

const { name, config, jsonOut, from, files } = summaryArgs("summarize.ts", "recipe");
const rows = files.map((file) => readRun(file, from));
const ok = rows.filter((r) => r.gain !== null);
const gain = stats(ok.map((r) => r.gain as number));
const before = stats(ok.map((r) => r.before as number));
const after = stats(ok.map((r) => r.after as number));

const totals = ok.filter((r) => r.totalGain != null);
const totalGain = stats(totals.map((r) => r.totalGain as number));
const origin = stats(totals.map((r) => r.origin as number));
const spread = (s: NonNullable<typeof gain>) =>
  `**${pp(s.mean)}** (sd ${(100 * s.sd).toFixed(1)}, range ${pp(s.min)} to ${pp(s.max)})`;
const extra = from === undefined ? ["", ""] : [` ${from}'s start | gain over it |`, " --- | --- |"];
const lines = [
  `### ${name}${config ? ` (${config})` : ""}`,
  "",
  `| seed | pass@1 before | pass@1 after | gain (points) | minutes |${extra[0]}`,
  `| --- | --- | --- | --- | --- |${extra[1]}`,
  ...rows.map((r) =>
    r.error
      ? `| ${r.file} | - | - | ${r.error} | - |${from === undefined ? "" : " - | - |"}`
      : `| ${r.seed} | ${pct(r.before)} | ${pct(r.after)} | ${r.gain === null ? "-" : pp(r.gain)} | ${r.minutes?.toFixed(1)} |${
          from === undefined ? "" : ` ${pct(r.origin ?? null)} | ${r.totalGain == null ? "-" : pp(r.totalGain)} |`
        }`,
  ),
];
if (gain && before && after) {
  const totalCells =
    from === undefined ? "" : ` ${pct(origin?.mean ?? null)} | ${totalGain ? spread(totalGain) : "-"} |`;
  lines.push(
    `| **mean of ${ok.length}** | ${pct(before.mean)} | ${pct(after.mean)} | ${spread(gain)} | |${totalCells}`,
  );
}
process.stdout.write(`${lines.join("\n")}\n`);
if (jsonOut) {
  const json = { name, config, from, rows, before, after, gain, origin, totalGain };
  writeFileSync(jsonOut, `${JSON.stringify(json, null, 2)}\n`);
}
