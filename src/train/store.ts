import type Database from "better-sqlite3";
import {
  canonicalJson,
  defaultStorePath,
  type Migration,
  migrateTables,
  newRunId,
  openRunDatabase,
} from "../runs/index.js";

/** A training run's `runs.kind`: `train-` and the recipe (`train-sft`, `train-itertl`, `train-salv`, `train-rl`). */
export const TRAIN_KIND_PREFIX = "train-";

/** Whether a `runs.kind` is a training run's. */
export function isTrainRunKind(kind: string): boolean {
  return kind.startsWith(TRAIN_KIND_PREFIX);
}

/**
 * One training run as the store keeps it: a row of `runs` (kind `train-<kind>`, suite = the training data path,
 * model = the base model, params = {data, out, preset, seed, lora}) read back into these fields.
 */
export interface TrainRunRecord {
  /** A run id of `runs` (`2026-11-22T10-31-05-a1b2`). */
  id: string;
  createdAt: string;
  /** The recipe (sft, itertl, salv, rl), without the `train-` of its runs.kind. */
  kind: string;
  data: string;
  out: string;
  preset: string;
  seed: number;
  base: string | null;
  lora: boolean;
  status: "running" | "done" | "failed" | "cancelled";
  finishedAt: string | null;
  summary: Record<string, unknown> | null;
}

/** One logged training step. */
export interface TrainMetric {
  step: number;
  loss: number;
  tokensPerS: number | null;
  learningRate: number | null;
  elapsedS: number | null;
}

/**
 * A named number a recipe logs at a step (a round, an RL step): reward mean, pass rate, held-out pass@1... Kept in
 * long form so every recipe logs what it has without a schema change.
 */
export interface TrainValue {
  step: number;
  name: string;
  value: number;
}

/** What a new training run records. */
export type NewTrainRun = Omit<TrainRunRecord, "id" | "createdAt" | "status" | "finishedAt" | "summary">;

/**
 * Training runs (rows of `runs`) and their metrics and values (own tables keyed by runs.id), in the same SQLite file
 * as the bench runs.
 */
export interface TrainStore {
  startRun(run: NewTrainRun): string;
  addMetric(runId: string, metric: TrainMetric): void;
  /** Records named values at a step (replacing values of the same step and name). */
  addValues(runId: string, step: number, values: Record<string, number | null | undefined>): void;
  values(runId: string): TrainValue[];
  finishRun(runId: string, status: TrainRunRecord["status"], summary: Record<string, unknown> | null): void;
  /** The training run `runId`; undefined when there is none (or the run is not a training run). */
  getRun(runId: string): TrainRunRecord | undefined;
  metrics(runId: string): TrainMetric[];
  /** A finished evaluation recorded under `key` (see `evaluationKey`), if any. */
  cachedEvaluation(key: string): Record<string, unknown> | undefined;
  cacheEvaluation(key: string, result: Record<string, unknown>): void;
  close(): void;
}

/** The params a training run stores in runs.params. */
interface TrainParams {
  data: string;
  out: string;
  preset: string;
  seed: number;
  lora: boolean;
  /** The integer id the run had in train_runs, for runs migrated from it (logs and docs quoted it). */
  trainRunId?: number;
}

/**
 * The training tables' migrations (version table train_schema_version), after the run migrations (openRunDatabase).
 * Version 1 is the schema rtlgym shipped without a version table (CREATE IF NOT EXISTS, so a database that has it
 * is unchanged); version 2 moves the runs into `runs`.
 */
