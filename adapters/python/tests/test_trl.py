"""The TRL reward function (called the way GRPOTrainer calls it) against the real service."""

import asyncio
import json

import pytest
from conftest import ADDER, ADDER_OK, ADDER_WRONG, COMPILE_ERROR, codev

from rtlgym_reward import make_trl_reward

GT = json.dumps({"reference": ADDER})


def test_string_completions(service):
    fn = make_trl_reward(url=service.url)
    assert fn.__name__ == "rtlgym_codev"
    before = service.rewards_requests()
    prompts = ["Write an adder."] * 3
    completions = [codev(ADDER_OK), codev(ADDER_WRONG), COMPILE_ERROR]
    rewards = fn(prompts, completions, problem=[GT] * 3, trainer_state=None, completion_ids=[[1], [2], [3]])
    assert rewards == [1.0, 0.0, 0.0]
    assert service.rewards_requests() - before == 1
    assert fn.stats.calls == 1 and fn.stats.items == 3
    assert fn.stats.statuses == {"pass": 1, "fail": 1, "compile_error": 1}


def test_conversational_completions(service):
    fn = make_trl_reward(url=service.url, reward="codev", problem_column="ground_truth")
    prompts = [[{"role": "user", "content": "Write an adder."}]] * 3
    completions = [
        [{"role": "assistant", "content": codev(ADDER_OK)}],
        [{"role": "assistant", "content": [{"type": "text", "text": codev(ADDER_WRONG)}]}],
        [{"role": "assistant", "content": codev(ADDER_OK)}],
    ]
    logged = {}
    rewards = fn(prompts, completions, ground_truth=[GT, {"reference": ADDER}, GT],
                 log_metric=lambda k, v: logged.__setitem__(k, v))
    assert rewards == [1.0, 0.0, 1.0]
    assert logged["rtlgym/pass"] == pytest.approx(2 / 3)


def test_async_variant(service):
    fn = make_trl_reward(url=service.url, asynchronous=True)
    assert asyncio.iscoroutinefunction(fn)
    assert asyncio.run(fn(["p"], [codev(ADDER_OK)], problem=[GT])) == [1.0]


def test_missing_column_is_explained(service):
    fn = make_trl_reward(url=service.url)
    with pytest.raises(KeyError, match="problem_column"):
        fn(["p"], ["c"], solution=["x"])
