"""CodeV-R1's RL stage on TRL's GRPOTrainer: DAPO with rewards from a running `rtlgym serve`.

What TRL 1.16 already has and is only configured here: the DAPO token-level loss (`loss_type="dapo"`), clip-higher
(`epsilon_high`), no KL term (`beta=0`, so no reference model enters the loss), overlong filtering
(`mask_truncated_completions`), and a None reward excluded from the group baseline with advantage 0.

What it lacks, added by the small subclass `DapoTrainer`: dynamic sampling (groups whose rewards are all equal are
dropped and more prompts are drawn until the batch is full) with CodeV-R1's adaptive rule for how many prompts to
draw (`AdaptiveDraw`); checks without a verdict taken out of the loss's token count as well (TRL gives them advantage
0 but still counts their tokens in the DAPO normaliser); the KL to the start model measured for the log although it
is not in the loss; and the wall time split into generation, reward and update. Overlong reward shaping (DAPO's soft
overlong punishment) is applied to the rtlgym reward in `RtlgymReward`, only where the service gave a verdict.

Progress goes to stdout as JSON lines (the same `Emitter` as sft.py); everything else to stderr.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .hardware import run_arguments
from .sft import Emitter, prepare_checkpoints, versions

RUN_FILE = "rtlgym-rl.json"
CHECKPOINTS = "checkpoints"
STATE_FILE = "rtlgym-rl-state.json"

# Verdicts the reward service can give (src/contracts): anything else counts as "other" in the log.
STATUSES = ("pass", "fail", "compile_error", "interface_mismatch", "timeout", "format_error", "infra_error")


ADVANTAGES = ("group", "pass")


@dataclass
class RlOptions:
    """Every knob of a run. Defaults are CodeV-R1's DAPO settings scaled down to a CPU (see docs/rl.md)."""

    model: str
    data: Path
    out: Path
    reward_url: str
    reward: str = "codev"
    reward_timeout_s: float = 300.0
    seed: int = 0
    # Optimisation: one optimizer step per batch of `batch_prompts` groups of `num_generations` responses.
    max_steps: int = 20
    time_budget_s: float = 3600.0
    batch_prompts: int = 4
    num_generations: int = 8
    learning_rate: float = 1e-5
    weight_decay: float = 0.0
    warmup_steps: int = 0
    max_grad_norm: float = 1.0
    save_steps: int = 10
    # Sampling
    temperature: float = 1.0
    top_p: float = 1.0
    max_completion_length: int = 384
    # DAPO
    loss_type: str = "dapo"
    epsilon: float = 0.2
    epsilon_high: float = 0.28
    beta: float = 0.0
    scale_rewards: str = "group"
    mask_truncated_completions: bool = False
    overlong_buffer: int = 64  # 0: no overlong shaping
    overlong_penalty: float = 1.0
    dynamic_sampling: bool = True
    adaptive: bool = True
    # group: TRL's group-relative advantages (GRPO/DAPO); pass: rejection sampling (RFT), the verified passes alone
    # in the loss with advantage 1, i.e. token-level cross-entropy on the model's own correct answers.
    advantage: str = "group"
    max_rounds: int = 8  # generation rounds per step before the step trains on what it kept
    min_keep_ratio: float = 1 / 16  # floor of the adaptive ratio: at most 16x the missing prompts per round
    # Logging and resources
    log_kl: bool = True
    max_rows: int = 0
    threads: int | None = None
    fresh: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RlOptions:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(k for k in d if k not in names)
        if unknown:
            raise ValueError(f"unknown RL option(s): {', '.join(unknown)}; known: {', '.join(sorted(names))}")
        missing = [k for k in ("model", "data", "out", "reward_url") if d.get(k) in (None, "")]
        if missing:
            raise ValueError(f"missing RL option(s): {', '.join(missing)}")
        o = cls(**{**d, "data": Path(d["data"]), "out": Path(d["out"])})
        o.validate()
        return o

    def validate(self) -> None:
        if self.num_generations < 2:
            raise ValueError("num_generations must be at least 2 (advantages are relative to the group)")
        if self.batch_prompts < 1 or self.max_steps < 1 or self.max_completion_length < 1:
            raise ValueError("batch_prompts, max_steps and max_completion_length must be positive")
        if not 0 <= self.overlong_buffer < self.max_completion_length:
            raise ValueError("overlong_buffer must be in [0, max_completion_length)")
        if self.max_rounds < 1 or not 0 < self.min_keep_ratio <= 1:
            raise ValueError("max_rounds must be >= 1 and min_keep_ratio in (0, 1]")
        if self.epsilon_high < self.epsilon:
            raise ValueError("epsilon_high (clip-higher) must be >= epsilon")
        if self.advantage not in ADVANTAGES:
            raise ValueError(f"advantage must be one of {', '.join(ADVANTAGES)}, got {self.advantage!r}")

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["data"], d["out"] = str(self.data), str(self.out)
        return d


