import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { z } from "zod";
import { BenchSummary, SampleScore } from "../contracts/index.js";
import { BadInputError, RtlgymError } from "../core/errors.js";
import { currentVersion, migrate } from "./migrations.js";
import {
  BENCH_RUN_KINDS,
  canonicalJson,
  defaultStorePath,
  newRunId,
  type PromptJson,
  RunKind,
  RunParams,
  RunStatus,
} from "./schema.js";

// The queries over the run tables; their types and schema live in schema.ts and migrations.ts.

/** One row of `runs`, JSON columns parsed and validated. */
export interface RunRecord {
  id: string;
  suite: string;
  suiteRevision: string;
  model: string | null;
  endpoint: string | null;
  kind: RunKind;
  params: RunParams;
  status: RunStatus;
  createdAt: string;
  finishedAt: string | null;
  /**
   * The bench summary: validated for the bench kinds (run, eval, audit); for other kinds (search, train-*) only when
   * their stored summary has that shape, else null (their own summary is in summaryJson).
   */
  summary: BenchSummary | null;
  /** The stored summary as JSON, whatever the kind. */
  summaryJson: Record<string, unknown> | null;
}

export interface NewRun {
  suite: string;
  suiteRevision: string;
  model?: string | null;
  endpoint?: string | null;
  kind: RunKind;
  params: RunParams;
  /** Defaults to a fresh id from the creation time (`2026-11-22T10-31-05-a1b2`). */
  id?: string;
  /** ISO time; defaults to now. */
  createdAt?: string;
}

export interface Generation {
  prompt: PromptJson;
  /** The model's response; null when generation failed (the sample then counts as missing on resume). */
  raw: string | null;
  /** Code extracted from the response; null when there was none. */
  code: string | null;
  /** Why generation failed, when it did. */
  error?: string | null;
}

export interface SampleKey {
  problem: string;
  sample: number;
}

/** One row of `samples`, JSON columns parsed and validated. */
export interface StoredSample extends SampleKey {
  runId: string;
  prompt: PromptJson;
  raw: string | null;
  code: string | null;
  score: SampleScore | null;
  error: string | null;
  generatedAt: string;
  scoredAt: string | null;
}

export interface ListRunsOptions {
  /** Most recent first; default 20. */
  limit?: number;
  suite?: string;
  kind?: RunKind;
  status?: RunStatus;
}

/** What a resumable run must have been created with: a new run's fields without its id and time. */
export type ResumableQuery = Omit<NewRun, "id" | "createdAt">;

/** The local run database. Every write is committed (and fsynced) before the call returns. */
export interface Store {
  readonly path: string;
  createRun(run: NewRun): RunRecord;
  getRun(runId: string): RunRecord | undefined;
  listRuns(options?: ListRunsOptions): RunRecord[];
  /** The newest unfinished (running or failed) run with the same suite, revision, model, endpoint, kind and params. */
  findResumableRun(query: ResumableQuery): RunRecord | undefined;
  /**
   * Marks a run running again (clears finished_at) before resuming it; `params`, when given, replace the run's
   * (a run resumed to cover more problems).
   */
  reopenRun(runId: string, params?: RunParams): void;
  /** Records a generation; regenerating a sample clears its old score. */
  putGeneration(runId: string, problem: string, sample: number, generation: Generation): void;
  putGenerations(runId: string, items: readonly (SampleKey & Generation)[]): void;
  /** Scores a generated sample; throws BadInputError when the sample was never generated. */
  putScore(runId: string, problem: string, sample: number, score: SampleScore): void;
  putScores(runId: string, scores: readonly SampleScore[]): void;
  /** Generated (response present) but not scored yet. */
  pendingSamples(runId: string): StoredSample[];
  /** Scored samples. */
  doneSamples(runId: string): SampleKey[];
  /** Of the planned problems x samples 0..n-1, those with no successful generation. */
  missingSamples(runId: string, problems: readonly string[], n: number): SampleKey[];
  samplesOf(runId: string): StoredSample[];
  scoresOf(runId: string): SampleScore[];
  finishRun(runId: string, summary: BenchSummary | null, status: Exclude<RunStatus, "running">): void;
  /** Deletes a run and its samples; false when there was no such run. */
  deleteRun(runId: string): boolean;
  /** The schema version the database is at. */
  schemaVersion(): number;
  close(): void;
}

interface RunRow {
  id: string;
  suite: string;
  suite_revision: string;
  model: string | null;
  endpoint: string | null;
  kind: string;
  params: string;
  status: string;
  created_at: string;
  finished_at: string | null;
  summary: string | null;
}

