import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MIGRATIONS, openStore } from "../../src/runs/index.js";
import { openSearchStore } from "../../src/search/index.js";
import { openTrainStore } from "../../src/train/index.js";
import { rtlgym } from "../helpers/cli.js";

// Search and training runs moved into `runs`. These build a database as an older rtlgym left it (run tables at
// version 1, search tables at version 1 with search_runs, training tables with integer ids and no version table),
// written by hand, then open it with today's stores and check that nothing was lost.

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "rtlgym-migrate-kinds-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const SEARCH_V1 = `
  CREATE TABLE search_runs (
    id TEXT PRIMARY KEY, suite TEXT NOT NULL, suite_revision TEXT NOT NULL, model TEXT NOT NULL,
    endpoint TEXT NOT NULL, params TEXT NOT NULL CHECK (json_valid(params)),
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')), created_at TEXT NOT NULL, finished_at TEXT,
    summary TEXT CHECK (summary IS NULL OR json_valid(summary)));
  CREATE TABLE search_problems (
    run_id TEXT NOT NULL REFERENCES search_runs (id) ON DELETE CASCADE, strategy TEXT NOT NULL, problem TEXT NOT NULL,
    pass REAL NOT NULL, status TEXT NOT NULL, chosen INTEGER, code TEXT, spent TEXT NOT NULL CHECK (json_valid(spent)),
    wall_ms REAL NOT NULL, detail TEXT NOT NULL CHECK (json_valid(detail)),
    PRIMARY KEY (run_id, strategy, problem)) WITHOUT ROWID;
  CREATE TABLE search_nodes (
    run_id TEXT NOT NULL REFERENCES search_runs (id) ON DELETE CASCADE, strategy TEXT NOT NULL, problem TEXT NOT NULL,
    node INTEGER NOT NULL, parent INTEGER, depth INTEGER NOT NULL, kind TEXT NOT NULL, step TEXT NOT NULL,
    prefix TEXT NOT NULL, terminal INTEGER NOT NULL, finish TEXT, score REAL, visits INTEGER NOT NULL,
    value_sum REAL NOT NULL, tokens REAL NOT NULL, duplicates INTEGER NOT NULL, info TEXT NOT NULL CHECK (json_valid(info)),
    PRIMARY KEY (run_id, strategy, problem, node)) WITHOUT ROWID;
  CREATE TABLE search_schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);
  INSERT INTO search_schema_version VALUES (1, '2026-11-01T00:00:00.000Z');`;

const TRAIN_OLD = `
  CREATE TABLE train_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL,
    out TEXT NOT NULL, preset TEXT NOT NULL, seed INTEGER NOT NULL, base TEXT, lora INTEGER NOT NULL,
    status TEXT NOT NULL, summary TEXT);
  CREATE TABLE train_metrics (
    run_id INTEGER NOT NULL REFERENCES train_runs(id) ON DELETE CASCADE, step INTEGER NOT NULL, loss REAL NOT NULL,
    tokens_per_s REAL, learning_rate REAL, elapsed_s REAL, PRIMARY KEY (run_id, step));
  CREATE TABLE train_values (
    run_id INTEGER NOT NULL REFERENCES train_runs(id) ON DELETE CASCADE, step INTEGER NOT NULL, name TEXT NOT NULL,
    value REAL NOT NULL, PRIMARY KEY (run_id, step, name));
  CREATE TABLE eval_cache (key TEXT PRIMARY KEY, created_at TEXT NOT NULL, result TEXT NOT NULL);`;

/** The old database: one bench run with a sample, two search runs with problems and nodes, three training runs. */
function oldDatabase(path: string): void {
  const db = new Database(path);
  db.exec((MIGRATIONS[0] as { sql: string }).sql);
  db.exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
  db.exec("INSERT INTO schema_version VALUES (1, '2026-11-01T00:00:00.000Z')");
  db.prepare(
    `INSERT INTO runs VALUES ('bench-1', 'builtin', 'r1', 'm', 'http://x', 'run', '{"n":1}', 'done',
       '2026-11-01T00:00:00.000Z', '2026-11-01T00:01:00.000Z', NULL)`,
  ).run();
  db.prepare(
    `INSERT INTO samples VALUES ('bench-1', 'p1', 0, '"prompt"', 'raw', 'code', NULL, NULL, '2026-11-01T00:00:30.000Z', NULL)`,
  ).run();
  db.exec(SEARCH_V1);
  const searchRun = db.prepare(
    "INSERT INTO search_runs VALUES (?, 'builtin', 'r1', 'qwen', 'http://e', ?, ?, ?, ?, ?)",
  );
  searchRun.run(
    "2026-11-02T10-00-00-aaaa",
    '{"strategies":["sample","beam"]}',
    "done",
    "2026-11-02T10:00:00.000Z",
    "2026-11-02T10:05:00.000Z",
    '{"runId":"2026-11-02T10-00-00-aaaa","strategies":[]}',
  );
  searchRun.run(
    "2026-11-03T10-00-00-bbbb",
    '{"strategies":["mcts"]}',
    "running",
    "2026-11-03T10:00:00.000Z",
    null,
    null,
  );
  const problem = db.prepare(
    "INSERT INTO search_problems VALUES (?, ?, ?, 1, 'pass', 2, 'module m; endmodule', '{\"calls\":3}', 12.5, '{}')",
  );
  problem.run("2026-11-02T10-00-00-aaaa", "sample", "p1");
  problem.run("2026-11-02T10-00-00-aaaa", "beam", "p1");
  problem.run("2026-11-03T10-00-00-bbbb", "mcts", "p2");
  const node = db.prepare(
    "INSERT INTO search_nodes VALUES (?, ?, ?, ?, ?, ?, 'step', 's', 'pre', 0, NULL, 0.5, 1, 0.5, 10, 0, '{}')",
  );
  node.run("2026-11-02T10-00-00-aaaa", "beam", "p1", 0, null, 0);
  node.run("2026-11-02T10-00-00-aaaa", "beam", "p1", 1, 0, 1);
  node.run("2026-11-03T10-00-00-bbbb", "mcts", "p2", 0, null, 0);
  db.exec(TRAIN_OLD);
  const train = db.prepare(
    "INSERT INTO train_runs (created_at, kind, data, out, preset, seed, base, lora, status, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  train.run("2026-11-04T08:00:00.000Z", "sft", "/d/sft.jsonl", "/o/sft", "tiny", 1, null, 0, "done", '{"steps":250}');
  train.run("2026-11-04T08:00:00.000Z", "rl", "/d/tasks", "/o/rl", "codev-r1/dapo", 7, "/m/base", 0, "failed", null);
  train.run("2026-11-05T09:00:00.000Z", "salv", "/d/tasks", "/o/salv", "slice", 3, "/m/base", 1, "running", null);
  const metric = db.prepare("INSERT INTO train_metrics VALUES (?, ?, ?, ?, NULL, NULL)");
  for (const step of [1, 2, 3]) metric.run(1, step, 2 / step, 100);
  metric.run(2, 1, 0.7, null);
  const value = db.prepare("INSERT INTO train_values VALUES (?, ?, ?, ?)");
  value.run(2, 1, "reward_mean", 0.25);
  value.run(2, 1, "heldout.pass@1", 0.1);
  value.run(3, 0, "heldout.pass@1", 0.3);
  db.prepare("INSERT INTO eval_cache VALUES ('k1', '2026-11-04T08:00:00.000Z', '{\"pass@1\":0.5}')").run();
  db.close();
}

/** Every table's row count, and the schema versions, as SQL sees them. */
function rawCounts(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (r) => r.name,
    );
    return {
      tables,
      kinds: db.prepare("SELECT kind, count(*) AS n FROM runs GROUP BY kind ORDER BY kind").all(),
      samples: count("SELECT count(*) AS n FROM samples"),
      problems: count("SELECT count(*) AS n FROM search_problems"),
      nodes: count("SELECT count(*) AS n FROM search_nodes"),
      metrics: count("SELECT count(*) AS n FROM train_metrics"),
      values: count("SELECT count(*) AS n FROM train_values"),
      evalCache: count("SELECT count(*) AS n FROM eval_cache"),
      brokenReferences: db.pragma("foreign_key_check") as unknown[],
      // Every child row's run exists (foreign_key_check would say so too; this names the tables).
      orphans: count(`SELECT
        (SELECT count(*) FROM search_problems WHERE run_id NOT IN (SELECT id FROM runs)) +
        (SELECT count(*) FROM search_nodes WHERE run_id NOT IN (SELECT id FROM runs)) +
        (SELECT count(*) FROM train_metrics WHERE run_id NOT IN (SELECT id FROM runs)) +
        (SELECT count(*) FROM train_values WHERE run_id NOT IN (SELECT id FROM runs)) AS n`),
      versions: {
        runs: count("SELECT max(version) AS n FROM schema_version"),
        search: count("SELECT max(version) AS n FROM search_schema_version"),
        train: count("SELECT max(version) AS n FROM train_schema_version"),
      },
    };
  } finally {
    db.close();
  }
}

describe("search and training runs move into runs", () => {
  it("keeps every run, child row and id when an old database is opened by the training then the search store", () => {
    const path = join(dir, "old.db");
    oldDatabase(path);

    const train = openTrainStore(path);
    const search = openSearchStore(path);
    const store = openStore(path);
    try {
      const trainRuns = store.listRuns({ limit: 100 }).filter((r) => r.kind.startsWith("train-"));
      expect(trainRuns.map((r) => r.kind).sort()).toEqual(["train-rl", "train-salv", "train-sft"]);
      const byOld = new Map(trainRuns.map((r) => [r.params.trainRunId, r.id]));
      expect([...byOld.keys()].sort()).toEqual([1, 2, 3]);
      // New text ids from the creation time; two runs of the same second still get distinct ids.
      const sft = byOld.get(1) as string;
      const rl = byOld.get(2) as string;
      const salv = byOld.get(3) as string;
      expect(sft).toMatch(/^2026-11-04T08-00-00-[0-9a-f]{4}$/);
      expect(rl).toMatch(/^2026-11-04T08-00-00-[0-9a-f]{4}$/);
      expect(new Set([sft, rl, salv]).size).toBe(3);

      expect(train.getRun(sft)).toEqual({
        id: sft,
        createdAt: "2026-11-04T08:00:00.000Z",
        kind: "sft",
        data: "/d/sft.jsonl",
        out: "/o/sft",
        preset: "tiny",
        seed: 1,
        base: null,
        lora: false,
        status: "done",
        finishedAt: null,
        summary: { steps: 250 },
      });
      expect(train.getRun(salv)).toMatchObject({
        kind: "salv",
        base: "/m/base",
        lora: true,
        seed: 3,
        status: "running",
      });
      expect(train.getRun(rl)).toMatchObject({ kind: "rl", preset: "codev-r1/dapo", status: "failed", summary: null });
      // Child rows followed their run's new id.
      expect(train.metrics(sft).map((m) => [m.step, m.loss, m.tokensPerS])).toEqual([
        [1, 2, 100],
        [2, 1, 100],
        [3, 2 / 3, 100],
      ]);
      expect(train.metrics(rl)).toEqual([{ step: 1, loss: 0.7, tokensPerS: null, learningRate: null, elapsedS: null }]);
      expect(train.values(rl)).toEqual([
        { step: 1, name: "heldout.pass@1", value: 0.1 },
        { step: 1, name: "reward_mean", value: 0.25 },
      ]);
      expect(train.values(salv)).toEqual([{ step: 0, name: "heldout.pass@1", value: 0.3 }]);
      expect(train.metrics(salv)).toEqual([]);
      expect(train.cachedEvaluation("k1")).toEqual({ "pass@1": 0.5 });
      // The runs row: suite is the data path, model the base, params the rest.
      expect(store.getRun(rl)).toMatchObject({
        kind: "train-rl",
        suite: "/d/tasks",
        model: "/m/base",
        endpoint: null,
        params: { data: "/d/tasks", out: "/o/rl", preset: "codev-r1/dapo", seed: 7, lora: false, trainRunId: 2 },
      });

      // Search runs kept their ids and everything under them.
      expect(search.listRuns().map((r) => [r.id, r.status])).toEqual([
        ["2026-11-03T10-00-00-bbbb", "running"],
        ["2026-11-02T10-00-00-aaaa", "done"],
      ]);
      expect(search.getRun("2026-11-02T10-00-00-aaaa")).toMatchObject({
        suite: "builtin",
        suiteRevision: "r1",
        model: "qwen",
        endpoint: "http://e",
        params: { strategies: ["sample", "beam"] },
        finishedAt: "2026-11-02T10:05:00.000Z",
        summary: { runId: "2026-11-02T10-00-00-aaaa", strategies: [] },
      });
      expect(search.problems("2026-11-02T10-00-00-aaaa").map((p) => [p.strategy, p.problem, p.spent])).toEqual([
        ["beam", "p1", { calls: 3 }],
        ["sample", "p1", { calls: 3 }],
      ]);
      expect(search.nodes("2026-11-02T10-00-00-aaaa", "beam", "p1").map((n) => [n.id, n.parent])).toEqual([
        [0, null],
        [1, 0],
      ]);
      expect(search.nodes("2026-11-03T10-00-00-bbbb", "mcts", "p2")).toHaveLength(1);
      expect(store.getRun("2026-11-02T10-00-00-aaaa")).toMatchObject({
        kind: "search",
        summary: null,
        summaryJson: { runId: "2026-11-02T10-00-00-aaaa", strategies: [] },
      });
      // The bench run and its sample are untouched; the stores see only their own kinds.
      expect(store.samplesOf("bench-1")).toHaveLength(1);
      expect(search.getRun("bench-1")).toBeUndefined();
      expect(train.getRun("bench-1")).toBeUndefined();
      expect(search.getRun(sft)).toBeUndefined();

      // New runs land in `runs` too, and deleting a run takes its details with it.
      const fresh = train.startRun({
        kind: "sft",
        data: "/d",
        out: "/o",
        preset: "p",
        seed: 2,
        base: "/b",
        lora: true,
      });
      train.addMetric(fresh, { step: 1, loss: 1, tokensPerS: null, learningRate: 0.1, elapsedS: 1 });
      train.finishRun(fresh, "done", { ok: true });
      expect(store.getRun(fresh)).toMatchObject({ kind: "train-sft", status: "done", summaryJson: { ok: true } });
      expect(train.getRun(fresh)?.finishedAt).not.toBeNull();
      expect(store.deleteRun(sft)).toBe(true);
      expect(train.metrics(sft)).toEqual([]);
      expect(store.deleteRun("2026-11-03T10-00-00-bbbb")).toBe(true);
      expect(search.nodes("2026-11-03T10-00-00-bbbb", "mcts", "p2")).toEqual([]);
    } finally {
      store.close();
      search.close();
      train.close();
    }

    const after = rawCounts(path);
    expect(after.tables).not.toContain("search_runs");
    expect(after.tables).not.toContain("train_runs");
    expect(after.kinds).toEqual([
      { kind: "run", n: 1 },
      { kind: "search", n: 1 },
      { kind: "train-rl", n: 1 },
      { kind: "train-salv", n: 1 },
      { kind: "train-sft", n: 1 },
    ]);
    // Before the deletes: 3 problems, 3 nodes, 4 metrics, 3 values; the deletes took 1+1, 3, and the fresh run added 1.
    expect(after).toMatchObject({
      samples: 1,
      problems: 2,
      nodes: 2,
      metrics: 2,
      values: 3,
      evalCache: 1,
      brokenReferences: [],
      orphans: 0,
      versions: { runs: MIGRATIONS.at(-1)?.version, search: 2, train: 2 },
    });
  });

  it("migrates the same way when the search store opens first, and again opening changes nothing", () => {
    const path = join(dir, "old.db");
    oldDatabase(path);
    openSearchStore(path).close();
    openTrainStore(path).close();
    const first = rawCounts(path);
    expect(first).toMatchObject({
      samples: 1,
      problems: 3,
      nodes: 3,
      metrics: 4,
      values: 3,
      evalCache: 1,
      brokenReferences: [],
      orphans: 0,
    });
    const ids = () => {
      const db = new Database(path, { readonly: true });
      const rows = db.prepare("SELECT id, kind FROM runs ORDER BY id").all();
      db.close();
      return rows;
    };
    const before = ids();
    openTrainStore(path).close();
    openSearchStore(path).close();
    expect(ids()).toEqual(before);
    expect(rawCounts(path)).toEqual(first);
  });

  it("lists search and training runs in bench list, and bench show and compare name what they are", async () => {
    const path = join(dir, "old.db");
    oldDatabase(path);
    openSearchStore(path).close();
    const train = openTrainStore(path);
    const sft = train.startRun({
      kind: "sft",
      data: "/d/new",
      out: "/o/new",
      preset: "tiny",
      seed: 1,
      base: null,
      lora: false,
    });
    train.finishRun(sft, "done", { steps: 3 });
    train.close();

    const lines = async (...args: string[]) => {
      const r = await rtlgym(["bench", "list", "--db", path, "--json", ...args]);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { id: string; kind: string; suite: string; summary?: unknown });
    };
    const searches = await lines("--kind", "search");
    expect(searches.map((r) => r.id)).toEqual(["2026-11-03T10-00-00-bbbb", "2026-11-02T10-00-00-aaaa"]);
    const sfts = await lines("--kind", "train-sft");
    expect(sfts.map((r) => [r.id === sft, r.suite, r.summary])).toEqual([
      [true, "/d/new", { steps: 3 }],
      [false, "/d/sft.jsonl", { steps: 250 }],
    ]);
    const table = await rtlgym(["bench", "list", "--db", path]);
    expect(table.stdout).toMatch(/train-rl/);
    expect(table.stdout).toMatch(/\bsearch\b/);

    const showSearch = await rtlgym(["bench", "show", "2026-11-02T10-00-00-aaaa", "--db", path]);
    expect(showSearch.code).toBe(2);
    expect(showSearch.stderr).toMatch(
      /is a search run, not a bench run \(see: rtlgym search show 2026-11-02T10-00-00-aaaa\)/,
    );
    const showTrain = await rtlgym(["bench", "show", sft, "--db", path]);
    expect(showTrain.code).toBe(2);
    expect(showTrain.stderr).toMatch(/is a train-sft run, not a bench run \(a training run of \/o\/new/);
    const cmp = await rtlgym(["bench", "compare", sft, "bench-1", "--db", path]);
    expect(cmp.code).toBe(2);
    expect(cmp.stderr).toMatch(/is a train-sft run, not a bench run/);
  }, 60_000);
});
