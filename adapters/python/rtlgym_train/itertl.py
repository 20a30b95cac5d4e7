"""ITERTL's ranking round: cross-entropy on the reference plus a ranking loss on length-normalised log-probabilities
of scored samples (arXiv 2407.12022; RRHF and RTLCoder variants selectable). TRL has no ranking trainer, so this is
a small loop on transformers; rtlgym (TypeScript) samples, verifies and scores, then calls this once per round.

Input rows (JSONL), one per prompt:
    {"id", "prompt": [{role, content}] | "raw prompt", "reference": "answer text",
     "responses": ["answer text", ...], "scores": [float, ...], "passed": [bool, ...] (optional)}
With `target="reference"` (the paper) the reference is trained with cross-entropy and joins the ranking as a
candidate with `reference_score` (higher than any sample can get, as in the paper, where the reference is one of the
K candidates and scores best). With `target="verified"` the reference stays out: the cross-entropy goes to the
best-scored sample that passed verification (none passed: the ranking term alone), so the round trains only on the
model's own outputs. With `target="verified-all"` the cross-entropy is the mean over every distinct sample that passed,
which is what rejection sampling trains on, with the ranking term beside it; `target="verified-each"` counts a
repeated passing answer each time it was drawn, as rejection sampling weighs it."""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .data import DataError, Pair, render
from .sft import Emitter, versions

LOSSES = ("itertl", "rrhf", "rtlcoder")
# How the pairwise hinge terms of a group combine: `sum` is the papers' (RRHF, ITERTL); `mean` divides by the ordered
# pairs, so a group of K candidates weighs as much against the CE term as a group of 2.
REDUCTIONS = ("sum", "mean")
# What the cross-entropy term trains on: the reference answer (the paper), the best verified sample, every distinct
# verified sample, or every verified sample with a repeated answer counted each time (rejection sampling's weighting).
TARGETS = ("reference", "verified", "verified-all", "verified-each")
# The learning rate within a round: `cosine`, warm-up then cosine decay to 0 at the round's last step (each round a
# fresh AdamW); `constant`, warm-up then the full rate to the end (rejection sampling's online schedule).
SCHEDULES = ("cosine", "constant")


@dataclass
class RankOptions:
    data: Path
    base: str
    out: Path
    loss: str = "itertl"
    epochs: float = 1.0
    learning_rate: float = 5e-4
    rank_weight: float = 1.0
    rank_reduction: str = "sum"
    warmup_steps: int = 0
    target: str = "reference"
    schedule: str = "cosine"
    # Prompts' groups whose losses are averaged into one optimiser step (gradient accumulation); 1: one group a step.
    groups_per_step: int = 1
    reference_score: float | None = None
    max_length: int = 1024
    seed: int = 0
    threads: int | None = None
    time_budget_s: float | None = None
    logging_steps: int = 10


@dataclass(frozen=True)
class Group:
    """One prompt: its candidates as token ids with the answer's span, their scores, and which candidate the
    cross-entropy term averages over (empty: none, the ranking term alone)."""

    id: str
    ids: list[list[int]]
    starts: list[int]
    scores: list[float]
    ce: tuple[int, ...] = (0,)


def read_rows(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise DataError(f"--data {path}: no such file")
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{n}: not JSON ({e.msg})") from e
            responses, scores = row.get("responses"), row.get("scores")
            if not isinstance(row.get("reference"), str) or not isinstance(responses, list):
                raise DataError(f"{path}:{n}: a row needs `reference` (string) and `responses` (list)")
            if not isinstance(scores, list) or len(scores) != len(responses):
                raise DataError(f"{path}:{n}: `scores` must hold one number per response")
            if not all(isinstance(s, (int, float)) and math.isfinite(s) for s in scores):
                raise DataError(f"{path}:{n}: scores must be finite numbers")
            if not _is_prompt(row.get("prompt")):
                raise DataError(f"{path}:{n}: `prompt` must be chat messages ([{{role, content}}]) or a completion "
                                "prompt (string)")
            passed = row.get("passed")
            if passed is not None and (not isinstance(passed, list) or len(passed) != len(responses)
                                       or not all(isinstance(x, bool) for x in passed)):
                raise DataError(f"{path}:{n}: `passed` must hold one boolean per response")
            rows.append(row)
    if not rows:
        raise DataError(f"--data {path}: no rows")
    return rows


def _is_prompt(prompt: Any) -> bool:
    """Chat messages (rendered with the tokenizer's chat template, as the server does) or a raw completion prompt;
    nothing else, so a prompt of another shape is refused instead of trained on as its Python repr."""
    if isinstance(prompt, str):
        return True
    return isinstance(prompt, list) and bool(prompt) and all(
        isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str) for m in prompt
    )


