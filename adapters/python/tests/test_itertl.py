"""ITERTL's ranking round: the loss prefers the higher-scored candidate, and a few steps move the model that way."""

from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from rtlgym_train.itertl import RankOptions, encode_group, ranking_loss, read_rows, train_round  # noqa: E402
from rtlgym_train.data import DataError  # noqa: E402


def _loss(kind, p, scores):
    lengths = torch.ones(len(p))
    return ranking_loss(kind, torch.tensor(p, requires_grad=True), lengths, scores)


@pytest.mark.parametrize("kind", ["itertl", "rrhf", "rtlcoder"])
def test_loss_prefers_the_higher_scored_sample(kind):
    # Candidate 0 is the reference; candidate 2 scores above candidate 1.
    scores = [3.0, 0.0, 1.0]
    agrees = _loss(kind, [-0.5, -3.0, -1.0], scores)[0]  # log-probs ordered as the scores
    disagrees = _loss(kind, [-0.5, -1.0, -3.0], scores)[0]  # the worse sample is the likelier one
    assert disagrees.item() > agrees.item()


def test_ranking_gradient_pushes_the_better_sample_up():
    p = torch.tensor([-0.5, -1.0, -2.0], requires_grad=True)
    _, _, rank = ranking_loss("itertl", p, torch.ones(3), [3.0, 0.0, 1.0])
    rank.backward()
    # Pair (1 worse, 2 better) is out of order: the gradient lowers p[1] and raises p[2].
    assert p.grad[1] > 0 and p.grad[2] < 0
    assert float(rank) == pytest.approx(1.0)


def test_learning_rate_warms_up_then_decays_to_zero():
    from rtlgym_train.itertl import lr_factor

    assert [lr_factor(s, 10, 4) for s in range(4)] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert lr_factor(4, 10, 4) == pytest.approx(1.0)
    assert lr_factor(10, 10, 4) == pytest.approx(0.0)
    assert lr_factor(0, 10, 0) == pytest.approx(1.0)  # no warm-up: the cosine from the first step
    assert 0 < lr_factor(7, 10, 4) < 1


def test_constant_schedule_keeps_the_full_rate_after_the_warm_up():
    from rtlgym_train.itertl import lr_factor

    assert [lr_factor(s, 10, 2, "constant") for s in (0, 1, 2, 9, 10)] == pytest.approx([0.5, 1.0, 1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="schedule"):
        lr_factor(0, 10, 0, "linear")


def test_mean_reduction_divides_the_hinges_by_the_ordered_pairs():
    # Scores 3 > 1 > 0: three ordered pairs; only (1 below 2) is out of order, by 1.0.
    p = torch.tensor([-0.5, -1.0, -2.0])
    _, _, summed = ranking_loss("itertl", p, torch.ones(3), [3.0, 0.0, 1.0], reduction="sum")
    _, _, mean = ranking_loss("rrhf", p, torch.ones(3), [3.0, 0.0, 1.0], reduction="mean")
    assert float(summed) == pytest.approx(1.0)
    assert float(mean) == pytest.approx(1.0 / 3)
    with pytest.raises(ValueError, match="rank reduction"):
        ranking_loss("itertl", p, torch.ones(3), [3.0, 0.0, 1.0], reduction="max")


def test_rows_are_validated(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"prompt": "p", "reference": "r", "responses": ["a"], "scores": []}) + "\n")
    with pytest.raises(DataError, match="one number per response"):
        read_rows(bad)


def _tiny_model(tmp_path):
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
    from tokenizers import Tokenizer, models, pre_tokenizers

    vocab = {c: i for i, c in enumerate(["<pad>", "<eos>", *"abcdefghijklmnopqrstuvwxyz ;=()\n`"])}
    tk = Tokenizer(models.WordLevel(vocab, unk_token="<pad>"))
    tk.pre_tokenizer = pre_tokenizers.Split("", "isolated")
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, pad_token="<pad>", eos_token="<eos>")
    cfg = LlamaConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=128,
                      pad_token_id=0, eos_token_id=1, bos_token_id=None)
    torch.manual_seed(0)
    model = LlamaForCausalLM(cfg)
    base = tmp_path / "base"
    model.save_pretrained(base)
    tok.save_pretrained(base)
    return base, tok


def test_a_round_raises_the_better_sample_over_the_worse(tmp_path):
    base, tok = _tiny_model(tmp_path)
    row = {"id": "t", "prompt": "write y;\n", "reference": "assign y = a;", "responses": ["assign y = a;", "zzzz"],
           "scores": [1.5, -1.0]}
    data = tmp_path / "ranked.jsonl"
    data.write_text("\n".join(json.dumps(row) for _ in range(4)) + "\n")
    events = []
    out = tmp_path / "round"
    summary = train_round(RankOptions(data=data, base=str(base), out=out, epochs=5, learning_rate=1e-2, seed=0),
                          lambda e, **f: events.append((e, f)))
    assert summary["steps"] == 20 and (out / "config.json").is_file()
    from transformers import AutoModelForCausalLM
    from rtlgym_train.itertl import sequence_logprobs

    def gap(model_dir):
        model = AutoModelForCausalLM.from_pretrained(model_dir)
        g = encode_group(tok, row, 2.5, 128)
        sums, lengths = sequence_logprobs(model, g, 0)
        p = sums / lengths
        return float(p[1] - p[2])  # good sample minus bad sample

    assert gap(out) > gap(base)
    assert [e for e, _ in events][0] == "start" and events[-1][0] == "done"


