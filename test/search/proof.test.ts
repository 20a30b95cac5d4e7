import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSuite } from "../../src/bench/suites/registry.js";
import { parseVariant, runProof, StepPrmProofConfig, shareStages } from "../../src/cli/search-proof.js";
import type { Problem } from "../../src/contracts/bench.js";
import { createClient } from "../../src/llm/index.js";
import { openSearchStore, runSearch } from "../../src/search/index.js";
import { templatedPrompt } from "../../src/search/template.js";
import { readConfigFile } from "../../src/train/config.js";
import { findPython } from "../../src/train/python.js";
import { type FakeOpenAI, type FakeRequest, startFakeOpenAI } from "../helpers/fake-openai.js";
import { H2, TINY, twoOutputTask } from "../helpers/tiny-model.js";

/*
 * The StepPRM proof's plumbing: the recipe schema, search with a ChatML prompt and trimmed requests on a scripted
 * endpoint, and `runProof` (steps, labels, PRM, every variant) end to end on that endpoint with a tiny random PRM base.
 */

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");

const task = twoOutputTask;

/** Requests that broke the trimmed protocol (prompt ending in whitespace, or a line end as a stop). */
const broken: string[] = [];

/**
 * The model's side: it knows problem p1 (and the train tasks) and writes its line ends itself; on p2 it is wrong.
 * Every request must be a ChatML prompt ending at a visible character.
 */
function respond(req: FakeRequest): string[] {
  if (req.endpoint === "chat") {
    // Its answers to train problems (the proof's `answers` stage, sampled like `bench run`): on t1 a failing answer
    // and a passing one, on t2 a failing one.
    const user = req.messages?.map((m) => m.content).join("\n") ?? "";
    const answer = (y: string, z: string) =>
      `\`\`\`verilog\n${H2}\n  assign y = ${y};\n  assign z = ${z};\nendmodule\n\`\`\``;
    return user.includes("Problem t1") ? [answer("a & b", "a"), answer("a & b", "a | b")] : [answer("a", "b")];
  }
  const text = req.prompt ?? "";
  if (!text.startsWith("<|im_start|>system\n")) broken.push(`not ChatML: ${text.slice(0, 40)}`);
  if (/\s$/.test(text)) broken.push(`ends in whitespace: ${JSON.stringify(text.slice(-20))}`);
  if (req.stop?.includes("\n")) broken.push("line end as a stop");
  if (!req.stop?.includes("<|im_end|>")) broken.push("no <|im_end|> stop");
  const wrong = text.includes("Problem p2");
  const y = wrong ? "a" : "a & b";
  const z = wrong ? "b" : "a | b";
  if (text.endsWith(`assign z = ${z};`) || text.endsWith("assign z = a | b;")) return ["\nendmodule\n```"];
  if (text.endsWith("assign y = a & b;") || text.endsWith(`assign y = ${y};`))
    return [`\n  assign z = ${z};\nendmodule\n\`\`\``];
  if (text.endsWith(");"))
    return [
      `\n  assign y = ${y};\n  assign z = ${z};\nendmodule\n\`\`\``,
      "\n  assign y = a;\n  assign z = b;\nendmodule\n```",
    ];
  return ["\nendmodule\n```"];
}

let dir = "";
let server: FakeOpenAI;
let base = "";

