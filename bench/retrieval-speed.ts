/**
 * Retrieval speed, by hand, not in tests: rtlgym's BM25 (`Retriever`) against MiniSearch's own `search` on the same
 * corpus, with the same ranking (the top hits must agree), in one run:
 *
 *   npx tsx bench/retrieval-speed.ts TASKS_DIR [--queries 20]
 *
 * TASKS_DIR is a `rtlgym tasks generate` folder; its train split is the corpus and its heldout-params prompts the
 * queries (as `rtlgym search --retrieve` uses them; `rtlgym data raft` queries every train prompt). MiniSearch's per-
 * match bookkeeping grows with the matches, so it is timed on `--queries` prompts only.
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import MiniSearch from "minisearch";
import { loadCorpus, Retriever } from "../src/search/index.js";
import { readTaskRows } from "../src/search/retrieve.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { queries: { type: "string", default: "20" } },
});
const dir = positionals[0];
if (!dir) throw new Error("usage: npx tsx bench/retrieval-speed.ts TASKS_DIR [--queries N]");
const queries = (await readTaskRows(join(resolve(dir), "heldout-params", "problems.jsonl")))
  .slice(0, Number(args.queries))
  .map((r) => r.prompt);
const corpus = await loadCorpus(dir);

const time = <T>(fn: () => T): [T, number] => {
  const t = performance.now();
  const r = fn();
  return [r, performance.now() - t];
};
const [retriever, oursIndexMs] = time(() => new Retriever(corpus));
const [ours, oursMs] = time(() => queries.map((q) => retriever.search(q, 3)));
const [mini, miniIndexMs] = time(() => {
  const m = new MiniSearch({ idField: "idx", fields: ["spec", "code"], storeFields: [] });
  m.addAll(corpus.docs.map((d, idx) => ({ idx, spec: d.spec, code: d.code })));
  return m;
});
const [theirs, miniMs] = time(() => queries.map((q) => mini.search(q, { boost: { spec: 2 } }).slice(0, 3)));
const sameTop = theirs.filter((hits, i) => Math.abs((hits[0]?.score ?? 0) - (ours[i]?.[0]?.score ?? 0)) < 1e-9).length;
const perQuery = (ms: number) => Math.round((ms / queries.length) * 10) / 10;
console.log(
  JSON.stringify({
    corpus: corpus.docs.length,
    queries: queries.length,
    rtlgym: { indexMs: Math.round(oursIndexMs), msPerQuery: perQuery(oursMs) },
    minisearch: { indexMs: Math.round(miniIndexMs), msPerQuery: perQuery(miniMs) },
    speedup: Math.round((miniMs / oursMs) * 10) / 10,
    sameTopScore: `${sameTop}/${queries.length}`,
  }),
);
