import { createHash } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildPrompt } from "../bench/prompts.js";
import { type BenchRunInput, runBench } from "../bench/run.js";
import type { LoadedSuite, Problem } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import { normalisedTokens, tokenHash } from "../data/text.js";
import { codevFormatError } from "../reward/index.js";
import {
  type ChatMessage,
  type SftChatRow,
  type SftCompletionRow,
  writeSftCompletionParquet,
  writeSftParquet,
} from "../tasks/index.js";

/** Everything `runBench` needs except the prompt style, which is always CodeV-R1's. */
export type DistillInput = Omit<BenchRunInput, "promptStyle"> & {
  /** Output folder: `train/sft*.{jsonl,parquet}` (what `rtlgym train sft --data OUT` reads), samples.jsonl, report.json. */
  out: string;
  /**
   * Keep only responses in the `<think>...</think><answer>...</answer>` format (default). Off, a verified response
   * in another shape is kept as it is (a teacher that does not reason, e.g. the testbed model).
   */
  requireFormat: boolean;
};

/** What happened to one sampled response. */
export interface DistillSample {
  problem: string;
  sample: number;
  /** rtlgym's verdict; null when the response was never generated (request failed after retries). */
  status: string | null;
  formatError: string | null;
  kept: boolean;
  /** Why it was not kept. */
  reason?: "no-response" | "not-verified" | "format" | "duplicate";
  /** The kept sample of the same problem whose code it repeats. */
  duplicateOf?: number;
}

export interface DistillReport {
  runId: string;
  resumed: boolean;
  suite: string;
  suiteRevision: string;
  teacher: { endpoint: string; model: string };
  n: number;
  /** Problems sampled (excluded ones are not). */
  problems: number;
  /** Responses asked for, and those received. */
  requested: number;
  sampled: number;
  /** Received responses not in the think/answer format. */
  formatErrors: number;
  /** Received responses whose code rtlgym verified equivalent (whatever their format). */
  verified: number;
  /** Verified and (when required) well formatted, before and after removing repeated code per problem. */
  eligible: number;
  duplicates: number;
  kept: number;
  /** Problems with at least one kept row. */
  problemsCovered: number;
  statuses: Record<string, number>;
  requireFormat: boolean;
  /** Samples still without a response: the same command resumes them. */
  missing: number;
  files: Array<{ path: string; rows: number }>;
}

