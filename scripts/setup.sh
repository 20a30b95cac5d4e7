#!/usr/bin/env bash
# Sets up a fresh clone on Debian: the simulator and formal tools (apt-get, only when missing),
# the npm packages, and the build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v iverilog >/dev/null 2>&1 || missing+=(iverilog)
command -v yosys >/dev/null 2>&1 || missing+=(yosys)
command -v verilator >/dev/null 2>&1 || missing+=(verilator)
# VHDL: analysis, native simulation and synthesis to Verilog (docs/vhdl.md).
command -v ghdl >/dev/null 2>&1 || missing+=(ghdl)
# The OS sandbox around every tool that reads candidate code (docs/security.md).
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
# The job queue of the data pipeline past one machine, and its tests (docs/data-queue.md).
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]} with apt-get" >&2
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm ci rejects this lockfile (npm 11 drops other platforms' optional biome packages); install honours it.
  # better-sqlite3 compiles from source when its prebuilt binary cannot be downloaded: use every core.
  JOBS=max npm install --no-audit --no-fund --loglevel=error
fi
npm run --silent build