interface SampleRow {
  run_id: string;
  problem: string;
  sample: number;
  prompt: string;
  raw: string | null;
  code: string | null;
  score: string | null;
  error: string | null;
  generated_at: string;
  scored_at: string | null;
}

/**
 * Opens (creating when needed) the rtlgym database at `path` and brings the run tables up to date: what openStore
 * and the stores keeping their details in tables of the same file (search, training) open it with, so their
 * migrations can rely on `runs` existing. WAL journal with synchronous=FULL: a write is on disk when the call returns,
 * so a killed run loses nothing it recorded, and readers (`bench list`, the server) never block the writer.
 */
export function openRunDatabase(path: string = defaultStorePath()): { db: Database.Database; file: string } {
  const file = path === ":memory:" ? path : resolve(path);
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    migrate(db, file);
  } catch (err) {
    db?.close();
    if (err instanceof RtlgymError) throw err;
    throw new RtlgymError(
      "BAD_INPUT",
      `cannot open the rtlgym database ${file}: ${(err as Error).message}`,
      { path: file },
      {
        cause: err,
      },
    );
  }
  return { db, file };
}

/** Opens (creating when needed) the run database at `path` (default: defaultStorePath()); see openRunDatabase. */
export function openStore(path: string = defaultStorePath()): Store {
  const { db, file } = openRunDatabase(path);
  return new SqliteStore(db, file);
}

const BENCH_KINDS: ReadonlySet<string> = new Set(BENCH_RUN_KINDS);

function parseColumn<T>(schema: z.ZodType<T>, text: string, where: Record<string, unknown>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RtlgymError("BAD_INPUT", `rtlgym database: ${String(where.column)} is not valid JSON`, where, {
      cause: err,
    });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new BadInputError(
      `rtlgym database: ${String(where.column)} does not match its schema: ${z.prettifyError(parsed.error)}`,
      where,
    );
  return parsed.data;
}

function checkWrite<T>(schema: z.ZodType<T>, value: unknown, what: string, where: Record<string, unknown>): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BadInputError(`${what} is invalid: ${z.prettifyError(parsed.error)}`, where);
  return parsed.data;
}

const Json = z.json();

function prepareStatements(db: Database.Database) {
  return {
    insertRun: db.prepare(
      `INSERT INTO runs (id, suite, suite_revision, model, endpoint, kind, params, status, created_at)
       VALUES (@id, @suite, @suite_revision, @model, @endpoint, @kind, @params, 'running', @created_at)`,
    ),
    getRun: db.prepare("SELECT * FROM runs WHERE id = ?"),
    resumable: db.prepare(
      `SELECT * FROM runs WHERE status IN ('running', 'failed') AND suite = @suite AND suite_revision = @suite_revision
       AND model IS @model AND endpoint IS @endpoint AND kind = @kind AND params = @params
       ORDER BY created_at DESC, rowid DESC LIMIT 1`,
    ),
    reopen: db.prepare("UPDATE runs SET status = 'running', finished_at = NULL WHERE id = ?"),
    reopenWith: db.prepare("UPDATE runs SET status = 'running', finished_at = NULL, params = @params WHERE id = @id"),
    finish: db.prepare(
      "UPDATE runs SET status = @status, finished_at = @finished_at, summary = @summary WHERE id = @id",
    ),
    deleteRun: db.prepare("DELETE FROM runs WHERE id = ?"),
    putGeneration: db.prepare(
      `INSERT INTO samples (run_id, problem, sample, prompt, raw, code, error, generated_at)
       VALUES (@run_id, @problem, @sample, @prompt, @raw, @code, @error, @at)
       ON CONFLICT (run_id, problem, sample) DO UPDATE SET prompt = excluded.prompt, raw = excluded.raw,
         code = excluded.code, error = excluded.error, generated_at = excluded.generated_at,
         score = NULL, scored_at = NULL`,
    ),
    putScore: db.prepare(
      `UPDATE samples SET score = @score, scored_at = @at
       WHERE run_id = @run_id AND problem = @problem AND sample = @sample AND raw IS NOT NULL`,
    ),
    pending: db.prepare(
      "SELECT * FROM samples WHERE run_id = ? AND raw IS NOT NULL AND score IS NULL ORDER BY problem, sample",
    ),
    done: db.prepare(
      "SELECT problem, sample FROM samples WHERE run_id = ? AND score IS NOT NULL ORDER BY problem, sample",
    ),
    generated: db.prepare("SELECT problem, sample FROM samples WHERE run_id = ? AND raw IS NOT NULL"),
    samples: db.prepare("SELECT * FROM samples WHERE run_id = ? ORDER BY problem, sample"),
    scores: db.prepare(
      "SELECT problem, sample, score FROM samples WHERE run_id = ? AND score IS NOT NULL ORDER BY problem, sample",
    ),
  };
}
type Statements = ReturnType<typeof prepareStatements>;

