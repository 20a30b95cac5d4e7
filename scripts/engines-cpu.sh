#!/usr/bin/env bash
# Installs verl and OpenRLHF WITHOUT their GPU dependencies (no vLLM, no flash-attn, no DeepSpeed) into a folder of
# their own, for the launcher tests only: with RTLGYM_ENGINES_PATH pointing there,
# adapters/python/tests/test_recipe_export.py checks the exported config with verl's own Hydra composition,
# validate_config and DAPO reward manager, and the exported arguments with OpenRLHF's own parser.
# Nothing here can train; the adapters venv is not touched. About 30 s and 150 MB.
#   bash scripts/engines-cpu.sh [DIR]      # default: .venv-adapters/engines
#   RTLGYM_ENGINES_PATH=.venv-adapters/engines .venv-adapters/bin/python -m pytest adapters/python/tests/test_recipe_export.py -q
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${1:-.venv-adapters/engines}"
PY="${RTLGYM_PYTHON:-.venv-adapters/bin/python}"
[ -x "$PY" ] || { echo "engines-cpu: $PY missing; run scripts/setup-python.sh first" >&2; exit 2; }
# The engines at the versions the launchers target, and only what importing their config code needs.
"$PY" -m pip install --quiet --no-deps --target "$DIR" \
  verl==0.9.1 openrlhf==0.11.2 \
  hydra-core==1.3.8 omegaconf==2.4.0 antlr4-python3-runtime==4.9.3 \
  ray==2.60.0 tensordict==0.15.3 msgpack==1.2.4 protobuf==7.36.2 cloudpickle==3.1.3 codetiming==1.4.0 \
  orjson==3.13.0 pyvers==0.2.3 pillow==13.0.0 \
  requests==2.34.2 urllib3==2.8.0 certifi==2026.10.19.post1 charset-normalizer==3.5.3 idna==3.20 \
  jsonschema==4.26.0 jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1 attrs==26.1.0 \
  aiohttp==3.14.5 aiohappyeyeballs==2.7.1 aiosignal==1.4.0 frozenlist==1.8.0 multidict==7.2.1 yarl==1.25.1 \
  propcache==0.5.4
echo "engines-cpu: installed in $DIR; set RTLGYM_ENGINES_PATH=$DIR"
