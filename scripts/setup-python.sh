#!/usr/bin/env bash
# Sets up .venv-adapters: the Python adapters and trainer (adapters/python, editable), pytest, TRL, peft, transformers'
# serving extra and a CPU-usable torch, for
# `.venv-adapters/bin/python -m pytest adapters/python/tests`. Safe to run again (a no-op when nothing changed).
#
# torch: PyPI only has the CUDA build of torch for Linux, and `pip install torch` adds ~3 GB of nvidia-* wheels and
# triton (5.3 GB installed, ~3.5 min here). The default "light" mode installs the pinned lock with --no-deps: torch
# itself, the two small CUDA runtime wheels libtorch_cpu links against, and stubs for the CUDA libraries that only GPU
# code would call (adapters/python/tools/torch_cpu_stubs.py): ~1.5 GB. If that does not import, or on another Python
# or architecture than the lock's (CPython 3.11, x86_64), it falls back to pip's ordinary full install.
#   RTLGYM_TORCH=full   force the ordinary install (nvidia wheels included)
#   RTLGYM_PY_VENV=DIR  another venv location (default .venv-adapters)
#   PYTHON=python3.X    the interpreter to build the venv from (default python3.11, else python3)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${RTLGYM_PY_VENV:-.venv-adapters}
lock=adapters/python/requirements-test.lock
stubs=adapters/python/tools/torch_cpu_stubs.py
mode=${RTLGYM_TORCH:-light}
py=${PYTHON:-}
if [ -z "$py" ]; then
  if command -v python3.11 >/dev/null 2>&1; then py=python3.11; else py=python3; fi
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

log() { echo "setup-python: $*" >&2; }

if [ ! -x "$venv/bin/python" ]; then
  log "creating $venv with $($py --version 2>&1)"
  "$py" -m venv "$venv"
fi
vpy="$venv/bin/python"
pip=("$vpy" -m pip install --quiet --progress-bar off)

stamp="$venv/.rtlgym-setup"
want="$(cat "$lock" "$stubs" adapters/python/pyproject.toml | sha256sum | cut -c1-16) $mode"
smoke='import torch, trl, transformers, rtlgym_reward, rtlgym_train, peft, fastapi, uvicorn
x = torch.randn(4, 4, requires_grad=True); (x @ x).sum().backward(); assert x.grad is not None'
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$vpy" -c "$smoke" >/dev/null 2>&1; then
  log "$venv is up to date"
  exit 0
fi

pinned=$("$vpy" -c 'import platform, sys; print(int(sys.version_info[:2] == (3, 11) and platform.machine() == "x86_64" and sys.platform == "linux"))')
start=$(date +%s)
if [ "$mode" = light ] && [ "$pinned" = 1 ]; then
  log "installing the pinned lock without torch's nvidia/triton dependencies"
  "${pip[@]}" --no-deps -r "$lock"
  "${pip[@]}" --no-deps --no-build-isolation -e adapters/python
  "$vpy" "$stubs"
  if ! "$vpy" -c "$smoke"; then
    log "torch does not import with the CUDA stubs; falling back to the full install"
    "$vpy" "$stubs" --remove
    mode=full
  fi
fi
if [ "$mode" != light ] || [ "$pinned" != 1 ]; then
  if [ "$pinned" = 1 ]; then
    log "installing the pinned lock with every dependency (torch's nvidia wheels included: several GB)"
    "${pip[@]}" -r "$lock"
  else
    log "not CPython 3.11 on Linux x86_64: installing unpinned torch, trl and pytest (torch's nvidia wheels included)"
    "${pip[@]}" torch trl pytest peft "transformers[serving]"
  fi
  "${pip[@]}" -e adapters/python
  "$vpy" -c "$smoke"
fi
echo "$want" >"$stamp"
log "ready in $(($(date +%s) - start)) s: $(du -sh "$venv" | cut -f1) in $venv"
