from rtlgym_train.hardware import run_arguments


def test_run_arguments_keep_cpu_in_float32_and_seed_everything():
    import torch

    args = run_arguments(7)
    assert args["seed"] == 7 and args["data_seed"] == 7
    # No CUDA here: float32 on CPU (bf16 autocast without native kernels was ~11x slower).
    assert torch.cuda.is_available() or (args["use_cpu"] is True and args["bf16"] is False)
    assert args["report_to"] == [] and args["disable_tqdm"] is True


def test_run_arguments_build_valid_training_arguments(tmp_path):
    from transformers import TrainingArguments
    from trl import DPOConfig

    for cls in (TrainingArguments, DPOConfig):
        built = cls(output_dir=str(tmp_path), **run_arguments(3))
        assert built.seed == 3 and built.bf16 is False and built.save_total_limit == 2


def test_precision_is_explicit_or_follows_the_hardware():
    import pytest
    import torch

    from rtlgym_train.hardware import cpu_has_native_bf16, use_bf16

    assert use_bf16("fp32") is False and use_bf16("bf16") is True
    expected = torch.cuda.is_bf16_supported() if torch.cuda.is_available() else cpu_has_native_bf16()
    assert use_bf16("auto") is expected
    assert run_arguments(1, "fp32")["bf16"] is False and run_arguments(1, "bf16")["bf16"] is True
    with pytest.raises(ValueError, match="unknown precision"):
        use_bf16("fp16")
