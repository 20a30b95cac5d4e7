import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parquetWriteFile, type SchemaElement } from "hyparquet-writer";
import { buildPrompt } from "../bench/prompts.js";
import type { Problem } from "../contracts/index.js";
import { type ChatMessage, rewardLabel } from "../tasks/index.js";

export const RECIPES = ["codev-r1"] as const;
export type Recipe = (typeof RECIPES)[number];
export const ENGINES = ["verl", "openrlhf"] as const;
export type Engine = (typeof ENGINES)[number];

/** CodeV-R1's RL settings (arXiv 2505.24183; DAPO's for what it does not restate). */
export interface RecipeSettings {
  /** Responses per prompt (the group). */
  n: number;
  /** Prompts per training batch. */
  batchSize: number;
  /** Prompts drawn per generation batch before group filtering (DAPO draws more than it trains on). */
  genBatchSize: number;
  lr: number;
  temperature: number;
  maxPromptLength: number;
  /** Response tokens generated at most (CodeV-R1: 16k). */
  maxResponseLength: number;
  /** Overlong shaping: the last `overlongBuffer` tokens before maxResponseLength are penalised linearly. */
  overlongBuffer: number;
  overlongPenaltyFactor: number;
  clipLow: number;
  clipHigh: number;
  /** Generation batches tried per step before giving up on filling it with mixed groups (0: no limit). */
  maxGenBatches: number;
  /** The rtlgym reward the service computes. */
  reward: string;
  epochs: number;
}

export const CODEV_R1: RecipeSettings = {
  n: 16,
  batchSize: 128,
  genBatchSize: 384,
  lr: 1e-6,
  temperature: 1.0,
  maxPromptLength: 2048,
  maxResponseLength: 16384,
  overlongBuffer: 4096,
  overlongPenaltyFactor: 1.0,
  clipLow: 0.2,
  clipHigh: 0.28,
  maxGenBatches: 10,
  reward: "codev",
  epochs: 1,
};

/** verl's RL row (the guide's format): the prompt as chat messages, the rtlgym label as the rule ground truth. */
export interface VerlRow {
  data_source: string;
  prompt: ChatMessage[];
  ability: string;
  reward_model: { style: string; ground_truth: string };
  extra_info: { split: string; index: number; problem: string };
}

/** OpenRLHF's prompt row: `--data.input_key prompt` (chat messages, `--data.apply_chat_template`), `--data.label_key label`. */
export interface OpenRlhfRow {
  prompt: ChatMessage[];
  label: string;
}

export const DATA_SOURCE = "rtlgym-tasks";

function chat(problem: Problem): ChatMessage[] {
  const built = buildPrompt(problem, { api: "chat", style: "codev" });
  const messages: ChatMessage[] = [];
  if (built.system !== undefined) messages.push({ role: "system", content: built.system });
  messages.push({ role: "user", content: built.prompt });
  return messages;
}

export function verlRow(problem: Problem, split: string, index: number): VerlRow {
  return {
    data_source: DATA_SOURCE,
    prompt: chat(problem),
    ability: "verilog",
    reward_model: { style: "rule", ground_truth: rewardLabel(problem) },
    extra_info: { split, index, problem: `${problem.suite}/${problem.id}` },
  };
}

export function openRlhfRow(problem: Problem): OpenRlhfRow {
  return { prompt: chat(problem), label: rewardLabel(problem) };
}

const str = (name: string): SchemaElement => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  repetition_type: "REQUIRED",
});

