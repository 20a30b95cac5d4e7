import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BenchSummary, SampleScore } from "../../src/contracts/bench.js";
import { BadInputError } from "../../src/core/errors.js";
import { defaultStorePath, MIGRATIONS, newRunId, openStore, type Store } from "../../src/runs/index.js";
import { openTrainStore } from "../../src/train/store.js";

const STORE_MODULE = join(import.meta.dirname, "..", "..", "src", "runs", "index.ts");

function score(problem: string, sample: number, status: SampleScore["status"] = "pass"): SampleScore {
  return {
    problem,
    sample,
    status,
    failingSignals: status === "fail" ? ["q"] : [],
    disagreement: false,
    result: {
      status,
      decidedBy: "sim",
      message: status === "pass" ? "equivalent on 200 cycles" : "q differs",
      signals: [{ name: "q", ok: status === "pass", mismatches: status === "pass" ? 0 : 3, decidedBy: "sim" }],
      engines: {
        sim: {
          status: status === "pass" ? "pass" : "fail",
          seed: 1,
          cycles: 200,
          samples: 400,
          exhaustive: false,
          durationMs: 12,
        },
        formal: { status: "skipped", durationMs: 0 },
      },
      diagnostics: [],
      toolVersions: { iverilog: "Icarus Verilog 11.0", yosys: "Yosys 0.55", yosysBackend: "native" },
      timings: { totalMs: 20, frontendMs: 5, simMs: 12, formalMs: 0 },
      options: {
        engine: "sim",
        seed: 1,
        cycles: 200,
        vectors: 256,
        exhaustiveBits: 12,
        formalDepth: 20,
        formalTimeoutMs: 30000,
        timeoutMs: 60000,
      },
    },
  };
}

function summary(runId: string): BenchSummary {
  return {
    suite: "verilog-eval-v2",
    suiteRevision: "abc123",
    runId,
    model: "m",
    attempted: 2,
    scored: 2,
    excluded: [],
    passAtK: { "1": 0.5 },
    passAtKByTag: {},
    statuses: { pass: 1, fail: 1 },
    disagreements: [],
    problems: [],
    toolVersions: { iverilog: "11.0", yosys: null },
    seed: 1,
    createdAt: "2026-11-22T10:31:05.000Z",
  };
}

const base = {
  suite: "verilog-eval-v2",
  suiteRevision: "abc123",
  model: "qwen2.5-coder-7b",
  endpoint: "http://localhost:8000/v1",
  kind: "run" as const,
  params: { n: 3, ks: [1], seed: 1, sampling: { temperature: 0.8, top_p: 0.95 }, verify: { engine: "sim" } },
};

