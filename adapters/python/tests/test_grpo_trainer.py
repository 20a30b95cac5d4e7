"""A REAL TRL GRPOTrainer run (2 steps, CPU) whose rewards come from the service through make_trl_reward.

The model is a tiny randomly initialised GPT-2 and the tokenizer a character-level one built here: nothing is
downloaded. Skipped when torch/trl are not installed (scripts/setup-python.sh installs them)."""

import json
import string

import pytest
from conftest import ADDER, ADDER_OK, codev

torch = pytest.importorskip("torch")
trl = pytest.importorskip("trl")
transformers = pytest.importorskip("transformers")
datasets = pytest.importorskip("datasets")
tokenizers = pytest.importorskip("tokenizers")

from rtlgym_reward import make_trl_reward  # noqa: E402


def char_tokenizer():
    chars = sorted(set(string.printable))
    specials = ["<pad>", "<eos>", "<unk>"]
    vocab = {t: i for i, t in enumerate(specials + chars)}
    tok = tokenizers.Tokenizer(tokenizers.models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Split("", behavior="isolated")
    tok.decoder = tokenizers.decoders.Fuse()
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>", padding_side="left"
    )
    return fast


def test_grpo_two_steps_rewarded_by_the_service(service, tmp_path):
    torch.manual_seed(0)
    tok = char_tokenizer()
    assert tok.decode(tok("module m;")["input_ids"]) == "module m;"
    config = transformers.GPT2Config(
        vocab_size=len(tok), n_positions=256, n_embd=32, n_layer=2, n_head=2,
        bos_token_id=tok.eos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
    )
    model = transformers.GPT2LMHeadModel(config)

    gt = json.dumps({"reference": ADDER})
    train = datasets.Dataset.from_dict(
        {"prompt": ["Write a 4-bit adder: ", "Add a and b: "] * 4, "problem": [gt] * 8}
    )
    reward_fn = make_trl_reward(url=service.url, reward="codev")
    calls = []

    # A second reward function that checks each completion was really scored by the service, call by call.
    def oracle(prompts, completions, **kw):
        calls.append(len(completions))
        return [0.0] * len(completions)

    args = trl.GRPOConfig(
        output_dir=str(tmp_path),
        max_steps=2,
        per_device_train_batch_size=4,
        num_generations=4,
        max_completion_length=24,
        learning_rate=1e-3,
        logging_steps=1,
        report_to=[],
        use_cpu=True,
        save_strategy="no",
        dataloader_num_workers=0,
        seed=0,
        disable_tqdm=True,
    )
    before = service.rewards_requests()
    statuses_before = service.metric("rtlgym_check_status_total")
    trainer = trl.GRPOTrainer(
        model=model, reward_funcs=[reward_fn, oracle], args=args, train_dataset=train, processing_class=tok
    )
    # One known-good completion in the mix would need a trained model; random text is what a fresh policy writes.
    trainer.train()

    assert trainer.state.global_step == 2
    # The service answered one /v1/rewards request per reward call, with every completion of the call.
    assert reward_fn.stats.calls >= 1 and reward_fn.stats.calls == len(calls)
    assert reward_fn.stats.items == sum(calls) >= 8
    assert service.rewards_requests() - before == reward_fn.stats.calls
    assert service.metric("rtlgym_check_status_total") - statuses_before == reward_fn.stats.items
    assert set(reward_fn.stats.statuses) <= {"pass", "fail", "compile_error", "format_error", "interface_mismatch"}
    # The trainer logged the service's rewards under the function's name.
    logged = [h for h in trainer.state.log_history if "rewards/rtlgym_codev/mean" in h]
    assert len(logged) == 2
    assert all(h["rewards/rtlgym_codev/mean"] == pytest.approx(0.0) for h in logged)  # random text never passes
    # And a good completion scored by the same function in the same process gets 1 from the service.
    assert reward_fn(["p"], [codev(ADDER_OK)], problem=[gt]) == [1.0]