/** verl rows as Parquet: list<struct<role, content>> in the 3-level LIST layout Arrow reads as a list of dicts. */
export function writeVerlParquet(path: string, rows: readonly VerlRow[]): void {
  const schema: SchemaElement[] = [
    { name: "root", num_children: 5 },
    str("data_source"),
    { name: "prompt", repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
    { name: "list", repetition_type: "REPEATED", num_children: 1 },
    { name: "element", repetition_type: "REQUIRED", num_children: 2 },
    str("role"),
    str("content"),
    str("ability"),
    { name: "reward_model", repetition_type: "REQUIRED", num_children: 2 },
    str("style"),
    str("ground_truth"),
    { name: "extra_info", repetition_type: "REQUIRED", num_children: 3 },
    str("split"),
    { name: "index", type: "INT32", repetition_type: "REQUIRED" },
    str("problem"),
  ];
  const names = ["data_source", "prompt", "ability", "reward_model", "extra_info"] as const;
  parquetWriteFile({
    filename: path,
    schema,
    columnData: names.map((name) => ({ name, data: rows.map((r) => r[name]) })),
    createdBy: "rtlgym recipe export",
  });
}

/**
 * verl 0.9 Hydra overrides for `python3 -m verl.trainer.main_ppo` (the V1 trainer): GRPO advantages, no KL (neither
 * in the reward nor as a loss), clip-higher, token-level loss, group filtering on `acc` (the rtlgym adapter's 1/0
 * "the service said pass"), and the DAPO reward manager's overlong shaping around rtlgym's reward function.
 * `${VAR}` placeholders are filled by the launch script.
 */
/** A shell variable reference (`${NAME}`), expanded by the launch script. */
const v = (name: string): string => `\${${name}}`;

export function verlOverrides(s: RecipeSettings): string[] {
  return [
    "algorithm.adv_estimator=grpo",
    "algorithm.use_kl_in_reward=False",
    "algorithm.kl_ctrl.kl_coef=0.0",
    "algorithm.filter_groups.enable=True",
    "algorithm.filter_groups.metric=acc",
    `algorithm.filter_groups.max_num_gen_batches=${s.maxGenBatches}`,
    `data.train_files=${v("DATA_DIR")}/train.parquet`,
    `data.val_files=${v("DATA_DIR")}/val.parquet`,
    "data.prompt_key=prompt",
    `data.max_prompt_length=${s.maxPromptLength}`,
    `data.max_response_length=${s.maxResponseLength}`,
    `data.train_batch_size=${s.batchSize}`,
    `data.gen_batch_size=${s.genBatchSize}`,
    "data.truncation=left",
    `actor_rollout_ref.model.path=${v("MODEL_PATH")}`,
    `actor_rollout_ref.actor.optim.lr=${s.lr}`,
    "actor_rollout_ref.actor.use_kl_loss=False",
    "actor_rollout_ref.actor.kl_loss_coef=0.0",
    "actor_rollout_ref.actor.entropy_coeff=0",
    `actor_rollout_ref.actor.clip_ratio_low=${s.clipLow}`,
    `actor_rollout_ref.actor.clip_ratio_high=${s.clipHigh}`,
    "actor_rollout_ref.actor.loss_agg_mode=token-mean",
    `actor_rollout_ref.actor.ppo_mini_batch_size=${Math.max(1, s.batchSize / 4)}`,
    "actor_rollout_ref.actor.use_dynamic_bsz=True",
    `actor_rollout_ref.actor.ppo_max_token_len_per_gpu=${s.maxPromptLength + s.maxResponseLength}`,
    "actor_rollout_ref.rollout.name=vllm",
    `actor_rollout_ref.rollout.n=${s.n}`,
    `actor_rollout_ref.rollout.temperature=${s.temperature}`,
    "actor_rollout_ref.rollout.top_p=1.0",
    `actor_rollout_ref.rollout.tensor_model_parallel_size=${v("ROLLOUT_TP")}`,
    "reward.reward_manager.name=dapo",
    `reward.custom_reward_function.path=${v("ADAPTERS_DIR")}/verl_reward.py`,
    "reward.custom_reward_function.name=compute_score_async",
    `+reward.custom_reward_function.reward_kwargs.url=${v("RTLGYM_URL")}`,
    `+reward.custom_reward_function.reward_kwargs.reward=${s.reward}`,
    "+reward.custom_reward_function.reward_kwargs.on_infra_error=raise",
    "+reward.reward_kwargs.overlong_buffer_cfg.enable=True",
    `+reward.reward_kwargs.overlong_buffer_cfg.len=${s.overlongBuffer}`,
    `+reward.reward_kwargs.overlong_buffer_cfg.penalty_factor=${s.overlongPenaltyFactor}`,
    "+reward.reward_kwargs.overlong_buffer_cfg.log=False",
    `+reward.reward_kwargs.max_resp_len=${s.maxResponseLength}`,
    "trainer.project_name=rtlgym",
    "trainer.experiment_name=codev-r1",
    "trainer.logger=[console]",
    `trainer.n_gpus_per_node=${v("GPUS_PER_NODE")}`,
    `trainer.nnodes=${v("NNODES")}`,
    `trainer.total_epochs=${s.epochs}`,
    "trainer.save_freq=20",
    "trainer.test_freq=10",
    `trainer.default_local_dir=${v("CKPT_DIR")}`,
    "trainer.resume_mode=auto",
  ];
}

/**
 * OpenRLHF (0.11) arguments for `python3 -m openrlhf.cli.train_ppo_ray`: group-normalised advantages (GRPO), no KL,
 * clip-higher, token-level loss, dynamic filtering of all-equal groups, overlong shaping, and the rtlgym replicas'
 * `/get_reward` as the remote reward (comma-separated URLs are spread over by OpenRLHF).
 */
export function openRlhfArgs(s: RecipeSettings): string[] {
  return [
    "--actor.model_name_or_path",
    `${v("MODEL_PATH")}`,
    "--reward.remote_url",
    `${v("RTLGYM_REWARD_URLS")}`,
    "--data.prompt_dataset",
    `${v("DATA_DIR")}/train.jsonl`,
    "--data.input_key",
    "prompt",
    "--data.label_key",
    "label",
    "--data.apply_chat_template",
    "--data.max_len",
    String(s.maxPromptLength + s.maxResponseLength),
    "--rollout.max_new_tokens",
    String(s.maxResponseLength),
    "--rollout.n_samples_per_prompt",
    String(s.n),
    "--rollout.batch_size",
    String(s.batchSize),
    "--rollout.temperature",
    String(s.temperature),
    "--train.batch_size",
    String(s.batchSize * s.n),
    "--train.max_epochs",
    "1",
    "--algo.advantage.estimator",
    "group_norm",
    "--algo.kl.init_coef",
    "0",
    "--actor.eps_clip_low_high",
    String(s.clipLow),
    String(s.clipHigh),
    "--actor.loss_agg_mode",
    "token-mean",
    "--actor.adam.lr",
    String(s.lr),
    "--algo.dynamic_filtering_enable",
    "--algo.dynamic_filtering_range",
    "0",
    "1",
    "--reward.overlong_buffer_len",
    String(s.overlongBuffer),
    "--reward.overlong_penalty_factor",
    String(s.overlongPenaltyFactor),
    "--actor.num_nodes",
    `${v("NNODES")}`,
    "--actor.num_gpus_per_node",
    `${v("GPUS_PER_NODE")}`,
    "--ref.num_nodes",
    `${v("NNODES")}`,
    "--ref.num_gpus_per_node",
    `${v("GPUS_PER_NODE")}`,
    "--vllm.num_engines",
    `${v("VLLM_ENGINES")}`,
    "--vllm.tensor_parallel_size",
    `${v("ROLLOUT_TP")}`,
    "--train.colocate_all",
    "--ckpt.path",
    `${v("CKPT_DIR")}`,
    "--ckpt.save_hf",
  ];
}

/** Environment a launch script reads, with its default. */
const ENV_DEFAULTS: Array<[string, string, string]> = [
  ["MODEL_PATH", "", "the SFT (distilled) model to start RL from: a Hugging Face model directory or name"],
  ["NNODES", "1", "nodes"],
  ["GPUS_PER_NODE", "8", "GPUs per node"],
  ["ROLLOUT_TP", "1", "vLLM tensor parallel size"],
  ["CKPT_DIR", "$HERE/checkpoints", "checkpoints"],
  ["RTLGYM", "rtlgym", "the rtlgym command (to start a local reward service when no URL is given)"],
];

function envBlock(extra: Array<[string, string, string]>): string {
  return [...ENV_DEFAULTS, ...extra]
    .map(([name, value, what]) => `${name}="\${${name}:-${value}}"   # ${what}`)
    .join("\n");
}

/** Starts `rtlgym serve` on this node when no reward URL was given, and stops it on exit. */
const SERVE_BLOCK = (urlVar: string, suffix: string) => `if [ -z "\${${urlVar}:-}" ]; then
  PORT="\${RTLGYM_PORT:-8000}"
  "$RTLGYM" serve --port "$PORT" --workers "\${RTLGYM_WORKERS:-$(nproc)}" &
  SERVE_PID=$!
  trap 'kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true' EXIT
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 1; done
  curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null || { echo "rtlgym serve did not become ready" >&2; exit 1; }
  ${urlVar}="http://127.0.0.1:$PORT${suffix}"
fi
export ${urlVar}`;

function verlScript(adaptersDir: string): string {
  return `#!/usr/bin/env bash
# CodeV-R1 RL (DAPO) on verl 0.9 with rtlgym's verified reward. Written by \`rtlgym recipe export\`.
# Needs: verl 0.9 with vLLM on the GPU nodes, the rtlgym_reward package (pip install ${adaptersDir}),
# and a reward service: RTLGYM_URL=http://host:8000 (one \`rtlgym serve\`, or a load balancer over replicas);
# when RTLGYM_URL is unset, one is started here. Extra Hydra overrides can be passed as arguments.
set -euo pipefail
HERE="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
DATA_DIR="\${DATA_DIR:-$HERE/data}"
ADAPTERS_DIR="\${ADAPTERS_DIR:-${adaptersDir}}"
${envBlock([])}
: "\${MODEL_PATH:?set MODEL_PATH to the model to train}"
${SERVE_BLOCK("RTLGYM_URL", "")}
export DATA_DIR ADAPTERS_DIR MODEL_PATH NNODES GPUS_PER_NODE ROLLOUT_TP CKPT_DIR
OVERRIDES=()
while IFS= read -r line; do
  [ -n "$line" ] && OVERRIDES+=("$(eval "printf '%s' \\"$line\\"")")
done < "$HERE/overrides.txt"
python3 -m verl.trainer.main_ppo "\${OVERRIDES[@]}" "$@"
`;
}

function openRlhfScript(): string {
  return `#!/usr/bin/env bash
# CodeV-R1 RL (DAPO-style) on OpenRLHF with rtlgym's verified reward. Written by \`rtlgym recipe export\`.
# Needs: OpenRLHF (0.11 argument names; older releases call --reward.remote_url --remote_rm_url) on a Ray cluster,
# and reward replicas: RTLGYM_REWARD_URLS=http://a:8000/get_reward,http://b:8000/get_reward (OpenRLHF spreads
# requests over them); when unset, one \`rtlgym serve\` is started here. Extra arguments are passed through.
set -euo pipefail
HERE="$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)"
DATA_DIR="\${DATA_DIR:-$HERE/data}"
${envBlock([["VLLM_ENGINES", "$GPUS_PER_NODE", "vLLM engines"]])}
: "\${MODEL_PATH:?set MODEL_PATH to the model to train}"
${SERVE_BLOCK("RTLGYM_REWARD_URLS", "/get_reward")}
export DATA_DIR MODEL_PATH NNODES GPUS_PER_NODE ROLLOUT_TP CKPT_DIR VLLM_ENGINES
ARGS=()
while IFS= read -r line; do
  [ -n "$line" ] && ARGS+=("$(eval "printf '%s' \\"$line\\"")")
done < "$HERE/args.txt"
python3 -m openrlhf.cli.train_ppo_ray "\${ARGS[@]}" "$@"
`;
}

export interface RecipeExportInput {
  recipe: Recipe;
  engine: Engine;
  out: string;
  /** Problems by split: `train` becomes the training data, `val` the validation data. */
  train: readonly Problem[];
  val: readonly Problem[];
  /** Absolute path of adapters/python (verl imports verl_reward.py from it). */
  adaptersDir: string;
  settings?: Partial<RecipeSettings>;
  /** Where the problems came from, for the manifest. */
  source: string;
}

export interface RecipeExportSummary {
  recipe: Recipe;
  engine: Engine;
  out: string;
  settings: RecipeSettings;
  files: Array<{ path: string; rows?: number }>;
  launch: string;
}

const jsonl = (rows: readonly unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join("");

/** Writes a launcher folder: data in the engine's row format, its arguments, a launch script and a manifest. */
export async function exportRecipe(input: RecipeExportInput): Promise<RecipeExportSummary> {
  const settings = { ...CODEV_R1, ...input.settings };
  const data = join(input.out, "data");
  await mkdir(data, { recursive: true });
  const files: RecipeExportSummary["files"] = [];
  let launch: string;
  if (input.engine === "verl") {
    for (const [split, problems] of [
      ["train", input.train],
      ["val", input.val],
    ] as const) {
      const rows = problems.map((p, i) => verlRow(p, split, i));
      writeVerlParquet(join(data, `${split}.parquet`), rows);
      await writeFile(join(data, `${split}.jsonl`), jsonl(rows));
      files.push({ path: join(data, `${split}.parquet`), rows: rows.length });
    }
    await writeFile(join(input.out, "overrides.txt"), `${verlOverrides(settings).join("\n")}\n`);
    files.push({ path: join(input.out, "overrides.txt") });
    launch = join(input.out, "run_verl.sh");
    await writeFile(launch, verlScript(input.adaptersDir));
  } else {
    for (const [split, problems] of [
      ["train", input.train],
      ["val", input.val],
    ] as const) {
      const rows = problems.map((p) => openRlhfRow(p));
      await writeFile(join(data, `${split}.jsonl`), jsonl(rows));
      files.push({ path: join(data, `${split}.jsonl`), rows: rows.length });
    }
    await writeFile(join(input.out, "args.txt"), `${openRlhfArgs(settings).join("\n")}\n`);
    files.push({ path: join(input.out, "args.txt") });
    launch = join(input.out, "run_openrlhf.sh");
    await writeFile(launch, openRlhfScript());
  }
  await chmod(launch, 0o755);
  files.push({ path: launch });
  const manifest = { recipe: input.recipe, engine: input.engine, source: input.source, settings };
  await writeFile(join(input.out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  files.push({ path: join(input.out, "manifest.json") });
  return { recipe: input.recipe, engine: input.engine, out: input.out, settings, files, launch };
}
