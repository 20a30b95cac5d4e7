"""Process reward model for StepPRM-RTL: train a token-classification head that scores each step end, and serve it.

`python -m rtlgym_train prm train --data prm.jsonl [more.jsonl ...] --base DIR --out DIR` reads TRL's
stepwise-supervision rows (`{"prompt", "completions": [step texts], "labels": [bool]}`, plus rtlgym's `soft_labels`
and `prefix_scores` written by `rtlgym data step-labels`; several files are trained on together) and trains
`AutoModelForTokenClassification` (2 labels) from a causal LM directory: the input is the prompt's tokens followed by
each step's tokens (each step tokenized on its own, then the separator), and only the last token of each step carries
a target; every other position is ignored. This is what TRL's PRMTrainer did (TRL 1.x no longer ships it, see
docs/stepprm.md); the loss is written here so the target may be soft: cross-entropy against (1 - t, t) with t the
chosen label (`hard`: the any-pass label, `soft`: the fraction of rollouts that passed, `prefix`: the per-signal
prefix score, `mix`: the mean of soft and prefix).
Progress is JSON lines on stdout (`start`, `step`, `eval`, `done` or `error`) for rtlgym's `runTrainer`.

`python -m rtlgym_train prm serve DIR [--port 0]` answers `POST /score` `{"prompt", "steps": [...]}` with
`{"scores": [P(good) after each step], "score": last}` (what `rtlgym search --prm URL` calls) and prints
`{"event": "listening", "port", "model"}` once ready. `prm score DIR` scores JSON lines from stdin (tests, scripts).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

LABELS = ("hard", "soft", "prefix", "mix")
META = "rtlgym_prm.json"


class PrmDataError(ValueError):
    """A row that is not a PRM row."""


@dataclass
class PrmRow:
    prompt: str
    steps: list[str]
    # Target in [0, 1] per step (from the chosen label) and the hard label (for accuracy).
    targets: list[float]
    hard: list[bool]


def read_rows(path: Path, label: str) -> list[PrmRow]:
    if label not in LABELS:
        raise PrmDataError(f"--label must be one of {', '.join(LABELS)}, got {label}")
    if not path.exists():
        raise PrmDataError(f"{path} does not exist")
    rows: list[PrmRow] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
        except json.JSONDecodeError as e:
            raise PrmDataError(f"{path} line {n} is not JSON: {e}") from e
        steps, labels = r.get("completions"), r.get("labels")
        if not isinstance(r.get("prompt"), str) or not isinstance(steps, list) or not isinstance(labels, list):
            raise PrmDataError(f"{path} line {n}: a PRM row needs prompt, completions (a list) and labels (a list)")
        if len(steps) == 0 or len(steps) != len(labels) or not all(isinstance(s, str) for s in steps):
            raise PrmDataError(f"{path} line {n}: one label per step, at least one step")
        hard = [bool(x) for x in labels]
        soft = r.get("soft_labels")
        prefix = r.get("prefix_scores")

        def column(name: str, value: Any) -> list[float]:
            if not isinstance(value, list) or len(value) != len(steps):
                raise PrmDataError(f"{path} line {n}: --label {label} needs {name} (one number per step)")
            out = [float(v) for v in value]
            if any(not (0.0 <= v <= 1.0) for v in out):
                raise PrmDataError(f"{path} line {n}: {name} must lie in [0, 1]")
            return out

        if label == "hard":
            targets = [1.0 if h else 0.0 for h in hard]
        elif label == "soft":
            targets = column("soft_labels", soft)
        elif label == "prefix":
            targets = column("prefix_scores", prefix)
        else:
            targets = [(a + b) / 2 for a, b in zip(column("soft_labels", soft), column("prefix_scores", prefix))]
        rows.append(PrmRow(prompt=r["prompt"], steps=steps, targets=targets, hard=hard))
    if not rows:
        raise PrmDataError(f"{path} holds no row")
    return rows


def encode(tokenizer: Any, prompt: str, steps: list[str], separator: str, max_length: int) -> tuple[list[int], list[int]]:
    """Token ids of prompt + steps and the index of each step's last token. The prompt is cut from the left when
    the whole does not fit; steps that still do not fit are dropped from the end (fewer positions than steps)."""
    step_ids = [tokenizer(s + separator, add_special_tokens=False)["input_ids"] for s in steps]
    step_ids = [ids if ids else [tokenizer.pad_token_id or 0] for ids in step_ids]
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    room = max_length - len(bos)
    total_steps = sum(len(s) for s in step_ids)
    while step_ids and total_steps > room:
        total_steps -= len(step_ids.pop())
    keep = max(0, room - total_steps)
    prompt_ids = prompt_ids[len(prompt_ids) - keep :] if keep > 0 else []
    ids = bos + prompt_ids
    positions: list[int] = []
    for s in step_ids:
        ids = ids + s
        positions.append(len(ids) - 1)
    return ids, positions


def soft_ce(logits: Any, targets: Any) -> Any:
    """Cross-entropy of 2-class logits against the distribution (1 - t, t)."""
    import torch

    logp = torch.log_softmax(logits.float(), dim=-1)
    return -(targets * logp[:, 1] + (1 - targets) * logp[:, 0]).mean()


def load_classifier(path: str, num_labels: int = 2) -> tuple[Any, Any]:
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForTokenClassification.from_pretrained(path, num_labels=num_labels)
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


@dataclass
class PrmOptions:
    # One prm.jsonl, or several trained on together (e.g. labels of the references and of the model's own answers).
    data: Path | list[Path]
    base: str
    out: Path
    label: str = "hard"
    epochs: float = 1.0
    learning_rate: float = 1e-4
    max_length: int = 1024
    separator: str = ""
    eval_fraction: float = 0.1
    seed: int = 0
    threads: int | None = None
    time_budget_s: float | None = None
    max_steps: int | None = None
    log_every: int = 10


def _metrics(model: Any, batches: list[tuple[list[int], list[int], list[float], list[bool]]]) -> dict[str, Any]:
    import torch

    if not batches:
        return {"rows": 0}
    model.eval()
    loss_sum, n, correct, mae = 0.0, 0, 0, 0.0
    pos_scores: list[float] = []
    neg_scores: list[float] = []
    with torch.no_grad():
        for ids, positions, targets, hard in batches:
            logits = model(input_ids=torch.tensor([ids])).logits[0, positions]
            t = torch.tensor(targets[: len(positions)])
            loss_sum += float(soft_ce(logits, t)) * len(positions)
            p = torch.softmax(logits.float(), dim=-1)[:, 1].tolist()
            for k, pk in enumerate(p):
                n += 1
                correct += int((pk >= 0.5) == hard[k])
                mae += abs(pk - targets[k])
                (pos_scores if hard[k] else neg_scores).append(pk)
    model.train()
    # AUC of the score against the hard label (probability a good step outscores a bad one; ties count half).
    auc = None
    if pos_scores and neg_scores:
        wins = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in pos_scores for b in neg_scores)
        auc = wins / (len(pos_scores) * len(neg_scores))
    return {
        "rows": len(batches),
        "steps": n,
        "loss": loss_sum / max(n, 1),
        "accuracy": correct / max(n, 1),
        "mae": mae / max(n, 1),
        "auc": auc,
        "positives": len(pos_scores),
    }


def train(o: PrmOptions, emit: Any) -> dict[str, Any]:
    import torch

    from .sft import versions

    started = time.monotonic()
    if o.threads:
        torch.set_num_threads(o.threads)
    random.seed(o.seed)
    torch.manual_seed(o.seed)
    rows = [r for path in (o.data if isinstance(o.data, list) else [o.data]) for r in read_rows(path, o.label)]
    model, tokenizer = load_classifier(o.base)
    encoded = []
    dropped = 0
    for r in rows:
        ids, positions = encode(tokenizer, r.prompt, r.steps, o.separator, o.max_length)
        dropped += len(r.steps) - len(positions)
        if positions:
            encoded.append((ids, positions, r.targets, r.hard))
    if not encoded:
        raise PrmDataError(f"no row fits in --max-length {o.max_length}")
    order = list(range(len(encoded)))
    random.Random(o.seed).shuffle(order)
    n_eval = int(len(order) * o.eval_fraction) if len(order) >= 10 else 0
    eval_set = [encoded[i] for i in order[:n_eval]]
    train_set = [encoded[i] for i in order[n_eval:]]
    total = max(1, math.ceil(len(train_set) * o.epochs))
    if o.max_steps is not None:
        total = min(total, o.max_steps)
    emit("start", rows=len(rows), train=len(train_set), eval=len(eval_set), steps=total, label=o.label,
         dropped_steps=dropped, base=o.base, versions=versions())
    before = _metrics(model, eval_set) if eval_set else None
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=o.learning_rate)
    model.train()
    step, running = 0, 0.0
    stopped = "steps"
    while step < total:
        ids, positions, targets, _ = train_set[step % len(train_set)]
        logits = model(input_ids=torch.tensor([ids])).logits[0, positions]
        loss = soft_ce(logits, torch.tensor(targets[: len(positions)]))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad()
        step += 1
        running += float(loss.detach())
        if step % o.log_every == 0 or step == total:
            emit("step", step=step, steps=total, loss=running / (step % o.log_every or o.log_every),
                 elapsed_s=round(time.monotonic() - started, 1))
            running = 0.0
        if o.time_budget_s is not None and time.monotonic() - started > o.time_budget_s:
            stopped = "time"
            break
    after = _metrics(model, eval_set) if eval_set else None
    train_metrics = _metrics(model, train_set[: min(len(train_set), 200)])
    if after is not None:
        emit("eval", before=before, after=after)
    o.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(o.out)
    tokenizer.save_pretrained(o.out)
    meta = {
        "kind": "rtlgym-prm",
        "base": o.base,
        "label": o.label,
        "separator": o.separator,
        "max_length": o.max_length,
        "steps": step,
        "stopped": stopped,
        "eval_before": before,
        "eval_after": after,
        "train": train_metrics,
        "seconds": round(time.monotonic() - started, 1),
    }
    (o.out / META).write_text(json.dumps(meta, indent=2) + "\n")
    summary = {"out": str(o.out), "rows": len(rows), **meta}
    emit("done", **summary)
    return summary


class PrmScorer:
    """A trained PRM directory: P(good) after each step of a prompt's steps."""

    def __init__(self, path: str, threads: int | None = None):
        import torch

        if threads:
            torch.set_num_threads(threads)
        meta_file = Path(path) / META
        self.meta = json.loads(meta_file.read_text()) if meta_file.exists() else {}
        self.model, self.tokenizer = load_classifier(path)
        self.model.eval()
        self.lock = threading.Lock()

    def score(self, prompt: str, steps: list[str]) -> list[float]:
        import torch

        if not steps:
            return []
        separator = self.meta.get("separator", "")
        max_length = int(self.meta.get("max_length", 1024))
        ids, positions = encode(self.tokenizer, prompt, steps, separator, 1 << 30)
        if len(ids) > max_length:
            # Too long for the model: keep the last max_length tokens (the last step's score is what search reads;
            # a step cut off entirely is read at the first kept token).
            cut = len(ids) - max_length
            ids = ids[cut:]
            positions = [max(p - cut, 0) for p in positions]
        with self.lock, torch.no_grad():
            logits = self.model(input_ids=torch.tensor([ids])).logits[0, positions]
        return [float(p) for p in torch.softmax(logits.float(), dim=-1)[:, 1]]


