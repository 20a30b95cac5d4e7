"""verl reward functions backed by the rtlgym reward service.

verl config (see docs/adapters.md)::

    custom_reward_function.path=adapters/python/verl_reward.py   # a shim that imports this module
    custom_reward_function.name=compute_score_batch      # with reward_model.reward_manager=batch (recommended)
    # or custom_reward_function.name=compute_score       # naive / prime managers (one request per sample)
    # or custom_reward_function.name=compute_score_async # the async reward loop (requests are coalesced)
    +custom_reward_function.reward_kwargs.url=http://127.0.0.1:8000
    +custom_reward_function.reward_kwargs.reward=codev
    +custom_reward_function.reward_kwargs.on_infra_error=raise

Every function returns ``{"score": float, "acc": 0|1, "status": str, "cached": bool, "infra_error": 0|1,
"message": str}`` per sample; verl uses "score" as the reward and logs the other keys ("acc" = the service said
pass, the metric for DAPO's ``algorithm.filter_groups.metric=acc``).
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Sequence
from typing import Any

from .client import RewardClient, RewardServiceHTTPError, RewardServiceUnavailable
from .common import (
    InfraPolicy,
    RewardInfraError,
    failed_results,
    get_client,
    is_infra,
    make_item,
    scores_from_results,
)

__all__ = ["compute_score", "compute_score_batch", "compute_score_async", "compute_score_batch_async"]

_MESSAGE_CHARS = 300

def _options(kw: dict[str, Any]) -> tuple[RewardClient, str | None, InfraPolicy]:
    client = get_client(kw.get("url"), kw.get("token"), kw.get("timeout"), kw.get("client"))
    reward = kw.get("reward") or os.environ.get("RTLGYM_REWARD") or None
    policy = kw.get("on_infra_error")
    return client, reward, policy if isinstance(policy, InfraPolicy) else InfraPolicy(policy)

def _items(solution_strs, ground_truths, extra_infos, reward) -> list[dict[str, Any]]:
    if len(solution_strs) != len(ground_truths):
        raise ValueError(f"{len(solution_strs)} solutions but {len(ground_truths)} ground truths")
    if extra_infos is None:
        extra_infos = [None] * len(solution_strs)
    items = []
    for sol, gt, extra in zip(solution_strs, ground_truths, extra_infos):
        item_reward = extra.get("rtlgym_reward") if isinstance(extra, dict) else None
        items.append(make_item(gt, sol, reward=item_reward or reward))
    return items

def _to_dicts(results: list[dict[str, Any]], policy: InfraPolicy) -> list[dict[str, Any]]:
    scores = scores_from_results(results, policy)  # raises under the "raise" policy
    out = []
    for res, score in zip(results, scores):
        status = str(res.get("status"))
        out.append(
            {
                "score": float(score),
                "acc": 1.0 if status == "pass" else 0.0,
                "status": status,
                "cached": bool(res.get("cached", False)),
                "infra_error": 1.0 if is_infra(res) else 0.0,
                "message": str(res.get("message", ""))[:_MESSAGE_CHARS],
            }
        )
    return out

def _unavailable(n: int, exc: Exception, policy: InfraPolicy) -> list[dict[str, Any]]:
    if policy.raise_:
        raise RewardInfraError(f"reward service unavailable ({exc}); set on_infra_error to a number to score "
                               "such batches instead of raising") from exc
    return _to_dicts(failed_results(n, exc), policy)

def _is_server_fault(exc: RewardServiceHTTPError) -> bool:
    return exc.status >= 500

def compute_score_batch(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Any] | None = None,
    **kw: Any,
) -> list[dict[str, Any]]:
    """verl's batch reward manager: ONE /v1/rewards request for the whole batch, so the service can check the
    responses of one prompt as a group (shared reference analysis, duplicates checked once)."""
    client, reward, policy = _options(kw)
    items = _items(list(solution_strs), list(ground_truths), extra_infos, reward)
    if not items:
        return []
    try:
        results = client.rewards(items)
    except RewardServiceUnavailable as exc:
        return _unavailable(len(items), exc, policy)
    except RewardServiceHTTPError as exc:
        if not _is_server_fault(exc):
            raise
        return _unavailable(len(items), exc, policy)
    return _to_dicts(results, policy)

def compute_score(
    data_source: str, solution_str: str, ground_truth: Any, extra_info: Any = None, **kw: Any
) -> dict[str, Any]:
    """verl's per-sample interface (naive/prime managers): one request per call."""
    return compute_score_batch([data_source], [solution_str], [ground_truth], [extra_info], **kw)[0]

async def compute_score_batch_async(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Any] | None = None,
    **kw: Any,
) -> list[dict[str, Any]]:
    """`compute_score_batch` without blocking the event loop (the HTTP call runs in a worker thread)."""
    return await asyncio.to_thread(
        compute_score_batch, data_sources, solution_strs, ground_truths, extra_infos, **kw
    )

# -------------------------------------------------------------- coalescing of per-sample async calls

class _Coalescer:
    """Gathers the per-sample calls made within ``window`` seconds on one event loop into one request, so a
    reward loop that scores samples one by one still sends the service whole groups."""

    def __init__(self, client: RewardClient, window: float, max_items: int):
        self.client = client
        self.window = window
        self.max_items = max_items
        self.pending: list[tuple[dict[str, Any], asyncio.Future]] = []
        self.timer: asyncio.TimerHandle | None = None
        self.tasks: set[asyncio.Task] = set()

    async def submit(self, item: dict[str, Any]) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        self.pending.append((item, fut))
        if len(self.pending) >= self.max_items:
            self._flush()
        elif self.timer is None:
            self.timer = loop.call_later(self.window, self._flush)
        return await fut

    def _flush(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.pending = self.pending, []
        if batch:
            task = asyncio.ensure_future(self._send(batch))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _send(self, batch: list[tuple[dict[str, Any], asyncio.Future]]) -> None:
        try:
            results = await self.client.arewards([item for item, _ in batch])
        except Exception as exc:  # noqa: BLE001 - handed to every waiting caller
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(exc)
            return
        for (_, fut), res in zip(batch, results):
            if not fut.done():
                fut.set_result(res)

_coalescers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

def _coalescer(client: RewardClient, window: float, max_items: int) -> _Coalescer:
    loop = asyncio.get_running_loop()
    per_loop = _coalescers.setdefault(loop, {})
    key = (id(client), window, max_items)
    c = per_loop.get(key)
    if c is None:
        c = per_loop[key] = _Coalescer(client, window, max_items)
    return c

async def compute_score_async(
    data_source: str, solution_str: str, ground_truth: Any, extra_info: Any = None, **kw: Any
) -> dict[str, Any]:
    """verl's async per-sample interface (the reward loop). Calls made concurrently on one event loop within
    ``batch_window`` seconds (default 0.05) are sent as one /v1/rewards request of at most ``max_batch``
    (default 512) items."""
    client, reward, policy = _options(kw)
    item = _items([solution_str], [ground_truth], [extra_info], reward)[0]
    window = float(kw.get("batch_window", 0.05))
    max_items = int(kw.get("max_batch", 512))
    try:
        result = await _coalescer(client, window, max_items).submit(item)
    except RewardServiceUnavailable as exc:
        return _unavailable(1, exc, policy)[0]
    except RewardServiceHTTPError as exc:
        if not _is_server_fault(exc):
            raise
        return _unavailable(1, exc, policy)[0]
    return _to_dicts([result], policy)[0]
