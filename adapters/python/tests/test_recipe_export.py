"""`rtlgym recipe export codev-r1`: the launchers' data, engine configuration and reward, tested as far as a CPU allows.

- The data loads with Hugging Face `datasets` and has each engine's row schema.
- The verl overrides and OpenRLHF arguments are pinned to the documented keys (always), and are accepted by the
  engines' own configuration code when the engines import: set RTLGYM_ENGINES_PATH to a folder holding verl 0.9 and
  OpenRLHF 0.11 installed without their GPU dependencies (`bash scripts/engines-cpu.sh`, whose default folder
  .venv-adapters/engines is used without the variable).
- The reward function verl is pointed at imports from its file and scores through a real `rtlgym serve`; with verl
  present, verl's own loader and its DAPO reward manager (overlong shaping included) run it.
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

# Where scripts/engines-cpu.sh installed the engines (its default folder is found without the variable).
ENGINES = os.environ.get("RTLGYM_ENGINES_PATH") or (
    str(REPO / ".venv-adapters" / "engines") if (REPO / ".venv-adapters" / "engines" / "verl").is_dir() else None
)
if ENGINES:
    # Appended: the adapters venv's own packages keep precedence for every other test of the session.
    sys.path.append(ENGINES)

MAX_RESPONSE = 64
BUFFER = 16

# The keys the verl launcher sets: the guide's (filter_groups, custom reward function, overlong buffer - under verl
# 0.9's `reward.` group, where its DAPO reward manager reads them) plus the DAPO settings of verl's own recipe.
VERL_KEYS = {
    "algorithm.adv_estimator",
    "algorithm.use_kl_in_reward",
    "algorithm.kl_ctrl.kl_coef",
    "algorithm.filter_groups.enable",
    "algorithm.filter_groups.metric",
    "algorithm.filter_groups.max_num_gen_batches",
    "data.train_files",
    "data.val_files",
    "data.prompt_key",
    "data.max_prompt_length",
    "data.max_response_length",
    "data.train_batch_size",
    "data.gen_batch_size",
    "data.truncation",
    "actor_rollout_ref.model.path",
    "actor_rollout_ref.actor.optim.lr",
    "actor_rollout_ref.actor.use_kl_loss",
    "actor_rollout_ref.actor.kl_loss_coef",
    "actor_rollout_ref.actor.entropy_coeff",
    "actor_rollout_ref.actor.clip_ratio_low",
    "actor_rollout_ref.actor.clip_ratio_high",
    "actor_rollout_ref.actor.loss_agg_mode",
    "actor_rollout_ref.actor.ppo_mini_batch_size",
    "actor_rollout_ref.actor.use_dynamic_bsz",
    "actor_rollout_ref.actor.ppo_max_token_len_per_gpu",
    "actor_rollout_ref.rollout.name",
    "actor_rollout_ref.rollout.n",
    "actor_rollout_ref.rollout.temperature",
    "actor_rollout_ref.rollout.top_p",
    "actor_rollout_ref.rollout.tensor_model_parallel_size",
    "reward.reward_manager.name",
    "reward.custom_reward_function.path",
    "reward.custom_reward_function.name",
    "+reward.custom_reward_function.reward_kwargs.url",
    "+reward.custom_reward_function.reward_kwargs.reward",
    "+reward.custom_reward_function.reward_kwargs.on_infra_error",
    "+reward.reward_kwargs.overlong_buffer_cfg.enable",
    "+reward.reward_kwargs.overlong_buffer_cfg.len",
    "+reward.reward_kwargs.overlong_buffer_cfg.penalty_factor",
    "+reward.reward_kwargs.overlong_buffer_cfg.log",
    "+reward.reward_kwargs.max_resp_len",
    "trainer.project_name",
    "trainer.experiment_name",
    "trainer.logger",
    "trainer.n_gpus_per_node",
    "trainer.nnodes",
    "trainer.total_epochs",
    "trainer.save_freq",
    "trainer.test_freq",
    "trainer.default_local_dir",
    "trainer.resume_mode",
}

OPENRLHF_FLAGS = {
    "--actor.model_name_or_path",
    "--reward.remote_url",
    "--data.prompt_dataset",
    "--data.input_key",
    "--data.label_key",
    "--data.apply_chat_template",
    "--data.max_len",
    "--rollout.max_new_tokens",
    "--rollout.n_samples_per_prompt",
    "--rollout.batch_size",
    "--rollout.temperature",
    "--train.batch_size",
    "--train.max_epochs",
    "--algo.advantage.estimator",
    "--algo.kl.init_coef",
    "--actor.eps_clip_low_high",
    "--actor.loss_agg_mode",
    "--actor.adam.lr",
    "--algo.dynamic_filtering_enable",
    "--algo.dynamic_filtering_range",
    "--reward.overlong_buffer_len",
    "--reward.overlong_penalty_factor",
    "--actor.num_nodes",
    "--actor.num_gpus_per_node",
    "--ref.num_nodes",
    "--ref.num_gpus_per_node",
    "--vllm.num_engines",
    "--vllm.tensor_parallel_size",
    "--train.colocate_all",
    "--ckpt.path",
    "--ckpt.save_hf",
}


def _rtlgym(*args: str) -> str:
    node = shutil.which("node")
    if not node:
        pytest.fail("node is not installed")
    if not (REPO / "dist" / "cli" / "commands" / "recipe.js").exists():
        subprocess.run([shutil.which("npm") or "npm", "run", "--silent", "build"], cwd=REPO, check=True)
    done = subprocess.run(
        [node, str(REPO / "bin" / "rtlgym.js"), *args], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("recipe")
    tasks = root / "tasks"
    _rtlgym("tasks", "generate", "--out", str(tasks), "--seed", "3", "--train", "12", "--heldout", "4")
    out = {}
    for engine in ("verl", "openrlhf"):
        out[engine] = root / engine
        summary = json.loads(
            _rtlgym(
                "recipe", "export", "codev-r1", "--engine", engine, "--tasks", str(tasks), "--out", str(out[engine]),
                "--max-response-length", str(MAX_RESPONSE), "--overlong-buffer", str(BUFFER), "--json",
            )
        )
        assert summary["engine"] == engine
    return out


def _env(out: Path, url: str) -> dict[str, str]:
    return {
        "DATA_DIR": str(out / "data"), "MODEL_PATH": "/models/sft", "ROLLOUT_TP": "1",
        "ADAPTERS_DIR": str(REPO / "adapters" / "python"), "RTLGYM_URL": url, "RTLGYM_REWARD_URLS": url,
        "GPUS_PER_NODE": "8", "NNODES": "1", "CKPT_DIR": "/tmp/ckpt", "VLLM_ENGINES": "8",
    }


def _lines(path: Path, env: dict[str, str]) -> list[str]:
    """The file's arguments with ${VAR} expanded, as the launch script expands them."""
    return [re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], x) for x in path.read_text().splitlines() if x]


