import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Problem } from "../../src/contracts/bench.js";
import { createClient } from "../../src/llm/index.js";
import {
  closeOff,
  closers,
  clusterByBehaviour,
  createPrmClient,
  DesignChecker,
  type ProblemOutcome,
  partialScore,
  type SearchContext,
  type Strategy,
  searchProblem,
  searchPrompt,
  splitContinuation,
  type TerminalReward,
  type ValueSignal,
} from "../../src/search/index.js";
import { type FakeOpenAI, type FakeRequest, startFakeOpenAI } from "../helpers/fake-openai.js";

const HEADER = "module TopModule (\n  input a,\n  input b,\n  output y\n);";
const problem: Problem = {
  suite: "tasks",
  id: "and2",
  task: "spec-to-rtl",
  prompt: "Output y is the AND of a and b.",
  header: HEADER,
  reference: `${HEADER}\n  assign y = a & b;\nendmodule\n`,
  refTop: "TopModule",
  candTop: "TopModule",
  tags: [],
};

/** The answer so far: what the request continues after the module header. */
function bodyOf(req: FakeRequest): string {
  const text = req.prompt ?? "";
  return text.slice(text.lastIndexOf(HEADER) + HEADER.length + 1);
}

/**
 * A scripted model. Line steps: the first line is one of three (OR, AND, a syntax error), then `endmodule`. Whole
 * answers (no newline stop): OR, broken, AND, AND written the other way round.
 */
function respond(req: FakeRequest): string[] {
  const lineStep = req.stop?.includes("\n") ?? false;
  if (!lineStep) {
    return [
      "  assign y = a | b;\nendmodule\n",
      "  assign y = (a;\nendmodule\n",
      "  assign y = a & b;\nendmodule\n",
      "  assign y = b & a;\nendmodule\n",
    ];
  }
  return bodyOf(req) === "" ? ["  assign y = a | b;", "  assign y = a & b;", "  assign y = (a;"] : ["endmodule"];
}

/**
 * A PRM endpoint scoring a request with `score(its steps joined)`, answering `{scores: [per step]}` or (`single`)
 * `{score}`, the two shapes the client reads; each request is kept in `seen`.
 */
