"""The TrainingArguments every trainer shares: precision from the hardware, seeds, no consoles or trackers."""

from __future__ import annotations

from typing import Any

PRECISIONS = ("auto", "fp32", "bf16")


def cpu_has_native_bf16() -> bool:
    """AVX512-BF16 or AMX: the CPUs whose oneDNN kernels run bf16 matrix products natively."""
    import torch

    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in probes)


def use_bf16(precision: str) -> bool:
    """Whether a run trains under bf16 autocast.

    `auto`: on CUDA where it supports bf16, and on a CPU only with native bf16 kernels. Measured on the testbed
    model (2 cores): a training step under bf16 autocast took 0.73x the float32 time on an AVX512-BF16 CPU, but
    ~11x the time on a CPU without native kernels; and sampling was 1.12x slower under autocast even with them,
    which is why `train rl` (mostly generation) stays in float32 on CPU.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; precisions: {', '.join(PRECISIONS)}")
    if precision != "auto":
        return precision == "bf16"
    import torch

    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    return cpu_has_native_bf16()


def run_arguments(seed: int, precision: str | None = None) -> dict[str, Any]:
    """Keyword arguments for transformers' TrainingArguments (and TRL's configs built on it).

    precision None: bf16 only where CUDA has it (TRL's configs default to bf16 even on CPU). Otherwise as
    `use_bf16`.
    """
    import torch

    use_cpu = not torch.cuda.is_available()
    bf16 = (not use_cpu) and torch.cuda.is_bf16_supported() if precision is None else use_bf16(precision)
    return {
        "use_cpu": use_cpu,
        "bf16": bf16,
        "seed": seed,
        "data_seed": seed,
        "save_total_limit": 2,
        "report_to": [],
        "disable_tqdm": True,
        "dataloader_num_workers": 0,
    }
