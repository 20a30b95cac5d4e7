// The 3-seed table of the StepPRM proof: held-out pass@1 per search variant and retrieval setting (mean, standard
// deviation, range over the seeds) and MCTS+PRM minus plain sampling per seed. Reads the `--json` summaries of
// `rtlgym search --config`; a missing or failed run is listed, not hidden.
//   tsx bench/learning/search-summary.ts --name NAME [--config FILE] [--json OUT.json] RUN.json...
import { writeFileSync } from "node:fs";
import { pct, pp, readSummary, stats, summaryArgs } from "./summary-args.js";

interface Result {
  variant: string;
  retrieval: number;
  budget: { calls: number };
  "pass@1": number;
  calls: number;
  wallMs: number;
  errors: number;
}
interface Run {
  file: string;
  seed?: number;
  minutes?: number;
  results: Result[];
  error?: string;
}

function readRun(file: string): Run {
  const read = readSummary<{ seed: number; minutes: number; results: Result[] }>(file);
  if ("error" in read) return { file, results: [], error: read.error };
  const s = read.summary;
  return { file, seed: s.seed, minutes: s.minutes, results: s.results };
}

const { name, config, jsonOut, files } = summaryArgs("search-summary.ts", "stepprm");
const runs = files.map(readRun);
const ok = runs.filter((r) => r.error === undefined);
const keys: Array<{ variant: string; retrieval: number }> = [];
for (const r of ok.flatMap((x) => x.results)) {
  if (!keys.some((k) => k.variant === r.variant && k.retrieval === r.retrieval)) keys.push(r);
}
const seeds = ok.map((r) => r.seed);
const cell = (run: Run, variant: string, retrieval: number) =>
  run.results.find((r) => r.variant === variant && r.retrieval === retrieval);
const table = keys.map(({ variant, retrieval }) => {
  const xs = ok.map((run) => cell(run, variant, retrieval)?.["pass@1"]);
  return { variant, retrieval, perSeed: xs, stats: stats(xs.filter((x): x is number => x !== undefined)) };
});
const budget = ok[0]?.results[0]?.budget.calls;
const lines = [
  `### ${name}${config ? ` (${config})` : ""}: held-out pass@1 at ${budget} model calls per problem`,
  "",
  `| variant | retrieval | ${seeds.map((s) => `seed ${s}`).join(" | ")} | mean (sd, range) |`,
  `| --- | --- | ${seeds.map(() => "---").join(" | ")} | --- |`,
  ...table.map(
    (t) =>
      `| ${t.variant} | ${t.retrieval} | ${t.perSeed.map((x) => (x === undefined ? "-" : pct(x))).join(" | ")} | ${
        t.stats
          ? `**${pct(t.stats.mean)}** (sd ${(100 * t.stats.sd).toFixed(1)}, ${pct(t.stats.min)} to ${pct(t.stats.max)})`
          : "-"
      } |`,
  ),
  ...runs.filter((r) => r.error).map((r) => `| ${r.file} | - | ${r.error} | |`),
  "",
];
const gains = [...new Set(keys.map((k) => k.retrieval))].flatMap((k) => {
  const xs = ok.flatMap((run) => {
    const m = cell(run, "mcts+prm", k)?.["pass@1"];
    const s = cell(run, "sample", k)?.["pass@1"];
    return m === undefined || s === undefined ? [] : [m - s];
  });
  const g = stats(xs);
  return g ? [{ retrieval: k, perSeed: xs, ...g, met: g.mean >= 0.05 }] : [];
});
for (const g of gains) {
  lines.push(
    `MCTS+PRM minus sampling, retrieval ${g.retrieval}: **${pp(g.mean)} points** (sd ${(100 * g.sd).toFixed(1)}, range ${pp(g.min)} to ${pp(g.max)}; per seed ${g.perSeed.map(pp).join(", ")}): target +5 ${g.met ? "met" : "not met"}`,
  );
}
lines.push("", `minutes per seed: ${ok.map((r) => r.minutes?.toFixed(1)).join(", ")}`);
process.stdout.write(`${lines.join("\n")}\n`);
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify({ name, config, seeds, table, gains }, null, 2)}\n`);
