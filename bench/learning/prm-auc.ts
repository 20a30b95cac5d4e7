import { openSearchStore } from "../../src/search/index.js";

/**
 * How well a PRM told passing from failing finished designs during a search: the AUC of the `prm` score stored on
 * each finished design (an MCTS or beam tree's terminal nodes, best-of-n's samples) against its verification
 * (`verified`, recorded after the choice for the oracle diagnostic). 0.5 is chance; a PRM that scores every finished
 * design about the same makes the PRM-weighted vote a plain vote (bench/learning/recipes.md, 2026-12-05).
 *
 *   npx tsx bench/learning/prm-auc.ts --db $OUT/home/rtlgym.db RUN [RUN ...]   (runId in a proof seed's JSON)
 */
const args = process.argv.slice(2);
const at = args.indexOf("--db");
const db = at >= 0 ? args[at + 1] : undefined;
const runs = args.filter((_, i) => i !== at && i !== at + 1);
if (runs.length === 0 || (at >= 0 && !db)) {
  console.error("usage: prm-auc.ts [--db FILE] RUN [RUN ...]");
  process.exit(2);
}

/** Probability that a passing design outscores a failing one (ties count half). */
function auc(pos: readonly number[], neg: readonly number[]): number {
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return pos.length > 0 && neg.length > 0 ? wins / (pos.length * neg.length) : Number.NaN;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const store = openSearchStore(db);
try {
  for (const run of runs) {
    for (const strategy of [...new Set(store.problems(run).map((p) => p.strategy))]) {
      const pos: number[] = [];
      const neg: number[] = [];
      for (const { problem } of store.problems(run, strategy)) {
        for (const n of store.nodes(run, strategy, problem)) {
          const { prm, verified } = n.info;
          if (!(n.terminal || n.kind === "sample") || typeof prm !== "number" || typeof verified !== "string") continue;
          (verified === "pass" ? pos : neg).push(prm);
        }
      }
      const row = { run, strategy, designs: pos.length + neg.length, passing: pos.length, auc: auc(pos, neg) };
      console.log(
        JSON.stringify({ ...row, meanPrmPassing: mean(pos), meanPrmFailing: mean(neg) }, (_, v) =>
          typeof v === "number" && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v,
        ),
      );
    }
  }
} finally {
  store.close();
}
