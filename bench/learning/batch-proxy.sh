#!/usr/bin/env bash
# Batch size against step count at equal wall-clock time: the `tiny` model trained for a short budget at each batch
# size (the schedule anneals to the budget), then scored by the answer's loss on heldout-params (heldout_loss.py),
# a cheap proxy for pass@1. Run alone on the machine: the budget is wall-clock time.
#   OUT=DIR          holds tasks/ (from baseline.sh); models go to $OUT/proxy-b<N>
#   BATCHES="16 8 4" batch sizes compared
#   BUDGET=480       training seconds each
#   SEED=1
#   SFT_FLAGS=       more `rtlgym train sft` flags, e.g. "--learning-rate 1e-3"
#   TAG=             appended to the model folder's name, to keep runs with different SFT_FLAGS apart
# Results: one JSON line per batch size on stdout, and $OUT/proxy-b<N><TAG>.json (the trainer's summary).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${OUT:?OUT must hold tasks/ from baseline.sh}"
BATCHES=${BATCHES:-16 8 4}
BUDGET=${BUDGET:-480}
SEED=${SEED:-1}
SFT_FLAGS=${SFT_FLAGS:-}
TAG=${TAG:-}
export RTLGYM_HOME=${RTLGYM_HOME:-$OUT/home}
PY=${RTLGYM_PYTHON:-.venv-adapters/bin/python}
for b in $BATCHES; do
  model="$OUT/proxy-b$b$TAG"
  # Steps enough that the budget, not the step count, ends every run.
  # shellcheck disable=SC2086
  node_modules/.bin/tsx src/cli/main.ts train sft --data "$OUT/tasks" --out "$model" --preset tiny --seed "$SEED" \
    --batch-size "$b" --max-steps $((64000 / b)) --time-budget-s "$BUDGET" $SFT_FLAGS --fresh --quiet --json >"$model.json"
  PYTHONPATH=adapters/python "$PY" bench/learning/heldout_loss.py "$model" "$OUT/tasks/heldout-params/sft.jsonl" |
    node -e '
      const fs = require("node:fs");
      const loss = JSON.parse(fs.readFileSync(0, "utf8"));
      const t = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      console.log(JSON.stringify({ batch: Number(process.argv[2]), flags: process.argv[3], steps: t.steps, tokens_seen: t.tokens_seen,
        train_seconds: t.train_seconds, answer_loss: loss.answer_loss }));' "$model.json" "$b" "$SFT_FLAGS"
done
