"""Supervised fine-tuning with transformers' Trainer: a model trained from scratch (BPE tokenizer + small Llama-style
decoder) or any Hugging Face causal LM (`--base`), optionally through LoRA adapters (peft). Progress goes to stdout
as JSON lines; everything else to stderr."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import platform
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, TextIO

from .data import Collator, encode, load_pairs
from .hardware import run_arguments, use_bf16
from .presets import PRESETS, Preset

RUN_FILE = "rtlgym-train.json"
CHECKPOINTS = "checkpoints"
TOKENIZER = "tokenizer"


@dataclass
class SftOptions:
    data: Path
    out: Path
    preset: str = "smoke"
    seed: int = 0
    base: str | None = None
    lora: bool = False
    lora_r: int = 16
    lora_alpha: int = 32
    max_steps: int | None = None
    time_budget_s: float | None = None
    batch_size: int | None = None
    learning_rate: float | None = None
    save_steps: int | None = None
    threads: int | None = None
    fresh: bool = False
    # auto: bf16 autocast where the hardware runs it natively (hardware.use_bf16), else float32.
    precision: str = "auto"
    # None: the preset's choice. Only for a model trained from scratch (a base model brings its tokenizer).
    split_digits: bool | None = None
    # None: the preset's choice. 0..1 (see Preset.prompt_loss_weight).
    prompt_loss_weight: float | None = None
    # None: the preset's shape. "LAYERSxHIDDENxHEADSxFFN" for a model from scratch (bench/learning measures shapes).
    shape: str | None = None


def parse_shape(text: str) -> dict[str, int]:
    """`4x256x4x768` -> the Preset fields it overrides."""
    parts = text.strip().lower().split("x")
    if len(parts) != 4 or not all(p.isdigit() and int(p) >= 1 for p in parts):
        raise ValueError(f"shape must be LAYERSxHIDDENxHEADSxFFN in whole numbers above 0, e.g. 4x256x4x768; got {text!r}")
    layers, hidden, heads, ffn = (int(p) for p in parts)
    if hidden % heads:
        raise ValueError(f"shape: the hidden size ({hidden}) must split evenly over the heads ({heads})")
    return {"layers": layers, "hidden_size": hidden, "heads": heads, "intermediate_size": ffn}


class Emitter:
    """JSON lines on the real stdout; the process's fd 1 is pointed at stderr so library prints cannot corrupt
    the stream the TypeScript side parses."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    @classmethod
    def take_stdout(cls) -> Emitter:
        sys.stdout.flush()
        stream = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        return cls(stream)

    def __call__(self, event: str, **fields: Any) -> None:
        self.stream.write(json.dumps({"event": event, **fields}, default=str) + "\n")
        self.stream.flush()


def versions() -> dict[str, str]:
    import accelerate
    import tokenizers
    import torch
    import transformers

    out = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "accelerate": accelerate.__version__,
    }
    try:
        import peft

        out["peft"] = peft.__version__
    except ImportError:
        pass
    return out


def resolve_preset(o: SftOptions) -> Preset:
    if o.preset not in PRESETS:
        raise ValueError(f"unknown preset {o.preset!r}; presets: {', '.join(PRESETS)}")
    p = PRESETS[o.preset]
    if o.base is not None and o.split_digits is not None:
        raise ValueError("split_digits is for a tokenizer trained from scratch; a base model brings its own")
    if o.base is not None and o.shape is not None:
        raise ValueError("shape is for a model trained from scratch; a base model has its own")
    if o.prompt_loss_weight is not None and not 0 <= o.prompt_loss_weight <= 1:
        raise ValueError(f"prompt_loss_weight must be between 0 and 1, got {o.prompt_loss_weight}")
    if o.time_budget_s is not None and not o.time_budget_s > 0:
        # The learning-rate schedule is a share of the budget (cosine_lr_factor): 0 has no share to give.
        raise ValueError(f"time_budget_s must be above 0 seconds, got {o.time_budget_s}")
    if o.batch_size is not None and o.batch_size < 1:
        raise ValueError(f"batch_size must be 1 or more, got {o.batch_size}")
    if o.learning_rate is not None and not (o.learning_rate > 0 and math.isfinite(o.learning_rate)):
        raise ValueError(f"learning_rate must be above 0, got {o.learning_rate}")
    overrides = {
        "max_steps": o.max_steps,
        "time_budget_s": o.time_budget_s,
        "batch_size": o.batch_size,
        "learning_rate": o.learning_rate,
        "save_steps": o.save_steps,
        "split_digits": o.split_digits,
        "prompt_loss_weight": o.prompt_loss_weight,
        **(parse_shape(o.shape) if o.shape is not None else {}),
    }
    return dataclasses.replace(p, **{k: v for k, v in overrides.items() if v is not None})


