"""OpenRLHF's remote reward protocol, with a request shaped exactly like OpenRLHF's client sends it."""

import json
import urllib.error
import urllib.request

import pytest
from conftest import ADDER, ADDER_OK, ADDER_WRONG, codev


def openrlhf_post(url, data, token=None):
    # openrlhf/utils/remote_rm_utils.py: requests.post(url, json=data, headers={"Content-Type": "application/json"},
    # timeout=180), then response.json()["rewards"].
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=json.dumps(data).encode(), headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=180) as r:
        return json.loads(r.read())


PROMPT = "<|im_start|>user\nWrite a 4-bit adder.<|im_end|>\n<|im_start|>assistant\n"
LABEL = json.dumps({"reference": ADDER})


def test_one_sample_per_request(service):
    # Current OpenRLHF: one sample per request; query = prompt + response; the label from --label_key.
    out = openrlhf_post(
        service.url + "/get_reward", {"query": [PROMPT + codev(ADDER_OK)], "prompts": [PROMPT], "labels": [LABEL]}
    )
    assert out["rewards"] == [1]
    assert out["scores"] == [1]
    assert out["extra_logs"]["status"] == ["pass"]


def test_list_request_and_reward_param(service):
    queries = [PROMPT + codev(ADDER_OK), PROMPT + codev(ADDER_WRONG), PROMPT + f"```verilog\n{ADDER_OK}\n```"]
    out = openrlhf_post(service.url + "/get_reward", {"query": queries, "prompts": [PROMPT] * 3, "labels": [LABEL] * 3})
    assert out["rewards"] == [1, 0, 0]
    assert all(0 <= s <= 1 for s in out["scores"])
    assert set(out["extra_logs"]) >= {"status", "pass"}
    assert all(len(v) == 3 for v in out["extra_logs"].values())
    out = openrlhf_post(service.url + "/get_reward?reward=codev-noformat",
                        {"query": queries[2:], "prompts": [PROMPT], "labels": [LABEL]})
    assert out["rewards"] == [1]


def test_token(token_service):
    body = {"query": [PROMPT + codev(ADDER_OK)], "prompts": [PROMPT], "labels": [LABEL]}
    with pytest.raises(urllib.error.HTTPError) as e:
        openrlhf_post(token_service.url + "/get_reward", body)
    assert e.value.code == 401
    assert openrlhf_post(token_service.url + "/get_reward", body, token="s3cret-token")["rewards"] == [1]


def test_client_helper(service):
    from rtlgym_reward import RewardClient

    out = RewardClient(service.url + "/get_reward").get_reward([PROMPT + codev(ADDER_WRONG)], [PROMPT], [LABEL])
    assert out["rewards"] == [0]
