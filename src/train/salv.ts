import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parquetWriteFile, type SchemaElement } from "hyparquet-writer";
import { z } from "zod";
import { evaluateSamples } from "../bench/evaluate.js";
import { buildPrompt } from "../bench/prompts.js";
import { readSamplesFile } from "../bench/samples.js";
import type { ScoreOptions } from "../bench/score.js";
import { loadSuite } from "../bench/suites/registry.js";
import type { SampleScore, SignalVerdict, Span, VerifyStatus } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import { openStore, type StoredSample } from "../runs/index.js";
import { type SliceRequest, sliceDesigns, utf16ToCodePoints } from "../tools/slice.js";
import { extractVerilog } from "../verilog/index.js";
import { type ChatMessage, chatOf, storedChat } from "./stored-chat.js";

export type { ChatMessage } from "./stored-chat.js";

/** A verified sample, wherever it came from (a bench run, a scored samples file). */
export interface ScoredSample {
  problem: string;
  sample: number;
  /** The conversation the sample answers (system?, user). */
  prompt: ChatMessage[];
  /** The whole assistant message (a prefill, when the prompt had one, then the model's text). */
  response: string;
  /** The Verilog verified (extracted from the response); null when the response held none. */
  code: string | null;
  status: VerifyStatus;
  signals: SignalVerdict[];
  /** The top module the verifier checked (the interface's name), to slice the right module. */
  top?: string;
}

/** A [start, end) range in code points of the answer's text (Python string indices: what tokenizers count). */
export interface CharSpan {
  start: number;
  end: number;
}

/** One DPO row: TRL's conversational preference format plus the spans whose tokens the loss counts. */
export interface SalvRow {
  id: string;
  problem: string;
  /** `signal`: the pair contrasts one output (spans: its slice); `module`: the whole answers (spans: all of them). */
  level: "signal" | "module";
  /** The contrasted output ("" for module-level rows). */
  signal: string;
  prompt: ChatMessage[];
  chosen: ChatMessage[];
  rejected: ChatMessage[];
  chosen_spans: CharSpan[];
  rejected_spans: CharSpan[];
  chosen_sample: number;
  rejected_sample: number;
  /** The verdict of the rejected sample (`fail`, `compile_error`...). */
  rejected_status: string;
}

export interface SalvPairOptions {
  /** The Python with rtlgym_train and pyslang (the slicer). */
  python: string;
  /** Pairs per (prompt, signal); default 2. */
  pairsPerSignal?: number;
  /** Module-level pairs per prompt that has no signal-level pair; default 2; 0 turns them off. */
  modulePairs?: number;
}

/** Why candidate pairs were not emitted, counted. */
export interface SalvStats {
  problems: number;
  samples: number;
  /** Count per verification status over the samples. */
  statuses: Record<string, number>;
  signalRows: number;
  moduleRows: number;
  /** Problems whose samples all pass, or all fail, or have no usable response: no pair at all. */
  problemsWithoutPairs: number;
  skipped: Record<string, number>;
  /** Signals contrasted, with their row counts. */
  signals: Record<string, number>;
  sliceSeconds: number;
}

const DEFAULTS = { pairsPerSignal: 2, modulePairs: 2 } as const;

/** Samples of a bench run in the run store, with their prompts and per-signal verdicts. */
export function samplesFromRun(runId: string, storePath?: string): ScoredSample[] {
  const store = openStore(storePath);
  try {
    const run = store.getRun(runId);
    if (!run) throw new BadInputError(`no bench run ${runId} in ${store.path} (see \`rtlgym bench list\`)`);
    return store.samplesOf(runId).flatMap((s) => {
      const scored = fromStored(s);
      return scored ? [scored] : [];
    });
  } finally {
    store.close();
  }
}

function fromStored(s: StoredSample): ScoredSample | undefined {
  if (s.raw === null || s.score === null) return undefined;
  const chat = storedChat(s.prompt);
  if (chat === undefined) {
    throw new BadInputError(
      `sample ${s.problem}#${s.sample} of run ${s.runId} has no chat prompt (an eval run stores none): score the responses with --samples FILE --suite NAME instead`,
    );
  }
  return fromScore(s.problem, s.sample, chat, s.raw, s.code, s.score);
}

function fromScore(
  problem: string,
  sample: number,
  chat: { messages: ChatMessage[]; prefill: string },
  raw: string,
  code: string | null,
  score: SampleScore,
): ScoredSample {
  const top = score.result.interface?.top;
  return {
    problem,
    sample,
    prompt: chat.messages,
    response: `${chat.prefill}${raw}`,
    code,
    status: score.status,
    signals: score.result.signals,
    ...(top !== undefined && { top }),
  };
}

/**
 * Scores a samples file (`{problem, response}` JSONL, as `bench eval` reads) against a suite's references and
 * pairs each response with the chat prompt bench would have sent for its problem.
 */
