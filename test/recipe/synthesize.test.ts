import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDataset } from "../../src/data/store.js";
import { specOf, TEMPLATES } from "../../src/recipe/synthesize.js";
import { type FakeOpenAI, type FakeRequest, startFakeOpenAI } from "../helpers/fake-openai.js";
import { readJsonl, rtlgym, synthesizeArgs } from "./helpers.js";

const SOURCES: Record<string, string> = {
  adder4: "module adder4(input [3:0] a, input [3:0] b, output [4:0] sum);\n  assign sum = a + b;\nendmodule\n",
  counter8:
    "module counter8(input clk, input rst, input en, output reg [7:0] q);\n  always @(posedge clk) begin\n" +
    "    if (rst) q <= 8'd0;\n    else if (en) q <= q + 8'd1;\n  end\nendmodule\n",
  mux2: "module mux2(input s, input [7:0] a, input [7:0] b, output [7:0] y);\n  assign y = s ? b : a;\nendmodule\n",
};
// Equivalent rewrites and wrong versions the fake model answers with.
const GOOD: Record<string, string> = {
  adder4:
    "module adder4(input [3:0] a, input [3:0] b, output [4:0] sum);\n  assign sum = {1'b0, b} + {1'b0, a};\nendmodule",
  counter8:
    "module counter8(input clk, input rst, input en, output reg [7:0] q);\n  always @(posedge clk)\n" +
    "    q <= rst ? 8'd0 : (en ? q + 8'd1 : q);\nendmodule",
  mux2: "module mux2(input s, input [7:0] a, input [7:0] b, output [7:0] y);\n  assign y = s ? b : a;\nendmodule",
};
const BAD: Record<string, string> = {
  adder4: "module adder4(input [3:0] a, input [3:0] b, output [4:0] sum);\n  assign sum = a - b;\nendmodule",
  counter8:
    "module counter8(input clk, input rst, input en, output reg [7:0] q);\n  always @(posedge clk)\n" +
    "    q <= rst ? 8'd0 : q + 8'd1;\nendmodule",
  mux2: "module mux2(input s, input [7:0] a, input [7:0] b, output [7:0] y);\n  assign y = s ? a : b;\nendmodule",
};
// Per unit, which of the 3 regenerations are right: adder 2/3, mux 3/3, counter 0/3 (dropped).
const PLAN: Record<string, boolean[]> = {
  adder4: [true, false, true],
  mux2: [true, true, true],
  counter8: [false, false, false],
};

let dir = "";
let dataset = "";
let server: FakeOpenAI;
let failMux = true;

const topOf = (req: FakeRequest): string => {
  const text = req.messages?.map((m) => m.content).join("\n") ?? "";
  const top = Object.keys(SOURCES).find((t) => text.includes(`\`${t}\``));
  if (!top) throw new Error("fake model: unknown prompt");
  return top;
};
const isSpec = (req: FakeRequest) => req.messages?.[0]?.content === TEMPLATES["spec-v1"].system;

function respond(req: FakeRequest): string[] {
  const top = topOf(req);
  if (isSpec(req)) return [`<think>Reading the code.</think>\nSPEC of \`${top}\`: ports and behaviour as given.`];
  const fence = (code: string) => `Here:\n\`\`\`verilog\n${code}\n\`\`\``;
  // n is the number of regenerations still missing; the plan is indexed by the sample, from the seed offset.
  const first = (req.seed ?? 2) - 2;
  return Array.from({ length: req.n }, (_, i) =>
    fence(PLAN[top]?.[first + i] ? (GOOD[top] as string) : (BAD[top] as string)),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rtlgym-synth-"));
  const repo = join(dir, "repo");
  await mkdir(repo);
  await writeFile(join(repo, "LICENSE"), "MIT License\nPermission is hereby granted, free of charge, to any person\n");
  for (const [top, code] of Object.entries(SOURCES)) await writeFile(join(repo, `${top}.v`), code);
  dataset = join(dir, "ds");
  const r = await rtlgym("data", "ingest", repo, "--out", dataset, "--quiet");
  expect(r.code, r.stderr).toBe(0);
  server = await startFakeOpenAI({
    respond,
    // The regeneration request of mux2 fails once (no retries in the first run): mux2 stays incomplete.
    faults: (req) => (failMux && !isSpec(req) && topOf(req) === "mux2" ? { status: 503 } : undefined),
  });
});

afterAll(async () => {
  await server?.close();
});

const args = (...more: string[]) =>
  synthesizeArgs({ dataset, endpoint: server.url, n: 3, db: join(dir, "rtlgym.db") }, "--traces", ...more);