let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "rtlgym-store-"));
  store = openStore(join(dir, "nested", "rtlgym.db"));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("openStore", () => {
  it("creates the directory, uses WAL, and is at the latest schema version", () => {
    expect(store.schemaVersion()).toBe(MIGRATIONS.at(-1)?.version);
    const raw = new Database(store.path, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });

  it("defaults to $RTLGYM_HOME/rtlgym.db", () => {
    const old = process.env.RTLGYM_HOME;
    process.env.RTLGYM_HOME = join(dir, "home");
    try {
      expect(defaultStorePath()).toBe(join(dir, "home", "rtlgym.db"));
      const s = openStore();
      expect(s.path).toBe(join(dir, "home", "rtlgym.db"));
      s.close();
    } finally {
      if (old === undefined) delete process.env.RTLGYM_HOME;
      else process.env.RTLGYM_HOME = old;
    }
  });

  it("migrations are idempotent: reopening applies nothing twice and keeps data", () => {
    const run = store.createRun(base);
    store.close();
    for (let i = 0; i < 3; i++) {
      store = openStore(join(dir, "nested", "rtlgym.db"));
      expect(store.schemaVersion()).toBe(MIGRATIONS.length);
      expect(store.getRun(run.id)?.id).toBe(run.id);
      store.close();
    }
    const raw = new Database(join(dir, "nested", "rtlgym.db"), { readonly: true });
    expect(raw.prepare("SELECT count(*) AS n FROM schema_version").get()).toEqual({ n: MIGRATIONS.length });
    raw.close();
    store = openStore(join(dir, "nested", "rtlgym.db"));
  });

  it("refuses a database from a newer rtlgym", () => {
    store.close();
    const raw = new Database(join(dir, "nested", "rtlgym.db"));
    raw.prepare("INSERT INTO schema_version (version, applied_at) VALUES (999, 'x')").run();
    raw.close();
    expect(() => openStore(join(dir, "nested", "rtlgym.db"))).toThrow(/schema version 999/);
    store = openStore(join(dir, "other.db"));
  });

  it("refuses a file that is not a database", () => {
    writeFileSync(
      join(dir, "junk.db"),
      "this is not sqlite, just text that is long enough to have a header".repeat(10),
    );
    expect(() => openStore(join(dir, "junk.db"))).toThrow(/cannot open the rtlgym database/);
  });
});

describe("runs", () => {
  it("creates runs with a timestamped id and lists them newest first, filtered by suite", () => {
    expect(newRunId(new Date("2026-11-22T10:31:05.123Z"))).toMatch(/^2026-11-22T10-31-05-[0-9a-f]{4}$/);
    const a = store.createRun({ ...base, createdAt: "2026-11-22T10:00:00.000Z" });
    const b = store.createRun({ ...base, suite: "rtllm", createdAt: "2026-11-22T11:00:00.000Z" });
    const c = store.createRun({ ...base, kind: "eval", createdAt: "2026-11-22T09:00:00.000Z" });
    expect(a.id).toMatch(/^2026-11-22T10-00-00-[0-9a-f]{4}$/);
    expect(a.status).toBe("running");
    expect(a.params).toEqual(base.params);
    expect(store.listRuns().map((r) => r.id)).toEqual([b.id, a.id, c.id]);
    expect(store.listRuns({ limit: 2 }).map((r) => r.id)).toEqual([b.id, a.id]);
    expect(store.listRuns({ suite: "verilog-eval-v2" }).map((r) => r.id)).toEqual([a.id, c.id]);
    expect(store.listRuns({ kind: "eval" }).map((r) => r.id)).toEqual([c.id]);
  });

  it("finishes a run with a validated summary, and deletes it with its samples", () => {
    const run = store.createRun(base);
    store.putGeneration(run.id, "p1", 0, { prompt: "x", raw: "r", code: "c" });
    store.finishRun(run.id, summary(run.id), "done");
    const got = store.getRun(run.id);
    expect(got?.status).toBe("done");
    expect(got?.finishedAt).not.toBeNull();
    expect(got?.summary?.passAtK).toEqual({ "1": 0.5 });
    expect(store.deleteRun(run.id)).toBe(true);
    expect(store.getRun(run.id)).toBeUndefined();
    expect(store.samplesOf(run.id)).toEqual([]);
    expect(store.deleteRun(run.id)).toBe(false);
  });

  it("finds the resumable run by suite, model and params (key order does not matter)", () => {
    const done = store.createRun({ ...base, createdAt: "2026-11-22T08:00:00.000Z" });
    store.finishRun(done.id, null, "done");
    const killed = store.createRun({ ...base, createdAt: "2026-11-22T09:00:00.000Z" });
    store.createRun({ ...base, params: { ...base.params, seed: 2 }, createdAt: "2026-11-22T10:00:00.000Z" });
    const reordered = {
      verify: { engine: "sim" },
      sampling: { top_p: 0.95, temperature: 0.8 },
      seed: 1,
      ks: [1],
      n: 3,
    };
    expect(store.findResumableRun({ ...base, params: reordered })?.id).toBe(killed.id);
    expect(store.findResumableRun({ ...base, model: "other" })).toBeUndefined();
    store.finishRun(killed.id, null, "failed");
    expect(store.findResumableRun(base)?.id).toBe(killed.id);
    store.reopenRun(killed.id);
    expect(store.getRun(killed.id)?.status).toBe("running");
    expect(store.getRun(killed.id)?.finishedAt).toBeNull();
  });
});

describe("samples and resume", () => {
  it("a run killed mid-way loses nothing it wrote; resume lists exactly what is missing and unscored", async () => {
    const path = join(dir, "kill.db");
    const child = join(dir, "child.ts");
    // A separate process writes, then is SIGKILLed without closing the database.
    writeFileSync(
      child,
      `import { openStore } from ${JSON.stringify(pathToFileURL(STORE_MODULE).href)};
const store = openStore(${JSON.stringify(path)});
const run = store.createRun(${JSON.stringify({ ...base, id: "2026-11-22T10-31-05-a1b2" })});
const scores = ${JSON.stringify([score("p1", 0), score("p1", 1, "fail")])};
store.putGenerations(run.id, [0, 1, 2].map((sample) => ({ problem: "p1", sample, prompt: [{ role: "user", content: "write p1" }], raw: "module m; endmodule", code: "module m; endmodule" })));
store.putScore(run.id, "p1", 0, scores[0]);
store.putScores(run.id, [scores[1]]);
store.putGeneration(run.id, "p2", 0, { prompt: "write p2", raw: "<script>", code: null });
store.putGeneration(run.id, "p2", 1, { prompt: "write p2", raw: null, code: null, error: "HTTP 500" });
process.stdout.write("written\\n");
setInterval(() => {}, 1000);
`,
    );
    const proc = spawn(process.execPath, ["--import", "tsx", child], { stdio: ["ignore", "pipe", "inherit"] });
    await new Promise<void>((done, fail) => {
      proc.stdout.on("data", (b: Buffer) => {
        if (b.toString().includes("written")) {
          proc.kill("SIGKILL");
          done();
        }
      });
      proc.on("exit", (code, signal) => signal !== "SIGKILL" && fail(new Error(`child exited ${code}`)));
    });
    await new Promise((r) => proc.on("close", r));

    const s = openStore(path);
    try {
      const id = "2026-11-22T10-31-05-a1b2";
      expect(s.getRun(id)?.status).toBe("running");
      expect(s.doneSamples(id)).toEqual([
        { problem: "p1", sample: 0 },
        { problem: "p1", sample: 1 },
      ]);
      const pending = s.pendingSamples(id);
      expect(pending.map((p) => [p.problem, p.sample])).toEqual([
        ["p1", 2],
        ["p2", 0],
      ]);
      expect(pending[0]?.prompt).toEqual([{ role: "user", content: "write p1" }]);
      expect(pending[1]?.raw).toBe("<script>");
      expect(pending[1]?.code).toBeNull();
      // p2#1 failed to generate: it is missing, like p2#2 and all of p3.
      expect(s.missingSamples(id, ["p1", "p2", "p3"], 3)).toEqual([
        { problem: "p2", sample: 1 },
        { problem: "p2", sample: 2 },
        { problem: "p3", sample: 0 },
        { problem: "p3", sample: 1 },
        { problem: "p3", sample: 2 },
      ]);
      expect(s.samplesOf(id).find((x) => x.sample === 1 && x.problem === "p2")?.error).toBe("HTTP 500");
      expect(s.scoresOf(id).map((x) => x.status)).toEqual(["pass", "fail"]);
    } finally {
      s.close();
    }
  });

  it("regenerating a sample clears its stale score", () => {
    const run = store.createRun(base);
    store.putGeneration(run.id, "p1", 0, { prompt: "x", raw: "r1", code: "c1" });
    store.putScore(run.id, "p1", 0, score("p1", 0));
    store.putGeneration(run.id, "p1", 0, { prompt: "x", raw: "r2", code: "c2" });
    const [row] = store.samplesOf(run.id);
    expect(row?.raw).toBe("r2");
    expect(row?.score).toBeNull();
    expect(store.pendingSamples(run.id)).toHaveLength(1);
  });

  it("batches are atomic: one bad score writes none", () => {
    const run = store.createRun(base);
    store.putGenerations(run.id, [
      { problem: "p1", sample: 0, prompt: "x", raw: "r", code: "c" },
      { problem: "p1", sample: 1, prompt: "x", raw: "r", code: "c" },
    ]);
    expect(() => store.putScores(run.id, [score("p1", 0), score("p1", 7)])).toThrow(/no generated sample p1#7/);
    expect(store.doneSamples(run.id)).toEqual([]);
  });

  it("rejects bad input on write", () => {
    const run = store.createRun(base);
    store.putGeneration(run.id, "p1", 0, { prompt: "x", raw: "r", code: "c" });
    const bad = { ...score("p1", 0), status: "great" } as unknown as SampleScore;
    expect(() => store.putScore(run.id, "p1", 0, bad)).toThrow(BadInputError);
    expect(() => store.putScore(run.id, "p1", 1, score("p1", 0))).toThrow(/stored as p1#1/);
    expect(() => store.putGeneration("nope", "p1", 0, { prompt: "x", raw: "r", code: "c" })).toThrow(/no run nope/);
    expect(() => store.putGeneration(run.id, "p1", -1, { prompt: "x", raw: "r", code: "c" })).toThrow(BadInputError);
    expect(() => store.finishRun(run.id, { ...summary(run.id), seed: 1.5 }, "done")).toThrow(BadInputError);
    expect(() => store.createRun({ ...base, params: { n: -1 } })).toThrow(BadInputError);
  });

  it("rejects JSON read back that does not match the schemas", () => {
    const run = store.createRun(base);
    store.putGeneration(run.id, "p1", 0, { prompt: "x", raw: "r", code: "c" });
    const raw = new Database(store.path);
    // Valid JSON (the CHECK constraint passes) of the wrong shape, as an older or foreign writer might leave.
    raw.prepare("UPDATE samples SET score = ? WHERE run_id = ?").run(JSON.stringify({ problem: "p1" }), run.id);
    raw.prepare("UPDATE runs SET summary = ? WHERE id = ?").run(JSON.stringify({ suite: 3 }), run.id);
    raw.close();
    expect(() => store.samplesOf(run.id)).toThrow(/samples.score does not match its schema/);
    expect(() => store.scoresOf(run.id)).toThrow(BadInputError);
    expect(() => store.getRun(run.id)).toThrow(/runs.summary does not match/);
    const raw2 = new Database(store.path);
    expect(() => raw2.prepare("UPDATE runs SET params = 'not json' WHERE id = ?").run(run.id)).toThrow(/CHECK/);
    raw2.close();
  });
});

describe("open-ended run kinds", () => {
  it("records any lowercase kind (and a cancelled status), and refuses names that are not kinds", () => {
    const search = store.createRun({ ...base, kind: "search", createdAt: "2026-11-22T12:00:00.000Z" });
    const train = store.createRun({ ...base, kind: "train-sft", createdAt: "2026-11-22T13:00:00.000Z" });
    store.createRun({ ...base, createdAt: "2026-11-22T11:00:00.000Z" });
    expect(store.listRuns({ kind: "search" }).map((r) => r.id)).toEqual([search.id]);
    expect(store.getRun(train.id)?.kind).toBe("train-sft");
    store.finishRun(train.id, null, "cancelled");
    expect(store.getRun(train.id)?.status).toBe("cancelled");
    // A cancelled run was stopped on request: it is not picked up again.
    expect(store.findResumableRun({ ...base, kind: "train-sft" })).toBeUndefined();
    for (const kind of ["", "Search", "a b", "x".repeat(33), "1run"])
      expect(() => store.createRun({ ...base, kind }), kind).toThrow(BadInputError);
  });
});

describe("a database created by schema version 1", () => {
  // The exact statements rtlgym shipped as version 1 (kept verbatim in MIGRATIONS), run by hand as an old
  // rtlgym did, with rows of every shape; then the current openStore must read them and migrate.
  function oldDatabase(path: string): void {
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    db.exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    db.exec((MIGRATIONS[0] as { sql: string }).sql);
    db.prepare("INSERT INTO schema_version (version, applied_at) VALUES (1, '2026-11-01T00:00:00.000Z')").run();
    const run = db.prepare(
      `INSERT INTO runs (id, suite, suite_revision, model, endpoint, kind, params, status, created_at, finished_at,
       summary) VALUES (?, 'verilog-eval-v2', 'abc123', 'm', NULL, ?, ?, ?, ?, ?, ?)`,
    );
    run.run("old-done", "run", JSON.stringify(base.params), "done", "2026-11-01T10:00:00.000Z", "x", null);
    run.run("old-eval", "eval", "{}", "failed", "2026-11-01T11:00:00.000Z", "x", null);
    run.run("old-audit", "audit", "{}", "running", "2026-11-01T12:00:00.000Z", null, null);
    db.prepare("UPDATE runs SET summary = ? WHERE id = 'old-done'").run(JSON.stringify(summary("old-done")));
    const sample = db.prepare(
      `INSERT INTO samples (run_id, problem, sample, prompt, raw, code, score, error, generated_at, scored_at)
       VALUES (?, ?, ?, '"write it"', 'r', 'c', ?, NULL, '2026-11-01T10:00:00.000Z', ?)`,
    );
    sample.run("old-done", "p1", 0, JSON.stringify(score("p1", 0)), "2026-11-01T10:00:01.000Z");
    sample.run("old-done", "p1", 1, JSON.stringify(score("p1", 1, "fail")), "2026-11-01T10:00:01.000Z");
    sample.run("old-eval", "p2", 0, null, null);
    // The old schema refused any other kind: the reason for version 2.
    expect(() => run.run("x", "search", "{}", "running", "2026-11-01T13:00:00.000Z", null, null)).toThrow(/CHECK/);
    db.close();
  }

  it("opens, migrates to the latest version, and reads every run and sample as before", () => {
    const path = join(dir, "old.db");
    oldDatabase(path);
    const old = openStore(path);
    try {
      expect(old.schemaVersion()).toBe(MIGRATIONS.at(-1)?.version);
      expect(old.listRuns().map((r) => [r.id, r.kind, r.status])).toEqual([
        ["old-audit", "audit", "running"],
        ["old-eval", "eval", "failed"],
        ["old-done", "run", "done"],
      ]);
      expect(old.getRun("old-done")?.summary?.passAtK).toEqual({ "1": 0.5 });
      expect(old.scoresOf("old-done").map((s) => [s.problem, s.sample, s.status])).toEqual([
        ["p1", 0, "pass"],
        ["p1", 1, "fail"],
      ]);
      expect(old.pendingSamples("old-eval").map((s) => s.problem)).toEqual(["p2"]);
      expect(old.findResumableRun({ ...base, model: "m", endpoint: null, kind: "eval", params: {} })?.id).toBe(
        "old-eval",
      );
      // New kinds now fit, and samples still belong to their runs (the foreign key survived the table rebuild).
      expect(old.createRun({ ...base, kind: "search" }).kind).toBe("search");
      expect(() => old.putGeneration("no-such-run", "p", 0, { prompt: "x", raw: "r", code: "c" })).toThrow(
        /no run no-such-run/,
      );
      expect(old.deleteRun("old-done")).toBe(true);
      expect(old.samplesOf("old-done")).toEqual([]);
      expect(old.samplesOf("old-eval")).toHaveLength(1);
    } finally {
      old.close();
    }
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare("SELECT version FROM schema_version ORDER BY version").all()).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version })),
    );
    expect(raw.pragma("foreign_key_check")).toEqual([]);
    expect(
      (
        raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'runs'").all() as {
          name: string;
        }[]
      )
        .map((r) => r.name)
        .filter((n) => !n.startsWith("sqlite_"))
        .sort(),
    ).toEqual(["runs_by_created", "runs_by_kind", "runs_by_suite"]);
    raw.close();
  });

  it("leaves the training tables of the same file alone", () => {
    const path = join(dir, "shared.db");
    oldDatabase(path);
    const train = openTrainStore(path);
    const id = train.startRun({ kind: "sft", data: "d", out: "o", preset: "p", seed: 1, base: null, lora: false });
    train.close();
    openStore(path).close();
    const again = openTrainStore(path);
    expect(again.getRun(id)?.kind).toBe("sft");
    again.close();
  });
});
