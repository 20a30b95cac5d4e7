"""rtlgym_train: the loss mask, the row shapes, the tokenizer's chat template, and resuming a killed run. Real
tokenizers, transformers and torch on CPU; tiny data written here."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from rtlgym_train.data import IGNORE_INDEX, Collator, DataError, Pair, encode, render, resolve_train_files, row_to_pair
from rtlgym_train.tokenizer import IM_END, train_tokenizer

SYSTEM = "You are an expert digital hardware designer."


def row(i: int) -> dict:
    width = 2 + i % 7
    return {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Write an adder of two {width}-bit inputs a and b with output sum."},
            {
                "role": "assistant",
                "content": f"```verilog\nmodule TopModule(input [{width - 1}:0] a, input [{width - 1}:0] b, "
                f"output [{width}:0] sum);\n  assign sum = a + b;\nendmodule\n```",
            },
        ]
    }


@pytest.fixture(scope="module")
def pairs() -> list[Pair]:
    return [row_to_pair(row(i), f"row {i}") for i in range(40)]


@pytest.fixture(scope="module")
def tokenizer(pairs):
    return train_tokenizer(pairs, 300)


def test_loss_mask_covers_exactly_the_answer(tokenizer, pairs):
    ex = encode(tokenizer, pairs[3], 512)
    assert ex is not None
    prompt, completion = render(tokenizer, pairs[3])
    n_prompt = len(tokenizer(prompt, add_special_tokens=False)["input_ids"])
    assert all(label == IGNORE_INDEX for label in ex.labels[:n_prompt])
    assert ex.labels[n_prompt:] == ex.input_ids[n_prompt:]
    # The supervised tokens decode to the answer followed by the end-of-turn token, and nothing of the prompt.
    answer = tokenizer.decode(ex.labels[n_prompt:])
    assert answer.startswith("```verilog\nmodule TopModule")
    assert IM_END in answer
    assert SYSTEM not in answer and "Write an adder" not in answer
    assert prompt.endswith("<|im_start|>assistant\n")


def test_prompt_completion_rows_and_too_long_examples(tokenizer):
    pair = row_to_pair({"prompt": "module add", "completion": "er(); endmodule"}, "row")
    ex = encode(tokenizer, pair, 512)
    assert ex is not None
    n_prompt = len(tokenizer("module add", add_special_tokens=False)["input_ids"])
    assert ex.labels[:n_prompt] == [IGNORE_INDEX] * n_prompt
    assert ex.labels[-1] == tokenizer.eos_token_id
    assert encode(tokenizer, pair, n_prompt + 1) is None  # does not fit: dropped, never cut mid-answer
    conv = row_to_pair(
        {"prompt": [{"role": "user", "content": "q"}], "completion": [{"role": "assistant", "content": "a"}]}, "r"
    )
    assert conv.prompt_messages == [{"role": "user", "content": "q"}] and conv.completion == "a"
    with pytest.raises(DataError):
        row_to_pair({"messages": [{"role": "user", "content": "no answer"}]}, "r")
    with pytest.raises(DataError):
        row_to_pair({"text": "x"}, "r")


def test_collator_pads_labels_with_ignore_index(tokenizer, pairs):
    examples = [encode(tokenizer, p, 512) for p in pairs[:3]]
    collator = Collator(tokenizer.pad_token_id)
    batch = collator([{"input_ids": e.input_ids, "labels": e.labels} for e in examples])
    short = min(range(3), key=lambda i: len(examples[i].input_ids))
    n = len(examples[short].input_ids)
    assert (batch["labels"][short, n:] == IGNORE_INDEX).all()
    assert (batch["attention_mask"][short, n:] == 0).all()
    assert collator.tokens_seen == sum(len(e.input_ids) for e in examples)


def test_prompt_loss_weight_labels_the_prompt_and_weights_it_apart(tokenizer, pairs):
    import torch

    from rtlgym_train.sft import weighted_causal_lm_loss

    examples = [encode(tokenizer, p, 512) for p in pairs[:3]]
    rows = [{"input_ids": e.input_ids, "labels": e.labels} for e in examples]
    answer_only = Collator(tokenizer.pad_token_id)(rows)
    assert "loss_weight" not in answer_only
    batch = Collator(tokenizer.pad_token_id, 0.25)(rows)
    real = batch["attention_mask"] == 1
    answer = answer_only["labels"] != IGNORE_INDEX
    # Every real token is a label; the answer weighs 1, the prompt 0.25, padding nothing.
    assert (batch["labels"][real] == batch["input_ids"][real]).all()
    assert (batch["labels"][~real] == IGNORE_INDEX).all()
    assert (batch["loss_weight"][answer] == 1).all()
    assert (batch["loss_weight"][real & ~answer] == 0.25).all()
    assert (batch["loss_weight"][~real] == 0).all()

    torch.manual_seed(0)
    logits = torch.randn(*batch["input_ids"].shape, len(tokenizer))
    ce = torch.nn.functional.cross_entropy

    def mean_ce(labels):
        return ce(logits[:, :-1].reshape(-1, logits.size(-1)), labels[:, 1:].reshape(-1), ignore_index=IGNORE_INDEX)

    # Weights 1 on the answer and 0 elsewhere: the answer-only loss; 1 on every real token: the plain full loss.
    answer_weights = answer.float()
    assert torch.allclose(weighted_causal_lm_loss(logits, batch["labels"], answer_weights), mean_ce(answer_only["labels"]))
    assert torch.allclose(weighted_causal_lm_loss(logits, batch["labels"], real.float()), mean_ce(batch["labels"]))
    mixed = weighted_causal_lm_loss(logits, batch["labels"], batch["loss_weight"])
    assert mixed.item() != mean_ce(answer_only["labels"]).item()


def test_prompt_loss_weight_is_checked_and_keyed_only_when_on(tmp_path):
    from rtlgym_train.sft import SftOptions, resolve_preset, run_key

    plain = SftOptions(data=tmp_path, out=tmp_path, preset="smoke")
    answer_only = SftOptions(data=tmp_path, out=tmp_path, preset="tiny", prompt_loss_weight=0)
    weighted = SftOptions(data=tmp_path, out=tmp_path, preset="smoke", prompt_loss_weight=0.5)
    assert "prompt_loss_weight" not in run_key(plain, resolve_preset(plain))["preset"]
    assert "prompt_loss_weight" not in run_key(answer_only, resolve_preset(answer_only))["preset"]
    assert run_key(weighted, resolve_preset(weighted))["preset"]["prompt_loss_weight"] == 0.5
    tiny = SftOptions(data=tmp_path, out=tmp_path, preset="tiny")
    assert resolve_preset(tiny).prompt_loss_weight == 1.0  # the testbed model's measured choice
    with pytest.raises(ValueError, match="between 0 and 1"):
        resolve_preset(SftOptions(data=tmp_path, out=tmp_path, preset="tiny", prompt_loss_weight=1.5))


def test_shape_overrides_the_preset_for_a_model_from_scratch_and_is_keyed(tmp_path):
    from rtlgym_train.sft import SftOptions, resolve_preset, run_key

    o = SftOptions(data=tmp_path, out=tmp_path, preset="tiny", shape="6x208x4x624")
    p = resolve_preset(o)
    assert (p.layers, p.hidden_size, p.heads, p.intermediate_size) == (6, 208, 4, 624)
    assert p.batch_size == resolve_preset(SftOptions(data=tmp_path, out=tmp_path, preset="tiny")).batch_size
    # Part of the run key, so a rerun with another shape does not resume these checkpoints.
    assert run_key(o, p)["preset"]["layers"] == 6
    for bad in ("4x256x4", "0x256x4x768", "4x250x4x768", "4xx4x768"):
        with pytest.raises(ValueError, match="shape"):
            resolve_preset(SftOptions(data=tmp_path, out=tmp_path, preset="tiny", shape=bad))
    with pytest.raises(ValueError, match="from scratch"):
        resolve_preset(SftOptions(data=tmp_path, out=tmp_path, preset="tiny", base="some/model", shape="4x256x4x768"))


def test_batch_size_and_learning_rate_override_the_preset_and_are_checked(tmp_path):
    from rtlgym_train.sft import SftOptions, resolve_preset, run_key

    o = SftOptions(data=tmp_path, out=tmp_path, preset="tiny", batch_size=8, learning_rate=1e-3)
    p = resolve_preset(o)
    assert (p.batch_size, p.learning_rate) == (8, 1e-3)
    # Part of the run key, so a rerun with another batch size does not resume these checkpoints.
    assert run_key(o, p)["preset"]["batch_size"] == 8
    for bad in ({"batch_size": 0}, {"learning_rate": 0.0}, {"learning_rate": float("nan")}):
        with pytest.raises(ValueError, match="must be"):
            resolve_preset(SftOptions(data=tmp_path, out=tmp_path, preset="tiny", **bad))


def test_split_digits_spells_every_number_with_single_digits():
    # A corpus that repeats a few multi-digit constants, which plain BPE merges into single tokens.
    wide = [Pair(None, "constants", f"localparam N{i} = 1234; wire [15:0] w{i} = 16'd{i % 4 + 12};") for i in range(200)]
    text = "module TopModule(input [15:0] a); assign y = a == 16'd1234 ? 8'b00001111 : 8'd7; endmodule"
    merged = train_tokenizer(wide, 400)
    split = train_tokenizer(wide, 400, split_digits=True)
    merged_tokens = merged.convert_ids_to_tokens(merged(text)["input_ids"])
    split_tokens = split.convert_ids_to_tokens(split(text)["input_ids"])
    digit_runs = lambda tokens: [t.lstrip("\u0120") for t in tokens if t.lstrip("\u0120").isdigit()]  # noqa: E731
    # Plain BPE merges the constants it saw ("1234", "15"); split, no token holds two digits.
    assert any(len(t) > 1 for t in digit_runs(merged_tokens))
    assert all(len(t) == 1 for t in digit_runs(split_tokens))
    assert "".join(digit_runs(split_tokens)) == "".join(c for c in text if c.isdigit())
    for tok in (merged, split):
        assert tok.decode(tok(text)["input_ids"]) == text
    # The choice is saved with the tokenizer, so a served or resumed model splits the same way.
    assert "Digits" in split.backend_tokenizer.to_str() and "Digits" not in merged.backend_tokenizer.to_str()


def test_split_digits_is_refused_with_a_base_model(tmp_path):
    from rtlgym_train.sft import SftOptions, resolve_preset

    assert resolve_preset(SftOptions(data=tmp_path, out=tmp_path, preset="tiny", split_digits=True)).split_digits
    assert not resolve_preset(SftOptions(data=tmp_path, out=tmp_path, preset="tiny")).split_digits
    with pytest.raises(ValueError, match="base model brings its own"):
        resolve_preset(SftOptions(data=tmp_path, out=tmp_path, base="some/model", split_digits=False))


def test_split_digits_is_part_of_the_run_key_only_when_on(tmp_path):
    from rtlgym_train.sft import SftOptions, resolve_preset, run_key

    plain = SftOptions(data=tmp_path, out=tmp_path, preset="tiny")
    split = SftOptions(data=tmp_path, out=tmp_path, preset="tiny", split_digits=True)
    # Off: the key is what it was before the option existed, so older checkpoints still resume.
    assert "split_digits" not in run_key(plain, resolve_preset(plain))["preset"]
    assert run_key(split, resolve_preset(split))["preset"]["split_digits"] is True


def test_train_files_prefer_messages_and_skip_heldout(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "heldout-params").mkdir()
    (tmp_path / "train" / "sft-messages.jsonl").write_text(json.dumps(row(0)) + "\n")
    (tmp_path / "train" / "sft-prompt-completion.jsonl").write_text(json.dumps({"prompt": "p", "completion": "c"}))
    (tmp_path / "heldout-params" / "sft-messages.jsonl").write_text(json.dumps(row(1)) + "\n")
    (tmp_path / "train" / "tasks.jsonl").write_text(json.dumps({"id": "t", "spec": "x"}) + "\n")
    assert resolve_train_files(tmp_path) == [tmp_path / "train" / "sft-messages.jsonl"]
    with pytest.raises(DataError):
        resolve_train_files(tmp_path / "heldout-params" / "missing")


def run_sft(data: Path, out: Path, *extra: str, kill_after_checkpoint: bool = False) -> list[dict]:
    cmd = [sys.executable, "-m", "rtlgym_train", "sft", "--data", str(data), "--out", str(out), "--preset", "smoke"]
    cmd += ["--threads", "1", *extra]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    events = []
    assert proc.stdout is not None
    for line in proc.stdout:
        events.append(json.loads(line))
        if kill_after_checkpoint and events[-1]["event"] == "checkpoint":
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=300)
    return events


def test_a_killed_run_resumes_from_its_last_checkpoint(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(row(i)) + "\n" for i in range(24)))
    out = tmp_path / "model"
    common = ["--max-steps", "40", "--batch-size", "4", "--seed", "3"]
    first = run_sft(data, out, *common, "--save-steps", "4", kill_after_checkpoint=True)
    assert first[0]["event"] == "start" and first[0]["resumed_from"] is None
    assert any(e["event"] == "checkpoint" for e in first)
    assert not (out / "model.safetensors").exists()  # killed before the end
    second = run_sft(data, out, *common, "--save-steps", "4")
    start = second[0]
    assert start["resumed_from"] is not None
    resumed_at = int(start["resumed_from"].rsplit("-", 1)[1])
    assert resumed_at >= 4 and resumed_at % 4 == 0 and resumed_at < 40
    done = second[-1]
    assert done["event"] == "done", second
    assert done["steps"] == 40 and done["steps_this_run"] == 40 - resumed_at
    assert (out / "model.safetensors").is_file() and (out / "tokenizer.json").is_file()
    record = json.loads((out / "rtlgym-train.json").read_text())
    assert record["seed"] == 3 and "torch" in record["versions"] and "transformers" in record["versions"]
    # Another setting on the same directory is refused instead of mixing two runs.
    other = run_sft(data, out, "--max-steps", "41", "--batch-size", "4", "--seed", "3", "--save-steps", "4")
    assert other[-1]["event"] == "error" and "--fresh" in other[-1]["message"]


def test_the_same_trainer_fine_tunes_a_saved_model_with_lora(tmp_path):
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(row(i)) + "\n" for i in range(16)))
    base = tmp_path / "base"
    assert run_sft(data, base, "--max-steps", "2", "--batch-size", "4")[-1]["event"] == "done"
    events = run_sft(data, tmp_path / "lora", "--base", str(base), "--lora", "--max-steps", "3", "--batch-size", "4")
    start, done = events[0], events[-1]
    assert done["event"] == "done", events
    assert start["trainable_parameters"] < start["parameters"] / 2  # only the adapters train
    assert (tmp_path / "lora" / "adapter" / "adapter_config.json").is_file()
    from transformers import AutoModelForCausalLM

    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "lora")  # a plain model directory, LoRA merged in
    assert not any("lora" in name for name, _ in merged.named_parameters())


def sft_on_rows(tmp_path: Path, *extra: str) -> tuple[Path, dict]:
    """A smoke run on 16 rows, batch 4; returns the data file and the run's last event (checked to be `done`)."""
    data = tmp_path / "train.jsonl"
    data.write_text("".join(json.dumps(row(i)) + "\n" for i in range(16)))
    events = run_sft(data, tmp_path / "model", "--batch-size", "4", *extra)
    assert events[-1]["event"] == "done", events
    return data, events[-1]


