/**
 * How often a compile error is iverilog's mistake, and what asking Verilator costs: the second opinion
 * (src/verify/second-opinion.ts) over compile_error candidates already in a run store (a model's own answers).
 *
 *   npx tsx bench/second-opinion.ts --db $RTLGYM_HOME/rtlgym.db [--limit 300] [--seed 1] [--json FILE]
 *
 * Draws up to `--limit` distinct candidate texts whose stored verdict is compile_error (a seeded draw), asks the
 * second opinion of each in turn (one at a time, so the milliseconds are the cost of one), and reports how many
 * Verilator rejects too (confirmed), accepts (translated by Yosys, or unreadable), or could not answer, with the
 * median and 95th-percentile milliseconds. Candidates are checked as stored (top `TopModule`, the testbed's and
 * VerilogEval's convention); a candidate without that module is skipped (the front end refuses it before iverilog).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { Rng } from "../src/tasks/index.js";
import { elaborateSources } from "../src/tools/iverilog.js";
import { secondOpinion } from "../src/verify/second-opinion.js";

const { values: args } = parseArgs({
  options: {
    db: { type: "string" },
    limit: { type: "string", default: "300" },
    seed: { type: "string", default: "1" },
    json: { type: "string" },
  },
});
if (args.db === undefined) throw new Error("--db PATH: a run store (rtlgym.db) with compile_error samples");

const db = new Database(args.db, { readonly: true });
const rows = db
  .prepare(
    "SELECT DISTINCT code FROM samples WHERE code IS NOT NULL AND json_extract(score, '$.status') = 'compile_error'",
  )
  .all() as { code: string }[];
db.close();
const withTop = rows.map((r) => r.code).filter((c) => /\bmodule\s+TopModule\b/.test(c));
const drawn = new Rng(Number(args.seed)).shuffle(withTop).slice(0, Number(args.limit));

const counts = { confirmed: 0, translated: 0, unreadable: 0, disputed: 0, unconfirmed: 0, iverilogAccepts: 0 };
const ms: number[] = [];
/** Every candidate Verilator accepted or could not judge (the ones worth reading), by outcome. */
const accepted: Record<string, string[]> = {};
for (const [i, code] of drawn.entries()) {
  // iverilog's own verdict today (a stored one may come from an older rtlgym): the second opinion reads its words.
  const iv = await elaborateSources({ "c0.v": code }, ["TopModule"], { timeoutMs: 30_000, memoryLimitMb: 2048 });
  if (iv.ok) {
    counts.iverilogAccepts++;
    continue;
  }
  const t0 = performance.now();
  const r = await secondOpinion(code, "TopModule", iv.log, { timeoutMs: 30_000 });
  ms.push(performance.now() - t0);
  counts[r.kind]++;
  if (r.kind !== "confirmed") accepted[r.kind] = [...(accepted[r.kind] ?? []), code];
  if ((i + 1) % 50 === 0) process.stderr.write(`${i + 1}/${drawn.length}\n`);
}
ms.sort((a, b) => a - b);
const pct = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0);
const summary = {
  store: args.db,
  distinctCompileErrors: rows.length,
  checked: drawn.length,
  counts,
  medianMs: pct(0.5),
  p95Ms: pct(0.95),
  accepted,
};
process.stdout.write(
  `${drawn.length} of ${rows.length} distinct compile_error candidates: ` +
    `iverilog accepts ${counts.iverilogAccepts} today (stale verdicts); of the rest Verilator rejects ${counts.confirmed}, ` +
    `accepts ${counts.translated + counts.unreadable + counts.disputed} (simulated as Yosys's netlist ` +
    `${counts.translated}, unreadable ${counts.unreadable}, iverilog's language rule kept ${counts.disputed}), ` +
    `no answer ${counts.unconfirmed}; ${summary.medianMs} ms median, ${summary.p95Ms} ms p95 per second opinion\n`,
);
if (args.json !== undefined) writeFileSync(args.json, `${JSON.stringify(summary, null, 2)}\n`);
