"""rtlgym_train.rl: the adaptive draw rule, group filtering, overlong shaping and no-verdict masking as plain code,
then REAL few-step DAPO runs (`python -m rtlgym_train rl`, TRL's GRPOTrainer on CPU) on a tiny model built here:
one rewarded by the real `rtlgym serve`, one by a scripted service that cannot judge some responses."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import ADDER

from rtlgym_train.rl import (
    AdaptiveDraw,
    RlOptions,
    RtlgymReward,
    grpo_config,
    informative_groups,
    overlong_penalty,
    passing_groups,
    rejection_sampling,
    step_stats,
)

# --------------------------------------------------------------------------------------------------------------
# The rules, without a model.


def test_adaptive_draw_follows_codev_r1s_rule():
    d = AdaptiveDraw()
    # rho = rho_part = 1: the first round draws exactly what is missing.
    assert d.draw_size(8) == 8
    d.after_round(kept=4, drawn=8)  # rho_part = min(1, 4/8)
    assert d.rho_part == 0.5 and d.rho == 1.0
    assert d.draw_size(4) == 8  # remaining / min(rho, rho_part) = 4 / 0.5
    d.after_round(kept=6, drawn=8)  # 6/8 > 0.5: rho_part only decreases
    assert d.rho_part == 0.5
    d.batch_filled(kept_total=10, drawn_total=16)  # rho = min(1, 10/16), rho_part back to 1
    assert d.rho == pytest.approx(0.625) and d.rho_part == 1.0
    assert d.draw_size(8) == 13  # ceil(8 / 0.625)
    d.after_round(kept=2, drawn=13)
    assert d.rho_part == pytest.approx(2 / 13)
    assert d.draw_size(6) == 39  # ceil(6 / (2/13))
    d.batch_filled(kept_total=8, drawn_total=52)
    assert d.rho == pytest.approx(8 / 52)
    # rho never increases, even after an easy batch.
    d.batch_filled(kept_total=8, drawn_total=8)
    assert d.rho == pytest.approx(8 / 52)
    # A round that kept nothing: the floor keeps the draw finite (16x the missing count at most).
    d.after_round(kept=0, drawn=39)
    assert d.rho_part == 0 and d.draw_size(3) == 48
    # State survives a checkpoint.
    e = AdaptiveDraw()
    e.load_state_dict(json.loads(json.dumps(d.state_dict())))
    assert (e.rho, e.rho_part) == (d.rho, d.rho_part)


def test_plain_dapo_draws_the_missing_count():
    d = AdaptiveDraw(adaptive=False)
    d.after_round(kept=1, drawn=8)
    d.batch_filled(kept_total=8, drawn_total=40)
    assert d.draw_size(5) == 5 and d.draw_size(0) == 0


def test_groups_with_equal_rewards_are_dropped_and_no_verdict_is_ignored():
    G = 4
    rewards = [
        *[0.0, 0.0, 0.0, 0.0],  # all fail: no signal
        *[1.0, 0.0, 0.0, 0.0],  # mixed: kept
        *[1.0, 1.0, 1.0, 1.0],  # all pass: no signal
        *[None, 1.0, None, 0.0],  # two verdicts that differ: kept
        *[None, 1.0, None, 1.0],  # the verdicts agree; the missing ones are not zeros
        *[None, None, None, 0.5],  # one verdict: nothing to compare
        *[0.5, 0.25, 0.5, 0.5],  # a dense reward: any difference counts
    ]
    assert informative_groups(rewards, G) == [False, True, False, True, False, False, True]
    with pytest.raises(ValueError):
        informative_groups([0.0] * 5, G)


def test_overlong_penalty_is_dapos_soft_punishment():
    assert overlong_penalty(80, 100, 20, 1.0) == 0.0  # up to Lmax - buf: nothing
    assert overlong_penalty(90, 100, 20, 1.0) == pytest.approx(-0.5)
    assert overlong_penalty(100, 100, 20, 1.0) == pytest.approx(-1.0)
    assert overlong_penalty(100, 100, 20, 0.5) == pytest.approx(-0.5)
    assert overlong_penalty(100, 100, 0, 1.0) == 0.0  # buffer 0: shaping off


class ScriptedService:
    """A reward service that cannot judge some responses on purpose (the real one gives infra_error only when its
    tools break). Item i of a request gets infra_error when i % 4 == 0, a null reward (no verdict) when i % 4 == 1,
    and otherwise a reward that depends on the response so that groups differ."""

    def __init__(self) -> None:
        self.items = 0
        svc = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a: object) -> None:
                pass

            def _send(self, payload: object) -> None:
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._send({"ok": True})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                results = []
                for i, item in enumerate(body["items"]):
                    svc.items += 1
                    if i % 4 == 0:
                        results.append({"reward": None, "status": "infra_error", "message": "sandbox down"})
                    elif i % 4 == 1:
                        results.append({"reward": None, "status": "fail", "message": "no verdict"})
                    else:
                        ok = len(item["response"]) % 2 == 0
                        results.append({"reward": 1.0 if ok else 0.0, "status": "pass" if ok else "fail"})
                self._send({"results": results})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted():
    s = ScriptedService()
    yield s
    s.close()


def test_no_verdict_is_none_never_zero_and_gets_no_shaping(scripted):
    fn = RtlgymReward(scripted.url, "codev", max_length=10, overlong_buffer=4, overlong_factor=1.0)
    gt = json.dumps({"reference": ADDER})
    out = fn(["p"] * 4, ["ab", "ab", "abcd", "abc"], completion_ids=[[1] * 10, [1] * 10, [1] * 10, [1] * 3],
             ground_truth=[gt] * 4)
    assert out[0] is None and out[1] is None  # infra_error, and a null reward: no verdict
    assert out[2] == pytest.approx(1.0 - 1.0)  # pass, 10 tokens of a 10-token budget with a 4-token buffer
    assert out[3] == 0.0  # fail, short: no penalty
    s = step_stats(fn.rounds)
    assert s["samples"] == 4 and s["scored"] == 2 and s["unscored"] == 2
    assert s["reward_mean"] == pytest.approx(0.5) and s["shaped_reward_mean"] == pytest.approx(0.0)
    assert s["pass_rate"] == pytest.approx(0.5) and s["format_error_rate"] == 0.0
    assert s["tokens"] == 33 and s["scored_tokens"] == 13


def test_kept_groups_of_two_rounds_become_one_batch():
    torch = pytest.importorskip("torch")
    from trl.trainer.utils import pad

    from rtlgym_train.rl import _concat, _select

    def round_(n: int, p: int, c: int, base: int) -> dict:
        return {
            "prompt_ids": torch.arange(n * p).reshape(n, p) + base,
            "prompt_mask": torch.ones(n, p, dtype=torch.long),
            "completion_ids": torch.arange(n * c).reshape(n, c) + base,
            "completion_mask": torch.ones(n, c, dtype=torch.long),
            "advantages": torch.arange(n, dtype=torch.float) + base,
            "num_items_in_batch": torch.tensor(n * c),
        }

    a, b = round_(4, 3, 5, 0), round_(4, 2, 7, 100)
    # Groups of 2: keep group 1 of round a (rows 2, 3) and group 0 of round b (rows 0, 1).
    batch = _concat([_select(a, [2, 3], [0.0, 0.0, 1.0, None]), _select(b, [0, 1], [0.5, 0.0, 1.0, 1.0])], -1, pad)
    assert batch["_rewards"] == [1.0, None, 0.5, 0.0]
    assert batch["advantages"].tolist() == [2.0, 3.0, 100.0, 101.0]
    assert batch["prompt_ids"].shape == (4, 3) and batch["completion_ids"].shape == (4, 7)
    assert batch["prompt_ids"][2].tolist() == [-1, 100, 101]  # prompts stay left-padded
    assert batch["prompt_mask"][2].tolist() == [0, 1, 1]
    assert batch["completion_ids"][0].tolist() == [10, 11, 12, 13, 14, -1, -1]  # completions right-padded
    assert batch["completion_mask"][0].tolist() == [1, 1, 1, 1, 1, 0, 0]
    assert "num_items_in_batch" not in batch  # recomputed by the trainer after masking


# --------------------------------------------------------------------------------------------------------------
# Real runs.

torch = pytest.importorskip("torch")
pytest.importorskip("trl")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, Path]:
    """A 1-layer model with a BPE tokenizer, fitted for 60 steps on fenced adders (so its samples range from broken
    to right and a dense reward differs within a group), and RL rows asking for adders of other widths."""
    from rtlgym_train.data import Collator, encode, row_to_pair
    from rtlgym_train.presets import PRESETS
    from rtlgym_train.sft import build_scratch_model
    from rtlgym_train.tokenizer import train_tokenizer

    root = tmp_path_factory.mktemp("rl")
    rows, pairs = [], []
    for i in range(12):
        w = 2 + i % 5
        ref = ADDER.replace("[3:0]", f"[{w - 1}:0]").replace("[4:0]", f"[{w}:0]")
        prompt = [{"role": "user", "content": f"Write a {w}-bit adder `adder` with inputs a, b and output sum."}]
        rows.append({"id": f"add{i}", "prompt": prompt, "ground_truth": json.dumps({"reference": ref})})
        answer = [{"role": "assistant", "content": f"```verilog\n{ref}```"}]
        pairs.append(row_to_pair({"prompt": prompt, "completion": answer}, "r"))
    data = root / "rl.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    tok = train_tokenizer(pairs, 300)
    torch.manual_seed(0)
    preset = dataclasses.replace(PRESETS["smoke"], hidden_size=64, intermediate_size=128, layers=1, heads=2)
    model = build_scratch_model(tok, preset)
    examples = [encode(tok, p, 512) for p in pairs]
    batch = Collator(tok.pad_token_id)([{"input_ids": e.input_ids, "labels": e.labels} for e in examples])
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for _ in range(60):
        model(**batch).loss.backward()
        opt.step()
        opt.zero_grad()
    model.save_pretrained(root / "start")
    tok.save_pretrained(root / "start")
    return root / "start", data


def run_rl(config: dict, tmp: Path, *extra: str) -> list[dict]:
    path = tmp / f"config-{len(list(tmp.glob('config-*')))}.json"
    path.write_text(json.dumps(config))
    cmd = [sys.executable, "-m", "rtlgym_train", "rl", "--config", str(path), *extra]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    assert events and events[-1]["event"] == "done", proc.stderr[-3000:]
    return events


def base_config(model: Path, data: Path, out: Path, url: str) -> dict:
    return {
        "model": str(model), "data": str(data), "out": str(out), "reward_url": url, "max_steps": 3,
        "batch_prompts": 2, "num_generations": 4, "max_completion_length": 64, "overlong_buffer": 8,
        "learning_rate": 1e-3, "threads": 1, "save_steps": 2, "max_rounds": 3,
    }


def test_rejection_sampling_keeps_groups_with_a_pass_and_trains_on_the_passes_alone():
    import torch

    statuses = ["fail", "pass", "fail", "fail", "compile_error", "fail", "timeout", "fail"]
    assert passing_groups(statuses, 4) == [True, False]
    assert passing_groups(statuses, 2) == [True, False, False, False]
    assert passing_groups(["pass"] * 4, 2) == [True, True]
    with pytest.raises(ValueError):
        passing_groups(statuses, 3)
    batch = {"advantages": torch.tensor([0.5, -0.5, 1.2, -1.2]), "completion_mask": torch.ones(4, 3, dtype=torch.int)}
    batch["completion_mask"][3, 2] = 0
    rejection_sampling(batch, [False, True, False, True])
    assert batch["advantages"].tolist() == [0.0, 1.0, 0.0, 1.0]
    assert batch["completion_mask"].tolist() == [[0, 0, 0], [1, 1, 1], [0, 0, 0], [1, 1, 0]]
    with pytest.raises(ValueError, match="advantage"):
        RlOptions.from_dict({"model": "m", "data": "d", "out": "o", "reward_url": "u", "advantage": "best"})


def test_cpu_runs_in_float32_unless_the_config_asks(tmp_path):
    # TRL defaults bf16 to True even on CPU; autocast to bf16 there made every update ~11x slower.
    cfg = {"model": "m", "data": "d.jsonl", "out": str(tmp_path), "reward_url": "http://127.0.0.1:1"}
    assert grpo_config(RlOptions.from_dict(cfg), tmp_path / "ckpt").bf16 is False
    forced = RlOptions.from_dict({**cfg, "extra": {"bf16": True}})
    assert grpo_config(forced, tmp_path / "ckpt").bf16 is True


def test_few_dapo_steps_on_cpu_with_the_real_service(tiny, service, tmp_path):
    model, data = tiny
    out = tmp_path / "rl"
    # itertl: compiles + Rouge-L to the reference, which varies within a group for this barely fitted model.
    cfg = {**base_config(model, data, out, service.url), "reward": "itertl"}
    before = service.rewards_requests()
    events = run_rl(cfg, tmp_path)
    start, done = events[0], events[-1]
    steps = [e for e in events if e["event"] == "step"]
    assert start["resumed_from"] is None and [s["step"] for s in steps] == [1, 2, 3]
    for s in steps:
        assert s["samples"] == s["drawn_groups"] * 4 and s["scored"] == s["samples"]
        assert 0 < s["kept_groups"] <= s["target_groups"] == 2 and s["drawn_groups"] >= s["kept_groups"]
        assert s["kept_ratio"] == pytest.approx(s["kept_groups"] / s["drawn_groups"])
        assert s["reward_mean"] is not None and s["response_length_mean"] > 0 and s["entropy"] > 0
        assert s["generation_s"] > 0 and s["reward_s"] > 0 and s["update_s"] > 0
        assert s["loss_tokens"] > 0 and s["masked_samples"] == 0
        assert 0 <= s["pass_rate"] <= 1 and 0 <= s["format_error_rate"] <= 1
    assert steps[0]["kl_to_start"] == pytest.approx(0.0, abs=1e-6)  # the policy is the start model before step 1
    assert steps[-1]["kl_to_start"] > 0  # and has moved away from it after two updates at lr 1e-3
    # Every response was scored by the service, one request per generation round.
    assert service.rewards_requests() - before == sum(s["rounds"] for s in steps)
    assert done["steps"] == 3 and done["totals"]["samples"] == sum(s["samples"] for s in steps)
    assert (out / "model.safetensors").is_file() and (out / "rtlgym-rl.json").is_file()
    state = json.loads((out / "checkpoints" / "checkpoint-2" / "rtlgym-rl-state.json").read_text())
    assert state["cursor"] > 0 and state["totals"]["drawn_groups"] > 0

    # Resume: a longer run on the same out starts from checkpoint 3, with the sampler's state and counters.
    more = run_rl({**cfg, "max_steps": 4}, tmp_path)
    assert more[0]["resumed_from"].endswith("checkpoint-3")
    resumed = [e for e in more if e["event"] == "step"]
    assert [s["step"] for s in resumed] == [4]
    assert more[-1]["totals"]["drawn_groups"] == done["totals"]["drawn_groups"] + resumed[0]["drawn_groups"]
    # Other settings on the same out are refused.
    bad = subprocess.run(
        [sys.executable, "-m", "rtlgym_train", "rl", "--config", str(_write(tmp_path, {**cfg, "seed": 9}))],
        capture_output=True, text=True, timeout=300,
    )
    assert bad.returncode == 2 and "--fresh" in bad.stdout


def _write(tmp: Path, cfg: dict) -> Path:
    p = tmp / "other.json"
    p.write_text(json.dumps(cfg))
    return p


def test_groups_that_all_fail_are_dropped_and_redrawn_by_the_adaptive_rule(tiny, service, tmp_path):
    model, data = tiny
    # codev on a random model: every response fails the format gate (reward 0). The overlong shaping makes the
    # shaped rewards differ, but groups are filtered on the verified reward, so none is kept.
    cfg = {**base_config(model, data, tmp_path / "rl", service.url), "reward": "codev", "max_steps": 2,
           "max_completion_length": 16, "overlong_buffer": 8, "max_rounds": 2, "min_keep_ratio": 0.5,
           "learning_rate": 1e-2}
    events = run_rl(cfg, tmp_path)
    s, s2 = [e for e in events if e["event"] == "step"]
    assert s["statuses"] == {"format_error": s["samples"]} and s["reward_mean"] == 0.0
    assert s["shaped_reward_mean"] < 0  # shaping applied, but not what filters
    # Round 1 draws the 2 missing prompts and keeps none: rho_part = 0, floored at 0.5, so round 2 draws 2 / 0.5.
    assert s["rounds"] == 2 and s["drawn_groups"] == 2 + 4 and s["kept_groups"] == 0 and s["empty_batch"] is True
    assert s["rho"] == 1.0  # the batch never filled: rho is only updated by a full batch
    assert s["samples"] == 6 * 4
    # Nothing kept: the step does not move the model (no loss token, no optimizer update, momentum included), even
    # at a large learning rate and although the shaped rewards differ within the groups.
    assert s["update_skipped"] is True and s["loss_tokens"] == 0 and s["masked_samples"] == 4 * 4  # the last round
    assert s2["empty_batch"] is True and s2["kl_to_start"] == pytest.approx(0.0, abs=1e-9)


def test_responses_without_a_verdict_are_masked_out_of_the_loss(tiny, scripted, tmp_path):
    model, data = tiny
    cfg = {**base_config(model, data, tmp_path / "rl", scripted.url), "max_steps": 2, "dynamic_sampling": False,
           "overlong_buffer": 0}
    events = run_rl(cfg, tmp_path)
    steps = [e for e in events if e["event"] == "step"]
    assert len(steps) == 2
    for s in steps:
        # Half of every group has no verdict (infra_error, null reward): out of the loss, not scored 0.
        assert s["samples"] == 8 and s["unscored"] == 4 and s["masked_samples"] == 4
        assert s["statuses"].get("infra_error") == 2
        # Without dynamic sampling every drawn response is in the batch: the DAPO normaliser counts exactly the
        # tokens of the responses that have a verdict.
        assert s["loss_tokens"] == s["scored_tokens"] < s["tokens"]
        assert s["reward_mean"] in (0.0, 0.25, 0.5, 0.75, 1.0)
    assert scripted.items == 16


def test_the_grpo_baseline_keeps_every_group_and_a_kl_term(tiny, scripted, tmp_path):
    model, data = tiny
    cfg = {**base_config(model, data, tmp_path / "rl", scripted.url), "max_steps": 2, "loss_type": "grpo",
           "epsilon_high": 0.2, "beta": 0.04, "overlong_buffer": 0, "dynamic_sampling": False, "adaptive": False}
    steps = [e for e in run_rl(cfg, tmp_path) if e["event"] == "step"]
    assert [s["rounds"] for s in steps] == [1, 1] and all(s["drawn_groups"] == s["kept_groups"] == 2 for s in steps)
    # The KL log reuses TRL's own reference model (the start model) when the loss has a KL term.
    assert steps[0]["kl_to_start"] == pytest.approx(0.0, abs=1e-6) and steps[1]["kl_to_start"] > 0


def test_rejection_sampling_trains_on_the_passing_responses_only(tiny, scripted, tmp_path):
    model, data = tiny
    cfg = {**base_config(model, data, tmp_path / "rl", scripted.url), "max_steps": 2, "advantage": "pass",
           "overlong_buffer": 0, "epsilon_high": 0.2}
    steps = [e for e in run_rl(cfg, tmp_path) if e["event"] == "step"]
    assert len(steps) == 2
    for s in steps:
        # Half the scripted verdicts are missing and the rest pass or fail by length: the loss holds some of the
        # scored tokens (the passes), never all of them.
        if s["kept_groups"]:
            assert s["statuses"].get("pass", 0) > 0 and 0 < s["loss_tokens"] < s["scored_tokens"]
        else:
            assert s["update_skipped"] and s["loss_tokens"] == 0


def test_bad_config_is_bad_input(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"model": "m", "data": "d", "out": "o", "reward_url": "u", "num_generation": 3}))
    proc = subprocess.run([sys.executable, "-m", "rtlgym_train", "rl", "--config", str(path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    err = json.loads(proc.stdout.splitlines()[-1])
    assert err["kind"] == "bad_input" and "num_generation" in err["message"]