def _overrides(out: Path, url: str = "http://127.0.0.1:9") -> dict[str, str]:
    return dict(x.split("=", 1) for x in _lines(out / "overrides.txt", _env(out, url)))


def _codev(code: str) -> str:
    return f"<think>The spec asks for this.</think>\n<answer>```verilog\n{code}```</answer>"


def _first_row(out: Path):
    from datasets import load_dataset

    return load_dataset("parquet", data_files=str(out / "data" / "train.parquet"), split="train")[0]


def test_verl_rows_load_with_the_row_schema(exported: dict[str, Path]) -> None:
    from datasets import load_dataset

    ds = load_dataset("parquet", data_files=str(exported["verl"] / "data" / "train.parquet"), split="train")
    assert len(ds) == 12
    assert ds.column_names == ["data_source", "prompt", "ability", "reward_model", "extra_info"]
    row = ds[3]
    assert row["data_source"] == "rtlgym-tasks" and row["ability"] == "verilog"
    assert [m["role"] for m in row["prompt"]] == ["system", "user"]
    assert "<think>" in row["prompt"][0]["content"] and "<answer>" in row["prompt"][1]["content"]
    assert row["reward_model"]["style"] == "rule"
    label = json.loads(row["reward_model"]["ground_truth"])
    assert set(label) == {"reference", "refTop", "candTop"} and "module" in label["reference"]
    assert row["extra_info"]["split"] == "train" and row["extra_info"]["index"] == 3
    val = load_dataset("parquet", data_files=str(exported["verl"] / "data" / "val.parquet"), split="train")
    assert len(val) == 4 and val[0]["extra_info"]["split"] == "val"


