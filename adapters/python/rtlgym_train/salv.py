"""QiMeng-SALV's signal-aware DPO: TRL's DPOTrainer whose log-probability sums count only the tokens of the
contrasted signal's code slice (rows of `rtlgym data salv-pairs`).

A row is TRL's conversational preference row (`prompt`: messages, `chosen`/`rejected`: one assistant message) plus
`chosen_spans`/`rejected_spans`: [start, end) code-point ranges of each answer's text. Prompt and answer are
tokenized apart, as at generation time (the answer is the chat template's assistant turn, end-of-turn included),
and an answer token is in the loss when its characters (the tokenizer's offset mapping) overlap a span. Module-level
rows (spans covering the whole answer) and `mask="response"` count every answer token: plain DPO.

`python -m rtlgym_train.salv --config FILE` runs it; progress is JSON lines on stdout (see sft.Emitter).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .data import DataError, Pair, render
from .hardware import run_arguments

RUN_FILE = "rtlgym-salv.json"
CHECKPOINTS = "checkpoints"
MASKS = ("slice", "response")


@dataclass
class SalvOptions:
    data: Path
    base: str
    out: Path
    # SALV: DPO sigmoid loss with beta 0.1 (arXiv 2510.19296).
    beta: float = 0.1
    learning_rate: float = 5e-6
    epochs: float = 1.0
    max_steps: int = -1
    batch_size: int = 4
    grad_accum: int = 1
    max_length: int = 1024
    mask: str = "slice"
    lora: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    seed: int = 0
    threads: int | None = None
    time_budget_s: float | None = None
    save_steps: int = 200
    logging_steps: int = 1
    fresh: bool = False

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SalvOptions:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown salv option(s): {', '.join(unknown)}")
        for need in ("data", "base", "out"):
            if need not in d:
                raise ValueError(f"salv option {need} is required")
        o = cls(**d)
        o.data, o.out = Path(o.data), Path(o.out)
        if o.mask not in MASKS:
            raise ValueError(f"mask must be one of {', '.join(MASKS)}, got {o.mask!r}")
        if o.beta <= 0:
            raise ValueError("beta must be positive")
        return o


# --- rows -> token ids and masks ------------------------------------------------------------------------------


def load_rows(path: Path) -> list[dict[str, Any]]:
    """`pairs.jsonl` or `pairs.parquet` of `rtlgym data salv-pairs`."""
    if not path.is_file():
        raise DataError(f"{path}: no such file (expected the pairs.jsonl or pairs.parquet of rtlgym data salv-pairs)")
    if path.suffix == ".parquet":
        from datasets import load_dataset

        rows = load_dataset("parquet", data_files=str(path))["train"].to_list()
    else:
        rows = []
        with path.open(encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as e:
                        raise DataError(f"{path}:{n}: not JSON ({e.msg})") from e
    for n, r in enumerate(rows, 1):
        for key in ("prompt", "chosen", "rejected", "chosen_spans", "rejected_spans"):
            if key not in r:
                raise DataError(f"{path}: row {n} has no {key}")
    if not rows:
        raise DataError(f"{path}: no rows")
    return rows


def _answer(row: dict[str, Any], side: str) -> str:
    value = row[side]
    if isinstance(value, list):
        if len(value) != 1 or value[0].get("role") != "assistant":
            raise DataError(f"row {row.get('id')}: {side} must be one assistant message")
        return value[0]["content"]
    return value


def _spans(row: dict[str, Any], side: str) -> list[tuple[int, int]]:
    out = []
    for s in row[f"{side}_spans"]:
        a, b = (s["start"], s["end"]) if isinstance(s, dict) else (s[0], s[1])
        out.append((int(a), int(b)))
    return out


def token_mask(offsets: list[tuple[int, int]], spans: list[tuple[int, int]], base: int) -> list[int]:
    """1 for each token whose characters overlap a span (spans are offsets into the answer, which starts at `base`
    in the tokenized text); tokens with no characters (special tokens, offset (0, 0)) count only if whole-answer."""
    shifted = [(a + base, b + base) for a, b in spans]
    return [int(e > s and any(s < b and e > a for a, b in shifted)) for s, e in offsets]


def encode_row(tokenizer: Any, row: dict[str, Any], mask: str = "slice") -> dict[str, Any]:
    """prompt_ids, chosen_ids, rejected_ids and the answers' token masks (what the DPO sums count)."""
    messages = row["prompt"]
    out: dict[str, Any] = {}
    prompt_text = None
    for side in ("chosen", "rejected"):
        content = _answer(row, side)
        if isinstance(messages, str):
            pair = Pair(None, messages, content)
        else:
            pair = Pair([{"role": m["role"], "content": m["content"]} for m in messages], None, content)
        prompt_text, completion = render(tokenizer, pair)
        base = completion.find(content)
        if base < 0:
            raise DataError(f"row {row.get('id')}: the chat template changes the {side} answer; cannot place its spans")
        enc = tokenizer(completion, add_special_tokens=False, return_offsets_mapping=True)
        ids, offsets = enc["input_ids"], [tuple(o) for o in enc["offset_mapping"]]
        spans = _spans(row, side)
        whole = row.get("level") == "module" or mask == "response"
        out[f"{side}_ids"] = ids
        out[f"{side}_mask"] = [1] * len(ids) if whole else token_mask(offsets, spans, base)
        out[f"{side}_offsets"] = offsets
        out[f"{side}_base"] = base
        out[f"{side}_completion"] = completion
    p = tokenizer(prompt_text, add_special_tokens=False)["input_ids"]
    bos = getattr(tokenizer, "bos_token_id", None)
    if bos is not None and getattr(tokenizer, "add_bos_token", False) and (not p or p[0] != bos):
        p = [bos, *p]
    out["prompt_ids"] = p
    return out