export async function samplesFromFile(
  path: string,
  suiteName: string,
  dataDir: string | undefined,
  verify: NonNullable<ScoreOptions["verify"]> = {},
  onScore?: (done: number, total: number) => void,
): Promise<ScoredSample[]> {
  const suite = await loadSuite(suiteName, dataDir);
  const raw = await readSamplesFile(path, suite);
  const byId = new Map(suite.problems.map((p) => [p.id, p]));
  let done = 0;
  const scores = await evaluateSamples(suite.problems, raw, {
    verify: { engine: "sim", ...verify },
    official: false,
    onScore: () => onScore?.(++done, raw.length),
  });
  const text = new Map(raw.map((r) => [`${r.problem}#${r.sample}`, r]));
  return scores.map((score) => {
    const problem = byId.get(score.problem);
    const sample = text.get(`${score.problem}#${score.sample}`);
    if (!problem || !sample) throw new Error(`scored an unknown sample ${score.problem}#${score.sample}`);
    const built = buildPrompt(problem, { api: "chat" });
    const code = sample.extracted ? sample.text : extractVerilog(sample.text).code || null;
    const chat = chatOf({
      ...(built.system !== undefined && { system: built.system }),
      prompt: built.prompt,
      ...(built.prefill !== undefined && { prefill: built.prefill }),
    });
    return fromScore(score.problem, score.sample, chat, sample.text, code, score);
  });
}

/** The verdict of one signal in a sample: true / false, or undefined when it was not judged (or only weakly). */
function signalOk(s: ScoredSample, name: string): boolean | undefined {
  if (s.status !== "pass" && s.status !== "fail") return undefined;
  const v = s.signals.find((x) => x.name === name);
  if (!v || v.definedSamples === 0) return undefined;
  return v.ok;
}

interface Located {
  /** Where the verified code sits in the response (UTF-16), or -1 when it is not there verbatim. */
  base: number;
  /** Signal -> slice spans in the code (UTF-16), for the signals the slicer could slice. */
  slices: Map<string, Span[]>;
}

const inc = (m: Record<string, number>, k: string, by = 1) => {
  m[k] = (m[k] ?? 0) + by;
};

/**
 * Builds SALV's DPO pairs. For each prompt and each output s that some samples get right and others wrong: a
 * chosen sample with s correct (fully passing ones first) and a rejected one with s wrong, each with the spans of
 * s's slice in its own answer. A prompt with no such pair gets module-level pairs (a passing answer against a
 * failing one, the spans covering the whole answers). Signals no test drove to a defined value are not contrasted.
 */
export async function buildSalvPairs(
  samples: readonly ScoredSample[],
  options: SalvPairOptions,
): Promise<{ rows: SalvRow[]; stats: SalvStats }> {
  const pairsPerSignal = options.pairsPerSignal ?? DEFAULTS.pairsPerSignal;
  const modulePairs = options.modulePairs ?? DEFAULTS.modulePairs;
  const byProblem = new Map<string, ScoredSample[]>();
  for (const s of samples) byProblem.set(s.problem, [...(byProblem.get(s.problem) ?? []), s]);
  const stats: SalvStats = {
    problems: byProblem.size,
    samples: samples.length,
    statuses: {},
    signalRows: 0,
    moduleRows: 0,
    problemsWithoutPairs: 0,
    skipped: {},
    signals: {},
    sliceSeconds: 0,
  };

  for (const s of samples) inc(stats.statuses, s.status);
  // Which samples need which slices: every signal that is contrasted somewhere in its problem.
  const wanted = new Map<ScoredSample, Set<string>>();
  for (const group of byProblem.values()) {
    for (const name of contrastedSignals(group)) {
      for (const s of group) {
        if (signalOk(s, name) !== undefined && s.code) wanted.set(s, (wanted.get(s) ?? new Set()).add(name));
      }
    }
  }
  const located = await locateSlices(wanted, options.python, stats);

  const rows: SalvRow[] = [];
  for (const [problem, group] of [...byProblem].sort(([a], [b]) => a.localeCompare(b))) {
    const ordered = [...group].sort((a, b) => rank(a) - rank(b) || a.sample - b.sample);
    let signalRows = 0;
    for (const name of contrastedSignals(group)) {
      const sliceOf = (s: ScoredSample) => {
        const loc = located.get(s);
        const spans = loc?.slices.get(name);
        return loc && loc.base >= 0 && spans && spans.length > 0 ? { loc, spans } : undefined;
      };
      const chosen = ordered.filter((s) => signalOk(s, name) === true && sliceOf(s));
      const rejected = ordered.filter((s) => signalOk(s, name) === false && sliceOf(s));
      const missing = ordered.filter((s) => signalOk(s, name) !== undefined && !sliceOf(s)).length;
      if (missing) inc(stats.skipped, "no slice (code not in the response verbatim, or not sliceable)", missing);
      let made = 0;
      for (const [c, r] of pairings(chosen.length, rejected.length)) {
        if (made >= pairsPerSignal) break;
        const cs = chosen[c] as ScoredSample;
        const rs = rejected[r] as ScoredSample;
        const cSpans = toAnswerSpans(cs, sliceOf(cs) as { loc: Located; spans: Span[] });
        const rSpans = toAnswerSpans(rs, sliceOf(rs) as { loc: Located; spans: Span[] });
        if (spanText(cs.response, cSpans) === spanText(rs.response, rSpans)) {
          inc(stats.skipped, "same slice text in both answers");
          continue;
        }
        rows.push(row(problem, "signal", name, cs, rs, cSpans, rSpans));
        inc(stats.signals, name);
        made++;
      }
      signalRows += made;
    }
    stats.signalRows += signalRows;
    if (signalRows > 0 || modulePairs === 0) {
      if (signalRows === 0) stats.problemsWithoutPairs++;
      continue;
    }
    const passing = ordered.filter((s) => s.status === "pass");
    // An infrastructure error or a timeout says nothing about the answer.
    const failing = ordered.filter((s) => !["pass", "infra_error", "timeout"].includes(s.status));
    let made = 0;
    for (const [c, r] of pairings(passing.length, failing.length)) {
      if (made >= modulePairs) break;
      const cs = passing[c] as ScoredSample;
      const rs = failing[r] as ScoredSample;
      if (cs.response === rs.response) continue;
      const whole = (s: ScoredSample): CharSpan[] => [{ start: 0, end: Array.from(s.response).length }];
      rows.push(row(problem, "module", "", cs, rs, whole(cs), whole(rs)));
      made++;
    }
    stats.moduleRows += made;
    if (made === 0) stats.problemsWithoutPairs++;
  }
  return { rows, stats };
}

