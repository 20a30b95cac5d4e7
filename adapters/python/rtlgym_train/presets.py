"""Training presets, picked by measurement on 2 CPU cores (see docs/training.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Preset:
    name: str
    # Model (from scratch only; ignored with --base)
    vocab_size: int
    hidden_size: int
    layers: int
    heads: int
    intermediate_size: int
    # Data and optimisation
    max_length: int
    batch_size: int
    learning_rate: float
    warmup_steps: int
    max_steps: int
    save_steps: int
    logging_steps: int
    # Hard budget: training stops (and saves) when it is spent, whatever max_steps says.
    time_budget_s: float
    # Rows used at most (0: all), so the tokenizer and the model see the same bounded corpus.
    max_rows: int
    # Tokenizer (from scratch only): every digit its own token (tokenizer.train_tokenizer says why).
    split_digits: bool = False
    # Weight of the prompt's tokens in the loss (0: the answer only; 1: every token alike). Prompt tokens are two
    # thirds of the testbed's tokens (bench/learning/README.md measures what 1 gives the tiny model).
    prompt_loss_weight: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


PRESETS: dict[str, Preset] = {
    # CI: a model that learns the shape of a module in under 3 minutes on 2 shared cores.
    "smoke": Preset(
        name="smoke",
        vocab_size=512,
        hidden_size=128,
        layers=2,
        heads=4,
        intermediate_size=384,
        max_length=512,
        batch_size=8,
        learning_rate=3e-3,
        warmup_steps=10,
        max_steps=250,
        save_steps=100,
        logging_steps=10,
        time_budget_s=150,
        max_rows=2000,
    ),
    # The testbed model: 2.82M parameters, at most 30 minutes (29 of training, a minute of setup). At this size the
    # model is limited by its number of updates, not its tokens: in 8 minutes, batches of 4 reached a held-out loss
    # of 0.35 against 0.53 for batches of 8 and 0.85 for 16, and batches of 2 led in 8 minutes but not over the whole
    # budget. For the same reason 3 layers beat 4 (and 4 beat 6 and 8): each step is cheaper, so the budget buys more
    # of them (bench/learning/README.md, "The model's shape"). 4,500 steps of 4 is what a fast 2-core host runs in
    # about 26 minutes; on a slower one the budget stops it earlier, annealed (sft.cosine_lr_factor).
    "tiny": Preset(
        name="tiny",
        vocab_size=1024,
        hidden_size=256,
        layers=3,
        heads=4,
        intermediate_size=768,
        max_length=1024,
        batch_size=4,
        learning_rate=2e-3,
        warmup_steps=30,
        max_steps=4500,
        save_steps=250,
        logging_steps=50,
        time_budget_s=29 * 60,
        max_rows=0,
        prompt_loss_weight=1.0,
    ),
}