def test_verl_overrides_pin_the_documented_keys(exported: dict[str, Path]) -> None:
    o = _overrides(exported["verl"])
    assert set(o) == VERL_KEYS
    assert o["algorithm.filter_groups.enable"] == "True" and o["algorithm.filter_groups.metric"] == "acc"
    assert o["actor_rollout_ref.actor.clip_ratio_high"] == "0.28"
    assert o["actor_rollout_ref.actor.clip_ratio_low"] == "0.2"
    assert o["actor_rollout_ref.actor.loss_agg_mode"] == "token-mean"
    assert o["actor_rollout_ref.actor.use_kl_loss"] == "False" and o["algorithm.use_kl_in_reward"] == "False"
    assert o["reward.reward_manager.name"] == "dapo"
    assert o["+reward.reward_kwargs.overlong_buffer_cfg.len"] == str(BUFFER)
    assert o["+reward.reward_kwargs.max_resp_len"] == o["data.max_response_length"] == str(MAX_RESPONSE)
    assert Path(o["reward.custom_reward_function.path"]).is_file()
    assert o["+reward.custom_reward_function.reward_kwargs.reward"] == "codev"
    assert Path(o["data.train_files"]).is_file() and Path(o["data.val_files"]).is_file()
    script = (exported["verl"] / "run_verl.sh").read_text()
    assert "python3 -m verl.trainer.main_ppo" in script and os.access(exported["verl"] / "run_verl.sh", os.X_OK)
    subprocess.run(["bash", "-n", str(exported["verl"] / "run_verl.sh")], check=True)


