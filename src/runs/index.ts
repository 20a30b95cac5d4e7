/**
 * The run store: one SQLite file (`$RTLGYM_HOME/rtlgym.db`) that records runs (bench runs, evals, audits; any other
 * kind by name), their samples and scores. schema.ts: the types and ids; migrations.ts: the tables and how an older
 * database is brought up to date; store.ts: the queries.
 */
export { currentVersion, MIGRATIONS, SCHEMA_VERSION } from "./migrations.js";
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
  openStore,
  type ResumableQuery,
  type RunRecord,
  type SampleKey,
  type Store,
  type StoredSample,
} from "./store.js";
