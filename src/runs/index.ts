/**
 * The run store: one SQLite file (`$RTLGYM_HOME/rtlgym.db`) that records runs (bench runs, evals, audits; search
 * runs as kind `search` and training runs as `train-<recipe>`, whose details live in their own tables keyed by
 * runs.id), their samples and scores. schema.ts: the types and ids; migrations.ts: the tables and how an older
 * database is brought up to date; store.ts: the queries.
 */
export { currentVersion, MIGRATIONS, type Migration, migrateTables, SCHEMA_VERSION } from "./migrations.js";
export {
  BENCH_RUN_KINDS,
  type BenchRunKind,
  canonicalJson,
  defaultStorePath,
  newRunId,
  type PromptJson,
  RunKind,
  RunParams,
  RunStatus,
} from "./schema.js";
export {
  type Generation,
  type ListRunsOptions,
  type NewRun,
  openRunDatabase,
  openStore,
  type ResumableQuery,
  type RunRecord,
  type SampleKey,
  type Store,
  type StoredSample,
} from "./store.js";