def run_key(o: SftOptions, preset: Preset) -> dict[str, Any]:
    """What must match for a run to resume another's checkpoints."""
    settings = preset.to_dict()
    # Left out when off, so checkpoints written before the fields existed still resume.
    for field in ("split_digits", "prompt_loss_weight"):
        if not settings[field]:
            del settings[field]
    return {
        "data": str(o.data.resolve()),
        "preset": settings,
        "seed": o.seed,
        "base": o.base,
        "lora": o.lora,
        "lora_r": o.lora_r if o.lora else None,
    }


def last_checkpoint(folder: Path) -> Path | None:
    if not folder.is_dir():
        return None
    steps = []
    for p in folder.iterdir():
        if p.is_dir() and p.name.startswith("checkpoint-") and p.name[len("checkpoint-") :].isdigit():
            # A checkpoint is usable once the trainer state is written (it is written last).
            if (p / "trainer_state.json").is_file():
                steps.append((int(p.name[len("checkpoint-") :]), p))
    return max(steps)[1] if steps else None


def prepare_checkpoints(ckpt_dir: Path, key: dict[str, Any], fresh: bool) -> Path | None:
    """The checkpoint to resume from (None: start), after checking that the folder's checkpoints are of a run with
    the same `key`; `fresh` deletes them first. Leaves the folder created and the key written."""
    key_file = ckpt_dir / "rtlgym-run-key.json"
    if fresh and ckpt_dir.exists():
        shutil.rmtree(ckpt_dir)
    resume = None
    if ckpt_dir.exists():
        previous = json.loads(key_file.read_text()) if key_file.is_file() else None
        if previous != key:
            raise ValueError(
                f"{ckpt_dir} holds checkpoints of a run with other settings; pass --fresh to start over "
                f"or use another output directory"
            )
        resume = last_checkpoint(ckpt_dir)
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    key_file.write_text(json.dumps(key, indent=2))
    return resume


def build_scratch_model(tokenizer: Any, preset: Preset):
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=preset.hidden_size,
        intermediate_size=preset.intermediate_size,
        num_hidden_layers=preset.layers,
        num_attention_heads=preset.heads,
        num_key_value_heads=preset.heads,
        max_position_embeddings=preset.max_length,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(config)


def weighted_causal_lm_loss(logits: Any, labels: Any, weights: Any) -> Any:
    """Next-token cross-entropy with a weight per target token (data.Collator writes them), averaged over the
    weights: with every weight 1 it is the model's own loss."""
    import torch.nn.functional as F

    logits = logits[:, :-1, :].float()
    targets = labels[:, 1:]
    w = weights[:, 1:].to(logits.dtype)
    ce = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-100, reduction="none")
    return (ce * w.reshape(-1)).sum() / w.sum().clamp(min=1e-9)


def cosine_lr_factor(step: int, warmup: int, max_steps: int, time_spent: float) -> float:
    """transformers' cosine schedule with linear warm-up (get_cosine_schedule_with_warmup), except that progress is
    the larger of the steps done and the fraction of the time budget spent (`time_spent`, 0..1): a run the budget
    stops ends annealed, as one that reaches max_steps does. Where max_steps fits the budget, time never leads and
    the schedule is the step-based one exactly, so the run stays deterministic."""
    if step < warmup:
        return step / max(1, warmup)
    progress = max((step - warmup) / max(1, max_steps - warmup), time_spent)
    return max(0.0, 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress))))