def encode_group(
    tokenizer: Any, row: dict[str, Any], reference_score: float, max_length: int, target: str = "reference"
) -> Group | None:
    """Candidates tokenized as the served model sees them (chat template, answer + end of turn); candidates that do
    not fit are dropped. `reference` target: the reference is candidate 0 and the CE target, and a group without it or
    without a second candidate is dropped. `verified` target: the samples alone; the CE target is the best-scored one
    that passed, and a group needs two candidates or a CE target. `verified-all`: as `verified`, with every distinct
    passing sample as a CE target (a repeated answer counts once); `verified-each`: every passing sample, repeats
    included, so an answer drawn three times weighs three times."""
    if target not in TARGETS:
        raise ValueError(f"unknown target {target!r}; known: {', '.join(TARGETS)}")
    prompt = row["prompt"]
    responses = [str(r) for r in row["responses"]]
    sample_scores = [float(s) for s in row["scores"]]
    if target == "reference":
        texts, scores, passed = [row["reference"], *responses], [reference_score, *sample_scores], None
    else:
        texts, scores, passed = responses, sample_scores, list(row.get("passed") or [False] * len(responses))
    ids, starts, kept, kept_passed, kept_text = [], [], [], [], []
    if not _is_prompt(prompt):
        raise DataError(f"row {row.get('id', '')!r}: `prompt` must be chat messages or a string")
    for i, (text, score) in enumerate(zip(texts, scores)):
        pair = Pair(prompt, None, text) if isinstance(prompt, list) else Pair(None, prompt, text)
        p_text, c_text = render(tokenizer, pair)
        p = tokenizer(p_text, add_special_tokens=False)["input_ids"]
        c = tokenizer(c_text, add_special_tokens=False)["input_ids"]
        if not c or len(p) + len(c) > max_length:
            if target == "reference" and i == 0:
                return None  # the reference itself does not fit
            continue
        ids.append([*p, *c])
        starts.append(len(p))
        kept.append(score)
        kept_passed.append(passed is not None and passed[i])
        kept_text.append(text)
    gid = str(row.get("id", ""))
    if target == "reference":
        return Group(gid, ids, starts, kept, (0,)) if len(ids) >= 2 else None
    verified = [i for i, ok in enumerate(kept_passed) if ok]
    if target == "verified-all":
        first: dict[str, int] = {}
        for i in verified:
            first.setdefault(kept_text[i], i)  # a repeated answer counts once
        ce = tuple(first.values())
    elif target == "verified-each":
        ce = tuple(verified)
    else:
        ce = (max(verified, key=lambda i: kept[i]),) if verified else ()
    if len(ids) < 2 and not ce:
        return None
    return Group(gid, ids, starts, kept, ce)


def sequence_logprobs(model: Any, group: Group, pad_id: int):
    """Per candidate: (sum of answer-token log-probs, answer length). One padded forward pass per group."""
    import torch

    width = max(len(x) for x in group.ids)
    ids = torch.full((len(group.ids), width), pad_id, dtype=torch.long)
    mask = torch.zeros_like(ids)
    answer = torch.zeros((len(group.ids), width), dtype=torch.bool)
    for i, (x, s) in enumerate(zip(group.ids, group.starts)):
        ids[i, : len(x)] = torch.tensor(x)
        mask[i, : len(x)] = 1
        answer[i, s : len(x)] = True
    logits = model(input_ids=ids, attention_mask=mask).logits[:, :-1].float()
    logp = torch.log_softmax(logits, dim=-1).gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    target = answer[:, 1:]
    sums = (logp * target).sum(-1)
    lengths = target.sum(-1).clamp(min=1)
    return sums, lengths