def test_the_reward_function_imports_from_its_file_and_scores(exported: dict[str, Path], service) -> None:
    o = _overrides(exported["verl"], service.url)
    spec = importlib.util.spec_from_file_location("rtlgym_verl_reward_file", o["reward.custom_reward_function.path"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = getattr(module, "compute_score")
    row = _first_row(exported["verl"])
    label = json.loads(row["reward_model"]["ground_truth"])
    reference = label["reference"]
    kw = {"url": service.url, "reward": "codev"}
    ok = fn(row["data_source"], _codev(reference), row["reward_model"]["ground_truth"], row["extra_info"], **kw)
    assert ok["score"] == 1.0 and ok["acc"] == 1.0
    plain = fn(row["data_source"], f"```verilog\n{reference}```", row["reward_model"]["ground_truth"], None, **kw)
    assert plain["score"] == 0.0 and plain["status"] == "format_error"  # equivalent code, wrong shape
    gt = row["reward_model"]["ground_truth"]
    broken = fn(row["data_source"], _codev("module nope(); endmodule\n"), gt, None, **kw)
    assert broken["score"] == 0.0 and broken["acc"] == 0.0


def test_openrlhf_rows_and_arguments(exported: dict[str, Path]) -> None:
    from datasets import load_dataset

    ds = load_dataset("json", data_files=str(exported["openrlhf"] / "data" / "train.jsonl"), split="train")
    assert len(ds) == 12 and ds.column_names == ["prompt", "label"]
    assert [m["role"] for m in ds[0]["prompt"]] == ["system", "user"]
    assert set(json.loads(ds[0]["label"])) == {"reference", "refTop", "candTop"}
    args = (exported["openrlhf"] / "args.txt").read_text().splitlines()
    assert {a for a in args if a.startswith("--")} == OPENRLHF_FLAGS
    at = args.index("--actor.eps_clip_low_high")
    assert args[at + 1 : at + 3] == ["0.2", "0.28"]
    assert args[args.index("--algo.advantage.estimator") + 1] == "group_norm"
    assert args[args.index("--reward.overlong_buffer_len") + 1] == str(BUFFER)
    assert args[args.index("--reward.remote_url") + 1] == "${RTLGYM_REWARD_URLS}"
    subprocess.run(["bash", "-n", str(exported["openrlhf"] / "run_openrlhf.sh")], check=True)
    assert "/get_reward" in (exported["openrlhf"] / "run_openrlhf.sh").read_text()


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


@pytest.mark.skipif(not _has("verl"), reason="verl is not importable (set RTLGYM_ENGINES_PATH, see docs/recipes.md)")
def test_verl_accepts_the_config_and_its_dapo_manager_scores_through_rtlgym(exported: dict[str, Path], service) -> None:
    import numpy as np
    import torch
    import verl
    from hydra import compose, initialize_config_dir
    from verl import DataProto
    from verl.trainer.ppo.reward import get_custom_reward_fn, resolve_reward_manager_cls
    from verl.trainer.ppo.utils import need_critic, need_reference_policy
    from verl.utils.config import validate_config

    overrides = _lines(exported["verl"] / "overrides.txt", _env(exported["verl"], service.url))
    config_dir = str(Path(verl.__file__).parent / "trainer" / "config")
    with initialize_config_dir(config_dir=config_dir, version_base=None):
        cfg = compose(config_name="ppo_trainer", overrides=overrides)
    validate_config(config=cfg, use_reference_policy=need_reference_policy(cfg), use_critic=need_critic(cfg))
    assert cfg.algorithm.filter_groups.enable is True and cfg.trainer.use_v1 is True
    assert not need_critic(cfg) and not need_reference_policy(cfg)  # GRPO, no KL: no critic, no reference model

    compute_score = get_custom_reward_fn(cfg)  # verl's loader: imports verl_reward.py, binds reward_kwargs
    manager_cls = resolve_reward_manager_cls(cfg)
    assert manager_cls.__name__ == "DAPORewardManager"

    row = _first_row(exported["verl"])
    reference = json.loads(row["reward_model"]["ground_truth"])["reference"]

    class LineTokenizer:
        """One token per line: lets a test set a response's length in tokens."""

        def __init__(self, text: str) -> None:
            self.pieces = text.splitlines(keepends=True)

        def decode(self, ids, skip_special_tokens: bool = True) -> str:
            return "".join(self.pieces[int(i)] for i in ids)

    async def score(text: str, pad: int) -> dict:
        tok = LineTokenizer(text)
        ids = list(range(len(tok.pieces)))
        responses = torch.tensor([ids + [0] * pad])
        mask = torch.tensor([[1] * 3 + [1] * len(ids) + [0] * pad])  # 3 prompt tokens, then the response
        data = DataProto.from_dict(
            tensors={"responses": responses, "attention_mask": mask},
            non_tensors={
                "data_source": np.array([row["data_source"]], dtype=object),
                "reward_model": np.array([row["reward_model"]], dtype=object),
                "extra_info": np.array([row["extra_info"]], dtype=object),
            },
        )
        manager = manager_cls(cfg, tok, compute_score)
        return await manager.run_single(data)

    short = _codev(reference)
    result = asyncio.run(score(short, MAX_RESPONSE - len(short.splitlines())))
    n = len(short.splitlines())
    expected_penalty = min(-(n - (MAX_RESPONSE - BUFFER)) / BUFFER, 0)
    assert result["reward_extra_info"]["status"] == "pass"
    assert result["reward_score"] == pytest.approx(1.0 + expected_penalty)
    # A response that reaches into the overlong buffer is penalised linearly (DAPO's shaping).
    long = short + "\n" * (MAX_RESPONSE - BUFFER + 8 - n)
    m = len(long.splitlines(keepends=True))
    shaped = asyncio.run(score(long, MAX_RESPONSE - m))
    assert shaped["reward_score"] == pytest.approx(1.0 - (m - (MAX_RESPONSE - BUFFER)) / BUFFER)
    assert shaped["reward_score"] < 1.0


@pytest.mark.skipif(not _has("openrlhf"), reason="OpenRLHF is not importable (set RTLGYM_ENGINES_PATH)")
def test_openrlhf_parser_accepts_the_arguments(exported: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """OpenRLHF's own parser and checks (train_ppo_ray's __main__ block), run without its final train(args)."""
    spec = importlib.util.find_spec("openrlhf.cli.train_ppo_ray")
    source = Path(spec.origin).read_text()
    tree = ast.parse(source)
    main = next(n for n in tree.body if isinstance(n, ast.If) and "__main__" in ast.unparse(n.test))
    last = main.body[-1]
    assert ast.unparse(last) == "train(args)", "OpenRLHF's entry point changed: update this test"
    main.body = main.body[:-1]
    body = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom))]
    module = ast.Module(body=[*body, main], type_ignores=[])
    # Its GPU-side imports are not needed to parse arguments; hierarchize (openrlhf.utils.config) is.
    cfg_spec = importlib.util.spec_from_file_location("ocfg", Path(spec.origin).parents[1] / "utils" / "config.py")
    ocfg = importlib.util.module_from_spec(cfg_spec)
    cfg_spec.loader.exec_module(ocfg)
    monkeypatch.setitem(sys.modules, "openrlhf.utils.config", ocfg)
    out = exported["openrlhf"]
    argv = _lines(out / "args.txt", _env(out, "http://r1:8000/get_reward,http://r2:8000/get_reward"))
    monkeypatch.setattr(sys, "argv", ["train_ppo_ray", *argv])
    namespace: dict = {"__name__": "__main__", "argparse": __import__("argparse"), "os": os}
    namespace["datetime"] = __import__("datetime").datetime
    exec(compile(module, spec.origin, "exec"), namespace)
    args = namespace["args"]
    assert args.reward.remote_url == ["http://r1:8000/get_reward", "http://r2:8000/get_reward"]
    assert tuple(args.actor.eps_clip_low_high) == (0.2, 0.28)
    assert args.algo.dynamic_filtering_enable and args.algo.advantage.estimator == "group_norm"
    assert args.reward.overlong_buffer_len == BUFFER and args.rollout.n_samples_per_prompt == 16
    assert args.critic.model_name_or_path is None  # no critic for group_norm
