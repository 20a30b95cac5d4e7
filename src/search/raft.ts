import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { buildPrompt } from "../bench/prompts.js";
import { BadInputError } from "../core/errors.js";
import {
  type GeneratedTask,
  type PromptSet,
  SPLITS,
  sftChatRow,
  sftCompletionRow,
  TaskMeta,
  writeSftCompletionParquet,
  writeSftParquet,
} from "../tasks/index.js";
import { type CorpusDoc, designKey, Retriever, readTaskRows, withExamples } from "./retrieve.js";

export interface RaftOptions {
  /** A folder written by `rtlgym tasks generate` (train/ and the held-out splits). */
  tasks: string;
  out: string;
  /** Retrieved examples per row. */
  k: number;
  onProgress?: (done: number, total: number) => void;
}

export interface RaftSummary {
  out: string;
  rows: number;
  k: number;
  corpus: number;
  /** Training tasks dropped because their design is also a held-out reference (token-identical). */
  contaminatedRows: number;
  /** Retrieved examples that would have been the row's own design under another id (never shown). */
  excludedSelf: number;
  files: string[];
}

/**
 * Retrieval-augmented fine-tuning rows (RAFT): every training task of a tasks folder, its prompt preceded by the
 * `k` best BM25 matches from the same train split (never the task itself nor the same design under another
 * wording), in the SFT formats `rtlgym train sft` reads (chat `messages` and prompt/completion, JSONL and
 * Parquet). Held-out references are never in the corpus, and a training task whose design is token-identical to a
 * held-out reference is dropped (decontamination by design key).
 */
export async function exportRaft(options: RaftOptions): Promise<RaftSummary> {
  const dir = resolve(options.tasks);
  const trainFile = join(dir, "train", "problems.jsonl");
  if (!existsSync(trainFile)) {
    throw new BadInputError(
      `${options.tasks} has no train/problems.jsonl: point --tasks at a \`rtlgym tasks generate\` folder`,
    );
  }
  if (!Number.isInteger(options.k) || options.k < 1) throw new BadInputError("--k must be a positive integer");
  const heldoutKeys = new Set<string>();
  for (const split of SPLITS.filter((s) => s !== "train")) {
    const file = join(dir, split, "problems.jsonl");
    if (!existsSync(file)) continue;
    for (const row of await readTaskRows(file)) heldoutKeys.add(designKey(row.reference));
  }
  const tasks: GeneratedTask[] = [];
  let contaminatedRows = 0;
  for (const row of await readTaskRows(trainFile)) {
    const meta = TaskMeta.safeParse(row.meta);
    if (!meta.success || typeof row.alternative !== "string") {
      throw new BadInputError(`${trainFile}: task ${row.id} lacks its generator metadata (meta, alternative)`);
    }
    if (meta.data.split !== "train")
      throw new BadInputError(`${trainFile}: task ${row.id} is from split ${meta.data.split}`);
    const { meta: _m, alternative, ...problem } = row;
    if (heldoutKeys.has(designKey(problem.reference)) || heldoutKeys.has(designKey(alternative))) {
      contaminatedRows++;
      continue;
    }
    tasks.push({ problem, meta: meta.data, alternative });
  }
  const docs: CorpusDoc[] = tasks.map((t) => ({
    id: t.problem.id,
    spec: t.problem.prompt,
    code: t.problem.reference,
    key: designKey(t.problem.reference),
  }));
  const retriever = new Retriever({ source: `tasks:${join(dir, "train")}`, docs });
  const chat = [];
  const completion = [];
  let excludedSelf = 0;
  for (const [i, task] of tasks.entries()) {
    const own = designKey(task.problem.reference);
    const alt = designKey(task.alternative);
    const hits = retriever.search(task.problem.prompt, options.k, (d) => {
      const same = d.id === task.problem.id || d.key === own || d.key === alt;
      if (same && d.id !== task.problem.id) excludedSelf++;
      return same;
    });
    const augmented = withExamples(task.problem, hits);
    const prompts: PromptSet = {
      chat: buildPrompt(augmented, { api: "chat", style: "rtlgym" }),
      completion: buildPrompt(augmented, { api: "completions", style: "rtlgym" }),
    };
    chat.push({ ...sftChatRow(task, prompts), retrieved: hits.map((h) => h.doc.id) });
    completion.push({ ...sftCompletionRow(task, prompts), retrieved: hits.map((h) => h.doc.id) });
    options.onProgress?.(i + 1, tasks.length);
  }
  // Under train/: `rtlgym train sft --data OUT` takes the JSONL files whose path names the train split.
  const out = resolve(options.out);
  const trainOut = join(out, "train");
  await mkdir(trainOut, { recursive: true });
  const jsonl = (rows: readonly unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join("");
  await writeFile(join(trainOut, "sft.jsonl"), jsonl(chat));
  await writeFile(join(trainOut, "sft-completion.jsonl"), jsonl(completion));
  const files = ["train/sft.jsonl", "train/sft-completion.jsonl"];
  if (chat.length > 0) {
    await writeSftParquet(join(trainOut, "sft.parquet"), chat);
    await writeSftCompletionParquet(join(trainOut, "sft-completion.parquet"), completion);
    files.push("train/sft.parquet", "train/sft-completion.parquet");
  }
  const summary: RaftSummary = {
    out,
    rows: chat.length,
    k: options.k,
    corpus: docs.length,
    contaminatedRows,
    excludedSelf,
    files: [...files, "manifest.json"],
  };
  await writeFile(
    join(out, "manifest.json"),
    `${JSON.stringify({ kind: "raft", tasks: dir, retriever: "bm25 (MiniSearch's BM25+ ranking)", ...summary }, null, 2)}\n`,
  );
  return summary;
}
