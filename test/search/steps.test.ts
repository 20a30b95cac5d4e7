import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Problem } from "../../src/contracts/bench.js";
import { createClient } from "../../src/llm/index.js";
import { DesignChecker } from "../../src/search/index.js";
import { buildStepData, readTrajectories } from "../../src/search/step-data.js";
import { labelSteps } from "../../src/search/step-labels.js";
import { drivenNames, scoreTrajectory, splitSteps } from "../../src/search/steps.js";
import { sliceDesigns } from "../../src/tools/slice.js";
import { findPython } from "../../src/train/python.js";
import { tokenize } from "../../src/verilog/index.js";
import { rtlgym, rtlgymStdout } from "../helpers/cli.js";
import { type FakeOpenAI, type FakeRequest, startFakeOpenAI } from "../helpers/fake-openai.js";

const problem = (id: string, reference: string, header?: string): Problem => ({
  suite: "tasks",
  id,
  task: "spec-to-rtl",
  prompt: `Problem ${id}.`,
  ...(header !== undefined && { header }),
  reference,
  refTop: "TopModule",
  candTop: "TopModule",
  tags: [],
});

const H3 =
  "module TopModule (\n  input [3:0] a,\n  input [3:0] b,\n  output [3:0] x,\n  output [3:0] y,\n  output z\n);";
/** Solutions of several shapes: three outputs, registers with reset, `if/else` without begin, a function, non-ANSI. */
const SOLUTIONS: Record<string, string> = {
  three: `${H3}\n  assign x = a & b;\n  // y is the sum\n  assign y = a + b;\n  assign z = ^a;\nendmodule\n`,
  counter: `module TopModule (\n  input clk,\n  input reset,\n  input en,\n  output [3:0] q,\n  output reg wrap\n);\n  reg [3:0] cnt;\n  wire last = cnt == 4'd15;\n  always @(posedge clk) begin\n    if (reset) cnt <= 0;\n    else if (en) cnt <= cnt + 1'b1;\n  end\n  always @(posedge clk)\n    if (reset) wrap <= 1'b0;\n    else wrap <= en & last;\n  assign q = cnt;\nendmodule\n`,
  func: `module TopModule (\n  input [7:0] d,\n  output [3:0] n,\n  output [1:0] lo\n);\n  function [3:0] ones;\n    input [7:0] v;\n    integer i;\n    begin\n      ones = 0;\n      for (i = 0; i < 8; i = i + 1) ones = ones + v[i];\n    end\n  endfunction\n  assign n = ones(d);\n  assign {lo[1], lo[0]} = d[1:0];\nendmodule\n`,
  nonansi: `module TopModule (a, b, y, s);\n  input a, b;\n  output y;\n  output reg s;\n  assign y = a ^ b;\n  always @(*) begin\n    case ({a, b})\n      2'b11: s = 1'b1;\n      default: s = 1'b0;\n    endcase\n  end\nendmodule\n`,
};

