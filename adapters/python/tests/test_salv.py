"""SALV's masked DPO: the token mask of every row decodes back to the slice text (the released SALV builder got its
mask wrong), the masked loss ignores tokens outside the slice, and a few real DPO steps run on a tiny model.

The rows are `rtlgym data salv-pairs` output on real verdicts (fixtures/salv_pairs.jsonl, made from
fixtures/salv_samples.jsonl against the builtin suite): signal-level pairs on a comparator and an FSM, one module-level
pair, non-ASCII text before the code. Real tokenizers, TRL and torch on CPU."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("trl")

from rtlgym_train.data import Pair
from rtlgym_train.salv import SalvOptions, encode_row, encode_rows, load_rows, make_classes, train
from rtlgym_train.tokenizer import train_tokenizer

FIXTURE = Path(__file__).parent / "fixtures" / "salv_pairs.jsonl"


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return load_rows(FIXTURE)


@pytest.fixture(scope="module")
def tokenizer(rows):
    pairs = []
    for r in rows:
        for side in ("chosen", "rejected"):
            pairs.append(Pair(r["prompt"], None, r[side][0]["content"]))
    return train_tokenizer(pairs * 3, 400)


def _runs(mask: list[int]) -> list[tuple[int, int]]:
    out, start = [], None
    for i, m in enumerate([*mask, 0]):
        if m and start is None:
            start = i
        elif not m and start is not None:
            out.append((start, i))
            start = None
    return out


def test_fixture_rows_are_what_salv_pairs_writes(rows):
    levels = sorted({r["level"] for r in rows})
    assert levels == ["module", "signal"]
    assert {r["signal"] for r in rows if r["level"] == "signal"} == {"eq", "gt", "ew_light"}
    fsm = next(r for r in rows if r["signal"] == "ew_light")
    text = "\n".join(fsm["rejected"][0]["content"][s["start"] : s["end"]] for s in fsm["rejected_spans"])
    # The slice of ew_light: its declaration, the state register and next-state logic, its own block; not ns_light's.
    assert "EW_YELLOW: ew_light = 3'b100;" in text and "state <= next;" in text and "ns_light =" not in text


@pytest.mark.parametrize("tok", ["scratch", "byte-offsets"])
def test_masked_tokens_decode_to_the_slice_text(rows, tokenizer, tok):
    """For every row and side: each masked token overlaps a span, every span character lies in a masked token, and
    each contiguous masked run decodes to the answer text it covers, which holds the span text whole."""
    if tok == "byte-offsets":
        # The same tokenizer on text with more non-ASCII: offsets stay code points, never bytes.
        rows = [
            {
                **r,
                "chosen": [{"role": "assistant", "content": "ünï ✓ " + r["chosen"][0]["content"]}],
                "chosen_spans": [{"start": s["start"] + 6, "end": s["end"] + 6} for s in r["chosen_spans"]],
            }
            for r in rows
            if r["level"] == "signal"
        ]
    checked = 0
    for r in rows:
        e = encode_row(tokenizer, r)
        for side in ("chosen", "rejected"):
            content = r[side][0]["content"]
            completion = e[f"{side}_completion"]
            base = e[f"{side}_base"]
            offsets = e[f"{side}_offsets"]
            mask = e[f"{side}_mask"]
            ids = e[f"{side}_ids"]
            assert completion[base : base + len(content)] == content
            assert tokenizer.decode(ids) == completion  # the offsets index this exact text
            if r["level"] == "module":
                assert all(mask) and tokenizer.decode(ids).startswith(content)
                continue
            spans = [(s["start"] + base, s["end"] + base) for s in r[f"{side}_spans"]]
            for (s, t), m in zip(offsets, mask):
                overlaps = any(s < b and t > a for a, b in spans)
                assert bool(m) == overlaps, (r["id"], side, completion[s:t])
            covered = set()
            for (s, t), m in zip(offsets, mask):
                if m:
                    covered.update(range(s, t))
            for a, b in spans:
                assert set(range(a, b)) <= covered
            runs = _runs(mask)
            decoded = [tokenizer.decode(ids[i:j]) for i, j in runs]
            for (i, j), text in zip(runs, decoded):
                assert text == completion[offsets[i][0] : offsets[j - 1][1]]
            joined = "\n".join(decoded)
            for a, b in spans:
                assert completion[a:b] in joined
            # Nothing else: outside the spans, a run only adds the parts of tokens that straddle a span's edge.
            extra = sum(len(t) for t in decoded) - sum(b - a for a, b in spans)
            assert extra <= 2 * len(spans) * max(t - s for s, t in offsets)
            checked += 1
    assert checked >= 10


def test_response_mask_is_plain_dpo(rows, tokenizer):
    r = next(r for r in rows if r["level"] == "signal")
    e = encode_row(tokenizer, r, mask="response")
    assert all(e["chosen_mask"]) and all(e["rejected_mask"])
    s = encode_row(tokenizer, r, mask="slice")
    assert 0 < sum(s["chosen_mask"]) < len(s["chosen_mask"])


def _tiny_model(tokenizer, seed: int):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    return LlamaForCausalLM(config)


def test_masked_loss_ignores_tokens_outside_the_slice(rows, tokenizer, tmp_path):
    """With a policy and a reference that differ, changing answer tokens outside the slice (after it, so they
    cannot be context of a slice token) leaves the loss unchanged; changing one inside changes it. The loss equals
    -logsigmoid(beta * margin) computed by hand over the slice tokens only."""
    import torch
    from datasets import Dataset
    from trl import DPOConfig

    SliceDPOTrainer, SliceCollator = make_classes()
    row = next(r for r in rows if r["signal"] == "gt")
    (e,), _ = encode_rows(tokenizer, [row], 4096, "slice")
    policy, ref = _tiny_model(tokenizer, 1), _tiny_model(tokenizer, 2)
    args = DPOConfig(output_dir=str(tmp_path), beta=0.1, loss_type=["sigmoid"], report_to=[], use_cpu=True, max_length=4096)
    collator = SliceCollator(pad_token_id=tokenizer.pad_token_id, max_length=4096)
    trainer = SliceDPOTrainer(
        model=policy,
        ref_model=ref,
        args=args,
        data_collator=collator,
        train_dataset=Dataset.from_list([e]),
        processing_class=tokenizer,
    )

    def loss(example):
        batch = {k: v.to(trainer.accelerator.device) for k, v in collator([example]).items()}
        with torch.no_grad():
            return float(trainer.compute_loss(trainer.model, batch))

    base = loss(e)
    assert math.isfinite(base) and abs(base - math.log(2)) > 1e-6

    last = max(i for i, m in enumerate(e["chosen_mask"]) if m)
    assert last < len(e["chosen_ids"]) - 1, "the slice must leave answer tokens after it"
    other = (e["chosen_ids"][last + 1] + 7) % len(tokenizer)
    after = {**e, "chosen_ids": [*e["chosen_ids"][: last + 1], *[other] * (len(e["chosen_ids"]) - last - 1)]}
    assert loss(after) == pytest.approx(base, abs=1e-6)
    first = min(i for i, m in enumerate(e["chosen_mask"]) if m)
    inside = {**e, "chosen_ids": list(e["chosen_ids"])}
    inside["chosen_ids"][first] = (inside["chosen_ids"][first] + 7) % len(tokenizer)
    assert abs(loss(inside) - base) > 1e-6

    # By hand: sums of log-probs over the slice tokens only.
    def logps(model, ids, mask):
        full = torch.tensor([e["prompt_ids"] + ids])
        with torch.no_grad():
            logits = model(full).logits[0, :-1].log_softmax(-1)
        targets = full[0, 1:]
        per = logits.gather(-1, targets[:, None])[:, 0]
        m = torch.tensor([0] * len(e["prompt_ids"]) + mask)[1:].bool()
        return float(per[m].sum())

    margin = (logps(policy, e["chosen_ids"], e["chosen_mask"]) - logps(ref, e["chosen_ids"], e["chosen_mask"])) - (
        logps(policy, e["rejected_ids"], e["rejected_mask"]) - logps(ref, e["rejected_ids"], e["rejected_mask"])
    )
    expected = -math.log(1 / (1 + math.exp(-0.1 * margin)))
    assert base == pytest.approx(expected, rel=1e-4, abs=1e-5)


def test_a_few_dpo_steps_on_a_tiny_model(rows, tokenizer, tmp_path):
    """The CLI entry (`python -m rtlgym_train.salv`): JSON-line events, a loadable model directory, a run summary."""
    model_dir = tmp_path / "base"
    _tiny_model(tokenizer, 3).save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    out = tmp_path / "out"
    config = tmp_path / "salv.json"
    config.write_text(
        json.dumps(
            {
                "data": str(FIXTURE),
                "base": str(model_dir),
                "out": str(out),
                "max_steps": 3,
                "batch_size": 2,
                "learning_rate": 1e-3,
                "max_length": 2048,
                "threads": 2,
            }
        )
    )
    r = subprocess.run(
        [sys.executable, "-m", "rtlgym_train.salv", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    events = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert r.returncode == 0, r.stderr[-3000:]
    kinds = [ev["event"] for ev in events]
    assert kinds[0] == "start" and kinds[-1] == "done" and kinds.count("log") == 3
    start, done = events[0], events[-1]
    assert start["pairs"] == len(rows) and start["levels"] == {"module": 1, "signal": 5}
    assert 0 < start["masked_tokens"] < start["answer_tokens"]
    assert done["steps"] == 3 and math.isfinite(done["final_loss"])
    assert (out / "config.json").is_file() and (out / "rtlgym-salv.json").is_file()
    from transformers import AutoModelForCausalLM

    AutoModelForCausalLM.from_pretrained(out)

    bad = subprocess.run(
        [sys.executable, "-m", "rtlgym_train.salv", "--config", str(config), "--mask", "tokens"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2


def test_lora_trains_adapters_and_saves_a_merged_model(tokenizer, tmp_path):
    """LoRA (peft): the reference is the model with the adapter off; the adapter is kept and merged into the model."""
    import torch
    from transformers import AutoModelForCausalLM

    from rtlgym_train.sft import Emitter

    model_dir = tmp_path / "base"
    base = _tiny_model(tokenizer, 4)
    base.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)
    events: list[dict] = []

    class Capture(Emitter):
        def __call__(self, event, **fields):
            events.append({"event": event, **fields})

    o = SalvOptions.from_dict(
        {
            "data": str(FIXTURE),
            "base": str(model_dir),
            "out": str(tmp_path / "out"),
            "max_steps": 2,
            "batch_size": 2,
            "learning_rate": 1e-2,
            "max_length": 2048,
            "lora": True,
            "lora_r": 4,
            "lora_alpha": 8,
            "threads": 2,
        }
    )
    summary = train(o, Capture(None))
    assert summary["steps"] == 2 and summary["lora"] is True
    assert (tmp_path / "out" / "adapter" / "adapter_config.json").is_file()
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "out")
    changed = [
        n for n, p in merged.state_dict().items() if not torch.equal(p, base.state_dict()[n])
    ]
    assert changed, "the merged model must differ from the base in the adapted layers"
    assert not any("lora" in n for n in merged.state_dict())


def test_options_are_checked():
    with pytest.raises(ValueError, match="unknown salv option"):
        SalvOptions.from_dict({"data": "x", "base": "y", "out": "z", "betta": 0.1})
    with pytest.raises(ValueError, match="mask"):
        SalvOptions.from_dict({"data": "x", "base": "y", "out": "z", "mask": "all"})
    o = SalvOptions.from_dict({"data": "x", "base": "y", "out": "z"})
    assert o.beta == 0.1 and o.mask == "slice"
    assert train  # the entry the CLI runs
