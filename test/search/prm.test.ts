import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../../src/llm/index.js";
import { createPrmClient, openSearchStore } from "../../src/search/index.js";
import { buildStepData } from "../../src/search/step-data.js";
import { labelSteps } from "../../src/search/step-labels.js";
import { servePrm, trainPrm } from "../../src/train/prm.js";
import { findPython } from "../../src/train/python.js";
import { rtlgym, rtlgymStdout } from "../helpers/cli.js";
import { type FakeOpenAI, type FakeRequest, startFakeOpenAI } from "../helpers/fake-openai.js";
import { H2, TINY, twoOutputTask } from "../helpers/tiny-model.js";

/*
 * The StepPRM plumbing end to end, small: steps from two solutions, Math-Shepherd labels from a scripted endpoint,
 * a PRM trained for a few steps on a tiny random model, served, and called by `rtlgym search --prm DIR`.
 */

const run = promisify(execFile);

const task = twoOutputTask;

/** Rollouts: the right `z` for one problem, a wrong one for the other; whole answers for search: AND/OR. */
function respond(req: FakeRequest): string[] {
  const text = req.prompt ?? "";
  if (text.includes("Problem p1")) return ["\n  assign z = a | b;\nendmodule\n", "\n  assign z = a;\nendmodule\n"];
  if (text.includes("Problem p2")) return ["\n  assign z = a;\nendmodule\n"];
  if (req.stop?.includes("\n"))
    return text.endsWith(`${H2}\n`) ? ["  assign y = a & b;", "  assign y = a;"] : ["endmodule"];
  return ["  assign y = a & b;\n  assign z = a | b;\nendmodule\n", "  assign y = a;\n  assign z = b;\nendmodule\n"];
}

let dir = "";
let server: FakeOpenAI;
let base = "";

beforeAll(async () => {
  // This checkout's rtlgym_train first (the shared venv may hold another checkout's editable install).
  process.env.PYTHONPATH = [join(import.meta.dirname, "..", "..", "adapters", "python"), process.env.PYTHONPATH]
    .filter(Boolean)
    .join(":");
  dir = await mkdtemp(join(tmpdir(), "rtlgym-prm-"));
  server = await startFakeOpenAI({ respond });
  base = join(dir, "base");
  await run(findPython(), ["-c", TINY, base], { timeout: 120_000 });
  await mkdir(join(dir, "tasks"));
  await writeFile(
    join(dir, "tasks", "problems.jsonl"),
    [task("p1", "a & b", "a | b"), task("p2", "a ^ b", "~b")].map((p) => `${JSON.stringify(p)}\n`).join(""),
  );
}, 120_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("StepPRM plumbing", () => {
  it("labels steps, trains a PRM on them, serves it, and search calls it", async () => {
    await buildStepData({ input: join(dir, "tasks"), out: join(dir, "steps"), verify: { engine: "sim", seed: 1 } });
    const labels = await labelSteps({
      steps: join(dir, "steps"),
      out: join(dir, "labels"),
      client: createClient({ baseUrl: server.url, model: "fake", api: "completions", retries: 0 }),
      model: "fake",
      rollouts: 2,
      promptStyle: "rtlgym",
      temperature: 0.8,
      maxTokens: 128,
      seed: 1,
      verify: { engine: "sim", seed: 1 },
    });
    expect(labels).toMatchObject({ trajectories: 2, steps: 4, hardRate: 0.5, meanSoft: 0.25 });

    const events: string[] = [];
    const summary = await trainPrm({
      data: join(dir, "labels"),
      base,
      out: join(dir, "prm"),
      label: "mix",
      epochs: 3,
      learningRate: 1e-3,
      maxLength: 512,
      evalFraction: 0,
      seed: 0,
      threads: 1,
      onEvent: (e) => events.push(e.event),
    });
    expect(summary).toMatchObject({ event: "done", rows: 2, steps: 6, label: "mix", stopped: "steps" });
    expect(events[0]).toBe("start");
    expect(events).toContain("step");
    expect(summary.train?.steps).toBe(4);
    expect(existsSync(join(dir, "prm", "rtlgym_prm.json"))).toBe(true);
    // Several label sets trained on together (`--data` takes more than one; a folder or its prm.jsonl).
    const both = await rtlgymStdout(
      ["train", "prm", "--data", join(dir, "labels"), join(dir, "labels", "prm.jsonl"), "--base", base]
        .concat(["--out", join(dir, "prm-both"), "--max-steps", "1", "--eval-fraction", "0", "--threads", "1"])
        .concat(["--json", "--quiet"]),
      { timeoutMs: 180_000 },
    );
    expect(JSON.parse(both)).toMatchObject({ event: "done", rows: 4, steps: 1 });
    const none = await rtlgym(["train", "prm", "--data", join(dir, "nope"), "--base", base, "--out", join(dir, "x")]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/nope: no prm.jsonl/);

    const served = await servePrm({ model: join(dir, "prm"), port: 0, threads: 1 });
    try {
      const rows = (await readFile(join(dir, "labels", "prm.jsonl"), "utf8")).trim().split("\n");
      const row = JSON.parse(rows[0] as string) as { prompt: string; completions: string[] };
      const res = await fetch(served.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ prompt: row.prompt, steps: row.completions }),
      });
      const answer = (await res.json()) as { scores: number[]; score: number };
      expect(answer.scores).toHaveLength(2);
      for (const s of answer.scores) expect(s).toBeGreaterThanOrEqual(0);
      for (const s of answer.scores) expect(s).toBeLessThanOrEqual(1);
      const client = createPrmClient(served.url);
      const p1 = task("p1", "a & b", "a | b");
      expect(await client.score(p1, row.prompt, row.completions)).toBeCloseTo(answer.score, 6);
    } finally {
      await served.close();
    }

    const db = join(dir, "runs.db");
    const stdout = await rtlgymStdout(
      [
        "search",
        "--suite",
        "tasks",
        "--data",
        join(dir, "tasks"),
        "--endpoint",
        server.url,
        "--model",
        "fake-model",
        "--strategy",
        "best-of-n,mcts",
        "--budget-calls",
        "4",
        "--engine",
        "sim",
        "--prm",
        join(dir, "prm"),
        "--prm-threads",
        "1",
        "--problems",
        "p1",
        "--db",
        db,
        "--json",
        "--quiet",
      ],
      { timeoutMs: 180_000 },
    );
    const result = JSON.parse(stdout) as { runId: string; results: Array<{ strategy: string; prm: boolean }> };
    expect(result.results.map((r) => [r.strategy, r.prm])).toEqual([
      ["best-of-n", true],
      ["mcts", true],
    ]);
    const store = openSearchStore(db);
    try {
      const scored = store.nodes(result.runId, "mcts", "p1").filter((n) => typeof n.info.prm === "number");
      expect(scored.length).toBeGreaterThan(0);
      for (const n of store.nodes(result.runId, "best-of-n", "p1").filter((x) => x.kind === "sample")) {
        expect(typeof n.info.prm).toBe("number");
      }
    } finally {
      store.close();
    }
  }, 300_000);
});