def encode_rows(tokenizer: Any, rows: list[dict[str, Any]], max_length: int, mask: str) -> tuple[list[dict], dict]:
    kept, dropped = [], {"too_long": 0, "empty_mask": 0}
    for r in rows:
        e = encode_row(tokenizer, r, mask)
        if len(e["prompt_ids"]) + max(len(e["chosen_ids"]), len(e["rejected_ids"])) > max_length:
            dropped["too_long"] += 1
            continue
        if not any(e["chosen_mask"]) or not any(e["rejected_mask"]):
            dropped["empty_mask"] += 1
            continue
        kept.append({k: e[k] for k in ("prompt_ids", "chosen_ids", "rejected_ids", "chosen_mask", "rejected_mask")})
    return kept, dropped


# --- the trainer ----------------------------------------------------------------------------------------------


def make_classes():
    """The DPOTrainer subclass and its collator (built lazily: importing TRL takes seconds)."""
    import torch
    from trl import DPOTrainer
    from trl.trainer.dpo_trainer import DataCollatorForPreference
    from trl.trainer.utils import pad

    class SliceCollator(DataCollatorForPreference):
        """TRL's collator, with `completion_mask` set to the slice tokens: every log-prob sum of DPOTrainer
        (policy and reference, chosen and rejected) then counts only them."""

        def torch_call(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
            out = super().torch_call(examples)
            masks = [[0] * len(e["prompt_ids"]) + list(e["chosen_mask"]) for e in examples]
            masks += [[0] * len(e["prompt_ids"]) + list(e["rejected_mask"]) for e in examples]
            if self.max_length is not None:
                masks = [m[: self.max_length] for m in masks]
            padded = pad(
                [torch.tensor(m, dtype=torch.long) for m in masks],
                padding_value=0,
                padding_side="right",
                pad_to_multiple_of=self.pad_to_multiple_of,
            )
            if padded.shape != out["completion_mask"].shape:
                raise RuntimeError(f"slice mask {tuple(padded.shape)} != completion mask {tuple(out['completion_mask'].shape)}")
            # A slice token is always an answer token: the mask can only narrow TRL's.
            out["completion_mask"] = padded * out["completion_mask"]
            return out

    class SliceDPOTrainer(DPOTrainer):
        """DPOTrainer on rows encoded by `encode_rows` (prompt/answer ids and answer token masks)."""

        def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
            # Already tokenized, with the masks TRL's own tokenization would not produce.
            return dataset

        def _set_signature_columns_if_needed(self):
            super()._set_signature_columns_if_needed()
            self._signature_columns = [*self._signature_columns, "chosen_mask", "rejected_mask"]

    return SliceDPOTrainer, SliceCollator


def train(o: SalvOptions, emit) -> dict[str, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    import transformers
    import trl
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from transformers.trainer_callback import PrinterCallback, ProgressCallback
    from trl import DPOConfig

    from .sft import prepare_checkpoints, versions

    transformers.logging.set_verbosity_error()
    if o.threads:
        torch.set_num_threads(o.threads)
    started = time.time()
    ckpt_dir = o.out / CHECKPOINTS
    key = {k: str(v) for k, v in o.__dict__.items() if k not in ("fresh", "threads", "time_budget_s")}
    resume = prepare_checkpoints(ckpt_dir, key, o.fresh)

    transformers.set_seed(o.seed)
    tokenizer = AutoTokenizer.from_pretrained(o.base)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    rows = load_rows(o.data)
    encoded, dropped = encode_rows(tokenizer, rows, o.max_length, o.mask)
    if not encoded:
        raise DataError(f"{o.data}: no row fits in {o.max_length} tokens with a non-empty mask ({dropped})")
    masked = sum(sum(e["chosen_mask"]) + sum(e["rejected_mask"]) for e in encoded)
    answer = sum(len(e["chosen_ids"]) + len(e["rejected_ids"]) for e in encoded)
    dataset = Dataset.from_list(encoded)

    model = AutoModelForCausalLM.from_pretrained(o.base, dtype="auto")
    peft_config = None
    if o.lora:
        from peft import LoraConfig

        peft_config = LoraConfig(
            r=o.lora_r, lora_alpha=o.lora_alpha, lora_dropout=0.05, target_modules="all-linear", task_type="CAUSAL_LM"
        )
    SliceDPOTrainer, SliceCollator = make_classes()
    args = DPOConfig(
        output_dir=str(ckpt_dir),
        beta=o.beta,
        loss_type=["sigmoid"],
        learning_rate=o.learning_rate,
        num_train_epochs=o.epochs,
        max_steps=o.max_steps,
        per_device_train_batch_size=o.batch_size,
        gradient_accumulation_steps=o.grad_accum,
        max_length=o.max_length,
        lr_scheduler_type="linear",
        warmup_steps=0,
        logging_steps=o.logging_steps,
        save_steps=o.save_steps,
        gradient_checkpointing=False,
        **run_arguments(o.seed),
    )
    collator = SliceCollator(pad_token_id=tokenizer.pad_token_id, max_length=o.max_length)
    state: dict[str, Any] = {"stopped_by": "steps", "logs": []}

    class JsonProgress(TrainerCallback):
        def on_train_begin(self, a, tstate, control, **kw):
            state["t0"] = time.time()
            state["step0"] = tstate.global_step

        def on_log(self, a, tstate, control, logs=None, **kw):
            if not logs or "loss" not in logs:
                return
            entry = {
                "step": tstate.global_step,
                "max_steps": tstate.max_steps,
                "loss": float(logs["loss"]),
                "learning_rate": logs.get("learning_rate"),
                "reward_accuracy": logs.get("rewards/accuracies"),
                "reward_margin": logs.get("rewards/margins"),
                "elapsed_s": round(time.time() - started, 2),
            }
            state["logs"].append(entry)
            emit("log", **entry)

        def on_step_end(self, a, tstate, control, **kw):
            if o.time_budget_s is not None and time.time() - state["t0"] > o.time_budget_s:
                state["stopped_by"] = "time_budget"
                control.should_training_stop = True
                control.should_save = True

        def on_save(self, a, tstate, control, **kw):
            emit("checkpoint", step=tstate.global_step, path=str(ckpt_dir / f"checkpoint-{tstate.global_step}"))

    trainer = SliceDPOTrainer(
        model=model,
        args=args,
        data_collator=collator,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=[JsonProgress()],
    )
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    levels: dict[str, int] = {}
    for r in rows:
        levels[r.get("level", "signal")] = levels.get(r.get("level", "signal"), 0) + 1
    ver = {**versions(), "trl": trl.__version__}
    emit(
        "start",
        rows=len(rows),
        pairs=len(encoded),
        dropped=dropped,
        levels=levels,
        mask=o.mask,
        masked_tokens=masked,
        answer_tokens=answer,
        beta=o.beta,
        lora=o.lora,
        max_steps=trainer.state.max_steps if trainer.state.max_steps > 0 else None,
        resumed_from=str(resume) if resume else None,
        versions=ver,
    )
    result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)

    final = trainer.model
    if o.lora:
        final.save_pretrained(o.out / "adapter")
        final = final.merge_and_unload()
    final.save_pretrained(o.out, safe_serialization=True)
    tokenizer.save_pretrained(o.out)
    base_gen = Path(o.base) / "generation_config.json"
    if base_gen.is_file():
        shutil.copy(base_gen, o.out / "generation_config.json")
    logs = state["logs"]
    seconds = time.time() - state.get("t0", started)
    summary = {
        "rows": len(rows),
        "pairs": len(encoded),
        "dropped": dropped,
        "levels": levels,
        "mask": o.mask,
        "masked_tokens": masked,
        "answer_tokens": answer,
        "masked_fraction": round(masked / answer, 4) if answer else None,
        "beta": o.beta,
        "lora": o.lora,
        "seed": o.seed,
        "steps": trainer.state.global_step,
        "steps_this_run": trainer.state.global_step - state.get("step0", 0),
        "stopped_by": state["stopped_by"],
        "resumed_from": str(resume) if resume else None,
        "first_loss": logs[0]["loss"] if logs else None,
        "final_loss": logs[-1]["loss"] if logs else None,
        "final_reward_accuracy": logs[-1]["reward_accuracy"] if logs else None,
        "train_loss": result.training_loss,
        "seconds": round(seconds, 2),
        "wall_seconds": round(time.time() - started, 2),
        "versions": ver,
        "model_dir": str(o.out),
    }
    (o.out / RUN_FILE).write_text(json.dumps(summary, indent=2))
    emit("done", **summary)
    return summary


def main(argv: list[str] | None = None) -> int:
    """`python -m rtlgym_train.salv --config FILE [--data ...]`: exit 0 done, 2 bad input, 1 crash."""
    from .sft import Emitter

    ap = argparse.ArgumentParser(prog="python -m rtlgym_train salv")
    ap.add_argument("--config", type=Path, help="a JSON object of SalvOptions fields")
    ap.add_argument("--data", help="pairs.jsonl / pairs.parquet of rtlgym data salv-pairs")
    ap.add_argument("--base", help="the model to train (a Hugging Face directory)")
    ap.add_argument("--out", help="the model directory to write")
    ap.add_argument("--mask", choices=MASKS)
    ap.add_argument("--max-steps", type=int)
    ap.add_argument("--lora", action="store_true")
    ap.add_argument("--fresh", action="store_true")
    a = ap.parse_args(sys.argv[1:] if argv is None else argv)
    emit = Emitter.take_stdout()
    try:
        config = json.loads(a.config.read_text()) if a.config else {}
        if not isinstance(config, dict):
            raise ValueError("the config must be a JSON object")
        for k in ("data", "base", "out", "mask", "max_steps"):
            if getattr(a, k) is not None:
                config[k] = getattr(a, k)
        if a.lora:
            config["lora"] = True
        if a.fresh:
            config["fresh"] = True
        options = SalvOptions.from_dict(config)
    except (ValueError, OSError, TypeError) as e:
        emit("error", kind="bad_input", message=str(e))
        return 2
    from .__main__ import _run

    return _run(emit, lambda: train(options, emit), DataError)


if __name__ == "__main__":
    sys.exit(main())
