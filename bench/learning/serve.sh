# Sourced by baseline.sh and score.sh: serve a model with `rtlgym model serve` on a free port and set $url.
#   serve_model MODEL LOG_PREFIX [SERVE_FLAGS...]   (logs to LOG_PREFIX.out / .err; the server stops when the shell exits)
serve_model() {
  local model=$1 logs=$2
  shift 2
  # exec: $! must be the server itself (a backgrounded shell function is a subshell: killing it would leave the
  # server, and its Python child, running).
  (exec node_modules/.bin/tsx src/cli/main.ts model serve "$model" --port 0 "$@" >"$logs.out" 2>"$logs.err") &
  local server=$!
  # shellcheck disable=SC2064
  trap "kill $server 2>/dev/null || true" EXIT
  for _ in $(seq 1 120); do grep -q '^listening on ' "$logs.out" && break; sleep 1; done
  url=$(sed -n 's/^listening on //p' "$logs.out")
  [ -n "$url" ] || { echo "the model server did not start: tail of $logs.err" >&2; tail -5 "$logs.err" >&2; exit 1; }
}
