#!/usr/bin/env bash
# The StepPRM proof (issue 14 section 4), 3 seeds, from the testbed's SFT model: `rtlgym search --config CONFIG` per
# seed (steps, labels, PRM, then each search variant with and without retrieval), then the table of held-out pass@1
# per variant (mean and spread over the seeds) and MCTS+PRM minus plain sampling, in $OUT/<NAME>.md and .json.
#   bench/learning/search.sh [CONFIG] [NAME]   default recipes/stepprm/testbed.yaml stepprm
#   OUT=DIR       holds tiny/ and tasks/ (bench/learning/baseline.sh writes them); runs go to $OUT/<NAME>-s<seed>
#   SEEDS="1 2 3" the seeds
#   PARALLEL=1    seeds run at once (each serves the SFT model and the PRM; 1 on 2 cores)
#   EXTRA="..."   more flags for every run
#   SHARE_STAGES=1 the first seed builds the steps, labels and PRM; the others search with them (--stages-from), so
#                 the seeds differ in their searches only. 0: every seed builds its own.
# A seed's finished stages stay in its out folder: rerunning the script resumes where a run stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
CONFIG=${1:-recipes/stepprm/testbed.yaml}
NAME=${2:-stepprm}
OUT=${OUT:?set OUT to the folder holding tiny/ and tasks/}
SEEDS=${SEEDS:-1 2 3}
PARALLEL=${PARALLEL:-1}
export RTLGYM_HOME=${RTLGYM_HOME:-$OUT/home}
[ -d "$OUT/tiny" ] && [ -d "$OUT/tasks" ] || { echo "search: $OUT has no tiny/ and tasks/" >&2; exit 2; }

# shellcheck source=bench/learning/seeds.sh
source bench/learning/seeds.sh
if [ "${SHARE_STAGES:-1}" = 1 ]; then
  read -r -a all <<<"$SEEDS"
  first=${all[0]}
  SEEDS=$first run_seeds search bench/learning/search-summary.ts search --config "$CONFIG"
  if [ "${#all[@]}" -gt 1 ]; then
    SUMMARY_SEEDS="${all[*]}" SEEDS="${all[*]:1}" EXTRA="${EXTRA:-} --stages-from $OUT/$NAME-s$first" \
      run_seeds search bench/learning/search-summary.ts search --config "$CONFIG"
  fi
else
  run_seeds search bench/learning/search-summary.ts search --config "$CONFIG"
fi
