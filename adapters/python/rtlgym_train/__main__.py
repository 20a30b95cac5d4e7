"""`python -m rtlgym_train sft|rl|serve ...`: what `rtlgym train sft`, `rtlgym train rl` and `rtlgym model serve`
run. Exit codes: 0 done, 2 bad input (one `error` JSON line on stdout), 1 crash."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from pathlib import Path


def _sft(argv: list[str]) -> int:
    from .data import DataError
    from .hardware import PRECISIONS
    from .presets import PRESETS
    from .sft import Emitter, SftOptions, train

    ap = argparse.ArgumentParser(prog="python -m rtlgym_train sft")
    ap.add_argument("--data", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--preset", default="smoke", choices=sorted(PRESETS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--base", default=None, help="a Hugging Face causal LM directory or (cached) name")
    ap.add_argument("--lora", action="store_true")
    ap.add_argument("--lora-r", type=int, default=16)
    ap.add_argument("--lora-alpha", type=int, default=32)
    ap.add_argument("--max-steps", type=int)
    ap.add_argument("--time-budget-s", type=float)
    ap.add_argument("--batch-size", type=int)
    ap.add_argument("--learning-rate", type=float)
    ap.add_argument("--save-steps", type=int)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--precision", default="auto", choices=PRECISIONS,
                    help="auto: bf16 autocast where the hardware has native bf16 kernels, else float32")
    ap.add_argument("--split-digits", action=argparse.BooleanOptionalAction, default=None,
                    help="a model from scratch: every digit its own token (default: the preset's choice)")
    ap.add_argument("--prompt-loss-weight", type=float, default=None,
                    help="weight of the prompt's tokens in the loss, 0 (the answer only) to 1 (default: the preset's)")
    ap.add_argument("--shape", default=None,
                    help="a model from scratch: LAYERSxHIDDENxHEADSxFFN, e.g. 4x256x4x768 (default: the preset's)")
    a = ap.parse_args(argv)
    emit = Emitter.take_stdout()
    options = SftOptions(
        data=a.data,
        out=a.out,
        preset=a.preset,
        seed=a.seed,
        base=a.base,
        lora=a.lora,
        lora_r=a.lora_r,
        lora_alpha=a.lora_alpha,
        max_steps=a.max_steps,
        time_budget_s=a.time_budget_s,
        batch_size=a.batch_size,
        learning_rate=a.learning_rate,
        save_steps=a.save_steps,
        threads=a.threads,
        fresh=a.fresh,
        precision=a.precision,
        split_digits=a.split_digits,
        prompt_loss_weight=a.prompt_loss_weight,
        shape=a.shape,
    )
    return _run(emit, lambda: train(options, emit), DataError)


def _itertl(argv: list[str]) -> int:
    from .data import DataError
    from .itertl import LOSSES, REDUCTIONS, SCHEDULES, TARGETS, RankOptions, train_round
    from .sft import Emitter

    ap = argparse.ArgumentParser(prog="python -m rtlgym_train itertl")
    ap.add_argument("--data", required=True, type=Path, help="ranked rows (JSONL) written by `rtlgym train itertl`")
    ap.add_argument("--base", required=True, help="the model this round starts from")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--loss", default="itertl", choices=LOSSES)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--learning-rate", type=float, default=5e-4)
    ap.add_argument("--rank-weight", type=float, default=1.0)
    ap.add_argument("--rank-reduction", default="sum", choices=REDUCTIONS)
    ap.add_argument("--warmup-steps", type=int, default=0)
    ap.add_argument("--target", default="reference", choices=TARGETS,
                    help="the CE term's answer: the reference (the paper), the best verified sample, every distinct "
                    "verified one, or every verified one with repeats counted")
    ap.add_argument("--schedule", default="cosine", choices=SCHEDULES,
                    help="the round's learning rate: cosine decay to 0, or constant after the warm-up")
    ap.add_argument("--groups-per-step", type=int, default=1,
                    help="prompts' groups averaged into one optimiser step (gradient accumulation)")
    ap.add_argument("--reference-score", type=float)
    ap.add_argument("--max-length", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--time-budget-s", type=float)
    a = ap.parse_args(argv)
    emit = Emitter.take_stdout()
    options = RankOptions(
        data=a.data,
        base=a.base,
        out=a.out,
        loss=a.loss,
        epochs=a.epochs,
        learning_rate=a.learning_rate,
        rank_weight=a.rank_weight,
        rank_reduction=a.rank_reduction,
        warmup_steps=a.warmup_steps,
        target=a.target,
        schedule=a.schedule,
        groups_per_step=a.groups_per_step,
        reference_score=a.reference_score,
        max_length=a.max_length,
        seed=a.seed,
        threads=a.threads,
        time_budget_s=a.time_budget_s,
    )
    return _run(emit, lambda: train_round(options, emit), DataError)


def _run(emit, work, data_error) -> int:
    """Runs a trainer: exit 2 with an `error` line for bad input, 1 for a crash."""
    try:
        work()
    except (data_error, ValueError, OSError) as e:
        traceback.print_exc()
        emit("error", kind="bad_input", message=str(e))
        return 2
    except Exception as e:  # noqa: BLE001 - reported to the orchestrator, then the exit code says crash
        traceback.print_exc()
        emit("error", kind="crash", message=f"{type(e).__name__}: {e}")
        return 1
    return 0


def _rl(argv: list[str]) -> int:
    from .rl import RlOptions, train
    from .sft import Emitter

    ap = argparse.ArgumentParser(prog="python -m rtlgym_train rl")
    ap.add_argument("--config", required=True, type=Path, help="a JSON object of RlOptions fields")
    ap.add_argument("--reward-url", help="override the config's reward_url")
    ap.add_argument("--out", type=Path, help="override the config's out")
    ap.add_argument("--fresh", action="store_true")
    a = ap.parse_args(argv)
    emit = Emitter.take_stdout()
    try:
        config = json.loads(a.config.read_text())
        if not isinstance(config, dict):
            raise ValueError(f"{a.config}: the config must be a JSON object")
        if a.reward_url:
            config["reward_url"] = a.reward_url
        if a.out:
            config["out"] = str(a.out)
        if a.fresh:
            config["fresh"] = True
        options = RlOptions.from_dict(config)
    except (ValueError, OSError, TypeError) as e:
        emit("error", kind="bad_input", message=str(e))
        return 2
    return _run(emit, lambda: train(options, emit), ValueError)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not argv or argv[0] not in ("sft", "serve", "itertl", "rl", "salv", "slice", "prm"):
        print(json.dumps({"event": "error", "kind": "bad_input", "message": "usage: rtlgym_train sft|serve|itertl|rl|salv|slice|prm ..."}))
        return 2
    if argv[0] == "sft":
        return _sft(argv[1:])
    if argv[0] == "itertl":
        return _itertl(argv[1:])
    if argv[0] == "rl":
        return _rl(argv[1:])
    if argv[0] == "salv":
        from .salv import main as salv_main

        return salv_main(argv[1:])
    if argv[0] == "prm":
        from .prm import main as prm_main

        return prm_main(argv[1:])
    if argv[0] == "slice":
        from .slice import main as slice_main

        return slice_main()
    from .serve import main as serve_main

    return serve_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
