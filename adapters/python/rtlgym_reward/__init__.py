"""Python adapters of the rtlgym reward service (`rtlgym serve`): a small client, verl reward functions, a TRL GRPO
reward function. OpenRLHF needs no adapter: point ``--remote_rm_url`` at ``http://HOST:PORT/get_reward``.

Standard library only; ``rtlgym_reward.trl`` does not import TRL either.
"""

from .client import (
    DEFAULT_URL,
    RewardClient,
    RewardServiceAuthError,
    RewardServiceError,
    RewardServiceHTTPError,
    RewardServiceUnavailable,
)
from .common import InfraPolicy, RewardInfraError, completion_text, parse_ground_truth
from .trl import make_trl_reward
from .verl import compute_score, compute_score_async, compute_score_batch, compute_score_batch_async

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_URL",
    "InfraPolicy",
    "RewardClient",
    "RewardInfraError",
    "RewardServiceAuthError",
    "RewardServiceError",
    "RewardServiceHTTPError",
    "RewardServiceUnavailable",
    "completion_text",
    "compute_score",
    "compute_score_async",
    "compute_score_batch",
    "compute_score_batch_async",
    "make_trl_reward",
    "parse_ground_truth",
]