# --------------------------------------------------------------------------------------------------------------
# The pieces TRL lacks, as plain functions and classes (tested without a model).


def overlong_penalty(length: int, max_length: int, buffer: int, factor: float) -> float:
    """DAPO's soft overlong punishment, as CodeV-R1 writes it: `min(-(L - (Lmax - buf)) / buf * factor, 0)`."""
    if buffer <= 0:
        return 0.0
    return min(-(length - (max_length - buffer)) / buffer * factor, 0.0)


class AdaptiveDraw:
    """CodeV-R1's adaptive DAPO rule for how many prompts to draw.

    Each generation round draws `remaining / min(rho, rho_part)` prompts; after filtering,
    `rho_part = min(rho_part, kept / drawn)`; when the batch is full, `rho = min(rho, kept_total / drawn_total)` and
    `rho_part = 1`. `rho` starts at 1 and only decreases. The ratio is floored at `min_ratio` so that a round where
    nothing was kept does not divide by zero. `adaptive=False` is plain DAPO: every round draws the missing count.
    """

    def __init__(self, adaptive: bool = True, min_ratio: float = 1 / 16):
        self.adaptive = adaptive
        self.min_ratio = min_ratio
        self.rho = 1.0
        self.rho_part = 1.0

    def ratio(self) -> float:
        return max(min(self.rho, self.rho_part), self.min_ratio) if self.adaptive else 1.0

    def draw_size(self, remaining: int) -> int:
        if remaining <= 0:
            return 0
        # The small epsilon keeps 4 / 0.5 from becoming 9 through float rounding.
        return max(math.ceil(remaining / self.ratio() - 1e-9), 1)

    def after_round(self, kept: int, drawn: int) -> None:
        if drawn > 0:
            self.rho_part = min(self.rho_part, kept / drawn)

    def batch_filled(self, kept_total: int, drawn_total: int) -> None:
        if drawn_total > 0:
            self.rho = min(self.rho, kept_total / drawn_total)
        self.rho_part = 1.0

    def state_dict(self) -> dict[str, float]:
        return {"rho": self.rho, "rho_part": self.rho_part}

    def load_state_dict(self, state: dict[str, float]) -> None:
        self.rho, self.rho_part = float(state["rho"]), float(state["rho_part"])