def _request(body: Any) -> tuple[str, list[str]]:
    if not isinstance(body, dict) or not isinstance(body.get("steps"), list):
        raise PrmDataError("the request needs steps (a list of strings)")
    steps = body["steps"]
    if not all(isinstance(s, str) for s in steps):
        raise PrmDataError("steps must be strings")
    prompt = body.get("prompt", "")
    if not isinstance(prompt, str):
        raise PrmDataError("prompt must be a string")
    return prompt, steps


def serve(path: str, host: str, port: int, threads: int | None, emit: Any) -> None:
    scorer = PrmScorer(path, threads)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:  # the orchestrator's log, not the console
            pass

        def _send(self, status: int, obj: Any) -> None:
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/health":
                self._send(200, {"ok": True, "model": path})
            else:
                self._send(404, {"error": "not found"})

        def do_POST(self) -> None:  # noqa: N802
            if self.path not in ("/score", "/"):
                self._send(404, {"error": "POST /score"})
                return
            try:
                length = int(self.headers.get("content-length") or 0)
                if length > 8 << 20:
                    raise PrmDataError("request too large")
                prompt, steps = _request(json.loads(self.rfile.read(length) or b"null"))
            except (ValueError, PrmDataError) as e:
                self._send(400, {"error": str(e)})
                return
            try:
                scores = scorer.score(prompt, steps)
            except Exception as e:  # noqa: BLE001 - a 500 the client retries, never a silent score
                traceback.print_exc()
                self._send(500, {"error": f"{type(e).__name__}: {e}"})
                return
            self._send(200, {"scores": scores, **({"score": scores[-1]} if scores else {})})

    server = ThreadingHTTPServer((host, port), Handler)
    emit("listening", port=server.server_address[1], model=path)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    from .sft import Emitter

    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(prog="python -m rtlgym_train prm")
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--data", required=True, type=Path, nargs="+")
    t.add_argument("--base", required=True)
    t.add_argument("--out", required=True, type=Path)
    t.add_argument("--label", default="hard", choices=LABELS)
    t.add_argument("--epochs", type=float, default=1.0)
    t.add_argument("--learning-rate", type=float, default=1e-4)
    t.add_argument("--max-length", type=int, default=1024)
    t.add_argument("--separator", default="")
    t.add_argument("--eval-fraction", type=float, default=0.1)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--threads", type=int)
    t.add_argument("--time-budget-s", type=float)
    t.add_argument("--max-steps", type=int)
    s = sub.add_parser("serve")
    s.add_argument("model")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=9000)
    s.add_argument("--threads", type=int)
    c = sub.add_parser("score")
    c.add_argument("model")
    c.add_argument("--threads", type=int)
    a = ap.parse_args(argv)
    emit = Emitter.take_stdout()
    try:
        if a.cmd == "train":
            train(PrmOptions(data=a.data, base=a.base, out=a.out, label=a.label, epochs=a.epochs,
                             learning_rate=a.learning_rate, max_length=a.max_length, separator=a.separator,
                             eval_fraction=a.eval_fraction, seed=a.seed, threads=a.threads,
                             time_budget_s=a.time_budget_s, max_steps=a.max_steps), emit)
        elif a.cmd == "serve":
            serve(a.model, a.host, a.port, a.threads, emit)
        else:
            scorer = PrmScorer(a.model, a.threads)
            for line in sys.stdin:
                if line.strip():
                    prompt, steps = _request(json.loads(line))
                    emit("scores", scores=scorer.score(prompt, steps))
    except (PrmDataError, ValueError, OSError) as e:
        traceback.print_exc()
        emit("error", kind="bad_input", message=str(e))
        return 2
    except Exception as e:  # noqa: BLE001 - reported, then the exit code says crash
        traceback.print_exc()
        emit("error", kind="crash", message=f"{type(e).__name__}: {e}")
        return 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.exit(main())
