"""A small HTTP client for the rtlgym reward service (`rtlgym serve`).

Standard library only. Retries connection errors, 429 and 503 (honouring Retry-After), and a per-attempt timeout;
gives up with `RewardServiceUnavailable` after `max_retries` retries or `deadline` seconds, whichever comes first.
"""

from __future__ import annotations

import asyncio
import email.utils
import http.client
import json
import os
import random
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "RewardClient",
    "RewardServiceError",
    "RewardServiceUnavailable",
    "RewardServiceHTTPError",
    "RewardServiceAuthError",
    "DEFAULT_URL",
]

DEFAULT_URL = "http://127.0.0.1:8000"

# Statuses worth another attempt: overload (429), shutting down / not ready (503), and a proxy in front of a
# restarting replica (502, 504).
RETRY_STATUSES = frozenset({429, 502, 503, 504})


class RewardServiceError(RuntimeError):
    """Base class of every error this package raises about the reward service."""


class RewardServiceUnavailable(RewardServiceError):
    """The service could not be reached or kept refusing (429/503) until the retries or the deadline ran out."""


class RewardServiceHTTPError(RewardServiceError):
    """The service answered with a status that retrying cannot fix (400 bad input, 404, 413, 500...)."""

    def __init__(self, status: int, message: str, body: Any = None):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.body = body


class RewardServiceAuthError(RewardServiceHTTPError):
    """401/403: the bearer token is missing or wrong (set token= or RTLGYM_TOKEN)."""


def _env_float(name: str, default: float | None) -> float | None:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return float(raw)


