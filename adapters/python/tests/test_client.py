"""The client and the service's endpoints, against the real `rtlgym serve`."""

import pytest
from conftest import ADDER, ADDER_OK, ADDER_WRONG, COMPILE_ERROR, COUNTER, COUNTER_OK, codev

from rtlgym_reward import (
    RewardClient,
    RewardServiceAuthError,
    RewardServiceHTTPError,
    RewardServiceUnavailable,
    parse_ground_truth,
)


def test_health_and_ready(service):
    c = RewardClient(service.url)
    assert '"ok":true' in c.healthz().replace(" ", "")
    c.wait_ready(5)


def test_rewards_batch_statuses_aligned(service):
    c = RewardClient(service.url)
    items = [
        {"id": "ok", "reference": ADDER, "response": codev(ADDER_OK)},
        {"id": "wrong", "reference": ADDER, "response": codev(ADDER_WRONG)},
        {"id": "broken", "reference": ADDER, "response": COMPILE_ERROR},
        {"id": "noformat", "reference": ADDER, "response": f"```verilog\n{ADDER_OK}\n```"},
        {"id": "seq", "reference": COUNTER, "response": codev(COUNTER_OK)},
    ]
    res = c.rewards(items)
    assert [r.get("id") for r in res] == ["ok", "wrong", "broken", "noformat", "seq"]
    assert [r["status"] for r in res] == ["pass", "fail", "compile_error", "format_error", "pass"]
    assert [r["reward"] for r in res] == [1, 0, 0, 0, 1]
    # The same responses without the format gate: the bare block now passes.
    res2 = c.rewards(items[3:4], reward="codev-noformat")
    assert res2[0]["status"] == "pass" and res2[0]["reward"] == 1


def test_signal_reward_is_dense(service):
    c = RewardClient(service.url)
    ref = "module two(input a, input b, output x, output y);\n  assign x = a & b;\n  assign y = a | b;\nendmodule\n"
    half = "module two(input a, input b, output x, output y);\n  assign x = a & b;\n  assign y = a ^ b;\nendmodule"
    (r,) = c.rewards([{"reference": ref, "response": codev(half)}], reward="signal")
    assert r["status"] == "fail"
    assert r["reward"] == pytest.approx(0.5)
    assert {s["name"]: s["ok"] for s in r["signals"]} == {"x": True, "y": False}


def test_verify_endpoint(service):
    c = RewardClient(service.url)
    v = c.verify(ADDER_WRONG, reference=ADDER)
    assert v["status"] == "fail"
    assert any(not s["ok"] for s in v["signals"])
    assert c.verify(ADDER_OK, reference=ADDER)["status"] == "pass"


def test_bad_input_is_an_error_not_a_reward(service):
    c = RewardClient(service.url, max_retries=0)
    with pytest.raises(RewardServiceHTTPError) as e:
        c.rewards([{"problem": "nosuchsuite/nosuchproblem", "response": "x"}])
    assert e.value.status == 400
    assert c.retries == 0


def test_token_required_and_accepted(token_service, monkeypatch):
    with pytest.raises(RewardServiceAuthError) as e:
        RewardClient(token_service.url).rewards([{"reference": ADDER, "response": codev(ADDER_OK)}])
    assert e.value.status == 401
    with pytest.raises(RewardServiceAuthError):
        RewardClient(token_service.url, token="wrong").rewards([{"reference": ADDER, "response": codev(ADDER_OK)}])
    ok = RewardClient(token_service.url, token="s3cret-token").rewards([{"reference": ADDER, "response": codev(ADDER_OK)}])
    assert ok[0]["reward"] == 1
    # From the environment, as trainers usually configure it.
    monkeypatch.setenv("RTLGYM_URL", token_service.url)
    monkeypatch.setenv("RTLGYM_TOKEN", "s3cret-token")
    assert RewardClient().rewards([{"reference": ADDER, "response": codev(ADDER_WRONG)}])[0]["reward"] == 0


def test_url_forms():
    assert RewardClient("http://h:1/get_reward").url == "http://h:1"
    assert RewardClient("http://h:1/").url == "http://h:1"
    with pytest.raises(ValueError):
        RewardClient("h:1")


def test_ground_truth_forms():
    assert parse_ground_truth("builtin/b001_adder") == {"problem": "builtin/b001_adder"}
    assert parse_ground_truth('{"reference": "module m; endmodule", "refTop": "m"}') == {
        "reference": "module m; endmodule",
        "refTop": "m",
    }
    assert parse_ground_truth({"reference": ADDER, "ref_top": "adder"}) == {"reference": ADDER, "refTop": "adder"}
    assert parse_ground_truth(ADDER) == {"reference": ADDER}
    vhdl = '{"reference": "entity e is end;", "refTop": "e", "candTop": "e", "language": "vhdl", "referenceLanguage": "vhdl"}'
    assert parse_ground_truth(vhdl) == {
        "reference": "entity e is end;",
        "refTop": "e",
        "language": "vhdl",
        "referenceLanguage": "vhdl",
    }
    with pytest.raises(ValueError):
        parse_ground_truth("not a problem id")
    with pytest.raises(ValueError):
        parse_ground_truth("{not json")


def test_connection_refused_gives_up_within_deadline():
    import socket
    import time

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    c = RewardClient(f"http://127.0.0.1:{port}", max_retries=3, backoff=0.05)
    t0 = time.monotonic()
    with pytest.raises(RewardServiceUnavailable, match="4 attempt"):
        c.rewards([{"reference": ADDER, "response": "x"}])
    assert c.retries == 3
    assert time.monotonic() - t0 < 5
