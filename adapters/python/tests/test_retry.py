"""Retries (429 with Retry-After, 503 while shutting down) and the infra-error policy, on a scripted server."""

import time

import pytest
from conftest import echo_results, result

from rtlgym_reward import RewardClient, RewardInfraError, RewardServiceUnavailable, make_trl_reward
from rtlgym_reward.verl import compute_score, compute_score_batch

REF = "module m(input a, output y); assign y = a; endmodule"


def test_retry_after_429_is_honoured(fake):
    fake.script = [
        (429, {"Retry-After": "1"}, {"error": {"code": "queue_full", "message": "queue full"}}),
        (200, {}, echo_results("pass", 1.0)),
    ]
    c = RewardClient(fake.url, backoff=0.01)
    t0 = time.monotonic()
    res = c.rewards([{"reference": REF, "response": "r"}])
    assert res[0]["reward"] == 1.0
    assert time.monotonic() - t0 >= 0.95  # waited what the server asked, not the 10 ms backoff
    assert c.retries == 1
    assert len(fake.requests) == 2
    assert fake.requests[0][2] == fake.requests[1][2]  # the same body re-sent


def test_retry_after_503_then_success(fake):
    fake.script = [
        (503, {"Retry-After": "0"}, {"error": {"code": "shutting_down", "message": "bye"}}),
        (503, {}, {"error": {"code": "shutting_down", "message": "bye"}}),
        (200, {}, echo_results("fail", 0.0)),
    ]
    c = RewardClient(fake.url, backoff=0.01)
    assert c.rewards([{"reference": REF, "response": "r"}])[0]["status"] == "fail"
    assert c.retries == 2


def test_retries_exhausted(fake):
    fake.script = [(429, {"Retry-After": "0"}, {"error": {"message": "full"}})] * 3
    c = RewardClient(fake.url, max_retries=2, backoff=0.01)
    with pytest.raises(RewardServiceUnavailable, match="HTTP 429"):
        c.rewards([{"reference": REF, "response": "r"}])
    assert len(fake.requests) == 3


def test_infra_error_raises_by_default(fake):
    fake.script = [(200, {}, {"results": [result(1.0, "pass"), result(None, "infra_error", "yosys crashed")]})]
    with pytest.raises(RewardInfraError, match="yosys crashed") as e:
        compute_score_batch(["d", "d"], ["a", "b"], [REF, REF], url=fake.url)
    assert e.value.results is not None and len(e.value.results) == 2


def test_infra_error_configured_value(fake, monkeypatch):
    fake.script = [(200, {}, {"results": [result(1.0, "pass"), result(None, "infra_error", "yosys crashed")]})]
    out = compute_score_batch(["d", "d"], ["a", "b"], [REF, REF], url=fake.url, on_infra_error=-1)
    assert [o["score"] for o in out] == [1.0, -1.0]
    assert [o["status"] for o in out] == ["pass", "infra_error"]
    assert [o["infra_error"] for o in out] == [0.0, 1.0]
    # From the environment too.
    monkeypatch.setenv("RTLGYM_ON_INFRA_ERROR", "0.25")
    fake.script = [(200, {}, {"results": [result(None, "infra_error")]})]
    assert compute_score("d", "a", REF, url=fake.url)["score"] == 0.25


def test_unreachable_service_follows_the_policy():
    url = "http://127.0.0.1:9"  # discard port: nothing listens
    from rtlgym_reward.common import get_client

    get_client(url).max_retries = 1
    get_client(url).backoff = 0.01
    with pytest.raises(RewardInfraError, match="unavailable"):
        compute_score("d", "a", REF, url=url)
    out = compute_score("d", "a", REF, url=url, on_infra_error=0)
    assert out["score"] == 0.0 and out["status"] == "infra_error" and out["infra_error"] == 1.0


def test_trl_policy_none_and_raise(fake):
    fake.script = [(200, {}, {"results": [result(None, "infra_error"), result(1.0, "pass")]})] * 2
    fn = make_trl_reward(url=fake.url, on_infra_error="none", client=RewardClient(fake.url))
    assert fn(["p", "p"], ["a", "b"], problem=[REF, REF]) == [None, 1.0]
    fn2 = make_trl_reward(url=fake.url, client=RewardClient(fake.url))
    with pytest.raises(RewardInfraError):
        fn2(["p", "p"], ["a", "b"], problem=[REF, REF])


def test_verl_refuses_none_policy():
    with pytest.raises(ValueError):
        compute_score("d", "a", REF, url="http://127.0.0.1:9", on_infra_error="none")
