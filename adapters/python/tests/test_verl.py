"""verl reward functions against the real service."""

import asyncio
import importlib.util
import json
from pathlib import Path

from conftest import ADDER, ADDER_OK, ADDER_WRONG, COMPILE_ERROR, COUNTER, COUNTER_OK, codev

from rtlgym_reward.verl import compute_score, compute_score_async, compute_score_batch, compute_score_batch_async

GT_ADDER = json.dumps({"reference": ADDER})  # what a verl parquet row stores in reward_model.ground_truth
KEYS = {"score", "acc", "status", "cached", "infra_error", "message"}


def test_compute_score_single(service):
    out = compute_score("rtlgym/inline", codev(ADDER_OK), GT_ADDER, {"split": "train", "index": 0}, url=service.url)
    assert set(out) == KEYS
    assert out["score"] == 1.0 and out["acc"] == 1.0 and out["status"] == "pass" and out["infra_error"] == 0.0
    bad = compute_score("rtlgym/inline", codev(ADDER_WRONG), {"reference": ADDER}, url=service.url)
    assert bad["score"] == 0.0 and bad["status"] == "fail"


def test_compute_score_batch_is_one_request(service):
    # One prompt's group: 8 responses, duplicates included, as verl's batch manager hands them over.
    responses = [codev(ADDER_OK), codev(ADDER_WRONG), COMPILE_ERROR, codev(ADDER_OK)] * 2
    before = service.rewards_requests()
    out = compute_score_batch(
        data_sources=["rtlgym"] * 8,
        solution_strs=responses,
        ground_truths=[GT_ADDER] * 8,
        extra_infos=[{"index": i} for i in range(8)],
        url=service.url,
        reward="codev",
    )
    assert service.rewards_requests() - before == 1
    assert [o["score"] for o in out] == [1.0, 0.0, 0.0, 1.0] * 2
    assert [o["status"] for o in out] == ["pass", "fail", "compile_error", "pass"] * 2
    assert all(set(o) == KEYS for o in out)


def test_reward_name_and_per_row_override(service):
    bare = f"```verilog\n{ADDER_OK}\n```"
    out = compute_score_batch(
        ["d", "d"], [bare, bare], [GT_ADDER, GT_ADDER], [None, {"rtlgym_reward": "codev-noformat"}], url=service.url
    )
    assert [o["status"] for o in out] == ["format_error", "pass"]
    assert compute_score("d", bare, GT_ADDER, url=service.url, reward="codev-noformat")["score"] == 1.0


def test_async_single_calls_are_coalesced(service):
    async def main():
        return await asyncio.gather(
            *[
                compute_score_async("d", r, gt, None, url=service.url)
                for r, gt in [
                    (codev(ADDER_OK), GT_ADDER),
                    (codev(ADDER_WRONG), GT_ADDER),
                    (codev(COUNTER_OK), {"reference": COUNTER}),
                    (COMPILE_ERROR, GT_ADDER),
                ]
            ]
        )

    before = service.rewards_requests()
    out = asyncio.run(main())
    assert [o["status"] for o in out] == ["pass", "fail", "pass", "compile_error"]
    assert service.rewards_requests() - before == 1


def test_async_batch(service):
    out = asyncio.run(
        compute_score_batch_async(["d"] * 2, [codev(ADDER_OK), codev(ADDER_WRONG)], [GT_ADDER] * 2, url=service.url)
    )
    assert [o["score"] for o in out] == [1.0, 0.0]


def test_loaded_by_file_path_like_verl(service):
    # verl's custom_reward_function.path: the file is imported by path, outside any package.
    path = Path(__file__).resolve().parents[1] / "verl_reward.py"
    spec = importlib.util.spec_from_file_location("custom_module", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    fn = mod.compute_score_batch
    out = fn(data_sources=["d"], solution_strs=[codev(ADDER_OK)], ground_truths=[GT_ADDER], extra_infos=[None],
             url=service.url)
    assert out[0]["score"] == 1.0
    # verl's reward loop passes extra keyword arguments of its own: they are ignored.
    out = mod.compute_score(data_source="d", solution_str=codev(ADDER_OK), ground_truth=GT_ADDER, extra_info=None,
                            url=service.url, reward_router_address=None, reward_model_tokenizer=None)
    assert out["score"] == 1.0
