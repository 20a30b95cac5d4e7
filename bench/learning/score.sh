#!/usr/bin/env bash
# Score one model on held-out problems with `rtlgym bench run`, into the run store ($OUT/home/rtlgym.db), as the
# recipes score their start and end models (n = 5, temperature 0.2, seeded, `--engine sim`, no official testbench)
# unless told otherwise. gains.ts reads the runs. Two uses in recipes.md:
#   reach: many samples of the SFT model at a high temperature, what it can write at all, not only what it writes most:
#     OUT=/work/tb N=20 TEMPERATURE=1.0 TAG=reach bash bench/learning/score.sh
#   replication on problems the recipes were never scored on (the second 100 of heldout-params), one run per seed:
#     OUT=/work/tb MODEL=/work/tb/rl-after-rft-s2 SEED=2 PROBLEMS='hp001*' TAG=rl-after-rft-s2-b bash bench/learning/score.sh
#   OUT=DIR        holds tiny/ and tasks/ (baseline.sh writes them); the summary goes to $OUT/score-$TAG.json
#   MODEL=$OUT/tiny  SPLIT=heldout-params  LIMIT=100  PROBLEMS=  (ids or globs, as bench run --problems)
#   N=5  TEMPERATURE=0.2  SEED=1  TAG=<model folder>-s<seed>
#   SERVE_FLAGS=   more `rtlgym model serve` flags
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:?set OUT to the folder holding tiny/ and tasks/}
MODEL=${MODEL:-$OUT/tiny}
SPLIT=${SPLIT:-heldout-params}
LIMIT=${LIMIT:-100}
PROBLEMS=${PROBLEMS:-}
N=${N:-5}
TEMPERATURE=${TEMPERATURE:-0.2}
SEED=${SEED:-1}
TAG=${TAG:-$(basename "$MODEL")-s$SEED}
SERVE_FLAGS=${SERVE_FLAGS:-}
export RTLGYM_HOME=${RTLGYM_HOME:-$OUT/home}
[ -d "$MODEL" ] && [ -d "$OUT/tasks/$SPLIT" ] || { echo "score: no $MODEL or $OUT/tasks/$SPLIT" >&2; exit 2; }
select=(--limit "$LIMIT")
[ -z "$PROBLEMS" ] || select+=(--problems "$PROBLEMS")

# shellcheck source=bench/learning/serve.sh
source bench/learning/serve.sh
# shellcheck disable=SC2086
serve_model "$MODEL" "$OUT/score-$TAG-serve" $SERVE_FLAGS
echo "score: $MODEL on $SPLIT ${PROBLEMS:-first $LIMIT}, n=$N, temperature $TEMPERATURE, seed $SEED" >&2
start=$(date +%s)
node_modules/.bin/tsx src/cli/main.ts bench run --suite tasks --data "$OUT/tasks/$SPLIT" "${select[@]}" \
  --endpoint "$url" --model "$(basename "$MODEL")" -n "$N" --k 1,"$N" --temperature "$TEMPERATURE" --max-tokens 384 \
  --seed "$SEED" --engine sim --no-official --fresh --quiet --json >"$OUT/score-$TAG.json"
run=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).runId)' "$OUT/score-$TAG.json")
echo "score: $TAG done in $(($(date +%s) - start)) s; run $run" >&2