describe("rtlgym data synthesize", () => {
  it("keeps (spec, code) when a regeneration is equivalent, records the pass rate, and resumes a failed run", async () => {
    const first = await rtlgym(...args("--retries", "0"));
    expect(first.stderr).not.toMatch(/internal error/);
    expect(first.code).toBe(2);
    expect(first.stderr).toMatch(/1 units are incomplete/);
    expect(JSON.parse(first.stdout)).toMatchObject({ units: 3, specs: 3, kept: 1, dropped: 1, incomplete: 1 });

    failMux = false;
    const before = server.requests.length;
    const r = await rtlgym(...args("--retries", "0"));
    expect(r.code).toBe(0);
    // Only mux2's regenerations are asked again: its spec and the other units are in the run store.
    expect(server.requests.length).toBe(before + 1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      resumed: true,
      units: 3,
      skipped: 0,
      specs: 3,
      specErrors: 0,
      regenerations: 9,
      equivalent: 5,
      kept: 2,
      dropped: 1,
      incomplete: 0,
      traces: 5,
      templates: { spec: "spec-v1", code: "code-v1" },
      passRateHistogram: { "0.6-0.8": 1, "0.8-1.0": 1 },
    });
    const out = `${dataset}-roundtrip`;
    const ds = await readDataset(out);
    const byTop = Object.fromEntries(ds.records.map((x) => [x.top, x]));
    expect(Object.keys(byTop).sort()).toEqual(["adder4", "mux2"]);
    expect(byTop.adder4?.spec).toBe("SPEC of `adder4`: ports and behaviour as given.");
    expect(byTop.adder4?.roundtrip).toMatchObject({ n: 3, passes: 2, model: "fake-model" });
    expect(byTop.adder4?.roundtrip?.passRate).toBeCloseTo(2 / 3);
    expect(byTop.mux2?.roundtrip?.passRate).toBe(1);
    expect(byTop.adder4?.code).toBe(SOURCES.adder4); // the original code is what is kept
    const rows = await readJsonl(join(out, "synthesis.jsonl"));
    expect(rows.find((x) => x.id.endsWith("#counter8"))).toMatchObject({
      status: "dropped",
      reason: "no regenerated code equivalent (0/3)",
      statuses: { fail: 3 },
    });
    // Regenerations saw the specification alone, never the original code.
    for (const req of server.requests.filter((q) => !isSpec(q))) {
      const user = req.messages?.at(-1)?.content ?? "";
      expect(user).toMatch(/^SPEC of `\w+`/);
      expect(user).not.toMatch(/assign|always/);
    }
    const traces = await readJsonl(join(out, "traces", "train", "sft.jsonl"));
    expect(traces).toHaveLength(5);
    expect(traces[0].messages[2].content).toMatch(/```verilog/);

    // The output is a dataset the export reads: the spec becomes the prompt.
    const exp = await rtlgym(
      "data",
      "export",
      "--dataset",
      out,
      "--format",
      "sft",
      "--out",
      join(dir, "sft"),
      "--json",
    );
    expect(exp.code, exp.stderr).toBe(0);
    const sft = await readJsonl(join(dir, "sft", "sft.jsonl"));
    expect(sft).toHaveLength(2);
    expect(sft[0].messages[1].content).toMatch(/^SPEC of `adder4`/);
    const card = await readFile(join(dir, "sft", "README.md"), "utf8");
    expect(card).toMatch(/Round-trip pass rate .* of 2 of 2 records/);
    expect(card).toContain("| 0.6-0.8 | 1 |");
    expect(card).toContain("| 0.8-1.0 (incl. 1) | 1 |");
  });

  it("data distill takes the round-trip dataset as problems: the spec is the prompt, the original the reference", async () => {
    const out = join(dir, "distill");
    const r = await rtlgym(
      "data",
      "distill",
      "--teacher",
      server.url,
      "--model",
      "fake-model",
      "--dataset",
      `${dataset}-roundtrip`,
      "-n",
      "3",
      "--seed",
      "2",
      "--no-require-format",
      "--engine",
      "sim",
      "--db",
      join(dir, "rtlgym.db"),
      "--out",
      out,
      "--json",
    );
    expect(r.code, r.stderr).toBe(0);
    // The fake teacher answers by the plan (adder 2/3, mux 3/3), in no think/answer format; repeated code collapses.
    expect(JSON.parse(r.stdout)).toMatchObject({
      problems: 2,
      sampled: 6,
      formatErrors: 6,
      verified: 5,
      eligible: 5,
      duplicates: 3,
      kept: 2,
    });
    const rows = await readJsonl(join(out, "train", "sft.jsonl"));
    expect(rows.map((x) => x.messages[1].content)).toEqual([
      expect.stringMatching(/^SPEC of `adder4`/),
      expect.stringMatching(/^SPEC of `mux2`/),
    ]);
  });

  it("bad input is a usage error", async () => {
    const none = await rtlgym(
      "data",
      "synthesize",
      "--dataset",
      join(dir, "nope"),
      "--endpoint",
      server.url,
      "--model",
      "m",
    );
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/not an rtlgym dataset/);
    const same = await rtlgym(...args("--out", dataset));
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/--out must differ/);
  });
});

describe("specOf", () => {
  it("drops reasoning and one enclosing fence", () => {
    expect(specOf("<think>hmm</think>\n\nThe module adds.")).toBe("The module adds.");
    expect(specOf("```markdown\nThe module adds.\n```")).toBe("The module adds.");
    expect(specOf("<think>only thinking")).toBe("");
  });
});
