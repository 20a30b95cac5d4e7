import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { defaultStorePath } from "../runs/index.js";

/** One training run as the store keeps it. */
export interface TrainRunRecord {
  id: number;
  createdAt: string;
  kind: string;
  data: string;
  out: string;
  preset: string;
  seed: number;
  base: string | null;
  lora: boolean;
  status: "running" | "done" | "failed" | "cancelled";
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

/** Training runs and their metrics, in the same SQLite file as the bench runs (its own tables). */
export interface TrainStore {
  startRun(run: Omit<TrainRunRecord, "id" | "createdAt" | "status" | "summary">): number;
  addMetric(runId: number, metric: TrainMetric): void;
  /** Records named values at a step (replacing values of the same step and name). */
  addValues(runId: number, step: number, values: Record<string, number | null | undefined>): void;
  values(runId: number): TrainValue[];
  finishRun(runId: number, status: TrainRunRecord["status"], summary: Record<string, unknown> | null): void;
  getRun(runId: number): TrainRunRecord | undefined;
  metrics(runId: number): TrainMetric[];
  /** A finished evaluation recorded under `key` (see `evaluationKey`), if any. */
  cachedEvaluation(key: string): Record<string, unknown> | undefined;
  cacheEvaluation(key: string, result: Record<string, unknown>): void;
  close(): void;
}

const SCHEMA = `
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
);`;

interface RunRow {
  id: number;
  created_at: string;
  kind: string;
  data: string;
  out: string;
  preset: string;
  seed: number;
  base: string | null;
  lora: number;
  status: TrainRunRecord["status"];
  summary: string | null;
}

/** Opens (and creates) the training tables in `$RTLGYM_HOME/rtlgym.db` (or `path`). */
export function openTrainStore(path: string = defaultStorePath()): TrainStore {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  db.exec(SCHEMA);
  const insertRun = db.prepare(
    "INSERT INTO train_runs (created_at, kind, data, out, preset, seed, base, lora, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'running')",
  );
  const insertMetric = db.prepare(
    "INSERT OR REPLACE INTO train_metrics (run_id, step, loss, tokens_per_s, learning_rate, elapsed_s) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const insertValue = db.prepare("INSERT OR REPLACE INTO train_values (run_id, step, name, value) VALUES (?, ?, ?, ?)");
  const insertValues = db.transaction(
    (runId: number, step: number, values: Record<string, number | null | undefined>) => {
      for (const [name, value] of Object.entries(values)) {
        if (typeof value === "number" && Number.isFinite(value)) insertValue.run(runId, step, name, value);
      }
    },
  );
  const selectValues = db.prepare("SELECT step, name, value FROM train_values WHERE run_id = ? ORDER BY step, name");
  const updateRun = db.prepare("UPDATE train_runs SET status = ?, summary = ? WHERE id = ?");
  const selectRun = db.prepare("SELECT * FROM train_runs WHERE id = ?");
  const selectMetrics = db.prepare(
    "SELECT step, loss, tokens_per_s, learning_rate, elapsed_s FROM train_metrics WHERE run_id = ? ORDER BY step",
  );
  const selectEval = db.prepare("SELECT result FROM eval_cache WHERE key = ?");
  const insertEval = db.prepare("INSERT OR REPLACE INTO eval_cache (key, created_at, result) VALUES (?, ?, ?)");
  return {
    startRun(run) {
      const info = insertRun.run(
        new Date().toISOString(),
        run.kind,
        run.data,
        run.out,
        run.preset,
        run.seed,
        run.base,
        run.lora ? 1 : 0,
      );
      return Number(info.lastInsertRowid);
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
      updateRun.run(status, summary === null ? null : JSON.stringify(summary), runId);
    },
    getRun(runId) {
      const row = selectRun.get(runId) as RunRow | undefined;
      if (!row) return undefined;
      return {
        id: row.id,
        createdAt: row.created_at,
        kind: row.kind,
        data: row.data,
        out: row.out,
        preset: row.preset,
        seed: row.seed,
        base: row.base,
        lora: row.lora === 1,
        status: row.status,
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