def test_a_run_with_prompt_loss_trains_and_records_the_weight(tmp_path):
    data, done = sft_on_rows(tmp_path, "--max-steps", "20", "--prompt-loss-weight", "0.5")
    assert done["preset"]["prompt_loss_weight"] == 0.5
    assert 0 < done["final_loss"] < done["first_loss"]
    bad = run_sft(data, tmp_path / "bad", "--max-steps", "2", "--prompt-loss-weight", "2")
    assert bad[-1]["event"] == "error" and "between 0 and 1" in bad[-1]["message"]


def test_the_schedule_is_transformers_cosine_until_the_time_budget_leads():
    from functools import partial

    from transformers.optimization import _get_cosine_schedule_with_warmup_lr_lambda as hf_cosine

    from rtlgym_train.sft import cosine_lr_factor

    hf = partial(hf_cosine, num_warmup_steps=30, num_training_steps=1800, num_cycles=0.5)
    for step in (0, 10, 30, 31, 500, 900, 1799, 1800):
        assert cosine_lr_factor(step, 30, 1800, 0.0) == pytest.approx(hf(step))
    for step in (500, 900, 1799, 1800):
        # Time behind the steps changes nothing: the run stays deterministic where max_steps fits the budget.
        behind = (step - 30) / 1770 - 0.05
        assert cosine_lr_factor(step, 30, 1800, behind) == pytest.approx(hf(step))
    # Time ahead of the steps: the schedule follows the budget and reaches 0 when it is spent.
    assert cosine_lr_factor(600, 30, 1800, 0.5) == pytest.approx(0.5)
    assert cosine_lr_factor(1000, 30, 1800, 1.0) == 0.0
    assert cosine_lr_factor(1000, 30, 1800, 3.0) == 0.0
    assert cosine_lr_factor(10, 30, 1800, 0.9) == pytest.approx(10 / 30)  # warm-up is by steps
    from rtlgym_train.sft import SftOptions, resolve_preset

    for budget in (0, -5):
        with pytest.raises(ValueError, match="above 0 seconds"):
            resolve_preset(SftOptions(data=Path("."), out=Path("."), preset="smoke", time_budget_s=budget))


def test_a_run_stopped_by_its_time_budget_ends_annealed(tmp_path):
    _, done = sft_on_rows(tmp_path, "--max-steps", "100000", "--time-budget-s", "6")
    assert done["stopped_by"] == "time_budget"
    assert done["steps"] < 100000
    # The step-based cosine would still be at its peak (3e-3) this early; the budget-led one is near 0.
    assert done["final_learning_rate"] < 0.05 * done["preset"]["learning_rate"]
