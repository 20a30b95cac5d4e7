#!/usr/bin/env bash
# MCTS's expansion at equal model calls, without a PRM (issue 14): plain sampling, best-of-n, MCTS expanding by line
# steps (the default) and MCTS expanding by whole rollouts (`--expand rollout`), from the testbed's SFT model on
# heldout-params, `rtlgym search` per seed with the same sampling seed. Serves $OUT/tiny once for all runs.
#   OUT=DIR bash bench/learning/search-expansion.sh     (OUT holds tiny/ and tasks/, from baseline.sh)
#   SEEDS="1 2 3"  LIMIT=100 (problems)  CALLS=8 (model calls a problem)
# Per seed and expansion: $OUT/search-expansion-<step|rollout>-s<seed>.json (the search summary); the table of
# pass@1 per strategy goes to stdout and $OUT/search-expansion.md. A summary already written is kept (a rerun resumes,
# or with every seed done just prints the table).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:?set OUT to the folder holding tiny/ and tasks/}
SEEDS=${SEEDS:-1 2 3}
LIMIT=${LIMIT:-100}
CALLS=${CALLS:-8}
export RTLGYM_HOME=${RTLGYM_HOME:-$OUT/home}
RTLGYM=(node_modules/.bin/tsx src/cli/main.ts)
PORT=${PORT:-8431}
"${RTLGYM[@]}" model serve "$OUT/tiny" --port "$PORT" --name tiny --threads 1 --start-timeout-s 600 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/v1/models" >/dev/null && break; sleep 1; done
# The StepPRM proof's search settings (recipes/stepprm/testbed.yaml): line steps of at most 32 tokens, answers of at
# most 384, width 3, temperature 0.8.
common=(search --suite tasks --data "$OUT/tasks/heldout-params" --limit "$LIMIT" --endpoint "http://127.0.0.1:$PORT/v1"
  --model tiny --chat-template chatml --trim-whitespace --budget-calls "$CALLS" --step-tokens 32 --max-tokens 384
  --engine sim --json --quiet)
# One search into FILE (through a temp file, so an interrupted run leaves no partial summary behind).
search_into() {
  local file=$1
  shift
  [ -s "$file" ] && return 0
  "${RTLGYM[@]}" "${common[@]}" "$@" >"$file.tmp"
  mv "$file.tmp" "$file"
}
for seed in $SEEDS; do
  search_into "$OUT/search-expansion-step-s$seed.json" --seed "$seed" --strategy sample,best-of-n,mcts
  search_into "$OUT/search-expansion-rollout-s$seed.json" --seed "$seed" --strategy mcts --expand rollout
done
node -e '
const fs = require("fs");
const [out, ...seeds] = process.argv.slice(1);
const rows = new Map();
for (const s of seeds)
  for (const kind of ["step", "rollout"]) {
    const summary = JSON.parse(fs.readFileSync(`${out}/search-expansion-${kind}-s${s}.json`, "utf8"));
    for (const r of summary.results) {
      const name = r.strategy === "mcts" ? `mcts (${kind})` : r.strategy;
      if (!rows.has(name)) rows.set(name, []);
      rows.get(name).push(r["pass@1"]);
      if (r.strategy === "mcts") rows.set(`${name} designs with a pass (oracle)`, [...(rows.get(`${name} designs with a pass (oracle)`) ?? []), r.oracleAnyPass / r.problems]);
    }
  }
const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
const sd = (a) => Math.sqrt(a.reduce((x, y) => x + (y - mean(a)) ** 2, 0) / Math.max(a.length - 1, 1));
let md = "| strategy | " + seeds.map((s) => `seed ${s}`).join(" | ") + " | mean (sd) |\n|" + " --- |".repeat(seeds.length + 2) + "\n";
for (const [name, v] of rows)
  md += `| ${name} | ${v.map((x) => (100 * x).toFixed(1) + "%").join(" | ")} | ${(100 * mean(v)).toFixed(1)}% (${(100 * sd(v)).toFixed(1)}) |\n`;
fs.writeFileSync(`${out}/search-expansion.md`, md);
process.stdout.write(md);
' "$OUT" $SEEDS
