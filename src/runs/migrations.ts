import type Database from "better-sqlite3";
import { BadInputError } from "../core/errors.js";

/**
 * Schema migrations of the run tables, applied in order, each once, in its own transaction. Append; never edit a
 * shipped one (a database in the field is at some version and replays only what follows it). The training and
 * search tables in the same file keep their own versions (src/train/store.ts, src/search/store.ts); their runs are
 * rows of `runs`, so those stores open the file through openRunDatabase and migrate after these.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        suite TEXT NOT NULL,
        suite_revision TEXT NOT NULL,
        model TEXT,
        endpoint TEXT,
        kind TEXT NOT NULL CHECK (kind IN ('run', 'eval', 'audit')),
        params TEXT NOT NULL CHECK (json_valid(params)),
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
        created_at TEXT NOT NULL,
        finished_at TEXT,
        summary TEXT CHECK (summary IS NULL OR json_valid(summary))
      );
      CREATE INDEX runs_by_created ON runs (created_at);
      CREATE INDEX runs_by_suite ON runs (suite, created_at);
      CREATE TABLE samples (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        problem TEXT NOT NULL,
        sample INTEGER NOT NULL CHECK (sample >= 0),
        prompt TEXT NOT NULL CHECK (json_valid(prompt)),
        raw TEXT,
        code TEXT,
        score TEXT CHECK (score IS NULL OR json_valid(score)),
        error TEXT,
        generated_at TEXT NOT NULL,
        scored_at TEXT,
        PRIMARY KEY (run_id, problem, sample)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Open-ended run kinds (training, data and search runs are coming) and a `cancelled` status. SQLite cannot drop
    // a CHECK constraint, so the table is rebuilt (https://sqlite.org/lang_altertable.html#otheralter): foreign
    // keys are off while this runs (see migrate), so dropping the old table does not cascade into samples, whose
    // REFERENCES runs (id) names the new table once it is renamed. Rows keep their rowid (listRuns' tie-break).
    version: 2,
    sql: `
      CREATE TABLE runs_v2 (
        id TEXT PRIMARY KEY,
        suite TEXT NOT NULL,
        suite_revision TEXT NOT NULL,
        model TEXT,
        endpoint TEXT,
        kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 32),
        params TEXT NOT NULL CHECK (json_valid(params)),
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
        created_at TEXT NOT NULL,
        finished_at TEXT,
        summary TEXT CHECK (summary IS NULL OR json_valid(summary))
      );
      INSERT INTO runs_v2 (rowid, id, suite, suite_revision, model, endpoint, kind, params, status, created_at,
                           finished_at, summary)
        SELECT rowid, id, suite, suite_revision, model, endpoint, kind, params, status, created_at, finished_at, summary
        FROM runs;
      DROP TABLE runs;
      ALTER TABLE runs_v2 RENAME TO runs;
      CREATE INDEX runs_by_created ON runs (created_at);
      CREATE INDEX runs_by_suite ON runs (suite, created_at);
      CREATE INDEX runs_by_kind ON runs (kind, created_at);
    `,
  },
];

/** The newest migration this rtlgym knows. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** A schema step: SQL, or code when the step computes values (new ids) SQL cannot. */
export type Migration = { version: number } & ({ sql: string } | { up: (db: Database.Database) => void });

/** The version a database is at (0: new), by its version table (`schema_version` for the run tables). */
export function currentVersion(db: Database.Database, table = "schema_version"): number {
  const row = db.prepare(`SELECT max(version) AS v FROM ${table}`).get() as { v: number | null };
  return row.v ?? 0;
}

/** Brings the run tables up to SCHEMA_VERSION (see migrateTables). */
export function migrate(db: Database.Database, file: string): void {
  migrateTables(db, file, { table: "schema_version", what: "the rtlgym database", migrations: MIGRATIONS });
}

/**
 * Applies the `migrations` a database has not seen, by the versions recorded in `table`, each once, in its own
 * transaction. Foreign keys are switched off meanwhile (a table rebuild must not cascade; the pragma is a no-op inside
 * a transaction, hence here) and every migration checks them before it commits; the caller's setting is restored
 * after. The run tables use it, and so do the search and training tables of the same file (their own version tables).
 */
export function migrateTables(
  db: Database.Database,
  file: string,
  set: { table: string; what: string; migrations: readonly Migration[] },
): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ${set.table} (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`);
  const latest = set.migrations.at(-1)?.version ?? 0;
  const current = currentVersion(db, set.table);
  if (current > latest)
    throw new BadInputError(
      `${set.what} ${file} has schema version ${current}, newer than this rtlgym understands (${latest})`,
      { path: file, version: current },
    );
  if (current === latest) return;
  const foreignKeys = db.pragma("foreign_keys", { simple: true }) as number;
  db.pragma("foreign_keys = OFF");
  try {
    for (const m of set.migrations) {
      // IMMEDIATE takes the write lock first, so two processes opening an old database do not both migrate.
      db.transaction(() => {
        if (currentVersion(db, set.table) >= m.version) return;
        if ("sql" in m) db.exec(m.sql);
        else m.up(db);
        const broken = db.pragma("foreign_key_check") as unknown[];
        if (broken.length > 0)
          throw new BadInputError(
            `migrating ${set.what} ${file} to schema version ${m.version} left ${broken.length} broken references; nothing was changed`,
            { path: file, version: m.version },
          );
        db.prepare(`INSERT INTO ${set.table} (version, applied_at) VALUES (?, ?)`).run(
          m.version,
          new Date().toISOString(),
        );
      }).immediate();
    }
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys ? "ON" : "OFF"}`);
  }
}
