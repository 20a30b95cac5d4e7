import { createHash } from "node:crypto";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type ScoreOptions, scoreProblem } from "../bench/score.js";
import type { Problem, SampleScore } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import type { DataRecord } from "../data/dataset.js";
import { DATASET_FILES, type LoadedDataset } from "../data/store.js";
import { createClient, type LlmClient } from "../llm/index.js";
import { type Executor, inProcessExecutor, jobId } from "../queue/index.js";
import type { Generation, RunParams, SampleKey, Store, StoredSample } from "../runs/index.js";
import type { ChatMessage, SftChatRow } from "../tasks/index.js";
import { writeSftParquet } from "../tasks/index.js";
import { extractVerilog } from "../verilog/index.js";

/**
 * Versioned prompt templates of the round trip (code -> specification -> code), after CodeV-R1's: the specification
 * must let an engineer rebuild the design without the code (interface, behaviour, clocking, reset, parameters); the
 * regeneration sees only the specification. A template's id is recorded in every run and every kept record, so
 * datasets made with different wordings are never mixed silently. Change a template: add a new version.
 */
export const TEMPLATES = {
  "spec-v1": {
    system: "You are a senior digital design engineer who writes precise, complete hardware specifications.",
    prompt: (top: string, code: string) =>
      `Here is a Verilog design whose top module is \`${top}\`:\n\n\`\`\`verilog\n${code.trimEnd()}\n\`\`\`\n\n` +
      "Write the specification an engineer needs to implement this design from scratch without seeing the code:\n" +
      `- the module name \`${top}\` and every port: name, direction, width and meaning;\n` +
      "- the parameters and their default values;\n" +
      "- the behaviour: what each output computes, on which clock edge registers update, the reset (synchronous or " +
      "asynchronous, active level, values), enables and priorities, and corner cases such as overflow.\n" +
      "Describe behaviour, not code: do not quote the Verilog or paraphrase it line by line. " +
      "Reply with the specification only.",
  },
  "code-v1": {
    system: "You are an expert digital hardware designer. You write correct, synthesizable Verilog.",
    prompt: (top: string, spec: string) =>
      `${spec.trim()}\n\nWrite the Verilog module \`${top}\` that implements this specification, with exactly the ` +
      "ports it lists. Reply with the complete module in one ```verilog code block.",
  },
} as const;
export const SPEC_TEMPLATE = "spec-v1";
export const CODE_TEMPLATE = "code-v1";

export interface SynthesizeOptions {
  dataset: LoadedDataset;
  client: LlmClient;
  endpoint: string;
  model: string;
  store: Store;
  out: string;
  /** Regenerations per specification. */
  n: number;
  seed: number;
  /** Sampling of the specification (low: one faithful description) and of the regenerations (diverse). */
  specTemperature: number;
  temperature: number;
  maxTokens?: number;
  /** Units longer than this many lines are skipped (too long for a prompt). */
  maxLines: number;
  limit?: number;
  /** Records worked on at once (requests are further limited by the client). */
  concurrency: number;
  verify: NonNullable<ScoreOptions["verify"]>;
  /** Also write the passing regenerations as SFT rows (specification -> response, reasoning kept). */
  traces: boolean;
  runId?: string;
  fresh?: boolean;
  onStart?: (info: { runId: string; resumed: boolean; todo: number }) => void;
  onRecord?: (outcome: RecordOutcome) => void;
  /** Where the per-design jobs run: in this process by default (`concurrency` at once), or on a queue. */
  executor?: Executor;
  /** Client settings a queue worker uses for its own client (the API key never goes in a job). */
  clientOptions?: SynthesizeDesignJob["client"];
}

/** What happened to one design unit. */
export interface RecordOutcome {
  id: string;
  status: "kept" | "dropped" | "skipped" | "incomplete";
  reason?: string;
  n: number;
  /** Regenerations received and scored, and those equivalent to the original. */
  scored: number;
  passes: number;
  /** passes / n once all n are scored. */
  passRate?: number;
  statuses: Record<string, number>;
}

