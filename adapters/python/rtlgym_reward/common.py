"""Shared pieces of the adapters: ground-truth parsing, the infra-error policy, result -> score."""

from __future__ import annotations

import json
import math
import os
import re
import threading
from collections.abc import Mapping
from typing import Any

from .client import RewardClient, RewardServiceError

__all__ = [
    "InfraPolicy",
    "RewardInfraError",
    "parse_ground_truth",
    "make_item",
    "completion_text",
    "get_client",
]

_PROBLEM_ID = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)+$")


class RewardInfraError(RewardServiceError):
    """The service could not judge some items (status infra_error, a null reward, or the service unreachable) and
    the policy is ``raise``. ``results`` holds the per-item results when the service answered."""

    def __init__(self, message: str, results: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.results = results


def parse_ground_truth(gt: Any) -> dict[str, Any]:
    """Turn a verl ``ground_truth`` / TRL column value / OpenRLHF label into the item fields of /v1/rewards.

    Accepted: a problem id ``"<suite>/<id>"``; a JSON object string ``{"reference": "...", "refTop"?: "...",
    "language"?: "vhdl", "referenceLanguage"?: "vhdl"}``
    (or ``{"problem": "..."}``); the same as a dict; or raw reference Verilog (a string containing ``endmodule``).
    """
    if isinstance(gt, bytes):
        gt = gt.decode("utf-8")
    if isinstance(gt, str):
        s = gt.strip()
        if s.startswith("{"):
            try:
                obj = json.loads(s)
            except json.JSONDecodeError as exc:
                raise ValueError(f"ground truth looks like JSON but does not parse: {exc}") from exc
            return parse_ground_truth(obj)
        if _PROBLEM_ID.match(s):
            return {"problem": s}
        if "endmodule" in s:
            return {"reference": gt}
        raise ValueError(
            "ground truth must be a problem id '<suite>/<id>', a JSON object {\"reference\": ...}, or Verilog; "
            f"got {s[:80]!r}"
        )
    if isinstance(gt, Mapping):
        out: dict[str, Any] = {}
        problem = gt.get("problem")
        reference = gt.get("reference")
        ref_top = gt.get("refTop", gt.get("ref_top"))
        if problem is not None:
            out["problem"] = str(problem)
        if reference is not None:
            out["reference"] = str(reference)
        if ref_top is not None:
            out["refTop"] = str(ref_top)
        # A VHDL label (`rtlgym data export` of VHDL records) names its languages: the service extracts ```vhdl.
        language = gt.get("language")
        reference_language = gt.get("referenceLanguage", gt.get("reference_language"))
        if language is not None:
            out["language"] = str(language)
        if reference_language is not None:
            out["referenceLanguage"] = str(reference_language)
        if "problem" not in out and "reference" not in out:
            raise ValueError(f"ground truth object needs 'problem' or 'reference'; keys: {sorted(gt)}")
        return out
    raise TypeError(f"unsupported ground truth type {type(gt).__name__}")


def make_item(ground_truth: Any, response: str, *, reward: str | None = None, id: str | None = None) -> dict:
    item: dict[str, Any] = parse_ground_truth(ground_truth)
    item["response"] = response if isinstance(response, str) else str(response)
    if reward:
        item["reward"] = reward
    if id is not None:
        item["id"] = str(id)
    return item


def completion_text(completion: Any) -> str:
    """A TRL completion: a string, or a conversation (list of {role, content} messages) whose assistant turns are
    joined. ``content`` may itself be a list of parts ({"type": "text", "text": ...})."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        completion = [completion]
    if isinstance(completion, (list, tuple)):
        msgs = [m for m in completion if isinstance(m, Mapping)]
        assistant = [m for m in msgs if m.get("role", "assistant") == "assistant"] or msgs
        return "\n".join(_content_text(m.get("content")) for m in assistant)
    raise TypeError(f"unsupported completion type {type(completion).__name__}")


def _content_text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, (list, tuple)):
        parts = []
        for p in content:
            if isinstance(p, str):
                parts.append(p)
            elif isinstance(p, Mapping) and isinstance(p.get("text"), str):
                parts.append(p["text"])
        return "".join(parts)
    return str(content)


class InfraPolicy:
    """What a reward is when the service cannot judge an item.

    ``"raise"`` (the default): raise `RewardInfraError` - the trainer stops instead of learning from a fake 0.
    A number (``0``, ``-1``, ``"0.0"``...): use that value, and the result carries ``status: infra_error`` so it
    is visible in the logs. ``"none"``: return None (TRL only: "no reward for this sample").
    Defaults to ``RTLGYM_ON_INFRA_ERROR`` from the environment, else ``raise``.
    """

    def __init__(self, spec: Any = None, *, allow_none: bool = False):
        if spec is None:
            spec = os.environ.get("RTLGYM_ON_INFRA_ERROR") or "raise"
        self.raise_ = False
        self.value: float | None = None
        if isinstance(spec, str) and spec.strip().lower() == "raise":
            self.raise_ = True
        elif isinstance(spec, str) and spec.strip().lower() in ("none", "null"):
            if not allow_none:
                raise ValueError("on_infra_error='none' is only meaningful for TRL; verl needs 'raise' or a number")
        elif isinstance(spec, bool):
            raise ValueError(f"on_infra_error must be 'raise', a number or 'none', got {spec!r}")
        else:
            try:
                self.value = float(spec)
            except (TypeError, ValueError):
                raise ValueError(f"on_infra_error must be 'raise', a number or 'none', got {spec!r}") from None
            if not math.isfinite(self.value):
                raise ValueError("on_infra_error must be finite")
        self.spec = spec

    def __repr__(self) -> str:
        return f"InfraPolicy({self.spec!r})"


def is_infra(result: Mapping[str, Any]) -> bool:
    r = result.get("reward")
    if result.get("status") == "infra_error" or r is None:
        return True
    return not isinstance(r, (int, float)) or isinstance(r, bool) or not math.isfinite(float(r))


def scores_from_results(results: list[dict[str, Any]], policy: InfraPolicy) -> list[float | None]:
    """Rewards of the results; infra items follow the policy (raise once for the whole batch)."""
    bad = [i for i, r in enumerate(results) if is_infra(r)]
    if bad and policy.raise_:
        first = results[bad[0]]
        raise RewardInfraError(
            f"{len(bad)} of {len(results)} item(s) could not be judged (first: index {bad[0]}, "
            f"status {first.get('status')!r}: {str(first.get('message', ''))[:300]}); "
            "set on_infra_error to a number to score them instead of raising",
            results,
        )
    return [policy.value if i in set(bad) else float(r["reward"]) for i, r in enumerate(results)]


def failed_results(n: int, error: Exception) -> list[dict[str, Any]]:
    """Synthetic results for a batch the service never answered (used when the policy is a value)."""
    msg = f"reward service unavailable: {error}"
    return [
        {"reward": None, "status": "infra_error", "signals": [], "message": msg, "cached": False, "details": {}}
        for _ in range(n)
    ]


_clients: dict[tuple, RewardClient] = {}
_clients_lock = threading.Lock()


def get_client(
    url: str | None = None, token: str | None = None, timeout: float | None = None, client: RewardClient | None = None
) -> RewardClient:
    """A process-wide client per (url, token, timeout) - verl and TRL call the reward function once per batch."""
    if client is not None:
        return client
    key = (
        url or os.environ.get("RTLGYM_URL"),
        token if token is not None else os.environ.get("RTLGYM_TOKEN"),
        timeout if timeout is not None else os.environ.get("RTLGYM_TIMEOUT"),
    )
    with _clients_lock:
        c = _clients.get(key)
        if c is None:
            c = RewardClient(url=url, token=token, timeout=timeout)
            _clients[key] = c
        return c
