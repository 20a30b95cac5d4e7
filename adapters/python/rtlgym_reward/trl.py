"""TRL GRPO reward functions backed by the rtlgym reward service.

    from rtlgym_reward.trl import make_trl_reward
    trainer = GRPOTrainer(..., reward_funcs=[make_trl_reward(url="http://127.0.0.1:8000", reward="codev")])

The dataset needs a column (``problem`` by default) holding, per row, a problem id ``"<suite>/<id>"``, a JSON string
``{"reference": "<verilog>", "refTop"?: "..."}`` or such a dict. TRL passes dataset columns to reward functions as
keyword arguments, one value per completion.
"""

from __future__ import annotations

import asyncio
import collections
import threading
from collections.abc import Callable, Sequence
from typing import Any

from .client import RewardClient, RewardServiceHTTPError, RewardServiceUnavailable
from .common import InfraPolicy, RewardInfraError, completion_text, failed_results, get_client, make_item, scores_from_results

__all__ = ["make_trl_reward"]


class _Stats:
    """What the reward function observed, for logging and tests (thread-safe counters)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = 0
        self.items = 0
        self.statuses: collections.Counter[str] = collections.Counter()
        self.last_results: list[dict[str, Any]] = []
        self.last_rewards: list[float | None] = []

    def record(self, results: list[dict[str, Any]], rewards: list[float | None]) -> None:
        with self.lock:
            self.calls += 1
            self.items += len(results)
            self.statuses.update(str(r.get("status")) for r in results)
            self.last_results = results
            self.last_rewards = rewards


def make_trl_reward(
    url: str | None = None,
    reward: str = "codev",
    problem_column: str = "problem",
    *,
    token: str | None = None,
    timeout: float | None = None,
    on_infra_error: Any = "raise",
    client: RewardClient | None = None,
    name: str | None = None,
    asynchronous: bool = False,
) -> Callable[..., Any]:
    """A GRPO reward function ``f(prompts, completions, **columns) -> list[float | None]``.

    Each call sends ONE /v1/rewards request with all completions (TRL calls it once per generation batch, so the
    service sees whole groups). Completions may be strings or conversations (lists of {role, content} messages;
    the assistant turns are scored).

    ``on_infra_error``: ``"raise"`` (default: training stops rather than learning from a fake reward), a number
    (that reward, with the infra_error status counted in ``fn.stats``), or ``"none"`` (None: TRL ignores this
    function for the sample; TRL >= 1.x marks a sample no function scored as unscorable with advantage 0, older
    versions nansum it to a reward of 0). Set ``asynchronous=True`` for an ``async def`` reward function (TRL runs those concurrently).

    The returned function has ``.stats`` (calls, items, statuses, last_results, last_rewards) and ``.client``.
    """
    policy = on_infra_error if isinstance(on_infra_error, InfraPolicy) else InfraPolicy(on_infra_error, allow_none=True)
    cl = get_client(url, token, timeout, client)
    stats = _Stats()

    def _build(completions: Sequence[Any], kwargs: dict[str, Any]) -> list[dict[str, Any]]:
        if problem_column not in kwargs:
            cols = sorted(k for k in kwargs if k not in ("trainer_state", "completion_ids", "log_extra", "log_metric"))
            raise KeyError(
                f"rtlgym reward: the dataset has no {problem_column!r} column (problem id or reference per row); "
                f"columns passed by TRL: {cols}. Pass problem_column=... to make_trl_reward."
            )
        truths = list(kwargs[problem_column])
        if len(truths) != len(completions):
            raise ValueError(f"{len(completions)} completions but {len(truths)} values in column {problem_column!r}")
        return [make_item(gt, completion_text(c), reward=reward) for gt, c in zip(truths, completions)]

    def _score(items: list[dict[str, Any]], results: list[dict[str, Any]], kwargs: dict[str, Any]):
        rewards = scores_from_results(results, policy)
        stats.record(results, rewards)
        _log(kwargs, results)
        return rewards

    def _on_unavailable(items: list[dict[str, Any]], exc: Exception, kwargs: dict[str, Any]):
        if policy.raise_:
            raise RewardInfraError(f"reward service unavailable ({exc}); set on_infra_error to score such batches "
                                   "instead of raising") from exc
        return _score(items, failed_results(len(items), exc), kwargs)

    def rtlgym_reward(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float | None]:
        items = _build(completions, kwargs)
        if not items:
            return []
        try:
            results = cl.rewards(items)
        except RewardServiceUnavailable as exc:
            return _on_unavailable(items, exc, kwargs)
        except RewardServiceHTTPError as exc:
            if exc.status < 500:
                raise
            return _on_unavailable(items, exc, kwargs)
        return _score(items, results, kwargs)

    async def rtlgym_reward_async(
        prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
    ) -> list[float | None]:
        return await asyncio.to_thread(rtlgym_reward, prompts, completions, **kwargs)

    fn = rtlgym_reward_async if asynchronous else rtlgym_reward
    # TRL names the reward's metrics (rewards/<name>/mean) after __name__.
    fn.__name__ = name or f"rtlgym_{reward.replace('-', '_')}"
    fn.__qualname__ = fn.__name__
    fn.stats = stats  # type: ignore[attr-defined]
    fn.client = cl  # type: ignore[attr-defined]
    return fn


def _log(kwargs: dict[str, Any], results: list[dict[str, Any]]) -> None:
    """Newer TRL passes ``log_metric(name, value)`` to reward functions: log the share of each status."""
    log_metric = kwargs.get("log_metric")
    if not callable(log_metric) or not results:
        return
    counts = collections.Counter(str(r.get("status")) for r in results)
    for status in ("pass", "fail", "compile_error", "timeout", "format_error", "infra_error"):
        try:
            log_metric(f"rtlgym/{status}", counts.get(status, 0) / len(results))
        except Exception:  # noqa: BLE001 - logging must never break training
            return