export const TRAIN_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE IF NOT EXISTS train_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        created_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        data TEXT NOT NULL,
        out TEXT NOT NULL,
        preset TEXT NOT NULL,
        seed INTEGER NOT NULL,
        base TEXT,
        lora INTEGER NOT NULL,
        status TEXT NOT NULL,
        summary TEXT
      );
      CREATE TABLE IF NOT EXISTS train_metrics (
        run_id INTEGER NOT NULL REFERENCES train_runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        loss REAL NOT NULL,
        tokens_per_s REAL,
        learning_rate REAL,
        elapsed_s REAL,
        PRIMARY KEY (run_id, step)
      );
      CREATE TABLE IF NOT EXISTS train_values (
        run_id INTEGER NOT NULL REFERENCES train_runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        name TEXT NOT NULL,
        value REAL NOT NULL,
        PRIMARY KEY (run_id, step, name)
      );
      CREATE TABLE IF NOT EXISTS eval_cache (
        key TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        result TEXT NOT NULL
      );`,
  },
  { version: 2, up: moveTrainRuns },
];

/**
 * Migration 2: every train_runs row becomes a row of `runs` with a new text id (from its creation time, as newRunId
 * makes them; its old integer id kept as params.trainRunId), train_metrics and train_values are rebuilt keyed by that
 * id (SQLite cannot alter a column's type or foreign key; foreign keys are off meanwhile, see migrateTables), and
 * train_runs is dropped. Metric and value rows of no run (possible only if foreign keys were ever off) are dropped.
 * The eval cache has no run id and stays as it is.
 */
function moveTrainRuns(db: Database.Database): void {
  db.exec(`
    CREATE TEMP TABLE train_run_ids (old INTEGER PRIMARY KEY, new TEXT NOT NULL UNIQUE);
    CREATE TABLE train_metrics_v2 (
      run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      loss REAL NOT NULL,
      tokens_per_s REAL,
      learning_rate REAL,
      elapsed_s REAL,
      PRIMARY KEY (run_id, step)
    );
    CREATE TABLE train_values_v2 (
      run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      step INTEGER NOT NULL,
      name TEXT NOT NULL,
      value REAL NOT NULL,
      PRIMARY KEY (run_id, step, name)
    );`);
  const taken = db.prepare("SELECT 1 FROM runs WHERE id = ?");
  const insertRun = db.prepare(
    `INSERT INTO runs (id, suite, suite_revision, model, endpoint, kind, params, status, created_at, finished_at,
                       summary)
     VALUES (@id, @suite, '', @model, NULL, @kind, @params, @status, @created_at, NULL, @summary)`,
  );
  const mapId = db.prepare("INSERT INTO train_run_ids (old, new) VALUES (?, ?)");
  const rows = db.prepare("SELECT * FROM train_runs ORDER BY id").all() as OldRunRow[];
  for (const row of rows) {
    const created = new Date(row.created_at);
    let id: string;
    // A new id must not collide with a run already there (4 random hex digits per second make that rare, not impossible).
    do id = newRunId(Number.isNaN(created.getTime()) ? new Date() : created);
    while (taken.get(id) !== undefined);
    const params: TrainParams = {
      data: row.data,
      out: row.out,
      preset: row.preset,
      seed: row.seed,
      lora: row.lora === 1,
      trainRunId: row.id,
    };
    insertRun.run({
      id,
      suite: row.data,
      model: row.base,
      kind: `${TRAIN_KIND_PREFIX}${row.kind}`,
      params: canonicalJson(params),
      // Old rows had no CHECK on status; anything unknown was a run that never finished cleanly.
      status: ["running", "done", "failed", "cancelled"].includes(row.status) ? row.status : "failed",
      created_at: row.created_at,
      summary: row.summary,
    });
    mapId.run(row.id, id);
  }
  db.exec(`
    INSERT INTO train_metrics_v2 (run_id, step, loss, tokens_per_s, learning_rate, elapsed_s)
      SELECT ids.new, m.step, m.loss, m.tokens_per_s, m.learning_rate, m.elapsed_s
      FROM train_metrics m JOIN temp.train_run_ids ids ON ids.old = m.run_id;
    INSERT INTO train_values_v2 (run_id, step, name, value)
      SELECT ids.new, v.step, v.name, v.value FROM train_values v JOIN temp.train_run_ids ids ON ids.old = v.run_id;
    DROP TABLE train_metrics;
    DROP TABLE train_values;
    DROP TABLE train_runs;
    ALTER TABLE train_metrics_v2 RENAME TO train_metrics;
    ALTER TABLE train_values_v2 RENAME TO train_values;
    DROP TABLE temp.train_run_ids;`);
}

interface OldRunRow {
  id: number;
  created_at: string;
  kind: string;
  data: string;
  out: string;
  preset: string;
  seed: number;
  base: string | null;
  lora: number;
  status: string;
  summary: string | null;
}

interface RunRow {
  id: string;
  suite: string;
  model: string | null;
  kind: string;
  params: string;
  status: TrainRunRecord["status"];
  created_at: string;
  finished_at: string | null;
  summary: string | null;
}

/** Opens (and creates) the training tables in `$RTLGYM_HOME/rtlgym.db` (or `path`). */
export function openTrainStore(path: string = defaultStorePath()): TrainStore {
  const { db, file } = openRunDatabase(path);
  try {
    migrateTables(db, file, {
      table: "train_schema_version",
      what: "the training tables of",
      migrations: TRAIN_MIGRATIONS,
    });
  } catch (err) {
    db.close();
    throw err;
  }
  const insertRun = db.prepare(
    `INSERT INTO runs (id, suite, suite_revision, model, endpoint, kind, params, status, created_at)
     VALUES (@id, @suite, '', @model, NULL, @kind, @params, 'running', @created_at)`,
  );
  const insertMetric = db.prepare(
    "INSERT OR REPLACE INTO train_metrics (run_id, step, loss, tokens_per_s, learning_rate, elapsed_s) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const insertValue = db.prepare("INSERT OR REPLACE INTO train_values (run_id, step, name, value) VALUES (?, ?, ?, ?)");
  const insertValues = db.transaction(
    (runId: string, step: number, values: Record<string, number | null | undefined>) => {
      for (const [name, value] of Object.entries(values)) {
        if (typeof value === "number" && Number.isFinite(value)) insertValue.run(runId, step, name, value);
      }
    },
  );
  const selectValues = db.prepare("SELECT step, name, value FROM train_values WHERE run_id = ? ORDER BY step, name");
  const updateRun = db.prepare(
    "UPDATE runs SET status = ?, summary = ?, finished_at = ? WHERE id = ? AND substr(kind, 1, 6) = 'train-'",
  );
  const selectRun = db.prepare("SELECT * FROM runs WHERE id = ? AND substr(kind, 1, 6) = 'train-'");
  const selectMetrics = db.prepare(
    "SELECT step, loss, tokens_per_s, learning_rate, elapsed_s FROM train_metrics WHERE run_id = ? ORDER BY step",
  );
  const selectEval = db.prepare("SELECT result FROM eval_cache WHERE key = ?");
  const insertEval = db.prepare("INSERT OR REPLACE INTO eval_cache (key, created_at, result) VALUES (?, ?, ?)");
  return {
    startRun(run) {
      const createdAt = new Date();
      const id = newRunId(createdAt);
      const params: TrainParams = {
        data: run.data,
        out: run.out,
        preset: run.preset,
        seed: run.seed,
        lora: run.lora,
      };
      insertRun.run({
        id,
        suite: run.data,
        model: run.base,
        kind: `${TRAIN_KIND_PREFIX}${run.kind}`,
        params: canonicalJson(params),
        created_at: createdAt.toISOString(),
      });
      return id;
    },
    addMetric(runId, m) {
      insertMetric.run(runId, m.step, m.loss, m.tokensPerS, m.learningRate, m.elapsedS);
    },
    addValues(runId, step, values) {
      insertValues(runId, step, values);
    },
    values(runId) {
      return selectValues.all(runId) as TrainValue[];
    },
    finishRun(runId, status, summary) {
      const finishedAt = status === "running" ? null : new Date().toISOString();
      updateRun.run(status, summary === null ? null : JSON.stringify(summary), finishedAt, runId);
    },
    getRun(runId) {
      const row = selectRun.get(runId) as RunRow | undefined;
      if (!row) return undefined;
      const params = JSON.parse(row.params) as Partial<TrainParams>;
      return {
        id: row.id,
        createdAt: row.created_at,
        kind: row.kind.slice(TRAIN_KIND_PREFIX.length),
        data: params.data ?? row.suite,
        out: params.out ?? "",
        preset: params.preset ?? "",
        seed: params.seed ?? 0,
        base: row.model,
        lora: params.lora === true,
        status: row.status,
        finishedAt: row.finished_at,
        summary: row.summary === null ? null : (JSON.parse(row.summary) as Record<string, unknown>),
      };
    },
    metrics(runId) {
      const rows = selectMetrics.all(runId) as {
        step: number;
        loss: number;
        tokens_per_s: number | null;
        learning_rate: number | null;
        elapsed_s: number | null;
      }[];
      return rows.map((r) => ({
        step: r.step,
        loss: r.loss,
        tokensPerS: r.tokens_per_s,
        learningRate: r.learning_rate,
        elapsedS: r.elapsed_s,
      }));
    },
    cachedEvaluation(key) {
      const row = selectEval.get(key) as { result: string } | undefined;
      return row === undefined ? undefined : (JSON.parse(row.result) as Record<string, unknown>);
    },
    cacheEvaluation(key, result) {
      insertEval.run(key, new Date().toISOString(), JSON.stringify(result));
    },
    close() {
      db.close();
    },
  };
}
