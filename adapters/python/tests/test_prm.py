"""The process reward model: rows are validated, targets sit on step ends only, a few steps teach a tiny model to
tell good steps from bad ones, and the HTTP scorer answers what `rtlgym search --prm URL` asks."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from rtlgym_train.prm import PrmDataError, PrmOptions, PrmScorer, encode, read_rows, soft_ce, train  # noqa: E402

HERE = Path(__file__).resolve().parent


def _tiny_model(tmp_path: Path) -> Path:
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    vocab = {c: i for i, c in enumerate(["<pad>", "<eos>", *"abcdefghijklmnopqrstuvwxyz ;=()&|\n`"])}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="<pad>"))
    tk.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", eos_token="<eos>")
    cfg = LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=256,
                      pad_token_id=0, eos_token_id=1, bos_token_id=None)
    torch.manual_seed(0)
    base = tmp_path / "base"
    LlamaForCausalLM(cfg).save_pretrained(base)
    tok.save_pretrained(base)
    return base


def _rows(path: Path, n: int = 40) -> Path:
    """Good steps use `&`, bad ones `|`: the hard label is which, soft labels 0.75 / 0.25, prefix scores 1 / 0."""
    lines = []
    for i in range(n):
        first_good = i % 2 == 0
        steps = ["assign y = a & b;\n" if first_good else "assign y = a | b;\n", "assign z = a & c;\nendmodule\n"]
        labels = [first_good, True]
        lines.append(json.dumps({
            "prompt": "module t (a b c y z);\n",
            "completions": steps,
            "labels": labels,
            "soft_labels": [0.75 if first_good else 0.25, 1.0],
            "prefix_scores": [1.0 if first_good else 0.0, 1.0],
        }))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_rows_are_validated(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"prompt": "p", "completions": ["a", "b"], "labels": [True]}) + "\n")
    with pytest.raises(PrmDataError, match="one label per step"):
        read_rows(bad, "hard")
    ok = _rows(tmp_path / "ok.jsonl", 2)
    with pytest.raises(PrmDataError, match="--label"):
        read_rows(ok, "other")
    no_soft = tmp_path / "nosoft.jsonl"
    no_soft.write_text(json.dumps({"prompt": "p", "completions": ["a"], "labels": [True]}) + "\n")
    with pytest.raises(PrmDataError, match="soft_labels"):
        read_rows(no_soft, "soft")
    rows = read_rows(ok, "mix")
    assert rows[0].targets == [0.875, 1.0] and rows[1].targets == [0.125, 1.0]


def test_each_step_end_is_a_target_and_long_prompts_are_cut_from_the_left(tmp_path):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(_tiny_model(tmp_path))
    ids, positions = encode(tok, "abc", ["de", "f"], "", 64)
    assert ids == tok("abcdef", add_special_tokens=False)["input_ids"]
    assert positions == [4, 5]
    ids, positions = encode(tok, "abcdefgh", ["xy", "z"], "", 5)
    assert ids == tok("ghxyz", add_special_tokens=False)["input_ids"] and positions == [3, 4]
    ids, positions = encode(tok, "abc", ["xyz", "uvw"], "", 4)
    assert positions == [3] and len(ids) == 4  # the second step does not fit


def test_soft_cross_entropy_is_lowest_at_the_target():
    logits = torch.tensor([[0.0, math_log(3.0)]])  # P(good) = 0.75
    at = soft_ce(logits, torch.tensor([0.75]))
    off = soft_ce(logits, torch.tensor([0.1]))
    assert float(at) < float(off)


def math_log(x: float) -> float:
    import math

    return math.log(x)


def test_training_separates_good_and_bad_steps_and_the_server_scores(tmp_path):
    base = _tiny_model(tmp_path)
    # Two files trained on together (as the labels of the references and of the model's own answers are).
    data = [_rows(tmp_path / "prm.jsonl", 20), _rows(tmp_path / "more.jsonl", 20)]
    events: list[tuple[str, dict]] = []
    out = tmp_path / "prm"
    summary = train(PrmOptions(data=data, base=str(base), out=out, label="soft", epochs=4, learning_rate=3e-3,
                               max_length=128, eval_fraction=0.2, seed=0, threads=1),
                    lambda e, **f: events.append((e, f)))
    assert [e for e, _ in events][0] == "start" and events[-1][0] == "done"
    assert summary["rows"] == 40
    assert summary["eval_after"]["auc"] == 1.0
    assert summary["eval_after"]["loss"] < summary["eval_before"]["loss"]
    meta = json.loads((out / "rtlgym_prm.json").read_text())
    assert meta["label"] == "soft" and meta["steps"] == 128
    scorer = PrmScorer(str(out), threads=1)
    good = scorer.score("module t (a b c y z);\n", ["assign y = a & b;\n"])
    bad = scorer.score("module t (a b c y z);\n", ["assign y = a | b;\n"])
    assert len(good) == 1 and good[0] > 0.6 > 0.4 > bad[0]
    # The HTTP server, as `rtlgym search --prm URL` calls it.
    proc = subprocess.Popen([sys.executable, "-m", "rtlgym_train", "prm", "serve", str(out), "--port", "0",
                             "--threads", "1"], stdout=subprocess.PIPE, text=True, cwd=HERE.parent)
    try:
        line = json.loads(proc.stdout.readline())
        assert line["event"] == "listening"
        body = json.dumps({"problem": "p", "prompt": "module t (a b c y z);\n",
                           "steps": ["assign y = a | b;\n", "assign z = a & c;\nendmodule\n"]}).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{line['port']}/score", data=body,
                                     headers={"content-type": "application/json"})
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=30) as r:
            answer = json.loads(r.read())
        assert len(answer["scores"]) == 2 and answer["score"] == answer["scores"][1]
        assert answer["scores"][0] == pytest.approx(bad[0], abs=1e-5)
        bad_req = urllib.request.Request(f"http://127.0.0.1:{line['port']}/score", data=b'{"steps": 3}')
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.build_opener(urllib.request.ProxyHandler({})).open(bad_req, timeout=30)
        assert err.value.code == 400
    finally:
        proc.terminate()
        proc.wait(timeout=30)
