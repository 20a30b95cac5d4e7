"""SFT rows -> (prompt, completion) pairs -> token ids with the loss on the completion only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

IGNORE_INDEX = -100


class DataError(ValueError):
    """The --data argument names no usable SFT rows."""


@dataclass(frozen=True)
class Pair:
    """One training example: a conversation (or a raw prompt) and the answer the model must learn."""

    prompt_messages: list[dict[str, str]] | None
    prompt_text: str | None
    completion: str


def _message_list(value: Any, where: str) -> list[dict[str, str]]:
    if not isinstance(value, list) or not all(
        isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str) for m in value
    ):
        raise DataError(f"{where}: expected a list of {{role, content}} messages")
    return [{"role": m["role"], "content": m["content"]} for m in value]


def row_to_pair(row: Any, where: str) -> Pair:
    """TRL's SFT row shapes: `{messages}` (the last assistant turn is the completion), `{prompt, completion}` as
    strings, or conversational `{prompt: [messages], completion: [assistant message]}`."""
    if not isinstance(row, dict):
        raise DataError(f"{where}: a row must be a JSON object")
    if "messages" in row:
        messages = _message_list(row["messages"], where)
        if not messages or messages[-1]["role"] != "assistant":
            raise DataError(f"{where}: the last message must be the assistant's answer")
        return Pair(messages[:-1], None, messages[-1]["content"])
    if "prompt" in row and "completion" in row:
        prompt, completion = row["prompt"], row["completion"]
        if isinstance(prompt, str) and isinstance(completion, str):
            return Pair(None, prompt, completion)
        messages = _message_list(prompt, where)
        answer = _message_list(completion, where)
        if len(answer) != 1 or answer[0]["role"] != "assistant":
            raise DataError(f"{where}: a conversational completion must be one assistant message")
        return Pair(messages, None, answer[0]["content"])
    raise DataError(f"{where}: a row needs `messages` or `prompt` and `completion`")


def read_jsonl(path: Path) -> list[Pair]:
    pairs: list[Pair] = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise DataError(f"{path}:{n}: not JSON ({e.msg})") from e
            pairs.append(row_to_pair(row, f"{path}:{n}"))
    return pairs


def _row_kind(path: Path) -> str | None:
    """`messages`, `prompt-completion`, or None (not an SFT file) from the file's first row."""
    try:
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    row = json.loads(line)
                    break
            else:
                return None
    except (OSError, json.JSONDecodeError):
        return None
    if not isinstance(row, dict):
        return None
    if "messages" in row:
        return "messages"
    if "prompt" in row and "completion" in row:
        return "prompt-completion"
    return None


def resolve_train_files(data: Path) -> list[Path]:
    """The SFT files of a training set: the file itself, or the JSONL files under DIR (two levels at most) whose path
    names the train split. When both shapes are present, the `{messages}` files win (they match the chat API the
    model is served and scored through)."""
    if data.is_file():
        return [data]
    if not data.is_dir():
        raise DataError(f"--data {data}: no such file or directory")
    candidates = sorted({*data.glob("*.jsonl"), *data.glob("*/*.jsonl"), *data.glob("*/*/*.jsonl")})
    found: dict[str, list[Path]] = {"messages": [], "prompt-completion": []}
    for path in candidates:
        rel = path.relative_to(data).as_posix().lower()
        if "heldout" in rel or ("train" not in rel and len(candidates) > 1):
            continue
        kind = _row_kind(path)
        if kind is not None:
            found[kind].append(path)
    files = found["messages"] or found["prompt-completion"]
    if not files:
        listed = ", ".join(p.relative_to(data).as_posix() for p in candidates[:20]) or "no .jsonl files"
        raise DataError(
            f"--data {data}: no training SFT rows ({{messages}} or {{prompt, completion}} JSONL whose path names "
            f"the train split); found: {listed}"
        )
    return files