/** Fully passing samples first, then by how few outputs are wrong. */
function rank(s: ScoredSample): number {
  if (s.status === "pass") return 0;
  if (s.status === "fail") return 1 + s.signals.filter((v) => !v.ok).length;
  return 1000;
}

/** Outputs judged right in one sample and wrong in another. */
function contrastedSignals(group: readonly ScoredSample[]): string[] {
  const right = new Set<string>();
  const wrong = new Set<string>();
  for (const s of group) {
    for (const v of s.signals) {
      const ok = signalOk(s, v.name);
      if (ok === true) right.add(v.name);
      if (ok === false) wrong.add(v.name);
    }
  }
  return [...right].filter((n) => wrong.has(n)).sort();
}

/** (chosen, rejected) index pairs, spreading over both lists before reusing a sample. */
function* pairings(nc: number, nr: number): Generator<[number, number]> {
  for (let d = 0; d < nr; d++) for (let c = 0; c < nc; c++) yield [c, (c + d) % nr];
}

async function locateSlices(
  wanted: Map<ScoredSample, Set<string>>,
  python: string,
  stats: SalvStats,
): Promise<Map<ScoredSample, Located>> {
  const out = new Map<ScoredSample, Located>();
  const list = [...wanted].filter(([s]) => s.code);
  if (list.length === 0) return out;
  const start = Date.now();
  const request = ([s, names]: [ScoredSample, Set<string>], top?: string): SliceRequest => ({
    text: s.code as string,
    signals: [...names],
    ...(top !== undefined && { top }),
  });
  const answers = await sliceDesigns(
    list.map((x) => request(x)),
    { python },
  );
  // Several modules and no single top: slice the one the verifier checked.
  const retry = list
    .map((x, i) => ({ x, i }))
    .filter(({ x, i }) => (answers[i]?.top ?? null) === null && x[0].top !== undefined);
  if (retry.length) {
    const again = await sliceDesigns(
      retry.map(({ x }) => request(x, x[0].top)),
      { python },
    );
    retry.forEach(({ i }, j) => {
      answers[i] = again[j] as (typeof answers)[number];
    });
  }
  stats.sliceSeconds = (Date.now() - start) / 1000;
  list.forEach(([s], i) => {
    const answer = answers[i];
    const slices = new Map<string, Span[]>();
    if (answer && answer.errors.length === 0) {
      for (const [name, sl] of Object.entries(answer.signals)) if (!("error" in sl)) slices.set(name, sl.spans);
    } else {
      inc(stats.skipped, "code slang cannot elaborate");
    }
    // Extraction picks the last module-bearing block: the verified code is its last verbatim occurrence.
    out.set(s, { base: s.response.lastIndexOf(s.code as string), slices });
  });
  return out;
}