export interface SynthesizeReport {
  runId: string;
  resumed: boolean;
  dataset: string;
  out: string;
  model: string;
  endpoint: string;
  templates: { spec: string; code: string };
  n: number;
  /** Synthesizable design units considered, and those skipped (too long) before any request. */
  units: number;
  skipped: number;
  specs: number;
  specErrors: number;
  regenerations: number;
  equivalent: number;
  kept: number;
  dropped: number;
  /** Units with a specification or regenerations still missing (a failed request): the same command resumes them. */
  incomplete: number;
  /** Kept units by pass rate (difficulty): buckets of width 0.2, the last including 1. */
  passRateHistogram: Record<string, number>;
  statuses: Record<string, number>;
  traces: number;
  files: Array<{ path: string; rows: number }>;
  durationMs: number;
}

const SPEC_KEY = (id: string) => `${id}#spec`;
const jsonl = (rows: readonly unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join("");

/** The specification in a response: reasoning dropped, one enclosing fence removed. */
export function specOf(response: string): string {
  let text = response.replace(/<think>[\s\S]*?(?:<\/think>|$)/gi, "").trim();
  const fenced = /^```[a-z]*\n([\s\S]*?)\n```$/i.exec(text);
  if (fenced?.[1] !== undefined) text = fenced[1].trim();
  return text;
}

function asProblem(record: Pick<DataRecord, "id" | "code" | "top" | "spec">, suite: string): Problem {
  return {
    suite,
    id: record.id,
    task: "spec-to-rtl",
    prompt: record.spec ?? "",
    reference: record.code,
    refTop: record.top,
    candTop: record.top,
    tags: [],
  };
}

function bucket(rate: number): string {
  const i = Math.min(4, Math.floor(rate * 5));
  return `${(i / 5).toFixed(1)}-${((i + 1) / 5).toFixed(1)}`;
}

/**
 * Round-trip synthesis (CodeV-R1's data recipe) over an ingested dataset: for each synthesizable design unit an LLM
 * writes a specification, n codes are generated from the specification alone, and the pair (specification, original
 * code) is kept only when at least one regenerated code is equivalent to the original by rtlgym's group check. The
 * pass rate over the n is the unit's difficulty. Every prompt, response and verdict goes to the run store as it
 * arrives, so a re-run of the same command resumes: nothing generated is asked again, nothing scored is rescored.
 */
export async function synthesize(o: SynthesizeOptions): Promise<SynthesizeReport> {
  const started = Date.now();
  if (o.n < 1) throw new BadInputError("-n must be at least 1");
  const designs = o.dataset.records.filter((r) => r.kind === "design" && r.synthesizable && r.language !== "vhdl");
  const selected = o.limit !== undefined ? designs.slice(0, o.limit) : designs;
  const tooLong = selected.filter((r) => r.stats.lines > o.maxLines);
  const work = selected.filter((r) => r.stats.lines <= o.maxLines);
  const name = o.dataset.dir.split("/").pop() ?? "dataset";
  const suite = `synthesize:${name}`;
  const revision = `records+sha256:${createHash("sha256")
    .update(work.map((r) => r.hash).join("\n"))
    .digest("hex")
    .slice(0, 12)}`;
  const params: RunParams = {
    n: o.n,
    seed: o.seed,
    sampling: {
      specTemperature: o.specTemperature,
      temperature: o.temperature,
      ...(o.maxTokens !== undefined && { maxTokens: o.maxTokens }),
      templates: { spec: SPEC_TEMPLATE, code: CODE_TEMPLATE },
    },
    verify: JSON.parse(JSON.stringify(o.verify)),
    select: { records: work.length, maxLines: o.maxLines, ...(o.limit !== undefined && { limit: o.limit }) },
  };
  const query = { suite, suiteRevision: revision, model: o.model, endpoint: o.endpoint, kind: "run" as const, params };
  let run = o.runId !== undefined ? o.store.getRun(o.runId) : undefined;
  if (o.runId !== undefined && !run) throw new BadInputError(`no run "${o.runId}" in ${o.store.path}`);
  if (!run && !o.fresh) run = o.store.findResumableRun(query);
  const resumed = run !== undefined;
  if (run) o.store.reopenRun(run.id);
  else run = o.store.createRun(query);
  const runId = run.id;

  const stored = new Map<string, StoredSample[]>();
  for (const s of o.store.samplesOf(runId)) stored.set(s.problem, [...(stored.get(s.problem) ?? []), s]);
  o.onStart?.({ runId, resumed, todo: work.length });

  const code = TEMPLATES[CODE_TEMPLATE];
  const outcomes = new Map<string, RecordOutcome>();
  const specs = new Map<string, string>();
  /** Kept units' equivalent regenerations (sample, raw response), for --traces. */
  const passing = new Map<string, Array<{ sample: number; raw: string }>>();

  const roundTrip: RoundTripParams = {
    n: o.n,
    seed: o.seed,
    specTemperature: o.specTemperature,
    temperature: o.temperature,
    ...(o.maxTokens !== undefined && { maxTokens: o.maxTokens }),
    verify: o.verify,
    suite,
    traces: o.traces,
  };
  const storeSink: RoundTripSink = {
    putGeneration: (problem, sample, g) => o.store.putGeneration(runId, problem, sample, g),
    putGenerations: (items) => o.store.putGenerations(runId, items),
    putScores: (scores) => o.store.putScores(runId, scores),
  };
  // One job per design: its record, what the store already holds for it, the parameters. In-process the handler
  // writes to the store as it goes; on a queue the worker returns its writes and they are applied here, in job order.
  const jobs = work.map((r) => {
    const prior = [...(stored.get(SPEC_KEY(r.id)) ?? []), ...(stored.get(r.id) ?? [])].map((x) => ({
      problem: x.problem,
      sample: x.sample,
      raw: x.raw,
      code: x.code,
      score: x.score,
    }));
    const data: SynthesizeDesignJob = {
      record: { id: r.id, code: r.code, top: r.top },
      stored: prior,
      params: roundTrip,
      endpoint: o.endpoint,
      model: o.model,
      client: o.clientOptions ?? {},
    };
    return { id: jobId(SYNTHESIZE_DESIGN, data), data };
  });
  const byJob = new Map(jobs.map((j, i) => [j.id, work[i] as DataRecord]));
  const executor = o.executor ?? inProcessExecutor(o.concurrency);
  const results = await executor.run(
    SYNTHESIZE_DESIGN,
    jobs,
    async (job) => ({ ...(await roundTripRecord(job.record, job.stored, roundTrip, o.client, storeSink)), writes: [] }),
    (id, r) => {
      const record = byJob.get(id) as DataRecord;
      applyWrites(storeSink, r.writes);
      outcomes.set(record.id, r.outcome);
      if (r.spec !== undefined) specs.set(record.id, r.spec);
      if (r.passing !== undefined) passing.set(record.id, r.passing);
      o.onRecord?.(r.outcome);
    },
  );
  if (results.size !== jobs.length)
    throw new BadInputError(`synthesize: ${jobs.length - results.size} jobs gave no result`);

  // Output: a dataset folder (readable by `data export`/`decontaminate`) holding the kept units with their spec.
  await mkdir(o.out, { recursive: true });
  const kept: DataRecord[] = [];
  for (const r of work) {
    const x = outcomes.get(r.id);
    if (x?.status !== "kept" || x.passRate === undefined) continue;
    kept.push({
      ...r,
      spec: specs.get(r.id) as string,
      roundtrip: {
        n: o.n,
        passes: x.passes,
        passRate: x.passRate,
        model: o.model,
        templates: { spec: SPEC_TEMPLATE, code: CODE_TEMPLATE },
        runId,
      },
    });
  }
  const rows = [
    ...tooLong.map((r) => ({
      id: r.id,
      status: "skipped",
      reason: `${r.stats.lines} lines > --max-lines ${o.maxLines}`,
      n: o.n,
      scored: 0,
      passes: 0,
      statuses: {},
    })),
    ...work.map((r) => outcomes.get(r.id) as RecordOutcome),
  ];
  const traces: SftChatRow[] = [];
  for (const r of kept) {
    for (const s of passing.get(r.id) ?? []) {
      const messages: ChatMessage[] = [
        { role: "system", content: code.system },
        { role: "user", content: code.prompt(r.top, r.spec as string) },
        { role: "assistant", content: s.raw.trim() },
      ];
      traces.push({ id: `${r.id}#${s.sample}`, messages });
    }
  }
  const manifest = {
    ...o.dataset.manifest,
    created: new Date().toISOString(),
    counts: { ...o.dataset.manifest.counts, roundtripKept: kept.length },
    options: {
      ...o.dataset.manifest.options,
      roundtrip: { from: o.dataset.dir, runId, model: o.model, endpoint: o.endpoint, ...params },
    },
  };
  await writeFile(join(o.out, DATASET_FILES.records), jsonl(kept));
  for (const f of [DATASET_FILES.rejects, DATASET_FILES.duplicates] as const)
    await copyFile(join(o.dataset.dir, f), join(o.out, f));
  await writeFile(join(o.out, "synthesis.jsonl"), jsonl(rows));
  const files = [
    { path: join(o.out, DATASET_FILES.records), rows: kept.length },
    { path: join(o.out, "synthesis.jsonl"), rows: rows.length },
  ];
  if (o.traces) {
    const dir = join(o.out, "traces", "train");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "sft.jsonl"), jsonl(traces));
    files.push({ path: join(dir, "sft.jsonl"), rows: traces.length });
    if (traces.length > 0) {
      await writeSftParquet(join(dir, "sft.parquet"), traces);
      files.push({ path: join(dir, "sft.parquet"), rows: traces.length });
    }
  }

  const all = [...outcomes.values()];
  const histogram: Record<string, number> = {};
  for (const k of [0, 0.2, 0.4, 0.6, 0.8]) histogram[bucket(k)] = 0;
  for (const r of kept) {
    const b = bucket(r.roundtrip?.passRate ?? 0);
    histogram[b] = (histogram[b] ?? 0) + 1;
  }
  const statuses: Record<string, number> = {};
  for (const x of all) for (const [k, v] of Object.entries(x.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const incomplete = all.filter((x) => x.status === "incomplete").length;
  const report: SynthesizeReport = {
    runId,
    resumed,
    dataset: o.dataset.dir,
    out: o.out,
    model: o.model,
    endpoint: o.endpoint,
    templates: { spec: SPEC_TEMPLATE, code: CODE_TEMPLATE },
    n: o.n,
    units: selected.length,
    skipped: tooLong.length,
    specs: specs.size,
    specErrors: all.filter((x) => /specification/.test(x.reason ?? "")).length,
    regenerations: all.reduce((a, x) => a + x.scored, 0),
    equivalent: all.reduce((a, x) => a + x.passes, 0),
    kept: kept.length,
    dropped: all.filter((x) => x.status === "dropped").length,
    incomplete,
    passRateHistogram: histogram,
    statuses,
    traces: traces.length,
    files,
    durationMs: Date.now() - started,
  };
  await writeFile(join(o.out, "synthesis-report.json"), `${JSON.stringify(report, null, 2)}\n`);
  // Written last: a folder with a manifest is a complete dataset.
  await writeFile(join(o.out, DATASET_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  o.store.finishRun(runId, null, incomplete === 0 ? "done" : "failed");
  return report;
}

/** Where a round trip writes its prompts, responses and verdicts: the run store, or a list a queue job returns. */
export interface RoundTripSink {
  putGeneration(problem: string, sample: number, generation: Generation): void;
  putGenerations(items: readonly (SampleKey & Generation)[]): void;
  putScores(scores: readonly SampleScore[]): void;
}

/** A stored sample as a round trip reads it (no run id, no timestamps: a queue job carries these). */
export type PriorSample = Pick<StoredSample, "problem" | "sample" | "raw" | "code" | "score">;

/** The parameters of one record's round trip (plain JSON: a queue job carries them). */
export interface RoundTripParams {
  n: number;
  seed: number;
  specTemperature: number;
  temperature: number;
  maxTokens?: number;
  verify: NonNullable<ScoreOptions["verify"]>;
  suite: string;
  traces: boolean;
}

export interface RoundTripResult {
  outcome: RecordOutcome;
  spec?: string;
  /** The equivalent regenerations (sample, raw response), when traces are asked for. */
  passing?: Array<{ sample: number; raw: string }>;
}

/**
 * One design unit's round trip: the specification (unless stored), the missing regenerations, rtlgym's verdicts on
 * the unscored ones. Everything new goes to `sink` as it arrives; `stored` is what earlier runs left.
 */
export async function roundTripRecord(
  record: Pick<DataRecord, "id" | "code" | "top">,
  stored: readonly PriorSample[],
  o: RoundTripParams,
  client: LlmClient,
  sink: RoundTripSink,
): Promise<RoundTripResult> {
  const spec = TEMPLATES[SPEC_TEMPLATE];
  const code = TEMPLATES[CODE_TEMPLATE];
  const found: { spec?: string; passing?: Array<{ sample: number; raw: string }> } = {};
  const base = { id: record.id, n: o.n, scored: 0, passes: 0, statuses: {} as Record<string, number> };
  // 1. The specification (one per unit, kept once written).
  let text = stored.find((s) => s.problem === SPEC_KEY(record.id) && s.raw !== null)?.raw ?? null;
  if (text === null) {
    const prompt = { system: spec.system, prompt: spec.prompt(record.top, record.code) };
    try {
      const [g] = await client.generate({
        ...prompt,
        n: 1,
        seed: o.seed,
        temperature: o.specTemperature,
        ...(o.maxTokens !== undefined && { maxTokens: o.maxTokens }),
      });
      text = g?.text ?? null;
      sink.putGeneration(SPEC_KEY(record.id), 0, { prompt, raw: text, code: null });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      sink.putGeneration(SPEC_KEY(record.id), 0, { prompt, raw: null, code: null, error });
      return { ...found, outcome: { ...base, status: "incomplete", reason: `specification request failed: ${error}` } };
    }
  }
  const described = text === null ? "" : specOf(text);
  if (described === "")
    return { ...found, outcome: { ...base, status: "dropped", reason: "the specification is empty" } };
  found.spec = described;

  // 2. n regenerations from the specification alone.
  const samples = stored.filter((s) => s.problem === record.id);
  const have = new Set(samples.filter((s) => s.raw !== null).map((s) => s.sample));
  const todo = Array.from({ length: o.n }, (_, i) => i).filter((i) => !have.has(i));
  const prompt = { system: code.system, prompt: code.prompt(record.top, described) };
  const fresh: Array<{ sample: number; code: string | null }> = [];
  const responses = new Map<number, string>();
  for (const x of samples) if (x.raw !== null) responses.set(x.sample, x.raw);
  if (todo.length > 0) {
    try {
      const gens = await client.generate({
        ...prompt,
        n: todo.length,
        seed: o.seed + 1 + (todo[0] ?? 0),
        temperature: o.temperature,
        ...(o.maxTokens !== undefined && { maxTokens: o.maxTokens }),
      });
      const items = todo.map((sample, i) => {
        const raw = gens[i]?.text ?? null;
        const extracted = raw === null ? null : extractVerilog(raw).code || null;
        return {
          problem: record.id,
          sample,
          prompt,
          raw,
          code: extracted,
          ...(raw === null && { error: `the endpoint returned ${gens.length} of ${todo.length} samples` }),
        };
      });
      sink.putGenerations(items);
      for (const it of items) {
        if (it.raw === null) continue;
        fresh.push({ sample: it.sample, code: it.code });
        responses.set(it.sample, it.raw);
      }
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      sink.putGenerations(todo.map((sample) => ({ problem: record.id, sample, prompt, raw: null, code: null, error })));
    }
  }

  // 3. rtlgym's verdicts: every unscored regeneration against the original in one group check.
  const unscored = [
    ...samples.filter((s) => s.raw !== null && s.score === null).map((s) => ({ sample: s.sample, code: s.code })),
    ...fresh,
  ];
  let scores: SampleScore[] = samples.flatMap((s) => (s.score ? [s.score] : []));
  if (unscored.length > 0) {
    const now = await scoreProblem(asProblem(record, o.suite), unscored, { verify: o.verify, official: false });
    sink.putScores(now);
    scores = [...scores, ...now];
  }
  scores = scores.filter((s) => s.sample < o.n);
  const statuses: Record<string, number> = {};
  for (const s of scores) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
  const passes = scores.filter((s) => s.status === "pass").length;
  const out = { ...base, scored: scores.length, passes, statuses };
  if (passes > 0 && o.traces) {
    const ok = scores.filter((s) => s.status === "pass").map((s) => s.sample);
    found.passing = ok.flatMap((sample) =>
      responses.has(sample) ? [{ sample, raw: responses.get(sample) as string }] : [],
    );
  }
  if (scores.length < o.n) {
    // Kept already if one passed; the pass rate waits for the missing regenerations.
    return {
      ...found,
      outcome: { ...out, status: "incomplete", reason: `${o.n - scores.length} of ${o.n} regenerations missing` },
    };
  }
  const passRate = passes / o.n;
  const outcome: RecordOutcome =
    passes > 0
      ? { ...out, status: "kept", passRate }
      : { ...out, status: "dropped", reason: `no regenerated code equivalent (0/${o.n})`, passRate };
  return { ...found, outcome };
}

/** The job kind of round-trip synthesis (one design unit); its worker handler is runSynthesizeDesignJob. */
export const SYNTHESIZE_DESIGN = "synthesize.design";

export interface SynthesizeDesignJob {
  record: Pick<DataRecord, "id" | "code" | "top">;
  stored: PriorSample[];
  params: RoundTripParams;
  endpoint: string;
  model: string;
  /** Client settings (never the API key: a worker reads its own OPENAI_API_KEY, so no secret sits in Redis). */
  client: { retries?: number; timeoutMs?: number; fanOut?: boolean };
}

type Write =
  | { op: "generation"; problem: string; sample: number; generation: Generation }
  | { op: "generations"; items: Array<SampleKey & Generation> }
  | { op: "scores"; scores: SampleScore[] };

export type SynthesizeDesignResult = RoundTripResult & { writes: Write[] };

function applyWrites(sink: RoundTripSink, writes: readonly Write[]): void {
  for (const w of writes) {
    if (w.op === "generation") sink.putGeneration(w.problem, w.sample, w.generation);
    else if (w.op === "generations") sink.putGenerations(w.items);
    else sink.putScores(w.scores);
  }
}

/** A queue worker's round trip of one design: its own client to the endpoint; the store writes are returned. */
export async function runSynthesizeDesignJob(job: SynthesizeDesignJob): Promise<SynthesizeDesignResult> {
  const apiKey = process.env.OPENAI_API_KEY;
  const client = createClient({
    baseUrl: job.endpoint,
    model: job.model,
    api: "chat",
    ...(job.client.retries !== undefined && { retries: job.client.retries }),
    ...(job.client.timeoutMs !== undefined && { timeoutMs: job.client.timeoutMs }),
    ...(job.client.fanOut && { fanOut: true }),
    ...(apiKey && { apiKey }),
  });
  const writes: Write[] = [];
  const sink: RoundTripSink = {
    putGeneration: (problem, sample, generation) => writes.push({ op: "generation", problem, sample, generation }),
    putGenerations: (items) => writes.push({ op: "generations", items: [...items] }),
    putScores: (scores) => writes.push({ op: "scores", scores: [...scores] }),
  };
  const r = await roundTripRecord(job.record, job.stored, job.params, client, sink);
  return { ...r, writes };
}