def load_pairs(data: Path) -> tuple[list[Pair], list[Path]]:
    files = resolve_train_files(data)
    pairs = [p for f in files for p in read_jsonl(f)]
    if not pairs:
        raise DataError(f"--data {data}: the training files hold no rows")
    return pairs, files


def render(tokenizer: Any, pair: Pair) -> tuple[str, str]:
    """(prompt text, completion text) exactly as the served model sees and writes them: the chat template with the
    generation prompt, then the answer up to and including the end-of-turn token."""
    if pair.prompt_messages is not None and getattr(tokenizer, "chat_template", None):
        prompt = tokenizer.apply_chat_template(pair.prompt_messages, tokenize=False, add_generation_prompt=True)
        full = tokenizer.apply_chat_template(
            [*pair.prompt_messages, {"role": "assistant", "content": pair.completion}], tokenize=False
        )
        if full.startswith(prompt):
            return prompt, full[len(prompt) :]
        # Templates that rewrite earlier turns (e.g. strip reasoning) cannot be split: answer + end of sequence.
        return prompt, pair.completion + (tokenizer.eos_token or "")
    if pair.prompt_messages is not None:
        # No chat template (a base model): the conversation as plain text.
        prompt = "".join(f"{m['role']}: {m['content']}\n" for m in pair.prompt_messages) + "assistant: "
        return prompt, pair.completion + (tokenizer.eos_token or "")
    return pair.prompt_text or "", pair.completion + (tokenizer.eos_token or "")


@dataclass(frozen=True)
class Example:
    input_ids: list[int]
    labels: list[int]


def encode(tokenizer: Any, pair: Pair, max_length: int) -> Example | None:
    """Token ids and labels (IGNORE_INDEX on the prompt); None when the example does not fit in max_length. The
    prompt and the completion are tokenized apart, as at generation time, so no merge crosses the boundary."""
    prompt, completion = render(tokenizer, pair)
    p = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    c = tokenizer(completion, add_special_tokens=False)["input_ids"]
    bos = getattr(tokenizer, "bos_token_id", None)
    if bos is not None and getattr(tokenizer, "add_bos_token", False) and (not p or p[0] != bos):
        p = [bos, *p]
    if not c or len(p) + len(c) > max_length:
        return None
    return Example(input_ids=[*p, *c], labels=[IGNORE_INDEX] * len(p) + list(c))


class Collator:
    """Pads a batch to its longest example (labels padded with IGNORE_INDEX) and counts the tokens it saw, for
    tokens/s. With a `prompt_loss_weight` above 0 the prompt's tokens are labels too, and the batch carries
    `loss_weight` (the weight on the prompt, 1 on the answer, 0 on padding) for sft._sft_trainer."""

    def __init__(self, pad_token_id: int, prompt_loss_weight: float = 0.0):
        self.pad_token_id = pad_token_id
        self.prompt_loss_weight = prompt_loss_weight
        self.tokens_seen = 0

    def __call__(self, batch: list[dict[str, list[int]]]) -> dict[str, Any]:
        import torch

        width = max(len(b["input_ids"]) for b in batch)
        ids = torch.full((len(batch), width), self.pad_token_id, dtype=torch.long)
        labels = torch.full((len(batch), width), IGNORE_INDEX, dtype=torch.long)
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for i, b in enumerate(batch):
            n = len(b["input_ids"])
            ids[i, :n] = torch.tensor(b["input_ids"])
            labels[i, :n] = torch.tensor(b["labels"])
            mask[i, :n] = 1
            self.tokens_seen += n
        out = {"input_ids": ids, "labels": labels, "attention_mask": mask}
        if self.prompt_loss_weight:
            prompt = (labels == IGNORE_INDEX) & (mask == 1)
            out["loss_weight"] = torch.where(prompt, self.prompt_loss_weight, mask.float())
            out["labels"] = torch.where(mask == 1, ids, IGNORE_INDEX)
        return out