beforeAll(async () => {
  process.env.PYTHONPATH = [join(ROOT, "adapters", "python"), process.env.PYTHONPATH].filter(Boolean).join(":");
  dir = await mkdtemp(join(tmpdir(), "rtlgym-proof-"));
  server = await startFakeOpenAI({ respond });
  const tasks = join(dir, "tasks");
  await mkdir(join(tasks, "train"), { recursive: true });
  await mkdir(join(tasks, "heldout-params"), { recursive: true });
  const jsonl = (ps: Problem[]) => ps.map((p) => `${JSON.stringify(p)}\n`).join("");
  await writeFile(
    join(tasks, "train", "problems.jsonl"),
    jsonl([task("t1", "a & b", "a | b"), task("t2", "a | b", "a & b")]),
  );
  await writeFile(
    join(tasks, "heldout-params", "problems.jsonl"),
    jsonl([task("p1", "a & b", "a | b"), task("p2", "a ^ b", "~b")]),
  );
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("the StepPRM recipe file", () => {
  it("reads recipes/stepprm/testbed.yaml with its sizes and defaults", () => {
    const c = readConfigFile(join(ROOT, "recipes", "stepprm", "testbed.yaml"), StepPrmProofConfig);
    expect(c).toMatchObject({
      recipe: "stepprm",
      chatTemplate: "chatml",
      labels: { trajectories: 200, rollouts: 4, minSteps: 2 },
      search: {
        split: "heldout-params",
        limit: 200,
        budgetCalls: 8,
        retrieve: [0, 1],
        trimWhitespace: true,
        expansion: "rollout",
        select: "vote",
      },
    });
    expect(c.search.variants).toEqual(["sample", "best-of-n+prm", "best-of-n+signals", "mcts+prm"]);
  });

  it("refuses unknown keys and variants, and parses variants", () => {
    const ok = { model: "m", tasks: "t", out: "o" };
    expect(StepPrmProofConfig.safeParse(ok).success).toBe(true);
    expect(StepPrmProofConfig.safeParse({ ...ok, search: { variants: ["mcts+oracle"] } }).success).toBe(false);
    expect(StepPrmProofConfig.safeParse({ ...ok, labels: { rollout: 4 } }).success).toBe(false);
    expect(StepPrmProofConfig.safeParse({ ...ok, search: { select: "vote" } }).success).toBe(true);
    expect(StepPrmProofConfig.safeParse({ ...ok, search: { select: "vote", consistency: false } }).success).toBe(false);
    // Unset, it stays out of the search settings, so earlier runs' stage keys still match.
    expect(StepPrmProofConfig.parse({ ...ok, search: {} }).search).not.toHaveProperty("select");
    expect(parseVariant("mcts+prm")).toEqual({ name: "mcts+prm", strategy: "mcts", value: "inference", prm: true });
    expect(parseVariant("best-of-n+signals")).toMatchObject({ strategy: "best-of-n", value: "signals", prm: false });
    expect(() => parseVariant("greedy")).toThrow(/unknown search variant/);
  });
});

describe("search with --chat-template chatml and trimmed requests", () => {
  it("renders ChatML once, ends every request at a visible character and builds the design from line steps", async () => {
    const p1 = task("p1", "a & b", "a | b");
    const prompt = templatedPrompt(p1, "rtlgym", "chatml");
    expect(prompt.prompt.endsWith("<|im_start|>assistant\n")).toBe(true);
    expect(prompt.prefill).toContain("```verilog");
    expect(prompt.scored).not.toContain("<|im_start|>");

    broken.length = 0;
    const suite = await loadSuite("tasks", join(dir, "tasks", "heldout-params"));
    const db = join(dir, "chatml.db");
    const store = openSearchStore(db);
    try {
      const summary = await runSearch({
        suite,
        problems: suite.problems,
        client: createClient({ baseUrl: server.url, model: "fake", api: "completions", retries: 0 }),
        endpoint: server.url,
        model: "fake",
        api: "completions",
        promptStyle: "rtlgym",
        chatTemplate: "chatml",
        strategies: ["sample", "mcts"],
        budget: { calls: 4 },
        sampling: { seed: 1, temperature: 0.8 },
        step: { mode: "line", tokens: 32, trim: true },
        maxTokens: 256,
        maxDepth: 16,
        tree: { width: 2, beam: 2, c: 1 },
        terminalReward: "inference",
        value: "inference",
        consistency: true,
        verify: { engine: "sim", seed: 1 },
        store,
        concurrency: 1,
      });
      expect(broken).toEqual([]);
      const byStrategy = Object.fromEntries(summary.results.map((r) => [r.strategy, r["pass@1"]]));
      // sample: p1 half its samples, p2 none; mcts: p1's first line step then the rest of its design.
      expect(byStrategy.sample).toBeCloseTo(0.25, 6);
      expect(byStrategy.mcts).toBe(0.5);
      const nodes = store.nodes(summary.runId, "mcts", "p1");
      const steps = nodes.filter((n) => n.kind === "step");
      expect(steps.length).toBeGreaterThan(0);
      for (const n of steps.filter((x) => !x.terminal)) {
        expect(n.step.startsWith("\n")).toBe(true);
        expect(/\s$/.test(n.prefix)).toBe(false);
      }
      const chosen = store.problems(summary.runId, "mcts").find((p) => p.problem === "p1");
      expect(chosen?.code).toContain("assign y = a & b;\n  assign z = a | b;\nendmodule");
    } finally {
      store.close();
    }
  }, 120_000);
});

describe("runProof", () => {
  it("runs steps, labels, the PRM and every variant, then reuses the finished stages", async () => {
    // The PRM's base: a tiny random causal LM (the scripted endpoint plays the SFT model).
    base = join(dir, "base");
    await run(findPython(), ["-c", TINY, base], { timeout: 300_000 });
    broken.length = 0;
    const config = StepPrmProofConfig.parse({
      model: base,
      tasks: join(dir, "tasks"),
      out: join(dir, "proof"),
      endpoint: server.url,
      modelName: "fake",
      threads: 1,
      steps: { slices: false },
      labels: { trajectories: 2, rollouts: 2, maxTokens: 128 },
      prm: { epochs: 1, maxSteps: 4, evalFraction: 0, learningRate: 1e-3, maxLength: 512 },
      search: {
        variants: ["sample", "best-of-n+signals", "mcts+prm"],
        retrieve: [0, 1],
        budgetCalls: 4,
        width: 2,
        maxTokens: 256,
        concurrency: 1,
      },
    });
    const db = join(dir, "proof.db");
    const logs: string[] = [];
    const first = await runProof({ config, db, onLog: (m) => logs.push(m) });
    expect(broken).toEqual([]);
    expect(first.problems).toBe(2);
    expect(first.steps).toMatchObject({ trajectories: 2 });
    expect(first.labels).toMatchObject({ trajectories: 2, rollouts: 2 });
    expect(first.prm).toMatchObject({ event: "done", label: "hard" });
    expect(first.results.map((r) => [r.variant, r.strategy, r.retrieval, r.value, r.prm])).toEqual([
      ["sample", "sample", 0, "inference", false],
      ["best-of-n+signals", "best-of-n", 0, "signals", false],
      ["mcts+prm", "mcts", 0, "inference", true],
      ["sample", "sample", 1, "inference", false],
      ["best-of-n+signals", "best-of-n", 1, "signals", false],
      ["mcts+prm", "mcts", 1, "inference", true],
    ]);
    for (const r of first.results) {
      expect(r.budget).toEqual({ calls: 4 });
      expect(r.calls).toBeLessThanOrEqual(8);
      expect(r.errors).toBe(0);
    }
    // best-of-n on the per-signal score picks p1's right sample; p2 has none.
    expect(first.results[1]?.["pass@1"]).toBe(0.5);
    expect(first.target.map((t) => t.retrieval)).toEqual([0, 1]);
    expect(first.reused).toEqual([]);
    // Each long stage reports its progress, at least its last item.
    for (const line of ["steps: 2/2", "labels (trajectories): 2/2", "mcts+prm retrieve=1 (problems): 2/2"])
      expect(logs).toContain(line);
    expect(logs.some((l) => /^prm \(steps\): (\d+)\/\1$/.test(l))).toBe(true);
    const store = openSearchStore(db);
    try {
      const scored = store.nodes(first.results[2]?.runId as string, "mcts", "p1").filter((n) => "prm" in n.info);
      expect(scored.length).toBeGreaterThan(0);
      const retrieved = store.problems(first.results[3]?.runId as string, "sample");
      expect(retrieved.every((p) => (p.detail.retrieved as string[]).length === 1)).toBe(true);
    } finally {
      store.close();
    }

    const requests = server.requests.length;
    const again = await runProof({ config, db });
    expect(server.requests.length).toBe(requests);
    expect(again.reused).toHaveLength(3 + 6);
    expect(again.results).toEqual(first.results);
    await expect(runProof({ config: { ...config, labels: { ...config.labels, rollouts: 3 } }, db })).rejects.toThrow(
      /other settings/,
    );

    // Another seed on the first run's steps, labels and PRM (`--stages-from`): only its searches run.
    const seed2 = StepPrmProofConfig.parse({
      ...structuredClone(config),
      out: join(dir, "proof-s2"),
      seed: 2,
      search: { ...config.search, variants: ["sample", "mcts+prm"], retrieve: [0] },
    });
    expect(() => shareStages(seed2, join(dir, "tasks"))).toThrow(/no stepprm-stages.json/);
    shareStages(seed2, join(dir, "proof"));
    const before = server.requests.length;
    const second = await runProof({ config: seed2, db });
    expect(second.labels).toEqual({ from: join(dir, "proof", "labels") });
    expect(second.prm).toEqual({ from: join(dir, "proof", "prm") });
    expect(second.results.map((r) => [r.variant, r.retrieval])).toEqual([
      ["sample", 0],
      ["mcts+prm", 0],
    ]);
    expect(server.requests.length - before).toBeLessThanOrEqual(2 * 2 * 8); // searches only: 2 problems x 2 x budget

    // The model's own answers as trajectories too (`answers`): sampled, cut, labelled, and the PRM trained on both.
    const own = StepPrmProofConfig.parse({
      ...structuredClone(config),
      out: join(dir, "proof-own"),
      answers: { problems: 2, samples: 2, trajectories: 5 },
      search: { ...config.search, variants: ["mcts+prm"], retrieve: [0] },
    });
    const withAnswers = await runProof({ config: own, db });
    expect(withAnswers.answers).toMatchObject({
      samples: 4,
      passRate: 0.25,
      steps: { trajectories: 3, answers: { pass: 1, fail: 2 } },
      labels: { trajectories: 3 },
    });
    // Both label sets: the references' 2 rows and the answers' 3.
    expect(withAnswers.prm).toMatchObject({ event: "done", rows: 5 });
    const answerRows = (await readFile(join(dir, "proof-own", "answer-labels", "prm.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; labels: boolean[] });
    expect(answerRows.map((r) => [r.id, r.labels.at(-1)])).toEqual([
      ["t1#0", false],
      ["t1#1", true],
      ["t2#0", false],
    ]);
    expect(broken).toEqual([]);
    // A seed sharing a run's stages needs that run to have labelled answers too when its config has `answers`.
    const own2 = StepPrmProofConfig.parse({ ...structuredClone(own), out: join(dir, "proof-own-s2"), seed: 2 });
    expect(() => shareStages(own2, join(dir, "proof"))).toThrow(/no answers stage/);
    shareStages(own2, join(dir, "proof-own"));
    expect(own2.answers?.from).toBe(join(dir, "proof-own", "answer-labels"));
  }, 600_000);
});