describe("step trajectories", () => {
  const checks = new DesignChecker();
  const python = findPython();

  it("finds what an item assigns", () => {
    expect(drivenNames(tokenize("assign y[3:0] = a <= b;"))).toEqual(["y"]);
    expect(drivenNames(tokenize("always @(posedge clk) if (a <= b) q <= 0; else {c, d} <= 2'b01;"))).toEqual([
      "q",
      "c",
      "d",
    ]);
    expect(drivenNames(tokenize("adder u0 (.a(x), .s(sum));"))).toEqual(["x", "sum"]);
  });

  it.each(Object.keys(SOLUTIONS))(
    "%s: every prefix is well-formed, stubs drive the rest, the last step is the solution",
    async (name) => {
      const code = SOLUTIONS[name] as string;
      const [slice] = await sliceDesigns([{ text: code, top: "TopModule" }], { python });
      const t = splitSteps(name, code, "TopModule", slice);
      expect(t.slicer).toBe("slang");
      expect(t.steps.length).toBeGreaterThan(1);
      expect(t.header + t.steps.map((s) => s.code).join("")).toBe(code);
      expect(t.steps.at(-1)?.design).toBe(code);
      expect(t.steps.at(-1)?.stubbed).toEqual([]);
      for (const s of t.steps) {
        const c = await checks.check(s.design, "TopModule");
        expect(c.elaborates, `${name} step ${s.index}:\n${s.design}`).toBe(true);
        expect(c.undriven, `${name} step ${s.index}`).toEqual([]);
        expect(s.rationale.length).toBeGreaterThan(10);
      }
      const scored = await scoreTrajectory(problem(name, code), t, { engine: "sim", seed: 1 });
      expect(scored.at(-1)?.score).toBe(1);
      expect(scored.at(-1)?.status).toBe("pass");
      for (const s of scored) expect(s.status).not.toBe("compile_error");
    },
    60_000,
  );

  it("scores each prefix by the outputs it already drives correctly", async () => {
    const code = SOLUTIONS.three as string;
    const t = splitSteps("three", code, "TopModule");
    expect(t.steps.map((s) => s.drives)).toEqual([["x"], ["y"], ["z"]]);
    expect(t.steps.map((s) => s.stubbed)).toEqual([["y", "z"], ["z"], []]);
    // The comment before `assign y` travels with that step.
    expect(t.steps[1]?.code).toBe("  // y is the sum\n  assign y = a + b;\n");
    const scored = await scoreTrajectory(problem("three", code), t, { engine: "sim", seed: 1 });
    expect(scored.map((s) => s.score)).toEqual([1 / 3, 2 / 3, 1]);
    expect(scored[0]?.correct).toEqual(["x"]);
  }, 60_000);

  it("groups leading declarations and relates steps to outputs with the slices", async () => {
    const code = SOLUTIONS.counter as string;
    const [slice] = await sliceDesigns([{ text: code, top: "TopModule" }], { python });
    const t = splitSteps("counter", code, "TopModule", slice);
    expect(t.steps.map((s) => s.kind)).toEqual(["declarations", "logic", "logic", "logic", "logic"]);
    expect(t.steps[0]?.code).toBe("  reg [3:0] cnt;\n");
    expect(t.steps.map((s) => s.drives)).toEqual([[], ["last"], ["cnt"], ["wrap"], ["q"]]);
    // the counter feeds both outputs; q's slice is complete only with `assign q`.
    expect(t.steps[2]?.feeds).toEqual(["q", "wrap"]);
    expect(t.steps[3]?.complete).toEqual(["wrap"]);
    expect(t.steps[4]?.complete).toEqual(["q", "wrap"]);
    // wrap is a variable: its stub is procedural.
    expect(t.steps[0]?.design).toContain("always_comb wrap = '0;");
    expect(t.steps[0]?.design).toContain("assign q = '0;");
    expect(t.steps[2]?.rationale).toMatch(/Registered logic .*`cnt`.*reset behaviour/);
  }, 60_000);
});

