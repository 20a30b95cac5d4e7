import { createHash } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parquetWriteFile, type SchemaElement } from "hyparquet-writer";
import type { Problem } from "../contracts/index.js";
import { GENERATOR_VERSION, type GeneratedTask, SPLITS, type Split, TASKS_SUITE } from "./generate.js";

/**
 * The prompts a model sees for a problem, built by the caller with bench's own prompt builder (`buildPrompt`, rtlgym
 * style) so training rows and `bench run` prompts are the same text. Injected because bench sits above tasks.
 */
export interface PromptSet {
  chat: { system?: string; prompt: string };
  completion: { prompt: string; prefill?: string };
}
export type PromptBuilder = (problem: Problem) => PromptSet;

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** SFT row, chat form. */
export interface SftChatRow {
  id: string;
  messages: ChatMessage[];
}
/** SFT row, prompt/completion form: prompt + completion is the text a completions-API model produces on bench. */
export interface SftCompletionRow {
  id: string;
  prompt: string;
  completion: string;
}
/** RL row: verl/TRL/OpenRLHF read `prompt` (messages) or `prompt_text`, and the label `ground_truth`. */
export interface RlRow {
  id: string;
  data_source: string;
  prompt: ChatMessage[];
  prompt_text: string;
  ability: string;
  reward_model: { style: string; ground_truth: string };
  ground_truth: string;
  problem: string;
  extra_info: { split: string; index: number; family: string; difficulty: number };
}

/** The label `rtlgym serve` (/get_reward labels, /v1/rewards via the adapters) accepts: an inline reference. */
export function rewardLabel(problem: Problem): string {
  return JSON.stringify({ reference: problem.reference, refTop: problem.refTop, candTop: problem.candTop });
}

function fence(code: string): string {
  return `\`\`\`verilog\n${code.endsWith("\n") ? code : `${code}\n`}\`\`\``;
}

/** The answer a training row teaches: one fenced module, from writer A or B as the task drew. */
export function answerOf(task: GeneratedTask): string {
  return fence(task.meta.completionStyle === "a" ? task.problem.reference : task.alternative);
}

export function sftChatRow(task: GeneratedTask, prompts: PromptSet): SftChatRow {
  const messages: ChatMessage[] = [];
  if (prompts.chat.system !== undefined) messages.push({ role: "system", content: prompts.chat.system });
  messages.push({ role: "user", content: prompts.chat.prompt }, { role: "assistant", content: answerOf(task) });
  return { id: task.problem.id, messages };
}

/**
 * Prompt/completion row. The completion starts with the prompt's prefill (the fence and the module header), so a
 * model trained on it continues bench's completions prompt exactly where bench expects the answer.
 */
export function sftCompletionRow(task: GeneratedTask, prompts: PromptSet): SftCompletionRow {
  const completion = answerOf(task);
  const prefill = prompts.completion.prefill ?? "";
  if (!completion.startsWith(prefill)) {
    throw new Error(`task ${task.problem.id}: the answer does not start with the prompt's prefill`);
  }
  return { id: task.problem.id, prompt: prompts.completion.prompt, completion };
}

export function rlRow(task: GeneratedTask, prompts: PromptSet, index: number): RlRow {
  const label = rewardLabel(task.problem);
  const prompt: ChatMessage[] = [];
  if (prompts.chat.system !== undefined) prompt.push({ role: "system", content: prompts.chat.system });
  prompt.push({ role: "user", content: prompts.chat.prompt });
  return {
    id: task.problem.id,
    data_source: "rtlgym-tasks",
    prompt,
    prompt_text: prompts.completion.prompt + (prompts.completion.prefill ?? ""),
    ability: "verilog",
    reward_model: { style: "rule", ground_truth: label },
    ground_truth: label,
    problem: `${TASKS_SUITE}/${task.problem.id}`,
    extra_info: {
      split: task.meta.split,
      index,
      family: task.meta.family,
      difficulty: task.problem.difficulty ?? 1,
    },
  };
}