def ranking_loss(
    kind: str,
    sums,
    lengths,
    scores: list[float],
    rank_weight: float = 1.0,
    reduction: str = "sum",
    ce_index: int | tuple[int, ...] | None = 0,
):
    """The round's loss for one group; candidate `ce_index` is the CE target (the reference, or the best verified
    sample), or several whose CE terms are averaged (every verified sample); None or (): no CE term.

    - itertl: CE on the target + sum over pairs (r_i < r_j) of max(0, p_i - p_j), p = length-normalised
      log-probability (RRHF's ranking term without a softmax).
    - rrhf: the same ranking term, with the CE on the best-scored candidate instead of the reference.
    - rtlcoder: softmax-normalised p; pairs whose score gap is over 0.2 and whose probability gap is under 0.3 get a
      hinge, and the hinge scales the CE term (RTLCoder's "multiplied into the SFT term").
    `reduction` (itertl, rrhf): `sum` over the ordered pairs (the papers), or their `mean`.
    Returns (loss, ce, rank) as tensors."""
    import torch

    if reduction not in REDUCTIONS:
        raise ValueError(f"unknown rank reduction {reduction!r}; known: {', '.join(REDUCTIONS)}")
    p = sums / lengths
    r = torch.tensor(scores, dtype=p.dtype)
    targets = (ce_index,) if isinstance(ce_index, int) else tuple(ce_index or ())
    ce_term = -p[list(targets)].mean() if targets else p.new_zeros(())
    better = r.unsqueeze(0) > r.unsqueeze(1)  # better[i, j]: candidate j scores above candidate i

    def hinge():
        total = (torch.relu(p.unsqueeze(1) - p.unsqueeze(0)) * better).sum()
        return total / better.sum().clamp(min=1) if reduction == "mean" else total

    if kind == "itertl":
        ce = ce_term
        rank = hinge()
        return ce + rank_weight * rank, ce, rank
    if kind == "rrhf":
        best = int(torch.argmax(r))
        ce = -p[best]
        rank = hinge()
        return ce + rank_weight * rank, ce, rank
    if kind == "rtlcoder":
        q = torch.softmax(p, dim=0)
        gap = r.unsqueeze(0) - r.unsqueeze(1) > 0.2
        close = (q.unsqueeze(0) - q.unsqueeze(1)) < 0.3
        pairs = better & gap & close
        rank = (torch.relu(0.3 - (q.unsqueeze(0) - q.unsqueeze(1))) * pairs).sum()
        ce = ce_term
        return ce * (1 + rank_weight * rank), ce, rank
    raise ValueError(f"unknown ranking loss {kind!r}; known: {', '.join(LOSSES)}")


