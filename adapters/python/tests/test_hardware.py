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