const str = (name: string, repetition: "REQUIRED" | "OPTIONAL" = "REQUIRED"): SchemaElement => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  repetition_type: repetition,
});
const int = (name: string): SchemaElement => ({ name, type: "INT32", repetition_type: "REQUIRED" });
/** list<struct<role, content>>, the 3-level LIST layout Arrow (and so `datasets`) reads as a list of dicts. */
const messagesSchema = (name: string): SchemaElement[] => [
  { name, repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", repetition_type: "REQUIRED", num_children: 2 },
  str("role"),
  str("content"),
];

function column<T>(rows: readonly T[], pick: (row: T) => unknown) {
  return rows.map(pick);
}

async function writeParquet(path: string, schema: SchemaElement[], columns: Record<string, unknown[]>): Promise<void> {
  const names = Object.keys(columns);
  parquetWriteFile({
    filename: path,
    schema: [{ name: "root", num_children: names.length }, ...schema],
    columnData: names.map((name) => ({ name, data: columns[name] as unknown[] })),
    createdBy: `rtlgym tasks ${GENERATOR_VERSION}`,
  });
}

export async function writeSftParquet(path: string, rows: readonly SftChatRow[]): Promise<void> {
  await writeParquet(path, [str("id"), ...messagesSchema("messages")], {
    id: column(rows, (r) => r.id),
    messages: column(rows, (r) => r.messages),
  });
}

export async function writeSftCompletionParquet(path: string, rows: readonly SftCompletionRow[]): Promise<void> {
  await writeParquet(path, [str("id"), str("prompt"), str("completion")], {
    id: column(rows, (r) => r.id),
    prompt: column(rows, (r) => r.prompt),
    completion: column(rows, (r) => r.completion),
  });
}

export async function writeRlParquet(path: string, rows: readonly RlRow[]): Promise<void> {
  await writeParquet(
    path,
    [
      str("id"),
      str("data_source"),
      ...messagesSchema("prompt"),
      str("prompt_text"),
      str("ability"),
      { name: "reward_model", repetition_type: "REQUIRED", num_children: 2 },
      str("style"),
      str("ground_truth"),
      str("ground_truth"),
      str("problem"),
      { name: "extra_info", repetition_type: "REQUIRED", num_children: 4 },
      str("split"),
      int("index"),
      str("family"),
      int("difficulty"),
    ],
    {
      id: column(rows, (r) => r.id),
      data_source: column(rows, (r) => r.data_source),
      prompt: column(rows, (r) => r.prompt),
      prompt_text: column(rows, (r) => r.prompt_text),
      ability: column(rows, (r) => r.ability),
      reward_model: column(rows, (r) => r.reward_model),
      ground_truth: column(rows, (r) => r.ground_truth),
      problem: column(rows, (r) => r.problem),
      extra_info: column(rows, (r) => r.extra_info),
    },
  );
}

const jsonl = (rows: readonly unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join("");

/** Files written in every split folder. */
export const SPLIT_FILES = [
  "problems.jsonl",
  "sft.jsonl",
  "sft.parquet",
  "sft-completion.jsonl",
  "sft-completion.parquet",
  "rl.jsonl",
  "rl.parquet",
  "manifest.json",
] as const;

export interface SplitSummary {
  split: Split;
  dir: string;
  count: number;
  families: Record<string, number>;
  revision: string;
}

/** A problems.jsonl row (the `tasks` suite's file): the problem, its generator metadata and writer B's module. */
export function problemRow(t: GeneratedTask): Problem & { meta: GeneratedTask["meta"]; alternative: string } {
  return { ...t.problem, meta: t.meta, alternative: t.alternative };
}

/** Writes one split: the suite file (problems.jsonl) and the SFT and RL exports, JSONL and Parquet. */
export async function writeSplit(
  dir: string,
  split: Split,
  tasks: readonly GeneratedTask[],
  prompts: PromptBuilder,
  seed: number,
): Promise<SplitSummary> {
  await mkdir(dir, { recursive: true });
  const problems = jsonl(tasks.map(problemRow));
  const built = tasks.map((t) => prompts(t.problem));
  const sft = tasks.map((t, i) => sftChatRow(t, built[i] as PromptSet));
  const completion = tasks.map((t, i) => sftCompletionRow(t, built[i] as PromptSet));
  const rl = tasks.map((t, i) => rlRow(t, built[i] as PromptSet, i));
  const families: Record<string, number> = {};
  for (const t of tasks) families[t.meta.family] = (families[t.meta.family] ?? 0) + 1;
  const revision = `tasks-${GENERATOR_VERSION}-${split}+sha256:${createHash("sha256").update(problems).digest("hex").slice(0, 8)}`;
  await writeFile(join(dir, "problems.jsonl"), problems);
  await writeFile(join(dir, "sft.jsonl"), jsonl(sft));
  await writeFile(join(dir, "sft-completion.jsonl"), jsonl(completion));
  await writeFile(join(dir, "rl.jsonl"), jsonl(rl));
  if (tasks.length > 0) {
    await writeSftParquet(join(dir, "sft.parquet"), sft);
    await writeSftCompletionParquet(join(dir, "sft-completion.parquet"), completion);
    await writeRlParquet(join(dir, "rl.parquet"), rl);
  } else {
    for (const f of ["sft.parquet", "sft-completion.parquet", "rl.parquet"]) await rm(join(dir, f), { force: true });
  }
  const manifest = {
    suite: TASKS_SUITE,
    split,
    generatorVersion: GENERATOR_VERSION,
    seed,
    count: tasks.length,
    revision,
    families,
  };
  await writeFile(join(dir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return { split, dir, count: tasks.length, families, revision };
}

/** Writes every split under `outDir/<split>/` and a top-level manifest. */
export async function writeSplits(
  outDir: string,
  splits: Record<Split, readonly GeneratedTask[]>,
  prompts: PromptBuilder,
  options: { seed: number; train: number; heldout: number },
): Promise<SplitSummary[]> {
  const summaries: SplitSummary[] = [];
  for (const split of SPLITS)
    summaries.push(await writeSplit(join(outDir, split), split, splits[split], prompts, options.seed));
  const manifest = {
    suite: TASKS_SUITE,
    generatorVersion: GENERATOR_VERSION,
    ...options,
    splits: Object.fromEntries(summaries.map((s) => [s.split, { count: s.count, revision: s.revision }])),
  };
  await writeFile(join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return summaries;
}