def _sft_trainer(weighted: bool, time_spent: Callable[[], float]):
    """transformers' Trainer with the budget-aware cosine schedule (cosine_lr_factor) and, when `weighted`, a loss
    over batches that carry `loss_weight` (the prompt weighted apart from the answer)."""
    from torch.optim.lr_scheduler import LambdaLR
    from transformers import Trainer

    class SftTrainer(Trainer):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if weighted:
                # The loss is a mean per batch, so the Trainer must divide it over gradient accumulation itself.
                self.model_accepts_loss_kwargs = False

        def create_scheduler(self, num_training_steps, optimizer=None):
            if self.lr_scheduler is None:
                warmup = self.args.get_warmup_steps(num_training_steps)
                self.lr_scheduler = LambdaLR(
                    optimizer or self.optimizer,
                    lambda step: cosine_lr_factor(step, warmup, num_training_steps, time_spent()),
                )
                self._created_lr_scheduler = True
            return self.lr_scheduler

        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            if not weighted:
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            inputs = dict(inputs)
            weights = inputs.pop("loss_weight")
            labels = inputs.pop("labels")
            outputs = model(**inputs)
            loss = weighted_causal_lm_loss(outputs.logits, labels, weights)
            return (loss, outputs) if return_outputs else loss

    return SftTrainer


