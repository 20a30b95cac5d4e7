/**
 * A fresh held-out set for a confirmation run: problems of a split drawn with another generator seed, minus every
 * problem whose prompt is already in the split a result was designed on, so a setting chosen after looking at one
 * set is checked on problems nobody looked at. Held-out parameters are reserved by rule (each family's `heldout`),
 * not by seed, so no draw of any seed is in the model's training split.
 *
 *   npx tsx bench/learning/fresh-heldout.ts --seen /work/tbs3/tasks --out /work/tbs3f/tasks [--seed 2026] [--count 200]
 *
 * Writes OUT/SPLIT/problems.jsonl, the bench suite's file as `rtlgym tasks generate` writes it (search and bench
 * read only it; the SFT/RL exports are not written), and prints how many drawn problems were already seen.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { generateTasks, loadTasksSuite, problemRow, type SPLITS } from "../../src/tasks/index.js";

const { values } = parseArgs({
  options: {
    seen: { type: "string" },
    out: { type: "string" },
    split: { type: "string", default: "heldout-params" },
    seed: { type: "string", default: "2026" },
    count: { type: "string", default: "200" },
  },
});
if (!values.seen || !values.out) {
  console.error("usage: fresh-heldout.ts --seen TASKS_DIR --out DIR [--split heldout-params] [--seed N] [--count N]");
  process.exit(2);
}
const split = values.split as (typeof SPLITS)[number];
const count = Number(values.count);
const seen = new Set((await loadTasksSuite(join(values.seen, split))).problems.map((p) => p.prompt));
// Draw three times the count: on heldout-params about one drawn prompt in six repeats one of a 200-problem set.
const drawn = generateTasks({ seed: Number(values.seed), train: 0, heldout: 3 * count })[split];
const unseen = drawn.filter((t) => !seen.has(t.problem.prompt));
if (unseen.length < count) {
  console.error(`only ${unseen.length} unseen problems in ${drawn.length} drawn; lower --count`);
  process.exit(1);
}
const dir = join(values.out, split);
mkdirSync(dir, { recursive: true });
const rows = unseen.slice(0, count).map((t) => JSON.stringify(problemRow(t)));
writeFileSync(join(dir, "problems.jsonl"), `${rows.join("\n")}\n`);
const alreadySeen = drawn.length - unseen.length;
console.log(
  JSON.stringify({ split, seed: Number(values.seed), drawn: drawn.length, alreadySeen, written: count, dir }),
);
