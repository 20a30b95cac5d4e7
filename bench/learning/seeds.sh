# Sourced by recipe.sh and search.sh: run one rtlgym command per seed, $PARALLEL at a time, then a summary table.
#   run_seeds LABEL SUMMARY_SCRIPT RTLGYM_ARGS...
# Each seed runs `rtlgym RTLGYM_ARGS... --model $OUT/tiny --tasks $OUT/tasks --out $OUT/$NAME-s<seed> --seed <seed>
# $EXTRA --json` (summary to $OUT/$NAME-s<seed>.json, log to .err); a failed seed is reported and left to the summary,
# which lists it. Needs OUT, NAME, CONFIG, SEEDS, PARALLEL set by the caller; SUMMARY_SEEDS (default SEEDS) are the
# seeds the table covers. MODEL_FROM=NAME0 starts each seed from that seed's model of an earlier run
# ($OUT/NAME0-s<seed>, e.g. RL after rejection sampling) instead of $OUT/tiny.
run_seeds() {
  local label=$1 summary=$2
  shift 2
  local args=("$@")
  run_seed() {
    local seed=$1 start model=$OUT/tiny
    [ -z "${MODEL_FROM:-}" ] || model=$OUT/$MODEL_FROM-s$seed
    start=$(date +%s)
    echo "$label: $NAME seed $seed -> $OUT/$NAME-s$seed" >&2
    # shellcheck disable=SC2086
    node_modules/.bin/tsx src/cli/main.ts "${args[@]}" --model "$model" --tasks "$OUT/tasks" \
      --out "$OUT/$NAME-s$seed" --seed "$seed" ${EXTRA:-} --json >"$OUT/$NAME-s$seed.json" 2>"$OUT/$NAME-s$seed.err" ||
      { echo "$label: $NAME seed $seed failed (exit $?): tail of $OUT/$NAME-s$seed.err" >&2; tail -5 "$OUT/$NAME-s$seed.err" >&2; }
    echo "$label: $NAME seed $seed done in $(($(date +%s) - start)) s" >&2
  }
  local running=0 seed
  for seed in $SEEDS; do
    run_seed "$seed" &
    running=$((running + 1))
    if [ "$running" -ge "$PARALLEL" ]; then wait -n; running=$((running - 1)); fi
  done
  wait
  local files=()
  for seed in ${SUMMARY_SEEDS:-$SEEDS}; do files+=("$OUT/$NAME-s$seed.json"); done
  node_modules/.bin/tsx "$summary" --name "$NAME" --config "$CONFIG" --json "$OUT/$NAME.json" \
    ${MODEL_FROM:+--from "$MODEL_FROM"} "${files[@]}" |
    tee "$OUT/$NAME.md"
}