/** Slice spans in the code (UTF-16) -> spans in the answer, in code points. */
function toAnswerSpans(s: ScoredSample, { loc, spans }: { loc: Located; spans: Span[] }): CharSpan[] {
  const cp = utf16ToCodePoints(s.response);
  return spans.map(([a, b]) => ({ start: cp(loc.base + a), end: cp(loc.base + b) }));
}

/** The text a row's spans cover (code point offsets), pieces joined by a newline. */
export function spanText(text: string, spans: readonly CharSpan[]): string {
  const chars = Array.from(text);
  return spans.map((s) => chars.slice(s.start, s.end).join("")).join("\n");
}

function row(
  problem: string,
  level: SalvRow["level"],
  signal: string,
  c: ScoredSample,
  r: ScoredSample,
  chosenSpans: CharSpan[],
  rejectedSpans: CharSpan[],
): SalvRow {
  return {
    id: `${problem}/${level === "signal" ? signal : "module"}/${c.sample}-${r.sample}`,
    problem,
    level,
    signal,
    prompt: c.prompt,
    chosen: [{ role: "assistant", content: c.response }],
    rejected: [{ role: "assistant", content: r.response }],
    chosen_spans: chosenSpans,
    rejected_spans: rejectedSpans,
    chosen_sample: c.sample,
    rejected_sample: r.sample,
    rejected_status: r.status,
  };
}

const str = (name: string): SchemaElement => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  repetition_type: "REQUIRED",
});
const i32 = (name: string): SchemaElement => ({ name, type: "INT32", repetition_type: "REQUIRED" });
/** list<struct<...>>: the 3-level LIST layout Arrow (and so `datasets`) reads as a list of dicts. */
const listOf = (name: string, children: SchemaElement[]): SchemaElement[] => [
  { name, repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", repetition_type: "REQUIRED", num_children: children.length },
  ...children,
];

const COLUMNS = [
  "id",
  "problem",
  "level",
  "signal",
  "prompt",
  "chosen",
  "rejected",
  "chosen_spans",
  "rejected_spans",
  "chosen_sample",
  "rejected_sample",
  "rejected_status",
] as const;

/** Writes `pairs.jsonl`, `pairs.parquet` (Hugging Face `datasets` and TRL read both) and `stats.json`. */
export async function writeSalvPairs(
  out: string,
  rows: readonly SalvRow[],
  stats: SalvStats,
): Promise<{ jsonl: string; parquet: string; stats: string }> {
  await mkdir(out, { recursive: true });
  const jsonl = join(out, "pairs.jsonl");
  const parquet = join(out, "pairs.parquet");
  const statsPath = join(out, "stats.json");
  await writeFile(jsonl, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
  const messages = (name: string) => listOf(name, [str("role"), str("content")]);
  const spans = (name: string) => listOf(name, [i32("start"), i32("end")]);
  parquetWriteFile({
    filename: parquet,
    schema: [
      { name: "root", num_children: COLUMNS.length },
      str("id"),
      str("problem"),
      str("level"),
      str("signal"),
      ...messages("prompt"),
      ...messages("chosen"),
      ...messages("rejected"),
      ...spans("chosen_spans"),
      ...spans("rejected_spans"),
      i32("chosen_sample"),
      i32("rejected_sample"),
      str("rejected_status"),
    ],
    columnData: COLUMNS.map((name) => ({ name, data: rows.map((r) => r[name]) })),
    createdBy: "rtlgym data salv-pairs",
  });
  await writeFile(statsPath, `${JSON.stringify(stats, null, 2)}\n`);
  return { jsonl, parquet, stats: statsPath };
}

const SalvRowSchema = z.object({
  id: z.string(),
  problem: z.string(),
  level: z.enum(["signal", "module"]),
  signal: z.string(),
  prompt: z.array(z.object({ role: z.string(), content: z.string() })),
  chosen: z.array(z.object({ role: z.string(), content: z.string() })).length(1),
  rejected: z.array(z.object({ role: z.string(), content: z.string() })).length(1),
  chosen_spans: z.array(z.object({ start: z.number().int(), end: z.number().int() })),
  rejected_spans: z.array(z.object({ start: z.number().int(), end: z.number().int() })),
  chosen_sample: z.number().int(),
  rejected_sample: z.number().int(),
  rejected_status: z.string(),
});

/** Reads a `pairs.jsonl` back, checking every row. */
export async function readSalvPairs(path: string): Promise<SalvRow[]> {
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new BadInputError(`cannot read ${path}: ${e.code ?? e.message}`);
  });
  return text
    .split("\n")
    .filter((l) => l.trim())
    .map((l, i) => {
      const r = SalvRowSchema.safeParse(JSON.parse(l));
      if (!r.success) throw new BadInputError(`${path}:${i + 1}: ${r.error.issues.map((x) => x.message).join("; ")}`);
      return r.data;
    });
}