describe("step labels and the data commands", () => {
  let dir = "";
  let server: FakeOpenAI;
  const H2 = "module TopModule (\n  input a,\n  input b,\n  output y,\n  output z\n);";
  const two = problem("two", `${H2}\n  assign y = a & b;\n  assign z = a | b;\nendmodule\n`, H2);
  const hard = problem("hard", `${H2}\n  assign y = a ^ b;\n  assign z = ~a;\nendmodule\n`, H2);

  /** Continuations of `assign y ...`: half right for "two" (one broken), none right for "hard". */
  function respond(req: FakeRequest): string[] {
    const text = req.prompt ?? "";
    if (text.includes("Problem two.")) {
      return [
        "\n  assign z = a | b;\nendmodule\n```",
        "\n  assign z = a ^ b;\nendmodule\n",
        "\n  assign z = b | a;\nendmodule\n",
        "\n  assign z = (a;\nendmodule\n",
      ];
    }
    return ["\n  assign z = a;\nendmodule\n"];
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rtlgym-steps-"));
    server = await startFakeOpenAI({ respond });
    await writeFile(join(dir, "problems.jsonl"), [two, hard].map((p) => `${JSON.stringify(p)}\n`).join(""));
  });
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("labels each step by the rollouts that verify (soft, hard) next to the prefix score", async () => {
    const steps = await buildStepData({
      input: join(dir, "problems.jsonl"),
      out: join(dir, "steps"),
      verify: { engine: "sim", seed: 1 },
    });
    expect(steps).toMatchObject({ trajectories: 2, steps: 4, illFormed: 0, lastDiffers: 0, slang: 0 });
    const client = createClient({ baseUrl: server.url, model: "fake", api: "completions", retries: 0 });
    const summary = await labelSteps({
      steps: join(dir, "steps"),
      out: join(dir, "labels"),
      client,
      model: "fake",
      rollouts: 4,
      promptStyle: "rtlgym",
      temperature: 0.8,
      maxTokens: 256,
      seed: 7,
      verify: { engine: "sim", seed: 1 },
      concurrency: 1,
    });
    expect(summary).toMatchObject({ trajectories: 2, steps: 4, calls: 8, requests: 2, hardRate: 0.5 });
    expect(summary.meanSoft).toBeCloseTo(0.25);
    // One rollout step per trajectory: the first prefix, continued from the raw prompt, header and `assign y`
    // (cut at its last visible character: the model writes the line end).
    const first = server.requests[0] as FakeRequest;
    expect(first.prompt?.endsWith(`\`\`\`verilog\n${H2}\n  assign y = a & b;`)).toBe(true);
    expect(first.prompt?.startsWith("You are an expert")).toBe(true);
    expect(first).toMatchObject({ n: 4, seed: 7, stop: ["```"], maxTokens: 256 });
    const labels = (await readFile(join(dir, "labels", "labels.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const byId = Object.fromEntries(labels.map((l) => [l.id, l]));
    expect(byId.two.labels.map((l: { soft: number }) => l.soft)).toEqual([0.5, 1]);
    expect(byId.two.labels.map((l: { hard: boolean }) => l.hard)).toEqual([true, true]);
    expect(byId.two.labels.map((l: { prefix: number }) => l.prefix)).toEqual([0.5, 1]);
    expect(byId.two.labels[0].statuses).toMatchObject({ pass: 2, fail: 1 });
    expect(byId.two.score).toBe(0.5);
    expect(byId.hard.labels.map((l: { soft: number }) => l.soft)).toEqual([0, 1]);
    expect(byId.hard.hardScore).toBe(false);
    const prm = (await readFile(join(dir, "labels", "prm.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const row = prm.find((r) => r.id === "two");
    expect(row.completions).toEqual(["  assign y = a & b;\n", "  assign z = a | b;\nendmodule\n"]);
    expect(row.labels).toEqual([true, true]);
    expect(row.prompt.endsWith(`\`\`\`verilog\n${H2}\n`)).toBe(true);
  }, 90_000);

  it("runs through the CLI", async () => {
    const out = join(dir, "cli-steps");
    const a = await rtlgymStdout(["data", "steps", "--input", dir, "--out", out, "--json"], { timeoutMs: 120_000 });
    expect(JSON.parse(a)).toMatchObject({ trajectories: 2, illFormed: 0, lastDiffers: 0, slang: 2 });
    expect((await readTrajectories(out)).map((r) => r.id).sort()).toEqual(["hard", "two"]);
    const b = await rtlgym(
      ["data", "step-labels", "--steps", out, "--out", join(dir, "cli-labels"), "--endpoint", server.url],
      { timeoutMs: 120_000 },
    );
    expect(b.code).not.toBe(0); // --model is required
    const c = await rtlgymStdout(
      [
        "data",
        "step-labels",
        "--steps",
        out,
        "--out",
        join(dir, "cli-labels"),
        "--endpoint",
        server.url,
        "--model",
        "fake-model",
        "--rollouts",
        "2",
        "--chat-template",
        "chatml",
        "--json",
      ],
      { timeoutMs: 120_000 },
    );
    expect(JSON.parse(c)).toMatchObject({ trajectories: 2, steps: 4, calls: 4, rollouts: 2 });
    // ChatML: the chat prompt rendered once, the answer prefilled up to the prefix.
    const last = server.requests.at(-1) as FakeRequest;
    expect(last.prompt?.startsWith("<|im_start|>system\nYou are an expert")).toBe(true);
    expect(last.prompt?.endsWith(`<|im_end|>\n<|im_start|>assistant\n\`\`\`verilog\n${H2}\n  assign y = a ^ b;`)).toBe(
      true,
    );
    expect(last.stop).toEqual(["```", "<|im_end|>"]);
    // The PRM rows keep the prompt search sends a PRM (the raw completions prompt), not the ChatML one.
    const rows = (await readFile(join(dir, "cli-labels", "prm.jsonl"), "utf8")).trim().split("\n");
    expect(JSON.parse(rows[0] as string).prompt.startsWith("You are an expert")).toBe(true);
  }, 120_000);

  it("cuts a stored run's own answers, failing ones kept and labelled by their verdict (--samples-from)", async () => {
    // The model's answers, scored by `bench eval` into a run store: for "two" a failing answer, its duplicate, a
    // passing one spelled differently from the reference, one that does not compile; for "hard" a failing one.
    const samples = join(dir, "answers.jsonl");
    const answer = (problem: string, body: string) => JSON.stringify({ problem, code: `${H2}\n${body}endmodule\n` });
    await writeFile(
      samples,
      [
        answer("two", "  assign y = a & b;\n  assign z = a ^ b;\n"),
        answer("two", "  assign y = a & b;\n  assign z = a ^ b;\n"),
        answer("two", "  assign y = b & a;\n  assign z = b | a;\n"),
        answer("two", "  assign y = (a;\n  assign z = a;\n"),
        answer("hard", "  assign y = a ^ b;\n  assign z = a;\n"),
      ].join("\n"),
    );
    const db = join(dir, "answers.db");
    const evalArgs = ["bench", "eval", "--suite", "tasks", "--data", dir, "--samples", samples, "--db", db];
    const scored = JSON.parse(
      await rtlgymStdout([...evalArgs, "--engine", "sim", "--no-official", "--json", "--quiet"], {
        timeoutMs: 120_000,
      }),
    );
    const out = join(dir, "own-steps");
    const stepsArgs = ["data", "steps", "--input", dir, "--out", out, "--samples-from", scored.runId, "--db", db];
    const summary = JSON.parse(await rtlgymStdout([...stepsArgs, "--json"], { timeoutMs: 120_000 }));
    // Two a problem at most, failing first: two's failing answer (its duplicate merged) and its passing one, then
    // hard's failing one; the answer that does not compile is left out.
    expect(summary).toMatchObject({ trajectories: 3, answers: { pass: 1, fail: 2 }, illFormed: 0, lastDiffers: 0 });
    const rows = await readTrajectories(out);
    expect(rows.map((r) => [r.id, r.source?.status])).toEqual([
      ["two#0", "fail"],
      ["two#2", "pass"],
      ["hard#0", "fail"],
    ]);
    expect(rows.map((r) => r.source?.run)).toEqual([scored.runId, scored.runId, scored.runId]);
    // The prefixes are still scored against the reference: the failing answer's first step (y) is right.
    expect(rows[0]?.steps.map((st) => st.score)).toEqual([0.5, 0.5]);
    expect(rows[0]?.steps.at(-1)?.status).toBe("fail");
    const oneArgs = [...stepsArgs, "--samples-per-problem", "1", "--json"].map((a) => (a === out ? `${out}-1` : a));
    const one = await rtlgymStdout(oneArgs, { timeoutMs: 120_000 });
    expect(JSON.parse(one)).toMatchObject({ trajectories: 2, answers: { pass: 0, fail: 2 } });

    // Labels: the rollouts of each proper prefix as before; the last step is the answer's own verdict.
    const client = createClient({ baseUrl: server.url, model: "fake", api: "completions", retries: 0 });
    const labelled = await labelSteps({
      ...{ steps: out, out: join(dir, "own-labels"), client, model: "fake", rollouts: 4, promptStyle: "rtlgym" },
      ...{ temperature: 0.8, maxTokens: 256, seed: 7, verify: { engine: "sim", seed: 1 }, concurrency: 1 },
    });
    expect(labelled.errors).toEqual({});
    const prm = (await readFile(join(dir, "own-labels", "prm.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(prm.map((r) => [r.id, r.labels])).toEqual([
      ["two#0", [true, false]],
      ["two#2", [true, true]],
      ["hard#0", [false, false]],
    ]);
    expect(prm[0].completions).toEqual(["  assign y = a & b;\n", "  assign z = a ^ b;\nendmodule\n"]);

    const missing = await rtlgym([...stepsArgs.slice(0, 7), "no-such-run", "--db", db], { timeoutMs: 60_000 });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no run no-such-run/);
    const stray = await rtlgym(["data", "steps", "--input", dir, "--out", out, "--db", db], { timeoutMs: 60_000 });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/apply to --samples-from/);
  }, 180_000);
});