def lr_factor(step: int, steps: int, warmup: int, schedule: str = "cosine") -> float:
    """Linear warm-up over `warmup` steps, then cosine decay to 0 at `steps` (`constant`: the full rate after the
    warm-up). A fresh AdamW at the full rate moves a fitted model far in its first steps (measured on the testbed: the
    reference CE went from 0.12 to 0.4 a token)."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; known: {', '.join(SCHEDULES)}")
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    if schedule == "constant":
        return 1.0
    span = max(1, steps - warmup)
    return 0.5 * (1 + math.cos(math.pi * min(step - warmup, span) / span))


def train_round(o: RankOptions, emit: Emitter) -> dict[str, Any]:
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if o.loss not in LOSSES:
        raise ValueError(f"--loss must be one of {', '.join(LOSSES)}, got {o.loss!r}")
    if o.rank_reduction not in REDUCTIONS:
        raise ValueError(f"--rank-reduction must be one of {', '.join(REDUCTIONS)}, got {o.rank_reduction!r}")
    if o.target not in TARGETS:
        raise ValueError(f"--target must be one of {', '.join(TARGETS)}, got {o.target!r}")
    if o.schedule not in SCHEDULES:
        raise ValueError(f"--schedule must be one of {', '.join(SCHEDULES)}, got {o.schedule!r}")
    transformers.logging.set_verbosity_error()
    if o.threads:
        torch.set_num_threads(o.threads)
    transformers.set_seed(o.seed)
    started = time.time()
    rows = read_rows(o.data)
    tokenizer = AutoTokenizer.from_pretrained(o.base)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    top = max((max(r["scores"], default=0.0) for r in rows), default=0.0)
    reference_score = o.reference_score if o.reference_score is not None else float(top) + 1.0
    encoded = (encode_group(tokenizer, r, reference_score, o.max_length, o.target) for r in rows)
    groups = [g for g in encoded if g is not None]
    if not groups:
        need = "two candidates" if o.target == "reference" else "two candidates or a verified one"
        raise DataError(f"--data {o.data}: no group fits in {o.max_length} tokens with {need}")
    model = AutoModelForCausalLM.from_pretrained(o.base, dtype="auto")
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=o.learning_rate, weight_decay=0.0)
    if o.groups_per_step < 1:
        raise ValueError(f"--groups-per-step must be at least 1, got {o.groups_per_step}")
    steps = max(1, round(len(groups) * o.epochs / o.groups_per_step))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_factor(s, steps, o.warmup_steps, o.schedule))
    emit(
        "start",
        recipe="itertl",
        loss=o.loss,
        rank_reduction=o.rank_reduction,
        target=o.target,
        schedule=o.schedule,
        groups_per_step=o.groups_per_step,
        rows=len(rows),
        ce_groups=sum(bool(g.ce) for g in groups),
        ce_targets=sum(len(g.ce) for g in groups),
        groups=len(groups),
        dropped=len(rows) - len(groups),
        candidates=sum(len(g.ids) for g in groups),
        steps=steps,
        reference_score=reference_score,
        versions=versions(),
        threads=torch.get_num_threads(),
    )
    rng = random.Random(o.seed)
    order: list[Group] = []
    logged = {"loss": 0.0, "ce": 0.0, "rank": 0.0, "n": 0}
    history = []
    stopped_by = "steps"
    for step in range(1, steps + 1):
        optimizer.zero_grad()
        loss = ce = rank = 0.0
        for _ in range(o.groups_per_step):
            if not order:
                order = groups[:]
                rng.shuffle(order)
            group = order.pop()
            sums, lengths = sequence_logprobs(model, group, tokenizer.pad_token_id)
            g_loss, g_ce, g_rank = ranking_loss(
                o.loss, sums, lengths, group.scores, o.rank_weight, o.rank_reduction, group.ce
            )
            # Each group's backward frees its graph: memory stays one group's however many are accumulated.
            (g_loss / o.groups_per_step).backward()
            loss += float(g_loss) / o.groups_per_step
            ce += float(g_ce) / o.groups_per_step
            rank += float(g_rank) / o.groups_per_step
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        logged["loss"] += float(loss)
        logged["ce"] += float(ce)
        logged["rank"] += float(rank)
        logged["n"] += 1
        if step % o.logging_steps == 0 or step == steps:
            n = logged["n"]
            entry = {k: round(logged[k] / n, 5) for k in ("loss", "ce", "rank")}
            history.append({"step": step, **entry})
            emit("log", step=step, max_steps=steps, **entry, elapsed_s=round(time.time() - started, 2))
            logged = {"loss": 0.0, "ce": 0.0, "rank": 0.0, "n": 0}
        if o.time_budget_s is not None and time.time() - started > o.time_budget_s:
            stopped_by = "time_budget"
            break
    o.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(o.out, safe_serialization=True)
    tokenizer.save_pretrained(o.out)
    model.generation_config.save_pretrained(o.out)
    summary = {
        "recipe": "itertl",
        "loss": o.loss,
        "rank_reduction": o.rank_reduction,
        "target": o.target,
        "schedule": o.schedule,
        "base": o.base,
        "groups": len(groups),
        "steps": step,
        "stopped_by": stopped_by,
        "history": history,
        "seconds": round(time.time() - started, 2),
        "model_dir": str(o.out),
        "versions": versions(),
    }
    (o.out / "rtlgym-itertl.json").write_text(json.dumps(summary, indent=2))
    emit("done", **summary)
    return summary