async function startPrm(
  score: (text: string) => number,
  options: { seen?: unknown[]; single?: boolean } = {},
): Promise<{ url: string; server: http.Server }> {
  const prmServer = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const parsed = JSON.parse(body) as { steps: string[] };
      options.seen?.push(parsed);
      const s = score(parsed.steps.join(""));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(options.single ? { score: s } : { scores: parsed.steps.map(() => s) }));
    });
  });
  await new Promise<void>((r) => prmServer.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(prmServer.address() as AddressInfo).port}/score`, server: prmServer };
}

const closeServer = (s: http.Server | undefined) => new Promise<void>((r) => (s ? s.close(() => r()) : r()));

let server: FakeOpenAI;
let prm: http.Server;
let prmUrl = "";
const prmRequests: unknown[] = [];
const checks = new DesignChecker();

beforeAll(async () => {
  server = await startFakeOpenAI({ respond });
  // A PRM that likes the AND line: the only thing that separates the two designs at inference.
  ({ url: prmUrl, server: prm } = await startPrm((text) => (text.includes("a & b") ? 0.9 : 0.2), {
    seen: prmRequests,
  }));
});

afterAll(async () => {
  await server?.close();
  await closeServer(prm);
});

type SearchInput = Parameters<typeof searchProblem>[0];

/**
 * A search of the AND problem on the scripted endpoint at `url`: the settings every test here shares (rtlgym prompt,
 * line steps of 32 tokens, answers of 256 tokens, inference value and reward, self-consistency, sim verification),
 * then the test's own.
 */
function searchOn(
  url: string,
  given: Pick<SearchInput, "strategy" | "budget" | "sampling" | "tree"> & Partial<SearchInput>,
): Promise<ProblemOutcome> {
  return searchProblem({
    problem,
    client: createClient({ baseUrl: url, model: "fake", api: "completions", retries: 0 }),
    prompt: searchPrompt(problem, "completions", "rtlgym"),
    step: { mode: "line", tokens: 32 },
    maxTokens: 256,
    maxDepth: 16,
    terminalReward: "inference",
    value: "inference",
    consistency: true,
    verify: { engine: "sim", seed: 1 },
    checks,
    ...given,
  });
}

async function search(
  strategy: Strategy,
  options: {
    calls?: number;
    tokens?: number;
    reward?: TerminalReward;
    value?: ValueSignal;
    prm?: boolean;
    beam?: number;
  } = {},
): Promise<ProblemOutcome> {
  return searchOn(server.url, {
    strategy,
    budget: { calls: options.calls ?? 8, ...(options.tokens !== undefined && { tokens: options.tokens }) },
    sampling: { seed: 7, temperature: 0.8 },
    tree: { width: 3, beam: options.beam ?? 2, c: 1 },
    ...(options.prm && { prm: createPrmClient(prmUrl) }),
    terminalReward: options.reward ?? "inference",
    value: options.value ?? "inference",
  });
}

const shape = (o: ProblemOutcome) =>
  o.nodes.map((n) => ({ id: n.id, parent: n.parent, step: n.step, score: n.score, visits: n.visits }));

describe("closing off partial designs", () => {
  it("closes open blocks innermost first, then the module", () => {
    expect(closers("  always @(posedge clk) begin\n    case (s)\n      0: begin\n")).toEqual([
      "end",
      "endcase",
      "end",
      "endmodule",
    ]);
    expect(closers("  assign y = a;\n")).toEqual(["endmodule"]);
    expect(closeOff("  always @* begin\n    y = a;")).toBe("  always @* begin\n    y = a;\nend\nendmodule\n");
  });

  it("puts a null statement where a statement must follow, so such prefixes still elaborate", async () => {
    expect(closeOff("  always @(posedge clk)\n")).toBe("  always @(posedge clk)\n;\nendmodule\n");
    expect(closeOff("  always @(posedge clk)\n    if (rst) q <= 0;\n    else\n")).toContain("else\n;\n");
    expect(closeOff("  assign y = (a & b);\n")).toBe("  assign y = (a & b);\nendmodule\n");
    const head = "module TopModule(input clk, input rst, input [1:0] s, input a, output reg q);\n";
    const prefixes = [
      "  always @(posedge clk)\n",
      "  always @(posedge clk)\n    if (rst)\n",
      "  always @* begin\n    case (s)\n      2'b00:\n",
      "  always @*\n",
    ];
    for (const p of prefixes) expect(await checks.elaborates(head + closeOff(p), "TopModule")).toBe(true);
    expect(await checks.elaborates(head + closeOff("  always @(posedge clk) q <= (a\n"), "TopModule")).toBe(false);
  });
});

describe("partial-design score (per-signal verification of a prefix)", () => {
  const two: Problem = {
    ...problem,
    id: "two",
    header: "module TopModule (\n  input a,\n  input b,\n  output x,\n  output y\n);",
    reference:
      "module TopModule (\n  input a,\n  input b,\n  output x,\n  output y\n);\n  assign x = a ^ b;\n  assign y = a & b;\nendmodule\n",
  };
  const head = `${two.header}\n`;
  it("is the fraction of outputs already driven correctly", async () => {
    const verify = { engine: "sim" as const, seed: 1 };
    expect((await partialScore(two, head, verify)).score).toBe(0);
    const one = await partialScore(two, `${head}  assign y = a & b;\n`, verify);
    expect(one).toMatchObject({ score: 0.5, status: "fail", correct: ["y"], wrong: ["x"] });
    expect((await partialScore(two, `${head}  assign y = a | b;\n`, verify)).score).toBe(0);
    expect((await partialScore(two, `${head}  assign x = a ^ b;\n  assign y = a & b;\n`, verify)).score).toBe(1);
    // Cut inside a block: closed off, still scored.
    const open = await partialScore(two, `${head}  reg r;\n  always @* begin\n    r = a & b;\n`, verify);
    expect(open.status).toBe("fail");
    expect(open.score).toBe(0);
  });

  it("as the value of partial designs, steers MCTS to the correct line (an oracle baseline)", async () => {
    const o = await search("mcts", { value: "signals" });
    expect(o.nodes.slice(1, 4).map((n) => n.info.signals)).toEqual([0, 1, 0]);
    expect(o.status).toBe("pass");
  });
});

describe("mcts over line steps", () => {
  it("spends exactly its call budget, records every node, and is deterministic for a seed", async () => {
    const before = server.requests.length;
    const a = await search("mcts");
    const requests = server.requests.slice(before);
    expect(a.spent.calls).toBe(8);
    expect(requests.reduce((s, r) => s + r.n, 0)).toBe(8);
    // Every step continues the raw prompt: prompt + prefill + prefix, with the newline stop.
    expect(requests.every((r) => r.endpoint === "completions" && r.stop?.includes("\n"))).toBe(true);
    expect(requests[1]?.prompt?.endsWith(`${HEADER}\n  assign y = a | b;\n`)).toBe(true);
    // Seeds follow the calls spent, so a replay asks the same questions.
    expect(requests.map((r) => r.seed)).toEqual([7, 10, 13]);
    const root = a.nodes[0];
    expect(root?.visits).toBe(1 + 3 + 3 + 2);
    // The broken line does not elaborate: value 0; the two others elaborate and drive y: value 1.
    expect(a.nodes.slice(1, 4).map((n) => n.score)).toEqual([1, 1, 0]);
    const b = await search("mcts");
    expect(shape(b)).toEqual(shape(a));
    // Without a PRM, OR and AND look the same at inference: the first finished design (OR) is chosen and fails.
    expect(a.chosen).not.toBeNull();
    expect(a.status).toBe("fail");
    expect(a.oracle.anyPass).toBe(true);
  });

  it("with a PRM endpoint, prefers the design the PRM scores higher", async () => {
    prmRequests.length = 0;
    const o = await search("mcts", { prm: true });
    expect(o.status).toBe("pass");
    expect(o.pass).toBe(1);
    expect(prmRequests.length).toBeGreaterThan(0);
    expect(prmRequests[0]).toMatchObject({ problem: "and2", steps: expect.any(Array) });
    const chosen = o.nodes.find((n) => n.id === o.chosen);
    expect(chosen?.prefix).toContain("a & b");
  });

  it("with the oracle terminal reward, finds the design that verifies", async () => {
    const o = await search("mcts", { reward: "oracle" });
    expect(o.status).toBe("pass");
  });

  it("finishes a design with the call it keeps back when the budget ends mid-search", async () => {
    const o = await search("mcts", { calls: 4 });
    expect(o.spent.calls).toBe(4);
    const chosen = o.nodes.find((n) => n.id === o.chosen);
    expect(chosen?.terminal).toBe(true);
    expect(o.code).toContain("endmodule");
  });
});

describe("mcts with rollout expansion", () => {
  /** Whole answers from the empty body (OR, broken, AND); from a line already written, just `endmodule`. */
  const rollouts = (req: FakeRequest): string[] =>
    bodyOf(req) === ""
      ? ["  assign y = a | b;\nendmodule\n", "  assign y = (a;\nendmodule\n", "  assign y = a & b;\nendmodule\n"]
      : ["endmodule\n"];

  it("cuts a continuation into the steps a line search takes, up to endmodule", () => {
    const ctx = (trim: boolean) => ({ step: { mode: "line", tokens: 32, trim } }) as unknown as SearchContext;
    expect(splitContinuation(ctx(false), "  assign y = a;\n\n  wire w;\nendmodule\nxx")).toEqual({
      steps: ["  assign y = a;\n", "\n  wire w;\n", "endmodule\n"],
      endmodule: true,
    });
    // Trimmed requests: each step is the whitespace before a line and its text, trailing blanks dropped.
    expect(splitContinuation(ctx(true), "\n  assign y = a;  \n\n  wire w;\nendmodule\nxx")).toEqual({
      steps: ["\n  assign y = a;", "\n\n  wire w;", "\nendmodule\n"],
      endmodule: true,
    });
    expect(splitContinuation(ctx(false), "  assign y = a;\n  wire")).toEqual({
      steps: ["  assign y = a;\n", "  wire"],
      endmodule: false,
    });
    expect(splitContinuation(ctx(true), "  \n ")).toEqual({ steps: [], endmodule: false });
  });

  it("finishes a design with every call, branches from the best prefix, and picks the PRM's favourite", async () => {
    const fake = await startFakeOpenAI({ respond: rollouts });
    try {
      const run = () =>
        searchOn(fake.url, {
          strategy: "mcts",
          budget: { calls: 8 },
          sampling: { seed: 7, temperature: 0.8 },
          tree: { width: 3, beam: 1, c: 1, expansion: "rollout" },
          prm: createPrmClient(prmUrl),
        });
      const o = await run();
      expect(o.spent.calls).toBe(8);
      // Whole continuations: the prompt's own stops, never the line stop.
      expect(fake.requests.every((r) => !(r.stop ?? []).includes("\n"))).toBe(true);
      // Root: three designs (OR 0.2, broken 0, AND 0.9 from the PRM); then 3 rollouts from the AND line (the best
      // mean), then the 2 calls left from the OR line, the best of the two prefixes still open.
      expect(fake.requests.map((r) => [r.n, bodyOf(r)])).toEqual([
        [3, ""],
        [3, "  assign y = a & b;\n"],
        [2, "  assign y = a | b;\n"],
      ]);
      const terminals = o.nodes.filter((n) => n.terminal);
      expect(terminals.map((n) => n.prefix)).toEqual([
        "  assign y = a | b;\nendmodule\n",
        "  assign y = (a;\nendmodule\n",
        "  assign y = a & b;\nendmodule\n",
      ]);
      // Repeated designs are merged into their node and counted: AND came back 3 times, OR twice.
      expect(terminals.map((n) => n.duplicates)).toEqual([2, 0, 3]);
      expect(o.nodes[0]?.visits).toBe(1 + 8);
      expect(o.status).toBe("pass");
      expect(o.nodes.find((n) => n.id === o.chosen)?.prefix).toContain("a & b");
      // Deterministic for a seed.
      expect(shape(await run())).toEqual(shape(o));
    } finally {
      await fake.close();
    }
  });
});

describe("self-consistency among finished designs", () => {
  it("answers with the design most finished paths agree on", async () => {
    const agree = await startFakeOpenAI({
      respond: (req) =>
        bodyOf(req) === "" ? ["  assign y = a | b;", "  assign y = a & b;", "  assign y = b & a;"] : ["endmodule"],
    });
    try {
      const run = (consistency: boolean) =>
        searchOn(agree.url, {
          strategy: "mcts",
          budget: { calls: 12 },
          sampling: { seed: 1 },
          tree: { width: 3, beam: 1, c: 1 },
          consistency,
        });
      // Three finished designs tie at reward 1; OR was finished first, AND and b & a behave alike.
      expect((await run(false)).status).toBe("fail");
      const o = await run(true);
      expect(o.status).toBe("pass");
      expect(o.nodes.find((n) => n.id === o.chosen)?.info.cluster).toBe(6);
    } finally {
      await agree.close();
    }
  });
});

describe("token steps", () => {
  it("cuts a chunk back to its last line and ends at endmodule", async () => {
    // A server that always reports `length`: the chunk ran out of tokens mid-line.
    const chunky = await startFakeOpenAI({
      finishReason: "length",
      respond: (req) =>
        bodyOf(req) === "" ? "  wire t = a & b;\n  assign y = t;\n  // never fini" : "endmodule\n  // after the end",
    });
    try {
      const o = await searchOn(chunky.url, {
        strategy: "beam",
        budget: { calls: 4 },
        sampling: { seed: 1 },
        step: { mode: "tokens", tokens: 16 },
        tree: { width: 1, beam: 1, c: 1 },
        consistency: false,
      });
      expect(chunky.requests.map((r) => r.stop)).toEqual([["```"], ["```"]]);
      expect(chunky.requests.map((r) => r.maxTokens)).toEqual([16, 16]);
      expect(o.nodes.map((n) => n.step)).toEqual(["", "  wire t = a & b;\n  assign y = t;\n", "endmodule\n"]);
      expect(o.nodes[2]).toMatchObject({ terminal: true, finish: "endmodule" });
      expect(o.status).toBe("pass");
    } finally {
      await chunky.close();
    }
  });
});

describe("beam search", () => {
  it("keeps the best children and ends when its beam is finished", async () => {
    const o = await search("beam", { beam: 1, calls: 20 });
    // Round 1: three children of the root; round 2: the best one continued to `endmodule` (duplicates merged).
    expect(o.spent.calls).toBe(6);
    expect(o.nodes).toHaveLength(5);
    const chosen = o.nodes.find((n) => n.id === o.chosen);
    expect(chosen?.terminal).toBe(true);
    expect(chosen?.duplicates).toBe(2);
  });
});

describe("sampling and best-of-n at the same budget", () => {
  it("sample reports the fraction of samples that verify; best-of-n picks by inference signals only", async () => {
    const sample = await search("sample", { calls: 4 });
    expect(sample.spent.calls).toBe(4);
    expect(sample.pass).toBe(0.5);
    const best = await search("best-of-n", { calls: 4 });
    // The OR sample comes first, but the two AND samples agree on random stimulus: the larger cluster wins.
    expect(best.status).toBe("pass");
    const chosen = best.nodes.find((n) => n.id === best.chosen);
    expect(chosen?.info).toMatchObject({ compiles: true, cluster: 2 });
    expect(best.nodes.find((n) => n.prefix.includes("(a;"))?.info.compiles).toBe(false);
    expect(best.selector?.uses).toEqual(["compiles", "driven", "cluster", "order"]);
  });

  it("caps max_tokens by the token budget and stops once it is spent", async () => {
    const before = server.requests.length;
    const o = await search("sample", { calls: 8, tokens: 25 });
    const requests = server.requests.slice(before);
    expect(requests).toHaveLength(1);
    expect(requests[0]?.n).toBe(8);
    expect(requests[0]?.maxTokens).toBe(3);
    expect(o.spent.completionTokens).toBe(80);
  });
});

describe("PRM-weighted self-consistency (--select vote)", () => {
  // One wrong design the PRM slightly prefers (y = (a & b) | a, i.e. a) and two right ones written differently.
  const WRONG = "  assign y = (a & b) | a;\nendmodule\n";
  const answers = [WRONG, "  assign y = b & a;\nendmodule\n", "  assign y = a & b;\nendmodule\n"];
  let leaning: http.Server;
  let leaningUrl = "";

  beforeAll(async () => {
    ({ url: leaningUrl, server: leaning } = await startPrm((text) => (text.includes("| a") ? 0.5 : 0.4), {
      single: true,
    }));
  });
  afterAll(async () => {
    await closeServer(leaning);
  });

  // Whole answers from the empty body; below the wrong line, a broken continuation (a design that scores 0).
  const respond = (req: FakeRequest) =>
    bodyOf(req) === "" ? answers : bodyOf(req).includes("| a") ? ["  assign y = (;\nendmodule\n"] : ["endmodule\n"];
  const run = async (strategy: Strategy, select: "rank" | "vote", calls: number) => {
    const fake = await startFakeOpenAI({ respond });
    try {
      return await searchOn(fake.url, {
        strategy,
        budget: { calls },
        sampling: { seed: 3, temperature: 0.8 },
        tree: { width: 3, beam: 1, c: 1, expansion: "rollout" },
        prm: createPrmClient(leaningUrl),
        select,
      });
    } finally {
      await fake.close();
    }
  };

  it("best-of-n: the PRM's favourite under rank, the heavier agreeing pair under vote", async () => {
    const ranked = await run("best-of-n", "rank", 3);
    expect(ranked.status).toBe("fail");
    expect(ranked.nodes.find((n) => n.id === ranked.chosen)?.prefix).toContain("| a");
    const voted = await run("best-of-n", "vote", 3);
    expect(voted.status).toBe("pass");
    const chosen = voted.nodes.find((n) => n.id === voted.chosen);
    // Two right designs at 0.4 each outweigh the wrong one at 0.5.
    expect(chosen?.info).toMatchObject({ cluster: 2, vote: 0.8 });
    expect((voted.selector?.uses as string[] | undefined)?.[0]).toBe("vote (cluster's summed scores)");
  });

  it("mcts: the highest reward under rank, the heaviest behaviour cluster under vote", async () => {
    // 4 calls: the root's three designs (one call kept back to finish a path), then one rollout below the best mean,
    // the wrong line, which breaks.
    const ranked = await run("mcts", "rank", 4);
    expect(ranked.status).toBe("fail");
    expect(ranked.nodes.filter((n) => n.terminal).map((n) => n.score)).toEqual([0.5, 0.4, 0.4, 0]);
    const voted = await run("mcts", "vote", 4);
    expect(voted.status).toBe("pass");
    expect(voted.nodes.find((n) => n.id === voted.chosen)?.info.vote).toBeCloseTo(0.8);
    // The wrong design is its own cluster, weighing its reward alone.
    expect(voted.nodes.find((n) => n.terminal && n.prefix.includes("| a"))?.info.vote).toBeCloseTo(0.5);
  });
});

describe("behaviour clusters of model output", () => {
  it("never simulates a representative the candidates' sanitiser refuses, and neutralises the tasks it allows", async () => {
    const good = `${HEADER}\n  assign y = a & b;\nendmodule\n`;
    const twin = `${HEADER}\n  assign y = b & a;\nendmodule\n`;
    // Behaves as AND, and would run a shell command if simulated as the reference of the others.
    const shell = `${HEADER}\n  assign y = a & b;\n  initial $system("touch rtlgym-cluster-pwned");\nendmodule\n`;
    // Behaves as AND, and would end the simulation at time 0 if its $finish were left in.
    const finisher = `${HEADER}\n  assign y = a & b;\n  initial $finish;\nendmodule\n`;
    const clusters = await clusterByBehaviour([shell, finisher, good, twin], [0, 1, 2, 3], "TopModule", { seed: 1 });
    // The refused one stays alone (it is never handed to the checker as a reference, so its $system never reaches
    // vvp); the finisher gathers the two that agree only because its $finish was neutralised: unsanitised, its run
    // ends at time 0 and it stays alone (this assertion fails without the sanitiser).
    expect(clusters).toEqual([
      { representative: 0, members: [0] },
      { representative: 1, members: [1, 2, 3] },
    ]);
  });
});
