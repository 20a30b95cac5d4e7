import {
  canonicalJson,
  defaultStorePath,
  type Migration,
  migrateTables,
  newRunId,
  openRunDatabase,
} from "../runs/index.js";
import type { Spent } from "./budget.js";
import type { SearchNode } from "./tree.js";

/** The `runs.kind` of a search run. */
export const SEARCH_RUN_KIND = "search";

/**
 * A search run is a row of `runs` (kind `search`, in the same SQLite file as bench and training runs); its problems
 * and nodes are in its own tables, keyed by runs.id, with their own schema version table (search_schema_version), so
 * the run migrations and these never collide. The run migrations run first (openRunDatabase).
 */
export const SEARCH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE search_runs (
        id TEXT PRIMARY KEY,
        suite TEXT NOT NULL,
        suite_revision TEXT NOT NULL,
        model TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        params TEXT NOT NULL CHECK (json_valid(params)),
        status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
        created_at TEXT NOT NULL,
        finished_at TEXT,
        summary TEXT CHECK (summary IS NULL OR json_valid(summary))
      );
      CREATE TABLE search_problems (
        run_id TEXT NOT NULL REFERENCES search_runs (id) ON DELETE CASCADE,
        strategy TEXT NOT NULL,
        problem TEXT NOT NULL,
        pass REAL NOT NULL,
        status TEXT NOT NULL,
        chosen INTEGER,
        code TEXT,
        spent TEXT NOT NULL CHECK (json_valid(spent)),
        wall_ms REAL NOT NULL,
        detail TEXT NOT NULL CHECK (json_valid(detail)),
        PRIMARY KEY (run_id, strategy, problem)
      ) WITHOUT ROWID;
      CREATE TABLE search_nodes (
        run_id TEXT NOT NULL REFERENCES search_runs (id) ON DELETE CASCADE,
        strategy TEXT NOT NULL,
        problem TEXT NOT NULL,
        node INTEGER NOT NULL,
        parent INTEGER,
        depth INTEGER NOT NULL,
        kind TEXT NOT NULL,
        step TEXT NOT NULL,
        prefix TEXT NOT NULL,
        terminal INTEGER NOT NULL,
        finish TEXT,
        score REAL,
        visits INTEGER NOT NULL,
        value_sum REAL NOT NULL,
        tokens REAL NOT NULL,
        duplicates INTEGER NOT NULL,
        info TEXT NOT NULL CHECK (json_valid(info)),
        PRIMARY KEY (run_id, strategy, problem, node)
      ) WITHOUT ROWID;
    `,
  },
  {
    // Search runs move into `runs` (kind 'search'; the columns map 1:1). SQLite cannot alter a foreign key, so the
    // problem and node tables are rebuilt to reference runs (id) (foreign keys are off meanwhile, see migrateTables),
    // then search_runs is dropped.
    version: 2,
    sql: `
      INSERT INTO runs (id, suite, suite_revision, model, endpoint, kind, params, status, created_at, finished_at,
                        summary)
        SELECT id, suite, suite_revision, model, endpoint, 'search', params, status, created_at, finished_at, summary
        FROM search_runs ORDER BY rowid;
      CREATE TABLE search_problems_v2 (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        strategy TEXT NOT NULL,
        problem TEXT NOT NULL,
        pass REAL NOT NULL,
        status TEXT NOT NULL,
        chosen INTEGER,
        code TEXT,
        spent TEXT NOT NULL CHECK (json_valid(spent)),
        wall_ms REAL NOT NULL,
        detail TEXT NOT NULL CHECK (json_valid(detail)),
        PRIMARY KEY (run_id, strategy, problem)
      ) WITHOUT ROWID;
      INSERT INTO search_problems_v2 SELECT * FROM search_problems;
      CREATE TABLE search_nodes_v2 (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        strategy TEXT NOT NULL,
        problem TEXT NOT NULL,
        node INTEGER NOT NULL,
        parent INTEGER,
        depth INTEGER NOT NULL,
        kind TEXT NOT NULL,
        step TEXT NOT NULL,
        prefix TEXT NOT NULL,
        terminal INTEGER NOT NULL,
        finish TEXT,
        score REAL,
        visits INTEGER NOT NULL,
        value_sum REAL NOT NULL,
        tokens REAL NOT NULL,
        duplicates INTEGER NOT NULL,
        info TEXT NOT NULL CHECK (json_valid(info)),
        PRIMARY KEY (run_id, strategy, problem, node)
      ) WITHOUT ROWID;
      INSERT INTO search_nodes_v2 SELECT * FROM search_nodes;
      DROP TABLE search_problems;
      DROP TABLE search_nodes;
      DROP TABLE search_runs;
      ALTER TABLE search_problems_v2 RENAME TO search_problems;
      ALTER TABLE search_nodes_v2 RENAME TO search_nodes;
    `,
  },
];

export interface SearchRunRecord {
  id: string;
  suite: string;
  suiteRevision: string;
  model: string;
  endpoint: string;
  params: Record<string, unknown>;
  status: "running" | "done" | "failed" | "cancelled";
  createdAt: string;
  finishedAt: string | null;
  summary: Record<string, unknown> | null;
}

/** One problem's outcome under one strategy. */
export interface ProblemRecord {
  strategy: string;
  problem: string;
  /** Reported pass rate of the problem: 0/1 for the chosen design, the fraction of samples for `sample`. */
  pass: number;
  status: string;
  chosen: number | null;
  code: string | null;
  spent: Spent;
  wallMs: number;
  detail: Record<string, unknown>;
}

/** A stored node (a {@link SearchNode} without its children list, which the parents rebuild). */
export type NodeRecord = Omit<SearchNode, "children" | "expanded">;

export interface SearchStore {
  readonly path: string;
  createRun(run: Pick<SearchRunRecord, "suite" | "suiteRevision" | "model" | "endpoint" | "params">): string;
  finishRun(id: string, status: "done" | "failed", summary: Record<string, unknown> | null): void;
  getRun(id: string): SearchRunRecord | undefined;
  listRuns(limit?: number): SearchRunRecord[];
  /** Writes a problem's outcome and every node of its search in one transaction. */
  putProblem(runId: string, record: ProblemRecord, nodes: readonly SearchNode[]): void;
  problems(runId: string, strategy?: string): ProblemRecord[];
  nodes(runId: string, strategy: string, problem: string): NodeRecord[];
  close(): void;
}

interface RunRow {
  id: string;
  suite: string;
  suite_revision: string;
  model: string;
  endpoint: string;
  params: string;
  status: SearchRunRecord["status"];
  created_at: string;
  finished_at: string | null;
  summary: string | null;
}

const runOf = (r: RunRow): SearchRunRecord => ({
  id: r.id,
  suite: r.suite,
  suiteRevision: r.suite_revision,
  model: r.model,
  endpoint: r.endpoint,
  params: JSON.parse(r.params),
  status: r.status,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
  summary: r.summary === null ? null : JSON.parse(r.summary),
});

/** Opens the search tables in the rtlgym database (default `$RTLGYM_HOME/rtlgym.db`), creating them when needed. */
export function openSearchStore(path: string = defaultStorePath()): SearchStore {
  const { db, file } = openRunDatabase(path);
  try {
    migrateTables(db, file, {
      table: "search_schema_version",
      what: "the search tables of",
      migrations: SEARCH_MIGRATIONS,
    });
  } catch (err) {
    db.close();
    throw err;
  }
  const insertNode = db.prepare(`INSERT OR REPLACE INTO search_nodes
    (run_id, strategy, problem, node, parent, depth, kind, step, prefix, terminal, finish, score, visits, value_sum,
     tokens, duplicates, info)
    VALUES (@run, @strategy, @problem, @id, @parent, @depth, @kind, @step, @prefix, @terminal, @finish, @score,
     @visits, @valueSum, @tokens, @duplicates, @info)`);
  const insertProblem = db.prepare(`INSERT OR REPLACE INTO search_problems
    (run_id, strategy, problem, pass, status, chosen, code, spent, wall_ms, detail)
    VALUES (@run, @strategy, @problem, @pass, @status, @chosen, @code, @spent, @wallMs, @detail)`);
  return {
    path: file,
    createRun(run) {
      const id = newRunId();
      db.prepare(
        `INSERT INTO runs (id, suite, suite_revision, model, endpoint, kind, params, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?)`,
      ).run(
        id,
        run.suite,
        run.suiteRevision,
        run.model,
        run.endpoint,
        SEARCH_RUN_KIND,
        canonicalJson(run.params),
        new Date().toISOString(),
      );
      return id;
    },
    finishRun(id, status, summary) {
      db.prepare("UPDATE runs SET status = ?, finished_at = ?, summary = ? WHERE id = ? AND kind = ?").run(
        status,
        new Date().toISOString(),
        summary === null ? null : JSON.stringify(summary),
        id,
        SEARCH_RUN_KIND,
      );
    },
    getRun(id) {
      const row = db.prepare("SELECT * FROM runs WHERE id = ? AND kind = ?").get(id, SEARCH_RUN_KIND) as
        | RunRow
        | undefined;
      return row && runOf(row);
    },
    listRuns(limit = 20) {
      return (
        db
          .prepare("SELECT * FROM runs WHERE kind = ? ORDER BY created_at DESC, rowid DESC LIMIT ?")
          .all(SEARCH_RUN_KIND, limit) as RunRow[]
      ).map(runOf);
    },
    putProblem(runId, record, nodes) {
      db.transaction(() => {
        insertProblem.run({
          run: runId,
          strategy: record.strategy,
          problem: record.problem,
          pass: record.pass,
          status: record.status,
          chosen: record.chosen,
          code: record.code,
          spent: JSON.stringify(record.spent),
          wallMs: record.wallMs,
          detail: JSON.stringify(record.detail),
        });
        for (const n of nodes) {
          insertNode.run({
            run: runId,
            strategy: record.strategy,
            problem: record.problem,
            id: n.id,
            parent: n.parent,
            depth: n.depth,
            kind: n.kind,
            step: n.step,
            prefix: n.prefix,
            terminal: n.terminal ? 1 : 0,
            finish: n.finish ?? null,
            score: n.score,
            visits: n.visits,
            valueSum: n.valueSum,
            tokens: n.tokens,
            duplicates: n.duplicates,
            info: JSON.stringify(n.info),
          });
        }
      })();
    },
    problems(runId, strategy) {
      const rows = (
        strategy === undefined
          ? db.prepare("SELECT * FROM search_problems WHERE run_id = ? ORDER BY strategy, problem").all(runId)
          : db
              .prepare("SELECT * FROM search_problems WHERE run_id = ? AND strategy = ? ORDER BY problem")
              .all(runId, strategy)
      ) as Array<Record<string, unknown>>;
      return rows.map((r) => ({
        strategy: r.strategy as string,
        problem: r.problem as string,
        pass: r.pass as number,
        status: r.status as string,
        chosen: r.chosen as number | null,
        code: r.code as string | null,
        spent: JSON.parse(r.spent as string),
        wallMs: r.wall_ms as number,
        detail: JSON.parse(r.detail as string),
      }));
    },
    nodes(runId, strategy, problem) {
      const rows = db
        .prepare("SELECT * FROM search_nodes WHERE run_id = ? AND strategy = ? AND problem = ? ORDER BY node")
        .all(runId, strategy, problem) as Array<Record<string, unknown>>;
      return rows.map((r) => ({
        id: r.node as number,
        parent: r.parent as number | null,
        depth: r.depth as number,
        kind: r.kind as NodeRecord["kind"],
        step: r.step as string,
        prefix: r.prefix as string,
        terminal: r.terminal === 1,
        ...(r.finish !== null && { finish: r.finish as NodeRecord["finish"] & string }),
        score: r.score as number | null,
        visits: r.visits as number,
        valueSum: r.value_sum as number,
        tokens: r.tokens as number,
        duplicates: r.duplicates as number,
        info: JSON.parse(r.info as string),
      }));
    },
    close() {
      db.close();
    },
  };
}
