import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Problem } from "../../src/contracts/bench.js";
import { openSearchStore } from "../../src/search/index.js";
import { cli as rtlgym } from "../helpers/cli.js";
import { type FakeOpenAI, type FakeRequest, startFakeOpenAI } from "../helpers/fake-openai.js";

const HEADER = "module TopModule (\n  input a,\n  input b,\n  output y\n);";
const problem = (id: string, op: string, word: string): Problem & Record<string, unknown> => ({
  suite: "tasks",
  id,
  task: "spec-to-rtl",
  prompt: `Output y is the ${word} of a and b.`,
  header: HEADER,
  reference: `${HEADER}\n  assign y = a ${op} b;\nendmodule\n`,
  refTop: "TopModule",
  candTop: "TopModule",
  tags: [],
});

/** Line steps: first line AND, OR or broken, then `endmodule`; whole answers: the AND design. */
function respond(req: FakeRequest): string[] {
  const text = req.prompt ?? "";
  const body = text.slice(text.lastIndexOf(HEADER) + HEADER.length + 1);
  if (!(req.stop?.includes("\n") ?? false)) return ["  assign y = a & b;\nendmodule\n"];
  return body === "" ? ["  assign y = a & b;", "  assign y = a | b;", "  assign y = (a;"] : ["endmodule"];
}

let dir = "";
let server: FakeOpenAI;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rtlgym-search-cli-"));
  await mkdir(join(dir, "eval"));
  await writeFile(
    join(dir, "eval", "problems.jsonl"),
    `${JSON.stringify(problem("and2", "&", "AND"))}\n${JSON.stringify(problem("xor2", "^", "XOR"))}\n`,
  );
  // A one-row train split for retrieval: an OR gate (never the problem itself).
  await mkdir(join(dir, "corpus", "train"), { recursive: true });
  await writeFile(
    join(dir, "corpus", "train", "problems.jsonl"),
    `${JSON.stringify({ ...problem("or2", "|", "OR"), meta: { split: "train" } })}\n`,
  );
  server = await startFakeOpenAI({ respond });
});

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("rtlgym search", () => {
  it("runs every strategy at the same budget, prints a JSON summary and stores every tree", async () => {
    const db = join(dir, "runs.db");
    const r = await rtlgym(
      "search",
      "--suite",
      "tasks",
      "--data",
      join(dir, "eval"),
      "--endpoint",
      server.url,
      "--model",
      "fake-model",
      "--strategy",
      "sample,best-of-n,beam,mcts",
      "--budget-calls",
      "4",
      "--engine",
      "sim",
      "--retrieve",
      "1",
      "--corpus",
      join(dir, "corpus"),
      "--db",
      db,
      "--json",
    );
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as {
      runId: string;
      results: Array<{
        strategy: string;
        retrieval: number;
        budget: { calls: number };
        "pass@1": number;
        calls: number;
      }>;
    };
    expect(summary.results.map((x) => x.strategy)).toEqual(["sample", "best-of-n", "beam", "mcts"]);
    for (const x of summary.results) {
      expect(x.retrieval).toBe(1);
      expect(x.budget.calls).toBe(4);
      expect(x.calls).toBeLessThanOrEqual(8);
    }
    // The scripted model always writes AND: right for and2, wrong for xor2.
    const byStrategy = Object.fromEntries(summary.results.map((x) => [x.strategy, x["pass@1"]]));
    expect(byStrategy).toEqual({ sample: 0.5, "best-of-n": 0.5, beam: 0.5, mcts: 0.5 });
    // The retrieved example is in the prompt, renamed.
    expect(server.requests.every((q) => q.prompt?.includes("Example 1:\nOutput y is the OR of a and b."))).toBe(true);
    expect(server.requests.every((q) => q.prompt?.includes("module Example1"))).toBe(true);

    const store = openSearchStore(db);
    try {
      const nodes = store.nodes(summary.runId, "mcts", "and2");
      expect(nodes.length).toBeGreaterThan(3);
      expect(nodes.filter((n) => n.info.chosen === true)).toHaveLength(1);
      expect(store.getRun(summary.runId)?.status).toBe("done");
    } finally {
      store.close();
    }

    const shown = await rtlgym("search", "show", summary.runId, "--db", db, "--strategy", "mcts", "--problem", "and2");
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^mcts and2: pass=1 pass/);
    expect(shown.stdout).toContain('"  assign y = a & b;\\n"');
    const html = join(dir, "tree.html");
    const page = await rtlgym("search", "show", summary.runId, "--db", db, "--problem", "and2", "--html", html);
    expect(page.code).toBe(0);
    const text = await readFile(html, "utf8");
    expect(text).toContain('class="chosen');
    expect(text).toContain("assign y = a &amp; b;");
    const list = await rtlgym("search", "show", summary.runId, "--db", db, "--json");
    expect((JSON.parse(list.stdout) as { problems: unknown[] }).problems).toHaveLength(8);
  });

  it("rejects bad input with a clear message", async () => {
    const data = join(dir, "eval");
    const base = ["search", "--suite", "tasks", "--data", data, "--endpoint", server.url, "--model", "fake-model"];
    const strategy = await rtlgym(...base, "--strategy", "greedy");
    expect(strategy.code).not.toBe(0);
    expect(strategy.stderr).toContain("unknown --strategy greedy");
    const chat = await rtlgym(...base, "--strategy", "mcts", "--api", "chat");
    expect(chat.stderr).toContain("use --api completions");
    const heldout = await rtlgym(...base, "--retrieve", "1", "--corpus", data);
    expect(heldout.stderr).toContain("not a training split");
    const expand = await rtlgym(...base, "--strategy", "mcts", "--expand", "greedy");
    expect(expand.code).toBe(2);
    expect(expand.stderr).toContain("--expand must be step or rollout, got greedy");
    const select = await rtlgym(...base, "--select", "best");
    expect(select.code).toBe(2);
    expect(select.stderr).toContain("--select must be rank or vote, got best");
    const voteAlone = await rtlgym(...base, "--select", "vote", "--no-consistency");
    expect(voteAlone.code).toBe(2);
    expect(voteAlone.stderr).toContain("cannot be combined with --no-consistency");
  });
});
