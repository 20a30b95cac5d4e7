"""File for verl's ``custom_reward_function.path``: verl imports a reward function from a file path, so this shim
makes the ``rtlgym_reward`` package importable (installed, or from this directory) and re-exports its verl functions.

    custom_reward_function.path=<repo>/adapters/python/verl_reward.py
    custom_reward_function.name=compute_score_batch   # with reward_model.reward_manager=batch
"""

import os
import sys

try:
    import rtlgym_reward  # noqa: F401 - installed with pip
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from rtlgym_reward.verl import (  # noqa: E402
    compute_score,
    compute_score_async,
    compute_score_batch,
    compute_score_batch_async,
)

__all__ = ["compute_score", "compute_score_batch", "compute_score_async", "compute_score_batch_async"]