class SqliteStore implements Store {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #stmt: Statements;

  constructor(db: Database.Database, path: string) {
    this.#db = db;
    this.path = path;
    this.#stmt = prepareStatements(db);
  }

  createRun(run: NewRun): RunRecord {
    const createdAt = run.createdAt ?? new Date().toISOString();
    const id = run.id ?? newRunId(new Date(createdAt));
    const kind = checkWrite(RunKind, run.kind, "run kind", { runId: id });
    const params = checkWrite(RunParams, run.params, "run params", { runId: id });
    this.#stmt.insertRun.run({
      id,
      suite: run.suite,
      suite_revision: run.suiteRevision,
      model: run.model ?? null,
      endpoint: run.endpoint ?? null,
      kind,
      params: canonicalJson(params),
      created_at: createdAt,
    });
    return this.#mustGetRun(id);
  }

  getRun(runId: string): RunRecord | undefined {
    const row = this.#stmt.getRun.get(runId) as RunRow | undefined;
    return row && this.#toRun(row);
  }

  listRuns(options: ListRunsOptions = {}): RunRecord[] {
    const where: string[] = [];
    const args: Record<string, unknown> = { limit: Math.max(0, Math.floor(options.limit ?? 20)) };
    if (options.suite !== undefined) {
      where.push("suite = @suite");
      args.suite = options.suite;
    }
    if (options.kind !== undefined) {
      where.push("kind = @kind");
      args.kind = options.kind;
    }
    if (options.status !== undefined) {
      where.push("status = @status");
      args.status = options.status;
    }
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY created_at DESC, rowid DESC LIMIT @limit`;
    return (this.#db.prepare(sql).all(args) as RunRow[]).map((r) => this.#toRun(r));
  }

  findResumableRun(query: ResumableQuery): RunRecord | undefined {
    const params = checkWrite(RunParams, query.params, "run params", {});
    const row = this.#stmt.resumable.get({
      suite: query.suite,
      suite_revision: query.suiteRevision,
      model: query.model ?? null,
      endpoint: query.endpoint ?? null,
      kind: query.kind,
      params: canonicalJson(params),
    }) as RunRow | undefined;
    return row && this.#toRun(row);
  }

  reopenRun(runId: string, params?: RunParams): void {
    const changed =
      params === undefined
        ? this.#stmt.reopen.run(runId).changes
        : this.#stmt.reopenWith.run({
            id: runId,
            params: canonicalJson(checkWrite(RunParams, params, "run params", { runId })),
          }).changes;
    if (changed === 0) throw noRun(runId);
  }

  putGeneration(runId: string, problem: string, sample: number, generation: Generation): void {
    this.#putGeneration(runId, { problem, sample, ...generation });
  }

  putGenerations(runId: string, items: readonly (SampleKey & Generation)[]): void {
    this.#db.transaction(() => {
      for (const item of items) this.#putGeneration(runId, item);
    })();
  }

  putScore(runId: string, problem: string, sample: number, score: SampleScore): void {
    if (score.problem !== problem || score.sample !== sample)
      throw new BadInputError(`score is for ${score.problem}#${score.sample} but was stored as ${problem}#${sample}`, {
        runId,
        problem,
        sample,
      });
    this.#putScore(runId, score);
  }

  putScores(runId: string, scores: readonly SampleScore[]): void {
    this.#db.transaction(() => {
      for (const score of scores) this.#putScore(runId, score);
    })();
  }

  pendingSamples(runId: string): StoredSample[] {
    return (this.#stmt.pending.all(runId) as SampleRow[]).map((r) => this.#toSample(r));
  }

  doneSamples(runId: string): SampleKey[] {
    return (this.#stmt.done.all(runId) as SampleKey[]).map((r) => ({ problem: r.problem, sample: r.sample }));
  }

  missingSamples(runId: string, problems: readonly string[], n: number): SampleKey[] {
    const have = new Set((this.#stmt.generated.all(runId) as SampleKey[]).map((r) => `${r.sample}\u0000${r.problem}`));
    const out: SampleKey[] = [];
    for (const problem of problems)
      for (let sample = 0; sample < n; sample++)
        if (!have.has(`${sample}\u0000${problem}`)) out.push({ problem, sample });
    return out;
  }

  samplesOf(runId: string): StoredSample[] {
    return (this.#stmt.samples.all(runId) as SampleRow[]).map((r) => this.#toSample(r));
  }

  scoresOf(runId: string): SampleScore[] {
    return (this.#stmt.scores.all(runId) as { problem: string; sample: number; score: string }[]).map((r) =>
      parseColumn(SampleScore, r.score, { column: "samples.score", runId, problem: r.problem, sample: r.sample }),
    );
  }

  finishRun(runId: string, summary: BenchSummary | null, status: Exclude<RunStatus, "running">): void {
    const checked = checkWrite(z.enum(["done", "failed", "cancelled"]), status, "run status", { runId });
    const text = summary === null ? null : canonicalJson(checkWrite(BenchSummary, summary, "summary", { runId }));
    const changes = this.#stmt.finish.run({
      id: runId,
      status: checked,
      finished_at: new Date().toISOString(),
      summary: text,
    }).changes;
    if (changes === 0) throw noRun(runId);
  }

  deleteRun(runId: string): boolean {
    return this.#stmt.deleteRun.run(runId).changes > 0;
  }

  schemaVersion(): number {
    return currentVersion(this.#db);
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #putGeneration(runId: string, item: SampleKey & Generation): void {
    const where = { runId, problem: item.problem, sample: item.sample };
    checkWrite(z.number().int().nonnegative(), item.sample, "sample index", where);
    const prompt = checkWrite(Json, item.prompt, "prompt", where);
    try {
      this.#stmt.putGeneration.run({
        run_id: runId,
        problem: item.problem,
        sample: item.sample,
        prompt: JSON.stringify(prompt),
        raw: item.raw,
        code: item.code,
        error: item.error ?? null,
        at: new Date().toISOString(),
      });
    } catch (err) {
      if ((err as { code?: string }).code === "SQLITE_CONSTRAINT_FOREIGNKEY") throw noRun(runId);
      throw err;
    }
  }

  #putScore(runId: string, score: SampleScore): void {
    const where = { runId, problem: score.problem, sample: score.sample };
    const checked = checkWrite(SampleScore, score, "sample score", where);
    const changes = this.#stmt.putScore.run({
      run_id: runId,
      problem: checked.problem,
      sample: checked.sample,
      score: JSON.stringify(checked),
      at: new Date().toISOString(),
    }).changes;
    if (changes === 0)
      throw new BadInputError(
        `no generated sample ${checked.problem}#${checked.sample} in run ${runId} to score`,
        where,
      );
  }

  #mustGetRun(runId: string): RunRecord {
    const run = this.getRun(runId);
    if (!run) throw noRun(runId);
    return run;
  }

  #toRun(row: RunRow): RunRecord {
    const where = { runId: row.id };
    return {
      id: row.id,
      suite: row.suite,
      suiteRevision: row.suite_revision,
      model: row.model,
      endpoint: row.endpoint,
      kind: parseColumn(RunKind, JSON.stringify(row.kind), { ...where, column: "runs.kind" }),
      params: parseColumn(RunParams, row.params, { ...where, column: "runs.params" }),
      status: parseColumn(RunStatus, JSON.stringify(row.status), { ...where, column: "runs.status" }),
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      ...this.#summaries(row),
    };
  }

  #summaries(row: RunRow): Pick<RunRecord, "summary" | "summaryJson"> {
    if (row.summary === null) return { summary: null, summaryJson: null };
    const where = { runId: row.id, column: "runs.summary" };
    const json = parseColumn(z.record(z.string(), z.unknown()), row.summary, where);
    // Other kinds keep summaries of their own shape (a search's strategies, a training run's losses).
    if (!BENCH_KINDS.has(row.kind)) {
      const bench = BenchSummary.safeParse(json);
      return { summary: bench.success ? bench.data : null, summaryJson: json };
    }
    return { summary: parseColumn(BenchSummary, row.summary, where), summaryJson: json };
  }

  #toSample(row: SampleRow): StoredSample {
    const where = { runId: row.run_id, problem: row.problem, sample: row.sample };
    return {
      runId: row.run_id,
      problem: row.problem,
      sample: row.sample,
      prompt: parseColumn(Json, row.prompt, { ...where, column: "samples.prompt" }),
      raw: row.raw,
      code: row.code,
      score: row.score === null ? null : parseColumn(SampleScore, row.score, { ...where, column: "samples.score" }),
      error: row.error,
      generatedAt: row.generated_at,
      scoredAt: row.scored_at,
    };
  }
}

function noRun(runId: string): BadInputError {
  return new BadInputError(`no run ${runId} in the rtlgym database`, { runId });
}