def test_verified_target_trains_the_best_passing_sample_and_leaves_the_reference_out(tmp_path):
    _, tok = _tiny_model(tmp_path)
    row = {"id": "t", "prompt": "write y;\n", "reference": "assign y = a;",
           "responses": ["assign y = b;", "assign y = a;", "zzzz", "assign y=a;"],
           "scores": [0.9, 1.5, -1.0, 1.2], "passed": [False, True, False, True]}
    g = encode_group(tok, row, 9.0, 128, "verified")
    assert g.scores == [0.9, 1.5, -1.0, 1.2]  # no reference candidate
    assert g.ce == (1,)  # the best-scored of the passing samples
    nobody = encode_group(tok, {**row, "passed": [False] * 4}, 9.0, 128, "verified")
    assert nobody.ce == () and len(nobody.ids) == 4  # ranking alone
    alone = encode_group(tok, {**row, "responses": ["zzzz"], "scores": [0.0], "passed": [False]}, 9.0, 128, "verified")
    assert alone is None  # one failing sample: nothing to rank, nothing to imitate
    assert encode_group(tok, row, 9.0, 128).ce == (0,)  # the paper's target: the reference, candidate 0


def test_no_ce_target_leaves_the_ranking_term_alone():
    p = torch.tensor([-1.0, -2.0], requires_grad=True)
    loss, ce, rank = ranking_loss("itertl", p, torch.ones(2), [0.0, 1.0], ce_index=None)
    assert float(ce) == 0.0 and float(loss) == pytest.approx(float(rank)) == pytest.approx(1.0)
    loss.backward()
    assert p.grad[0] > 0 and p.grad[1] < 0
    _, ce1, _ = ranking_loss("itertl", p, torch.ones(2), [0.0, 1.0], ce_index=1)
    assert float(ce1) == pytest.approx(2.0)
    _, both, _ = ranking_loss("itertl", p, torch.ones(2), [0.0, 1.0], ce_index=(0, 1))
    assert float(both) == pytest.approx(1.5)  # the mean of the two targets' CE


def test_verified_all_target_trains_every_distinct_passing_sample(tmp_path):
    _, tok = _tiny_model(tmp_path)
    row = {"id": "t", "prompt": "write y;\n", "reference": "assign y = a;",
           "responses": ["assign y = a;", "assign y = b;", "assign y=a;", "assign y = a;", "zzzz"],
           "scores": [1.5, 0.9, 1.2, 1.5, -1.0], "passed": [True, False, True, True, False]}
    g = encode_group(tok, row, 9.0, 128, "verified-all")
    assert g.ce == (0, 2)  # both distinct passing answers; the repeat of the first counts once
    assert len(g.ids) == 5  # every sample still ranks
    assert encode_group(tok, {**row, "passed": [False] * 5}, 9.0, 128, "verified-all").ce == ()
    # Rejection sampling's weighting: the answer drawn twice is a CE target twice.
    assert encode_group(tok, row, 9.0, 128, "verified-each").ce == (0, 2, 3)


def test_passed_flags_are_validated(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"prompt": "p", "reference": "r", "responses": ["a"], "scores": [1.0],
                               "passed": ["yes"]}) + "\n")
    with pytest.raises(DataError, match="one boolean per response"):
        read_rows(bad)


def test_groups_per_step_accumulates_into_fewer_optimiser_steps(tmp_path):
    base, _ = _tiny_model(tmp_path)
    row = {"id": "t", "prompt": "write y;\n", "reference": "assign y = a;", "responses": ["assign y = a;", "zzzz"],
           "scores": [1.5, -1.0]}
    data = tmp_path / "ranked.jsonl"
    data.write_text("\n".join(json.dumps({**row, "id": f"t{i}"}) for i in range(8)) + "\n")
    events = []
    summary = train_round(RankOptions(data=data, base=str(base), out=tmp_path / "acc", epochs=1, groups_per_step=4,
                                      learning_rate=1e-2, seed=0), lambda e, **f: events.append((e, f)))
    assert summary["steps"] == 2  # 8 groups, 4 to a step
    start = next(f for e, f in events if e == "start")
    assert start["groups_per_step"] == 4 and start["steps"] == 2
    with pytest.raises(ValueError, match="groups-per-step"):
        train_round(RankOptions(data=data, base=str(base), out=tmp_path / "bad", groups_per_step=0), lambda e, **f: None)


def test_chat_prompts_render_with_the_chat_template_and_other_shapes_are_refused(tmp_path):
    from rtlgym_train.data import Pair, render

    _, tok = _tiny_model(tmp_path)
    tok.chat_template = ("{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}\n{% endfor %}"
                         "{% if add_generation_prompt %}<assistant>{% endif %}")
    messages = [{"role": "system", "content": "be terse"}, {"role": "user", "content": "write y;"}]
    row = {"id": "t", "prompt": messages, "reference": "r", "responses": ["assign y = a;", "zzzz"],
           "scores": [1.0, 0.0], "passed": [True, False]}
    g = encode_group(tok, row, 9.0, 256, "verified")
    # The prompt tokens are the chat template's rendering with the generation prompt: what the served model is sent.
    served, _ = render(tok, Pair(messages, None, "assign y = a;"))
    assert g.ids[0][: g.starts[0]] == tok(served, add_special_tokens=False)["input_ids"]
    assert served.endswith("<assistant>")
    # A bench run's stored prompt ({system, prompt}) is not chat messages: refused, never trained on as its repr.
    stored = {**row, "prompt": {"system": "be terse", "prompt": "write y;"}}
    with pytest.raises(DataError, match="chat messages"):
        encode_group(tok, stored, 9.0, 256, "verified")
    bad = tmp_path / "stored.jsonl"
    bad.write_text(json.dumps(stored) + "\n")
    with pytest.raises(DataError, match="stored.jsonl:1: `prompt` must be chat messages"):
        read_rows(bad)
