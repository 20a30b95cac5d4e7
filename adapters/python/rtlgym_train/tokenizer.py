"""A byte-level BPE tokenizer trained from scratch on the SFT corpus, with a ChatML chat template."""

from __future__ import annotations

from collections.abc import Iterable

from .data import Pair

PAD = "<|endoftext|>"
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"

# ChatML, as Qwen and many servers use it: the generation prompt ends with "<|im_start|>assistant\n" and an answer
# ends with <|im_end|>, which is the model's end-of-sequence token.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def corpus(pairs: Iterable[Pair]) -> Iterable[str]:
    for pair in pairs:
        for m in pair.prompt_messages or []:
            yield f"{m['role']}\n{m['content']}"
        if pair.prompt_text is not None:
            yield pair.prompt_text
        yield f"assistant\n{pair.completion}"


def train_tokenizer(pairs: list[Pair], vocab_size: int, split_digits: bool = False):
    """Deterministic for the same corpus (the BPE trainer breaks ties by order); returns a PreTrainedTokenizerFast.

    `split_digits`: every digit is its own token. Plain BPE on this corpus merges some numbers and not others ("12"
    is one token, " 13" two) and learns long runs of 0s and 1s as single tokens, so a constant or bit pattern the
    model has not seen is spelled with tokens it has rarely seen; with digits split, any number is spelled with the
    same ten tokens (as Llama and Qwen tokenizers do)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.pre_tokenizer = (
        pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level])
        if split_digits
        else byte_level
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=[PAD, IM_START, IM_END],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus(pairs), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=IM_END,
        pad_token=PAD,
        bos_token=None,
        unk_token=None,
        clean_up_tokenization_spaces=False,
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.model_max_length = 1 << 30
    return fast