const jsonl = (rows: readonly unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join("");

/** The files written under `OUT/train/`. */
export const DISTILL_FILES = ["sft.jsonl", "sft.parquet", "sft-completion.jsonl", "sft-completion.parquet"] as const;

/**
 * Rejection-sampled distillation (CodeV-R1's first stage): samples n responses per problem from a teacher in the
 * think/answer format through `runBench` (so prompts, responses and verdicts are in the run store and a re-run
 * resumes), keeps the responses whose code rtlgym verifies equivalent to the reference, drops repeated code per
 * problem, and writes SFT rows in the tasks exports' two shapes.
 */
export async function distill(input: DistillInput): Promise<DistillReport> {
  const { out, requireFormat, ...bench } = input;
  const run = await runBench({ ...bench, promptStyle: "codev" });
  const active = input.problems.filter((p) => p.excluded === undefined);
  const byId = new Map(active.map((p) => [p.id, p]));
  const stored = input.store
    .samplesOf(run.run.id)
    .filter((s) => byId.has(s.problem) && s.sample < input.n)
    .sort((a, b) => (a.problem < b.problem ? -1 : a.problem > b.problem ? 1 : a.sample - b.sample));

  const samples: DistillSample[] = [];
  const chat: SftChatRow[] = [];
  const completion: SftCompletionRow[] = [];
  const statuses: Record<string, number> = {};
  const seen = new Map<string, number>();
  let sampled = 0;
  let formatErrors = 0;
  let verified = 0;
  let eligible = 0;
  let duplicates = 0;
  const covered = new Set<string>();
  for (const s of stored) {
    const status = s.score?.status ?? null;
    if (s.raw === null || status === null) {
      samples.push({
        problem: s.problem,
        sample: s.sample,
        status,
        formatError: null,
        kept: false,
        reason: "no-response",
      });
      continue;
    }
    sampled++;
    statuses[status] = (statuses[status] ?? 0) + 1;
    const formatError = codevFormatError(s.raw) ?? null;
    if (formatError !== null) formatErrors++;
    const base = { problem: s.problem, sample: s.sample, status, formatError };
    if (status !== "pass") {
      samples.push({ ...base, kept: false, reason: "not-verified" });
      continue;
    }
    verified++;
    if (requireFormat && formatError !== null) {
      samples.push({ ...base, kept: false, reason: "format" });
      continue;
    }
    eligible++;
    // Same code up to spacing and comments: one trace per distinct correct solution of a problem.
    const key = `${s.problem}\u0000${tokenHash(normalisedTokens(s.code ?? ""))}`;
    const first = seen.get(key);
    if (first !== undefined) {
      duplicates++;
      samples.push({ ...base, kept: false, reason: "duplicate", duplicateOf: first });
      continue;
    }
    seen.set(key, s.sample);
    covered.add(s.problem);
    samples.push({ ...base, kept: true });
    const rows = sftRows(byId.get(s.problem) as Problem, `${s.problem}#${s.sample}`, s.raw);
    chat.push(rows.chat);
    completion.push(rows.completion);
  }

  const train = join(out, "train");
  await mkdir(train, { recursive: true });
  await writeFile(join(train, "sft.jsonl"), jsonl(chat));
  await writeFile(join(train, "sft-completion.jsonl"), jsonl(completion));
  if (chat.length > 0) {
    await writeSftParquet(join(train, "sft.parquet"), chat);
    await writeSftCompletionParquet(join(train, "sft-completion.parquet"), completion);
  } else {
    // An empty Parquet file has no row group to read; stale ones from an earlier run must not survive.
    for (const f of ["sft.parquet", "sft-completion.parquet"]) await rm(join(train, f), { force: true });
  }
  await writeFile(join(out, "samples.jsonl"), jsonl(samples));
  const files = [
    { path: join(train, "sft.jsonl"), rows: chat.length },
    ...(chat.length > 0 ? [{ path: join(train, "sft.parquet"), rows: chat.length }] : []),
    { path: join(train, "sft-completion.jsonl"), rows: completion.length },
    ...(chat.length > 0 ? [{ path: join(train, "sft-completion.parquet"), rows: completion.length }] : []),
    { path: join(out, "samples.jsonl"), rows: samples.length },
  ];
  const report: DistillReport = {
    runId: run.run.id,
    resumed: run.resumed,
    suite: input.suite.name,
    suiteRevision: input.suite.revision,
    teacher: { endpoint: input.endpoint, model: input.model },
    n: input.n,
    problems: active.length,
    requested: active.length * input.n,
    sampled,
    formatErrors,
    verified,
    eligible,
    duplicates,
    kept: chat.length,
    problemsCovered: covered.size,
    statuses,
    requireFormat,
    missing: run.missing,
    files,
  };
  await writeFile(join(out, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/**
 * The two SFT shapes of a kept response: chat messages (the codev prompt as sent to a chat model, then the response)
 * and prompt/completion (the codev completions prompt, then the response).
 */
export function sftRows(problem: Problem, id: string, response: string) {
  const chatPrompt = buildPrompt(problem, { api: "chat", style: "codev" });
  const textPrompt = buildPrompt(problem, { api: "completions", style: "codev" });
  const messages: ChatMessage[] = [];
  if (chatPrompt.system !== undefined) messages.push({ role: "system", content: chatPrompt.system });
  messages.push({ role: "user", content: chatPrompt.prompt }, { role: "assistant", content: response.trim() });
  return {
    chat: { id, messages } satisfies SftChatRow,
    completion: { id, prompt: textPrompt.prompt, completion: response.trim() } satisfies SftCompletionRow,
  };
}

/** A suite of problems from records of an ingested dataset (`rtlgym data ingest`): the record's code is the reference. */
export function problemsFromRecords(
  name: string,
  revision: string,
  records: ReadonlyArray<{ id: string; top: string; code: string; prompt: string }>,
): LoadedSuite {
  return {
    name,
    revision,
    dataDir: null,
    problems: records.map((r) => ({
      suite: name,
      id: r.id,
      task: "spec-to-rtl" as const,
      prompt: r.prompt,
      reference: r.code,
      refTop: r.top,
      candTop: r.top,
      tags: [],
    })),
  };
}

/**
 * Problems from RL rows (`rtlgym data export --format rl|verl`, `rtlgym tasks generate`'s rl.jsonl, or any JSONL of
 * that shape): the label `ground_truth` (or `reward_model.ground_truth`) is the inline reference
 * `{"reference", "refTop", "candTop"}` rtlgym serve accepts; the question is the last user message of `prompt` (or
 * `prompt_text`, or a string `prompt`); the id is `id`, else `extra_info.id`, else `extra_info.index`.
 */
export function problemsFromRows(name: string, path: string, text: string): LoadedSuite {
  const problems: Problem[] = [];
  const ids = new Set<string>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === "") continue;
    const where = `${path} line ${i + 1}`;
    let row: Record<string, unknown>;
    let label: { reference?: unknown; refTop?: unknown; candTop?: unknown };
    try {
      row = JSON.parse(line);
      const rm = row.reward_model as { ground_truth?: unknown } | undefined;
      const raw = row.ground_truth ?? rm?.ground_truth;
      label = typeof raw === "string" ? JSON.parse(raw) : (raw as typeof label);
    } catch (e) {
      throw new BadInputError(`${where}: not JSON (${(e as Error).message})`);
    }
    if (
      typeof label?.reference !== "string" ||
      typeof label.refTop !== "string" ||
      (label.candTop !== undefined && typeof label.candTop !== "string")
    )
      throw new BadInputError(
        `${where}: no inline reference label ({"reference", "refTop", "candTop"} in ground_truth)`,
      );
    const messages = Array.isArray(row.prompt) ? (row.prompt as Array<{ role?: unknown; content?: unknown }>) : [];
    const user = messages.filter((m) => m.role === "user").at(-1)?.content;
    const question = typeof user === "string" ? user : typeof row.prompt === "string" ? row.prompt : row.prompt_text;
    if (typeof question !== "string" || question.trim() === "") throw new BadInputError(`${where}: no prompt`);
    const extra = (row.extra_info ?? {}) as { id?: unknown; index?: unknown };
    const id = String(row.id ?? extra.id ?? extra.index ?? problems.length);
    if (ids.has(id)) throw new BadInputError(`${where}: duplicate id ${id}`);
    ids.add(id);
    problems.push({
      suite: name,
      id,
      task: "spec-to-rtl",
      prompt: question,
      reference: label.reference,
      refTop: label.refTop,
      candTop: (label.candTop as string | undefined) ?? label.refTop,
      tags: [],
    });
  }
  if (problems.length === 0) throw new BadInputError(`${path}: no rows`);
  const revision = `rows+sha256:${createHash("sha256").update(text).digest("hex").slice(0, 12)}`;
  return { name, revision, dataDir: null, problems };
}
