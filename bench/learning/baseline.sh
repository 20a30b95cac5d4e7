#!/usr/bin/env bash
# The testbed baseline, rerun end to end: generate the tasks, train the `tiny` preset from scratch (CPU), serve it,
# score pass@1 and pass@5 on each held-out split with `rtlgym bench run`, and measure the sampling throughput.
# Results: $OUT/results.json (and the bench reports under $OUT/bench-<split>/).
#   OUT=DIR        where everything goes (default: a new folder under /tmp)
#   SEED=1         task generator and training seed
#   LIMIT=200      problems scored per held-out split (200 = all of a default split)
#   N=5            samples per problem (pass@1 is the unbiased estimate from them)
#   TEMPERATURE=0.2  sampling temperature for the pass@k runs
#   SKIP_TRAIN=1   score the model already in $OUT/tiny instead of training
#   TRAIN=12000    training tasks generated (the generator's default, the testbed model's data)
#   MAX_STEPS=     training steps (default: the tiny preset's 4,500 of 4 rows, within its 29-minute training budget)
#   TIME_BUDGET=   training seconds (default: the preset's 1,740; the schedule anneals to whichever ends first)
#   SFT_FLAGS=     more `rtlgym train sft` flags, e.g. --split-digits
#   SPLITS="heldout-params heldout-phrasing heldout-families"  the held-out splits scored
#   SERVE_FLAGS=   more `rtlgym model serve` flags, e.g. --threads 1 beside other jobs (oversubscribed torch
#                  threads spin: beside 3 RL runs on 2 cores, the 128 throughput samples (27 s alone) were not
#                  done after 16 minutes with 2 threads)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-$(mktemp -d /tmp/rtlgym-baseline-XXXX)}
SEED=${SEED:-1}
LIMIT=${LIMIT:-200}
N=${N:-5}
TEMPERATURE=${TEMPERATURE:-0.2}
TRAIN=${TRAIN:-12000}
MAX_STEPS=${MAX_STEPS:-}
TIME_BUDGET=${TIME_BUDGET:-}
SFT_FLAGS=${SFT_FLAGS:-}
SPLITS=${SPLITS:-heldout-params heldout-phrasing heldout-families}
SERVE_FLAGS=${SERVE_FLAGS:-}
export RTLGYM_HOME=${RTLGYM_HOME:-$OUT/home}
mkdir -p "$OUT"
rtlgym() { node_modules/.bin/tsx src/cli/main.ts "$@"; }
log() { echo "baseline: $*" >&2; }

log "tasks -> $OUT/tasks"
[ -f "$OUT/tasks/manifest.json" ] || rtlgym tasks generate --out "$OUT/tasks" --seed "$SEED" --train "$TRAIN" --heldout 200 --json >"$OUT/tasks.json"

if [ "${SKIP_TRAIN:-0}" = 1 ] && [ -f "$OUT/tiny/rtlgym-train.json" ]; then
  log "SKIP_TRAIN=1: scoring the model already in $OUT/tiny"
  cp "$OUT/tiny/rtlgym-train.json" "$OUT/train.json"
else
  log "training the tiny preset (at most 30 minutes; a rerun resumes)"
  start=$(date +%s)
  overrides=()
  [ -n "$MAX_STEPS" ] && overrides+=(--max-steps "$MAX_STEPS")
  [ -n "$TIME_BUDGET" ] && overrides+=(--time-budget-s "$TIME_BUDGET")
  # shellcheck disable=SC2086
  rtlgym train sft --data "$OUT/tasks" --out "$OUT/tiny" --preset tiny --seed "$SEED" "${overrides[@]}" $SFT_FLAGS \
    --json >"$OUT/train.json"
  log "trained in $(($(date +%s) - start)) s"
fi

# shellcheck source=bench/learning/serve.sh
source bench/learning/serve.sh
# shellcheck disable=SC2086
serve_model "$OUT/tiny" "$OUT/serve" $SERVE_FLAGS
log "serving at $url"

log "sampling throughput"
node_modules/.bin/tsx bench/learning/throughput.ts --endpoint "$url" --model tiny \
  --prompts "$OUT/tasks/heldout-params/sft.jsonl" --count 16 --n 8 --temperature 1 >"$OUT/throughput.json"

for split in $SPLITS; do
  log "pass@k on $split ($LIMIT problems, n=$N)"
  s=$(date +%s)
  rtlgym bench run --suite tasks --data "$OUT/tasks/$split" --limit "$LIMIT" --endpoint "$url" --model tiny \
    -n "$N" --k 1,"$N" --temperature "$TEMPERATURE" --top-p 0.95 --max-tokens 384 --engine sim --fresh \
    --out "$OUT/bench-$split" --json >"$OUT/bench-$split.json"
  echo "$(($(date +%s) - s))" >"$OUT/bench-$split.seconds"
done

node - "$OUT" $SPLITS <<'JS'
const fs = require("node:fs");
const [out, ...scored] = process.argv.slice(2);
const read = (f) => JSON.parse(fs.readFileSync(`${out}/${f}`, "utf8"));
const train = read("train.json");
const splits = {};
for (const split of scored) {
  const b = read(`bench-${split}.json`);
  const seconds = Number(fs.readFileSync(`${out}/bench-${split}.seconds`, "utf8"));
  const total = Object.values(b.statuses).reduce((a, c) => a + c, 0);
  splits[split] = {
    problems: b.attempted,
    passAtK: b.passAtK,
    statuses: b.statuses,
    compileRate: total ? 1 - (b.statuses.compile_error ?? 0) / total : 0,
    seconds,
  };
}
const results = {
  train: {
    steps: train.steps,
    stoppedBy: train.stopped_by,
    trainSeconds: train.train_seconds,
    firstLoss: train.first_loss,
    finalLoss: train.final_loss,
    tokensPerS: train.tokens_per_s,
    parameters: train.parameters,
    examples: train.examples,
    versions: train.versions,
  },
  throughput: read("throughput.json"),
  splits,
};
fs.writeFileSync(`${out}/results.json`, `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
JS
