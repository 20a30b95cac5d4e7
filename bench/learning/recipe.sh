#!/usr/bin/env bash
# One recipe, 3 seeds, from the testbed's SFT model: `rtlgym train <recipe> --config CONFIG` per seed, then the table of
# held-out pass@1 before -> after (mean and spread over the seeds) in $OUT/<NAME>.md and $OUT/<NAME>.json.
#   bench/learning/recipe.sh RECIPE CONFIG NAME        RECIPE: itertl | salv | rl
#   OUT=DIR       holds tiny/ and tasks/ (bench/learning/baseline.sh writes them); runs go to $OUT/<NAME>-s<seed>
#   SEEDS="1 2 3" the seeds
#   PARALLEL=2    seeds run at once (each with the config's `threads`)
#   EXTRA="..."   more flags for every run (e.g. --mask response)
#   MODEL_FROM=NAME0  start seed s from $OUT/NAME0-s<s> (an earlier run's model) instead of $OUT/tiny
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -eq 3 ] || { echo "usage: $0 RECIPE CONFIG NAME" >&2; exit 2; }
RECIPE=$1 CONFIG=$2 NAME=$3
OUT=${OUT:?set OUT to the folder holding tiny/ and tasks/}
SEEDS=${SEEDS:-1 2 3}
PARALLEL=${PARALLEL:-2}
export RTLGYM_HOME=${RTLGYM_HOME:-$OUT/home}
[ -d "$OUT/tiny" ] && [ -d "$OUT/tasks" ] || { echo "recipe: $OUT has no tiny/ and tasks/" >&2; exit 2; }

# shellcheck source=bench/learning/seeds.sh
source bench/learning/seeds.sh
run_seeds recipe bench/learning/summarize.ts train "$RECIPE" --config "$CONFIG"