def informative_groups(rewards: list[float | None], group_size: int) -> list[bool]:
    """Per group: does it carry a learning signal? Rewards without a verdict (None) are ignored; a group is kept
    when at least two of its responses have a verdict and their rewards are not all equal."""
    if len(rewards) % group_size:
        raise ValueError(f"{len(rewards)} rewards is not a whole number of groups of {group_size}")
    keep = []
    for g in range(len(rewards) // group_size):
        scored = [r for r in rewards[g * group_size : (g + 1) * group_size] if r is not None and math.isfinite(r)]
        keep.append(len(scored) >= 2 and max(scored) - min(scored) > 1e-9)
    return keep


def passing_groups(statuses: list[str], group_size: int) -> list[bool]:
    """Per group: does at least one response pass? (Rejection sampling learns from a group only then.)"""
    if len(statuses) % group_size:
        raise ValueError(f"{len(statuses)} statuses is not a whole number of groups of {group_size}")
    return [
        any(s == "pass" for s in statuses[g * group_size : (g + 1) * group_size])
        for g in range(len(statuses) // group_size)
    ]


def rejection_sampling(batch: dict[str, Any], passed: list[bool]) -> None:
    """Turns a GRPO batch into a rejection-sampling one in place: advantage 1 on the passing responses, every
    other response out of the loss (and out of the token normaliser), so the DAPO loss is the mean token
    cross-entropy of the model's own verified answers (on-policy, the ratio is 1 and the clip never binds)."""
    import torch

    keep = torch.tensor(passed, device=batch["completion_mask"].device)
    batch["advantages"] = keep.to(batch["advantages"].dtype)
    batch["completion_mask"] = batch["completion_mask"] * keep.unsqueeze(1).int()


class RtlgymReward:
    """The rtlgym reward for TRL (through rtlgym_reward.make_trl_reward, one /v1/rewards request per call) plus the
    overlong shaping. A check without a verdict (infra_error, or a reward the service would not give) is None: TRL
    leaves it out of the group baseline, and `DapoTrainer` leaves it out of the loss. Each call's statuses, raw and
    shaped rewards and lengths are kept in `rounds` for the trainer's log."""

    def __init__(self, url: str, reward: str, *, column: str = "ground_truth", timeout: float | None = None,
                 max_length: int = 384, overlong_buffer: int = 0, overlong_factor: float = 1.0, client: Any = None):
        from rtlgym_reward import make_trl_reward

        self.inner = make_trl_reward(url=url, reward=reward, problem_column=column, on_infra_error="none",
                                     timeout=timeout, client=client)
        self.max_length = max_length
        self.overlong_buffer = overlong_buffer
        self.overlong_factor = overlong_factor
        self.rounds: list[dict[str, Any]] = []
        self.__name__ = f"rtlgym_{reward.replace('-', '_')}"

    def __call__(self, prompts: list[Any], completions: list[Any], completion_ids: list[list[int]] | None = None,
                 **kwargs: Any) -> list[float | None]:
        raw = self.inner(prompts, completions, **kwargs)
        results = self.inner.stats.last_results
        lengths = [len(c) for c in completion_ids] if completion_ids is not None else [0] * len(raw)
        shaped = [
            None if r is None else r + overlong_penalty(n, self.max_length, self.overlong_buffer, self.overlong_factor)
            for r, n in zip(raw, lengths)
        ]
        self.rounds.append(
            {"statuses": [str(r.get("status")) for r in results], "raw": raw, "shaped": shaped, "lengths": lengths}
        )
        return shaped


def step_stats(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Reward mean, pass, format-error and no-verdict rates and response length over every response drawn."""
    statuses: Counter[str] = Counter()
    raw: list[float] = []
    shaped: list[float] = []
    lengths: list[int] = []
    scored_tokens = 0
    judged: Counter[str] = Counter()  # statuses of the responses with a verdict: the rates' denominators
    for r in rounds:
        scored_tokens += sum(n for x, n in zip(r["raw"], r["lengths"]) if x is not None)
        statuses.update(r["statuses"])
        judged.update(s for s, x in zip(r["statuses"], r["raw"]) if x is not None)
        raw += [x for x in r["raw"] if x is not None]
        shaped += [x for x in r["shaped"] if x is not None]
        lengths += r["lengths"]
    total = sum(statuses.values())
    unscored = sum(1 for r in rounds for x in r["raw"] if x is None)
    scored = total - unscored

    def rate(status: str) -> float | None:
        return judged[status] / scored if scored else None

    return {
        "samples": total,
        "scored": scored,
        "unscored": unscored,
        "reward_mean": sum(raw) / len(raw) if raw else None,
        "shaped_reward_mean": sum(shaped) / len(shaped) if shaped else None,
        "pass_rate": rate("pass"),
        "format_error_rate": rate("format_error"),
        "compile_error_rate": rate("compile_error"),
        "statuses": dict(statuses),
        "response_length_mean": sum(lengths) / len(lengths) if lengths else None,
        "response_length_max": max(lengths) if lengths else None,
        "tokens": sum(lengths),
        "scored_tokens": scored_tokens,
    }


# --------------------------------------------------------------------------------------------------------------
# The trainer.


def _make_trainer_class():
    import torch
    from trl import GRPOTrainer
    from trl.trainer.utils import add_fused_lm_head, pad

    class DapoTrainer(GRPOTrainer):
        """GRPOTrainer + dynamic sampling with the adaptive draw rule, no-verdict masking, KL-to-start logging and
        a wall-time split. Everything else is TRL's."""

        def __init__(self, *args: Any, rl: RlOptions, reward_fn: RtlgymReward, start_model: Any = None, **kw: Any):
            super().__init__(*args, **kw)
            if start_model is not None:
                start_model.to(self.accelerator.device)
                # TRL patches the models it scores with a fused LM head that returns log-probs; the start model too.
                add_fused_lm_head(start_model, temperature=self.temperature,
                                  cast_lm_head_to_fp32=self.args.cast_lm_head_to_fp32)
            self.rl = rl
            self.reward_fn = reward_fn
            # With a KL term TRL keeps its own frozen start model (ref_model); the log reuses it.
            self.start_model = start_model if start_model is not None else self.ref_model
            self.draw = AdaptiveDraw(rl.adaptive, rl.min_keep_ratio)
            self._order: list[int] = []
            self._cursor = 0
            self._epoch = 0
            self._timers = {"generation": 0.0, "reward": 0.0, "kl": 0.0}
            self._skip_update = False
            self.last_step: dict[str, Any] = {}
            self.totals = {"drawn_groups": 0, "kept_groups": 0, "samples": 0, "unscored": 0, "rounds": 0}

        # -- prompts drawn by the trainer itself (the dataloader's batch only says how many groups a step has) --
        def _next_prompts(self, n: int) -> list[dict[str, Any]]:
            rows = []
            for _ in range(n):
                if self._cursor >= len(self._order):
                    self._order = list(range(len(self.train_dataset)))
                    random.Random(self.rl.seed * 1_000_003 + self._epoch).shuffle(self._order)
                    self._epoch += 1
                    self._cursor = 0
                rows.append(dict(self.train_dataset[self._order[self._cursor]]))
                self._cursor += 1
            return rows

        def _generate(self, prompts):
            t = time.perf_counter()
            try:
                return super()._generate(prompts)
            finally:
                self._timers["generation"] += time.perf_counter() - t

        def _calculate_rewards(self, inputs, prompts, completions, completion_ids_list):
            t = time.perf_counter()
            try:
                return super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
            finally:
                self._timers["reward"] += time.perf_counter() - t

        def _generate_and_score_completions(self, inputs):
            if not self.model.training:
                return super()._generate_and_score_completions(inputs)
            G = self.num_generations
            target = len(inputs) // G
            self.reward_fn.rounds = []
            kept_parts: list[dict[str, Any]] = []
            kept = drawn = rounds = 0
            last = None
            while kept < target and rounds < (self.rl.max_rounds if self.rl.dynamic_sampling else 1):
                n = self.draw.draw_size(target - kept) if self.rl.dynamic_sampling else target
                rows = [r for r in self._next_prompts(n) for _ in range(G)]
                out = super()._generate_and_score_completions(rows)
                rewards = self.reward_fn.rounds[-1]["shaped"]
                # Groups are filtered on the verified reward, before overlong shaping (verl's filter_groups
                # metric "acc"): a group that failed everywhere is not informative because its lengths differ.
                verified = self.reward_fn.rounds[-1]["raw"]
                if len(self.reward_fn.rounds[-1]["statuses"]) and all(r is None for r in rewards):
                    raise RuntimeError(
                        "the reward service judged none of a round's responses (statuses: "
                        f"{dict(Counter(self.reward_fn.rounds[-1]['statuses']))}); see `rtlgym serve`'s log"
                    )
                if not self.rl.dynamic_sampling:
                    keep = [True] * n
                elif self.rl.advantage == "pass":
                    keep = passing_groups(self.reward_fn.rounds[-1]["statuses"], G)
                else:
                    keep = informative_groups(verified, G)
                rows_kept = [g * G + j for g, k in enumerate(keep) if k for j in range(G)]
                kept_here = sum(keep)
                rounds += 1
                drawn += n
                self.draw.after_round(kept_here, n)
                if rows_kept:
                    room = (target - kept) * G
                    idx = rows_kept[:room]
                    part = _select(out, idx, rewards)
                    part["_passed"] = [self.reward_fn.rounds[-1]["statuses"][i] == "pass" for i in idx]
                    kept_parts.append(part)
                    kept += len(idx) // G
                last = (out, rewards)
            if kept >= target:
                self.draw.batch_filled(kept, drawn)
            empty = not kept_parts
            if empty:
                # Nothing informative within max_rounds: the step must not move the model. Its advantages are not
                # all 0 (overlong shaping differs within the groups), so the batch is the last round with every
                # token out of the loss, and training_step drops the gradients so the optimizer skips every
                # parameter (AdamW's momentum included).
                out, rewards = last
                kept_parts = [_select(out, list(range(len(rewards))), [None] * len(rewards))]
                kept_parts[0]["_passed"] = [False] * len(rewards)
                self._skip_update = True
            batch = _concat(kept_parts, self._tokenizer.pad_token_id, pad)
            passed = batch.pop("_passed")
            generated = batch["completion_mask"].clone()  # every generated token, for the KL log
            if self.rl.advantage == "pass":
                rejection_sampling(batch, passed)
            # No verdict: out of the loss entirely (its tokens no longer count in the DAPO normaliser either).
            scored = torch.tensor([r is not None for r in batch.pop("_rewards")], device=batch["completion_mask"].device)
            batch["completion_mask"] = batch["completion_mask"] * scored.unsqueeze(1).int()
            mask = batch["completion_mask"] if "tool_mask" not in batch else batch["completion_mask"] * batch["tool_mask"]
            batch["num_items_in_batch"] = self.accelerator.gather(mask.sum()).sum()
            kl, entropy = (
                self._kl_to_start(batch, generated) if self.rl.log_kl and self.start_model is not None else (None, None)
            )
            stats = step_stats(self.reward_fn.rounds)
            self.totals["drawn_groups"] += drawn
            self.totals["kept_groups"] += 0 if empty else kept
            self.totals["samples"] += stats["samples"]
            self.totals["unscored"] += stats["unscored"]
            self.totals["rounds"] += rounds
            self.last_step = {
                **stats,
                "drawn_groups": drawn,
                "kept_groups": 0 if empty else kept,
                "target_groups": target,
                "kept_ratio": (0 if empty else kept) / drawn if drawn else None,
                "rounds": rounds,
                "empty_batch": empty,
                "update_skipped": empty,
                "masked_samples": int((~scored).sum().item()),
                "loss_tokens": int(batch["num_items_in_batch"].item()),
                "rho": self.draw.rho,
                "kl_to_start": kl,
                "policy_entropy": entropy,
            }
            return batch

        @torch.no_grad()
        def _kl_to_start(self, batch: dict[str, Any], completion_mask: Any) -> tuple[float | None, float | None]:
            """k3 estimate of KL(policy || start) over the batch's generated tokens (not part of the loss), and the
            policy's mean entropy over the same tokens (TRL's counts only loss tokens: none in a skipped step)."""
            t = time.perf_counter()
            ids = torch.cat([batch["prompt_ids"], batch["completion_ids"]], dim=1)
            att = torch.cat([batch["prompt_mask"], completion_mask], dim=1)
            keep = batch["completion_ids"].size(1)
            mask = completion_mask.bool()
            if not mask.any():
                return None, None
            pol, ent, _ = self._get_per_token_logps_and_entropies(self.model, ids, att, keep, compute_entropy=True)
            ref, _, _ = self._get_per_token_logps_and_entropies(self.start_model, ids, att, keep)
            d = ref - pol
            k3 = torch.exp(d) - d - 1
            self._timers["kl"] += time.perf_counter() - t
            return float(k3[mask].mean().item()), float(ent[mask].mean().item())

        def training_step(self, model, inputs, num_items_in_batch):
            for k in self._timers:
                self._timers[k] = 0.0
            t = time.perf_counter()
            self._skip_update = False
            out = super().training_step(model, inputs, num_items_in_batch)
            if self._skip_update:
                for p in model.parameters():
                    p.grad = None
            total = time.perf_counter() - t
            gen, rew, kl = self._timers["generation"], self._timers["reward"], self._timers["kl"]
            self.last_step.update(
                generation_s=round(gen, 3),
                reward_s=round(rew, 3),
                kl_s=round(kl, 3),
                update_s=round(max(total - gen - rew - kl, 0.0), 3),
                step_s=round(total, 3),
            )
            return out

        def _save_checkpoint(self, model, trial):
            super()._save_checkpoint(model, trial)
            folder = Path(self._get_output_dir(trial=trial)) / f"checkpoint-{self.state.global_step}"
            if folder.is_dir():
                (folder / STATE_FILE).write_text(json.dumps(self.sampler_state()))

        def sampler_state(self) -> dict[str, Any]:
            return {"draw": self.draw.state_dict(), "order": self._order, "cursor": self._cursor,
                    "epoch": self._epoch, "totals": self.totals}

        def load_sampler_state(self, state: dict[str, Any]) -> None:
            self.draw.load_state_dict(state["draw"])
            self._order, self._cursor, self._epoch = list(state["order"]), int(state["cursor"]), int(state["epoch"])
            self.totals.update(state.get("totals", {}))

    return DapoTrainer


def _select(out: dict[str, Any], idx: list[int], rewards: list[float | None]) -> dict[str, Any]:
    """Rows `idx` of a generation batch (tensors with a batch dimension; scalars are recomputed later)."""
    import torch

    sel = torch.tensor(idx, dtype=torch.long)
    part: dict[str, Any] = {}
    for k, v in out.items():
        if isinstance(v, torch.Tensor) and v.ndim > 0:
            part[k] = v.index_select(0, sel.to(v.device))
        elif k != "num_items_in_batch":
            part[k] = v
    part["_rewards"] = [rewards[i] for i in idx]
    return part


def _concat(parts: list[dict[str, Any]], pad_id: int, pad: Any) -> dict[str, Any]:
    """Rows of several generation rounds as one batch: prompts stay left-padded, completions right-padded."""
    import torch

    if len(parts) == 1:
        return dict(parts[0])
    out: dict[str, Any] = {k: [x for p in parts for x in p[k]] for k in ("_rewards", "_passed") if k in parts[0]}
    for k, v in parts[0].items():
        if k in ("_rewards", "_passed"):
            continue
        if not isinstance(v, torch.Tensor):
            out[k] = v
            continue
        if v.ndim == 1:
            out[k] = torch.cat([p[k] for p in parts])
            continue
        side = "left" if k.startswith("prompt") else "right"
        value = pad_id if k in ("prompt_ids", "completion_ids") else 0
        rows = [row for p in parts for row in p[k]]
        out[k] = pad(rows, padding_value=value, padding_side=side).to(v.device)
    return out


# --------------------------------------------------------------------------------------------------------------
# Data, resume and the run itself.


def load_rows(data: Path, max_rows: int = 0) -> tuple[list[dict[str, Any]], Path]:
    """RL rows from a `rtlgym tasks generate` folder (train/rl.jsonl), a split folder (rl.jsonl) or a JSONL file.
    Each row needs `prompt` (a string or {role, content} messages) and a reward label (`ground_truth`, or
    `reward_model.ground_truth`, or `problem`)."""
    path = data
    if data.is_dir():
        for candidate in (data / "train" / "rl.jsonl", data / "rl.jsonl"):
            if candidate.is_file():
                path = candidate
                break
        else:
            raise ValueError(f"{data} has neither train/rl.jsonl nor rl.jsonl (expected a `rtlgym tasks generate` folder)")
    if not path.is_file():
        raise ValueError(f"RL data not found: {data}")
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f"{path}:{n}: not JSON ({e})") from None
            prompt = row.get("prompt")
            label = row.get("ground_truth") or (row.get("reward_model") or {}).get("ground_truth") or row.get("problem")
            if not isinstance(prompt, (str, list)) or not prompt or not label:
                raise ValueError(f"{path}:{n}: an RL row needs `prompt` and `ground_truth` (or `problem`)")
            rows.append({"prompt": prompt, "ground_truth": label, "id": str(row.get("id", n))})
    if not rows:
        raise ValueError(f"{path} has no rows")
    if max_rows and len(rows) > max_rows:
        rows = rows[:max_rows]
    return rows, path


def run_key(o: RlOptions) -> dict[str, Any]:
    """What must match for a run to resume another's checkpoints (everything but budgets, paths and threads)."""
    d = o.to_json()
    for k in ("out", "max_steps", "time_budget_s", "save_steps", "threads", "fresh", "reward_url", "reward_timeout_s"):
        d.pop(k, None)
    d["data"] = str(Path(o.data).resolve())
    return d


def grpo_config(o: RlOptions, ckpt_dir: Path) -> Any:
    """The GRPOConfig of a run: DAPO settings from the options, precision from the hardware, `extra` on top."""
    from trl import GRPOConfig

    batch = o.batch_prompts * o.num_generations
    return GRPOConfig(
        output_dir=str(ckpt_dir),
        max_steps=o.max_steps,
        per_device_train_batch_size=batch,
        gradient_accumulation_steps=1,
        steps_per_generation=1,
        num_generations=o.num_generations,
        max_completion_length=o.max_completion_length,
        temperature=o.temperature,
        top_p=o.top_p,
        learning_rate=o.learning_rate,
        lr_scheduler_type="constant_with_warmup" if o.warmup_steps else "constant",
        warmup_steps=o.warmup_steps,
        weight_decay=o.weight_decay,
        max_grad_norm=o.max_grad_norm,
        loss_type=o.loss_type,
        epsilon=o.epsilon,
        epsilon_high=o.epsilon_high,
        beta=o.beta,
        scale_rewards=o.scale_rewards,
        mask_truncated_completions=o.mask_truncated_completions,
        logging_steps=1,
        save_steps=o.save_steps,
        # The trainer draws its own prompts (dynamic sampling), so there is nothing to skip on resume.
        ignore_data_skip=True,
        log_completions=False,
        gradient_checkpointing=False,
        **{**run_arguments(o.seed), **o.extra},
    )


def train(o: RlOptions, emit: Emitter) -> dict[str, Any]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    import transformers
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    from rtlgym_reward import RewardClient

    transformers.logging.set_verbosity_error()
    if o.threads:
        torch.set_num_threads(o.threads)
    started = time.time()
    if not (Path(o.model) / "config.json").is_file():
        raise ValueError(f"{o.model} is not a model directory (no config.json)")
    out = o.out
    ckpt_dir = out / CHECKPOINTS
    resume = prepare_checkpoints(ckpt_dir, run_key(o), o.fresh)

    rows, data_file = load_rows(o.data, o.max_rows)
    transformers.set_seed(o.seed)
    client = RewardClient(o.reward_url, timeout=o.reward_timeout_s)
    client.wait_ready(60)
    tokenizer = AutoTokenizer.from_pretrained(o.model)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(o.model)
    start_model = None
    if o.log_kl and o.beta == 0:
        start_model = AutoModelForCausalLM.from_pretrained(o.model).eval()
        start_model.requires_grad_(False)
    reward_fn = RtlgymReward(o.reward_url, o.reward, timeout=o.reward_timeout_s, max_length=o.max_completion_length,
                             overlong_buffer=o.overlong_buffer, overlong_factor=o.overlong_penalty, client=client)
    dataset = Dataset.from_list(rows)

    args = grpo_config(o, ckpt_dir)
    DapoTrainer = _make_trainer_class()
    state: dict[str, Any] = {"stopped_by": "max_steps", "steps": []}
    params = sum(p.numel() for p in model.parameters())

    class JsonProgress(TrainerCallback):
        def on_train_begin(self, a, tstate, control, **kw):
            state["t0"] = time.time()
            state["step0"] = tstate.global_step

        def on_log(self, a, tstate, control, logs=None, **kw):
            if not logs or "loss" not in logs:
                return
            s = dict(trainer.last_step)
            s.update(
                step=tstate.global_step,
                max_steps=tstate.max_steps,
                loss=float(logs["loss"]),
                # The policy's entropy over every generated token when measured, else TRL's (loss tokens only).
                entropy=s.get("policy_entropy") if s.get("policy_entropy") is not None else logs.get("entropy"),
                loss_entropy=logs.get("entropy"),
                clip_ratio=logs.get("clip_ratio/region_mean"),
                grad_norm=logs.get("grad_norm"),
                learning_rate=logs.get("learning_rate"),
                elapsed_s=round(time.time() - started, 2),
            )
            state["steps"].append(s)
            emit("step", **s)

        def on_step_end(self, a, tstate, control, **kw):
            if time.time() - state["t0"] > o.time_budget_s:
                state["stopped_by"] = "time_budget"
                control.should_training_stop = True
                control.should_save = True

        def on_save(self, a, tstate, control, **kw):
            emit("checkpoint", step=tstate.global_step, path=str(ckpt_dir / f"checkpoint-{tstate.global_step}"))

    trainer = DapoTrainer(
        model=model,
        reward_funcs=[reward_fn],
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        callbacks=[JsonProgress()],
        rl=o,
        reward_fn=reward_fn,
        start_model=start_model,
    )
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    if resume is not None and (resume / STATE_FILE).is_file():
        trainer.load_sampler_state(json.loads((resume / STATE_FILE).read_text()))
    ver = versions()
    import trl

    ver["trl"] = trl.__version__
    emit(
        "start",
        model=o.model,
        reward=o.reward,
        reward_url=o.reward_url,
        data_file=str(data_file),
        rows=len(rows),
        parameters=params,
        max_steps=o.max_steps,
        batch_prompts=o.batch_prompts,
        num_generations=o.num_generations,
        resumed_from=str(resume) if resume else None,
        options=o.to_json(),
        versions=ver,
        threads=torch.get_num_threads(),
    )
    trainer.train(resume_from_checkpoint=str(resume) if resume else None)

    trainer.model.save_pretrained(out, safe_serialization=True)
    tokenizer.padding_side = "right"
    tokenizer.save_pretrained(out)
    gen = trainer.model.generation_config
    gen.eos_token_id = tokenizer.eos_token_id
    gen.pad_token_id = tokenizer.pad_token_id
    gen.save_pretrained(out)

    steps = state["steps"]
    train_seconds = time.time() - state.get("t0", started)

    def first_last(k: str) -> tuple[Any, Any]:
        vals = [s.get(k) for s in steps if s.get(k) is not None]
        return (vals[0], vals[-1]) if vals else (None, None)

    summary = {
        "model": o.model,
        "reward": o.reward,
        "seed": o.seed,
        "data_file": str(data_file),
        "rows": len(rows),
        "parameters": params,
        "steps": trainer.state.global_step,
        "steps_this_run": trainer.state.global_step - state.get("step0", 0),
        "stopped_by": state["stopped_by"],
        "resumed_from": str(resume) if resume else None,
        "totals": trainer.totals,
        "rho": trainer.draw.rho,
        "first_reward_mean": first_last("reward_mean")[0],
        "final_reward_mean": first_last("reward_mean")[1],
        "final_kl_to_start": first_last("kl_to_start")[1],
        "time": {k: round(sum(s.get(f"{k}_s") or 0 for s in steps), 2) for k in ("generation", "reward", "update", "kl")},
        "train_seconds": round(train_seconds, 2),
        "wall_seconds": round(time.time() - started, 2),
        "options": o.to_json(),
        "versions": ver,
        "model_dir": str(out),
    }
    (out / RUN_FILE).write_text(json.dumps(summary, indent=2))
    emit("done", **summary)
    return summary