def _parse_retry_after(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


class RewardClient:
    """Client of one rtlgym reward service (or a load balancer in front of several replicas).

    Arguments default to the environment: ``url`` to ``RTLGYM_URL`` (else ``http://127.0.0.1:8000``, the default of `rtlgym serve`), ``token`` to
    ``RTLGYM_TOKEN``, ``timeout`` (seconds per attempt) to ``RTLGYM_TIMEOUT`` (else 300), ``deadline`` (seconds over
    all attempts of one call) to ``RTLGYM_DEADLINE`` (else 900).
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float | None = None,
        max_retries: int = 8,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        max_retry_after: float = 60.0,
        deadline: float | None = None,
        use_env_proxy: bool = False,
    ):
        url = url or os.environ.get("RTLGYM_URL") or DEFAULT_URL
        url = url.rstrip("/")
        # Accept the OpenRLHF-style URL too: the client adds the paths itself.
        for suffix in ("/get_reward", "/v1/rewards", "/v1/verify"):
            if url.endswith(suffix):
                url = url[: -len(suffix)]
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"reward service URL must start with http:// or https://, got {url!r}")
        self.url = url
        self.token = token if token is not None else (os.environ.get("RTLGYM_TOKEN") or None)
        self.timeout = float(timeout) if timeout is not None else _env_float("RTLGYM_TIMEOUT", 300.0)
        self.deadline = float(deadline) if deadline is not None else _env_float("RTLGYM_DEADLINE", 900.0)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.max_retry_after = float(max_retry_after)
        #: Number of retries this client made (connection errors, 429, 503...), for logging and tests.
        self.retries = 0
        # No proxy: a reward service sits next to the trainer, and an HTTP(S)_PROXY meant for the internet must not
        # capture it. Pass use_env_proxy=True to honour the proxy variables anyway.
        handlers = [] if use_env_proxy else [urllib.request.ProxyHandler({})]
        self._opener = urllib.request.build_opener(*handlers)

    def __repr__(self) -> str:
        return f"RewardClient(url={self.url!r}, token={'set' if self.token else 'unset'})"

    # ------------------------------------------------------------------ transport

    def _headers(self, has_body: bool) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "rtlgym-reward-python/0.1"}
        if has_body:
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def _delay(self, attempt: int) -> float:
        base = min(self.max_backoff, self.backoff * (2**attempt))
        return base * (0.5 + random.random() / 2)

    def request(self, method: str, path: str, body: Any = None, *, raw: bool = False) -> Any:
        """One call with retries. Returns the decoded JSON body (or the text when ``raw``)."""
        data = None if body is None else json.dumps(body, allow_nan=False).encode("utf-8")
        url = self.url + path
        start = time.monotonic()
        attempt = 0
        while True:
            delay: float | None
            try:
                req = urllib.request.Request(url, data=data, method=method, headers=self._headers(data is not None))
                timeout = self.timeout
                if self.deadline is not None:
                    timeout = max(0.1, min(timeout, self.deadline - (time.monotonic() - start)))
                with self._opener.open(req, timeout=timeout) as resp:
                    payload = resp.read()
                text = payload.decode("utf-8")
                if raw:
                    return text
                try:
                    return json.loads(text)
                except json.JSONDecodeError as exc:
                    raise RewardServiceHTTPError(resp.status, f"response is not JSON: {text[:200]!r}") from exc
            except urllib.error.HTTPError as exc:
                status = exc.code
                text = ""
                try:
                    text = exc.read().decode("utf-8", "replace")
                except Exception:  # noqa: BLE001 - the body of an error is best effort
                    pass
                body_json: Any = None
                message = text[:500]
                try:
                    body_json = json.loads(text)
                    if isinstance(body_json, dict):
                        err = body_json.get("error", body_json.get("message"))
                        if isinstance(err, dict):
                            err = err.get("message", err)
                        if err is not None:
                            message = str(err)
                except (json.JSONDecodeError, ValueError):
                    pass
                if status in (401, 403):
                    raise RewardServiceAuthError(status, message or "unauthorised", body_json) from None
                if status not in RETRY_STATUSES:
                    raise RewardServiceHTTPError(status, message or exc.reason, body_json) from None
                last_error: str = f"HTTP {status}: {message}"
                retry_after = _parse_retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                delay = min(retry_after, self.max_retry_after) if retry_after is not None else self._delay(attempt)
            except (
                urllib.error.URLError,
                http.client.HTTPException,
                ConnectionError,
                socket.timeout,
                TimeoutError,
                OSError,
            ) as exc:
                reason = getattr(exc, "reason", exc)
                last_error = f"{type(exc).__name__}: {reason}"
                delay = self._delay(attempt)
            elapsed = time.monotonic() - start
            if attempt >= self.max_retries or (self.deadline is not None and elapsed + delay > self.deadline):
                raise RewardServiceUnavailable(
                    f"{method} {url} failed after {attempt + 1} attempt(s) in {elapsed:.1f}s: {last_error}"
                )
            attempt += 1
            self.retries += 1
            time.sleep(delay)

    async def arequest(self, method: str, path: str, body: Any = None, *, raw: bool = False) -> Any:
        """`request` in a worker thread, so an event loop is never blocked."""
        return await asyncio.to_thread(self.request, method, path, body, raw=raw)

    # ------------------------------------------------------------------ endpoints

    def rewards(self, items: Sequence[Mapping[str, Any]], reward: str | None = None) -> list[dict[str, Any]]:
        """POST /v1/rewards with every item in ONE request; returns the results aligned with ``items``."""
        items = [dict(it) for it in items]
        if not items:
            return []
        body: dict[str, Any] = {"items": items}
        if reward:
            body["reward"] = reward
        out = self.request("POST", "/v1/rewards", body)
        return _check_results(out, len(items))

    async def arewards(self, items: Sequence[Mapping[str, Any]], reward: str | None = None) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self.rewards, items, reward)

    def verify(self, candidate: str, *, reference: str | None = None, problem: str | None = None, **opts: Any):
        """POST /v1/verify: the VerifyResult of one candidate against a reference or a problem id."""
        body: dict[str, Any] = {"candidate": candidate, **opts}
        if reference is not None:
            body["reference"] = reference
        if problem is not None:
            body["problem"] = problem
        return self.request("POST", "/v1/verify", body)

    def get_reward(
        self, query: Sequence[str], prompts: Sequence[str], labels: Sequence[Any], reward: str | None = None
    ) -> dict[str, Any]:
        """POST /get_reward with OpenRLHF's body ({query, prompts, labels} -> {rewards, scores, extra_logs})."""
        path = "/get_reward" + (f"?reward={urllib.parse.quote(reward)}" if reward else "")
        return self.request("POST", path, {"query": list(query), "prompts": list(prompts), "labels": list(labels)})

    def healthz(self) -> Any:
        return self.request("GET", "/healthz", raw=True)

    def readyz(self) -> Any:
        return self.request("GET", "/readyz", raw=True)

    def metrics(self) -> str:
        """The Prometheus text of GET /metrics."""
        return self.request("GET", "/metrics", raw=True)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Poll /readyz until the service answers 200 or ``timeout`` seconds pass."""
        end = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < end:
            try:
                req = urllib.request.Request(self.url + "/readyz", headers=self._headers(False))
                with self._opener.open(req, timeout=2) as resp:
                    if resp.status == 200:
                        return
            except Exception as exc:  # noqa: BLE001 - any failure means not ready yet
                last = exc
            time.sleep(0.1)
        raise RewardServiceUnavailable(f"{self.url} not ready after {timeout}s: {last}")


def _check_results(out: Any, n: int) -> list[dict[str, Any]]:
    if not isinstance(out, dict) or not isinstance(out.get("results"), list):
        raise RewardServiceHTTPError(200, f"malformed /v1/rewards response: {str(out)[:200]}", out)
    results = out["results"]
    if len(results) != n:
        raise RewardServiceHTTPError(200, f"/v1/rewards returned {len(results)} results for {n} items", out)
    return results