def train(o: SftOptions, emit: Emitter) -> dict[str, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback, TrainingArguments
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    transformers.logging.set_verbosity_error()
    if o.threads:
        torch.set_num_threads(o.threads)
    preset = resolve_preset(o)
    # Resolved once: what the start event, the Trainer and the summary all report.
    precision = "bf16" if use_bf16(o.precision) else "fp32"
    started = time.time()
    out = o.out
    ckpt_dir = out / CHECKPOINTS
    key = run_key(o, preset)
    resume = prepare_checkpoints(ckpt_dir, key, o.fresh)

    transformers.set_seed(o.seed)
    pairs, files = load_pairs(o.data)
    rng = random.Random(o.seed)
    rng.shuffle(pairs)
    if preset.max_rows and len(pairs) > preset.max_rows:
        pairs = pairs[: preset.max_rows]

    # Tokenizer: trained once per run and kept beside the checkpoints, so a resumed run uses the same one.
    tok_dir = ckpt_dir / TOKENIZER
    if o.base is not None:
        tokenizer = AutoTokenizer.from_pretrained(o.base)
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
    elif tok_dir.is_dir():
        tokenizer = AutoTokenizer.from_pretrained(tok_dir)
    else:
        from .tokenizer import train_tokenizer

        tokenizer = train_tokenizer(pairs, preset.vocab_size, split_digits=preset.split_digits)
        tokenizer.save_pretrained(tok_dir)

    examples = [e for e in (encode(tokenizer, p, preset.max_length) for p in pairs) if e is not None]
    dropped = len(pairs) - len(examples)
    if not examples:
        raise ValueError(f"no training example fits in {preset.max_length} tokens")
    train_tokens = sum(len(e.input_ids) for e in examples)
    completion_tokens = sum(sum(1 for t in e.labels if t != -100) for e in examples)

    from datasets import Dataset

    dataset = Dataset.from_dict(
        {"input_ids": [e.input_ids for e in examples], "labels": [e.labels for e in examples]}
    )

    if o.base is not None:
        model = AutoModelForCausalLM.from_pretrained(o.base, dtype="auto")
    else:
        model = build_scratch_model(tokenizer, preset)
    if o.lora:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(
            model,
            LoraConfig(
                r=o.lora_r,
                lora_alpha=o.lora_alpha,
                lora_dropout=0.05,
                target_modules="all-linear",
                task_type="CAUSAL_LM",
            ),
        )
    params = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    ver = versions()
    emit(
        "start",
        preset=preset.name,
        seed=o.seed,
        base=o.base,
        lora=o.lora,
        data_files=[str(f) for f in files],
        rows=len(pairs),
        examples=len(examples),
        dropped_too_long=dropped,
        train_tokens=train_tokens,
        completion_tokens=completion_tokens,
        vocab_size=len(tokenizer),
        parameters=params,
        trainable_parameters=trainable,
        max_steps=preset.max_steps,
        resumed_from=str(resume) if resume else None,
        versions=ver,
        threads=torch.get_num_threads(),
        precision=precision,
    )

    collator = Collator(tokenizer.pad_token_id, preset.prompt_loss_weight)
    state: dict[str, Any] = {"last_time": time.time(), "last_tokens": 0, "stopped_by": "max_steps", "losses": []}

    class JsonProgress(TrainerCallback):
        def on_train_begin(self, args, tstate, control, **kw):
            state["last_time"] = time.time()
            state["t0"] = time.time()
            state["step0"] = tstate.global_step

        def on_log(self, args, tstate, control, logs=None, **kw):
            if not logs or "loss" not in logs:
                return
            now = time.time()
            dt = max(now - state["last_time"], 1e-9)
            rate = (collator.tokens_seen - state["last_tokens"]) / dt
            state["last_time"], state["last_tokens"] = now, collator.tokens_seen
            state["losses"].append((tstate.global_step, float(logs["loss"])))
            emit(
                "log",
                step=tstate.global_step,
                max_steps=tstate.max_steps,
                loss=float(logs["loss"]),
                learning_rate=logs.get("learning_rate"),
                grad_norm=logs.get("grad_norm"),
                epoch=tstate.epoch,
                tokens_per_s=round(rate, 1),
                tokens_seen=collator.tokens_seen,
                elapsed_s=round(now - started, 2),
            )

        def on_step_end(self, args, tstate, control, **kw):
            if time.time() - state["t0"] > preset.time_budget_s:
                state["stopped_by"] = "time_budget"
                control.should_training_stop = True
                control.should_save = True

        def on_save(self, args, tstate, control, **kw):
            emit("checkpoint", step=tstate.global_step, path=str(ckpt_dir / f"checkpoint-{tstate.global_step}"))

    args = TrainingArguments(
        output_dir=str(ckpt_dir),
        per_device_train_batch_size=preset.batch_size,
        learning_rate=preset.learning_rate,
        lr_scheduler_type="cosine",  # _sft_trainer: cosine over steps or the time budget, whichever leads
        warmup_steps=preset.warmup_steps,
        weight_decay=0.01,
        max_steps=preset.max_steps,
        logging_steps=preset.logging_steps,
        save_steps=preset.save_steps,
        remove_unused_columns=False,
        train_sampling_strategy="group_by_length",
        **run_arguments(o.seed, precision),
    )
    def time_spent() -> float:
        # This run's share of the budget (a resumed run has a budget of its own, as for the stop below).
        return (time.time() - state["t0"]) / preset.time_budget_s if "t0" in state else 0.0

    trainer = _sft_trainer(bool(preset.prompt_loss_weight), time_spent)(
        model=model,
        args=args,
        train_dataset=dataset,
        data_collator=collator,
        callbacks=[JsonProgress()],
    )
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)

    # The final model: a standard Hugging Face directory (LoRA merged into the weights, the adapter kept apart).
    final = trainer.model
    if o.lora:
        final.save_pretrained(out / "adapter")
        final = final.merge_and_unload()
    final.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    gen = final.generation_config
    gen.eos_token_id = tokenizer.eos_token_id
    gen.pad_token_id = tokenizer.pad_token_id
    gen.do_sample = True
    gen.temperature = 1.0
    gen.top_p = 1.0
    gen.save_pretrained(out)

    losses = state["losses"]
    train_seconds = time.time() - state.get("t0", started)
    steps_run = trainer.state.global_step - state.get("step0", 0)
    summary = {
        "preset": preset.to_dict(),
        "seed": o.seed,
        "base": o.base,
        "lora": o.lora,
        "precision": precision,
        "data_files": [str(f) for f in files],
        "rows": len(pairs),
        "examples": len(examples),
        "dropped_too_long": dropped,
        "train_tokens": train_tokens,
        "vocab_size": len(tokenizer),
        "parameters": params,
        "trainable_parameters": trainable,
        "steps": trainer.state.global_step,
        "steps_this_run": steps_run,
        "stopped_by": state["stopped_by"],
        # Near 0 when the schedule ran out, by steps or by the time budget (cosine_lr_factor).
        "final_learning_rate": trainer.lr_scheduler.get_last_lr()[0] if trainer.lr_scheduler else None,
        "resumed_from": str(resume) if resume else None,
        "first_loss": losses[0][1] if losses else None,
        "final_loss": losses[-1][1] if losses else None,
        "train_loss": result.training_loss,
        "tokens_seen": collator.tokens_seen,
        "tokens_per_s": round(collator.tokens_seen / train_seconds, 1) if train_seconds > 0 else None,
        "train_seconds": round(train_seconds, 2),
        "wall_seconds": round(time.time() - started, 2),
        "versions": ver,
        "model_dir": str(out),
    }
    (out / RUN_FILE).write_text(json.dumps(summary, indent=2))
    emit("done", **summary)
    return summary
