import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CODEV_SYSTEM } from "../../src/bench/prompts.js";
import { referenceAsCandidate } from "../../src/bench/samples.js";
import { loadSuite } from "../../src/bench/suites/registry.js";
import type { LoadedSuite, Problem } from "../../src/contracts/index.js";
import { type FakeOpenAI, type FakeRequest, startFakeOpenAI } from "../helpers/fake-openai.js";
import { readJsonl, rtlgym } from "./helpers.js";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const PYTHON = join(ROOT, ".venv-adapters", "bin", "python");

const PROBLEMS = ["b001_basic_gates", "b002_mux2_8bit", "b004_decoder_3to8_en"];
let suite: LoadedSuite;
let dir = "";
let server: FakeOpenAI;
let failB004 = true;
let runId = "";

function problemOf(req: FakeRequest): Problem {
  const text = req.messages ? req.messages.map((m) => m.content).join("\n") : (req.prompt ?? "");
  const found = suite.problems.find((p) => PROBLEMS.includes(p.id) && text.includes(p.prompt.trim().slice(0, 200)));
  if (!found) throw new Error("fake teacher: unknown prompt");
  return found;
}

/**
 * Four responses per request: a well-formed correct trace, the same code again with other comments and reasoning
 * (a duplicate), correct code without the think/answer format, and a well-formed trace whose code is wrong.
 */
function respond(req: FakeRequest): string[] {
  const good = referenceAsCandidate(problemOf(req));
  const wrong = good.replace(/endmodule\s*$/, "").replace(/assign\s+(\w+)\s*=/, "assign $1 = ~");
  const trace = (why: string, code: string) => `<think>${why}</think>\n<answer>\`\`\`verilog\n${code}\`\`\`</answer>`;
  return [
    trace("Read the spec, then write the logic.", good),
    trace("Same design, other words.", `// a comment the dedupe ignores\n${good}`),
    `\`\`\`verilog\n${good}\`\`\``,
    trace("A wrong guess.", `${wrong}endmodule\n`),
  ];
}

beforeAll(async () => {
  suite = await loadSuite("builtin");
  dir = await mkdtemp(join(tmpdir(), "rtlgym-distill-"));
  // The first request about b004 fails (no retries in the first run): that run ends with 4 samples missing.
  server = await startFakeOpenAI({
    respond,
    faults: (req) => (failB004 && problemOf(req).id === "b004_decoder_3to8_en" ? { status: 500 } : undefined),
  });
});

afterAll(async () => {
  await server?.close();
});

const BUILTIN = () => ["--suite", "builtin", "--problems", PROBLEMS.join(",")];

/** The command on the given problem source (default: the three builtin problems). */
const withSource = (source: string[], out: string, ...more: string[]) => [
  "data",
  "distill",
  "--teacher",
  server.url,
  "--model",
  "fake-model",
  ...source,
  "-n",
  "4",
  "--engine",
  "sim",
  "--db",
  join(dir, "rtlgym.db"),
  "--out",
  out,
  "--json",
  ...more,
];
const args = (out: string, ...more: string[]) => withSource(BUILTIN(), out, ...more);

describe("rtlgym data distill", () => {
  it("a failed request leaves samples missing (exit 2); the same command resumes only those", async () => {
    const out = join(dir, "out");
    const first = await rtlgym(...args(out, "--retries", "0"));
    expect(first.stderr).not.toMatch(/internal error/);
    expect(first.code).toBe(2);
    expect(first.stderr).toMatch(/4 samples could not be generated; run the same command again/);
    expect(JSON.parse(first.stdout)).toMatchObject({ sampled: 8, missing: 4, kept: 2 });
    failB004 = false;
    const before = server.requests.length;
    const r = await rtlgym(...args(out, "--retries", "0"));
    expect(r.code).toBe(0);
    expect(server.requests.length).toBe(before + 1);
    const report = JSON.parse(r.stdout);
    expect(report.resumed).toBe(true);
    expect(report).toMatchObject({
      problems: 3,
      requested: 12,
      sampled: 12,
      formatErrors: 3,
      verified: 9,
      eligible: 6,
      duplicates: 3,
      kept: 3,
      problemsCovered: 3,
      missing: 0,
      requireFormat: true,
    });
    expect(report.statuses.pass).toBe(9);
    runId = report.runId;
    // The teacher was asked in CodeV-R1's format, at temperature 1 by default.
    const req = server.requests[0] as FakeRequest;
    expect(req.messages?.[0]).toEqual({ role: "system", content: CODEV_SYSTEM });
    expect(req.messages?.[1]?.content).toMatch(/<think>.*<answer>/);
    expect(req.temperature).toBe(1);
    const chat = await readJsonl(join(out, "train", "sft.jsonl"));
    const completion = await readJsonl(join(out, "train", "sft-completion.jsonl"));
    expect(chat.map((row) => row.id).sort()).toEqual(PROBLEMS.map((p) => `${p}#0`));
    for (const row of chat) {
      expect(row.messages.map((m: { role: string }) => m.role)).toEqual(["system", "user", "assistant"]);
      expect(row.messages[2].content).toMatch(/^<think>Read the spec[\s\S]*<\/answer>$/);
    }
    for (const row of completion) {
      expect(row.prompt.startsWith(CODEV_SYSTEM)).toBe(true);
      expect(row.completion).toMatch(/^<think>[\s\S]*<\/answer>$/);
    }
    for (const name of ["sft", "sft-completion"]) {
      const bytes = await readFile(join(out, "train", `${name}.parquet`));
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      expect(await parquetReadObjects({ file }), name).toEqual(await readJsonl(join(out, "train", `${name}.jsonl`)));
    }
    const samples = await readJsonl(join(out, "samples.jsonl"));
    expect(samples).toHaveLength(12);
    const reasons = samples.map((s) => s.reason ?? "kept").sort();
    expect(reasons).toEqual(
      [
        ...Array(3).fill("duplicate"),
        ...Array(3).fill("format"),
        ...Array(3).fill("kept"),
        ...Array(3).fill("not-verified"),
      ].sort(),
    );
    expect(samples.find((s) => s.reason === "duplicate")).toMatchObject({ sample: 1, duplicateOf: 0 });
  });

  it("--resume RUN rewrites the rows of a finished run without asking the teacher", async () => {
    const before = server.requests.length;
    const r = await rtlgym(...args(join(dir, "out2"), "--resume", runId));
    expect(r.code).toBe(0);
    expect(server.requests.length).toBe(before);
    expect(JSON.parse(r.stdout)).toMatchObject({ runId, resumed: true, sampled: 12, kept: 3 });
    expect(await readJsonl(join(dir, "out2", "train", "sft.jsonl"))).toEqual(
      await readJsonl(join(dir, "out", "train", "sft.jsonl")),
    );
  });

  it("--no-require-format keeps correct code in any shape (then the dedupe decides)", async () => {
    const r = await rtlgym(...args(join(dir, "out3"), "--no-require-format", "--fresh"));
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ verified: 9, eligible: 9, duplicates: 6, kept: 3, requireFormat: false });
  });

  it.skipIf(!existsSync(PYTHON))(
    "the rows load with Hugging Face datasets and rtlgym's SFT trainer reader",
    async () => {
      const script = join(dir, "load.py");
      await writeFile(
        script,
        [
          "import sys, json",
          "from datasets import load_dataset",
          "from pathlib import Path",
          "from rtlgym_train.data import load_pairs",
          "d = sys.argv[1]",
          'sft = load_dataset("parquet", data_files=f"{d}/train/sft.parquet", split="train")',
          'comp = load_dataset("parquet", data_files=f"{d}/train/sft-completion.parquet", split="train")',
          "pairs, files = load_pairs(Path(d))",
          "print(json.dumps([len(sft), sft.column_names, comp.column_names, len(pairs), [f.name for f in files]]))",
        ].join("\n"),
      );
      const { stdout } = await run(PYTHON, [script, join(dir, "out")], { timeout: 120_000 });
      expect(JSON.parse(stdout)).toEqual([3, ["id", "messages"], ["id", "prompt", "completion"], 3, ["sft.jsonl"]]);
    },
  );

  it("--rows: problems from RL rows (rl export shape and verl shape)", async () => {
    const [a, b] = PROBLEMS.map((id) => suite.problems.find((p) => p.id === id) as Problem);
    const label = (p: Problem) => JSON.stringify({ reference: p.reference, refTop: p.refTop, candTop: p.candTop });
    const rows = [
      {
        id: "first",
        prompt: [
          { role: "system", content: "x" },
          { role: "user", content: a?.prompt },
        ],
        ground_truth: label(a as Problem),
      },
      {
        data_source: "d",
        prompt: [{ role: "user", content: b?.prompt }],
        reward_model: { style: "rule", ground_truth: label(b as Problem) },
        extra_info: { index: 7 },
      },
    ];
    const file = join(dir, "rows.jsonl");
    await writeFile(file, rows.map((r) => JSON.stringify(r)).join("\n"));
    const out = join(dir, "rows-out");
    const r = await rtlgym(...withSource(["--rows", file], out));
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ problems: 2, sampled: 8, verified: 6, kept: 2 });
    expect((await readJsonl(join(out, "train", "sft.jsonl"))).map((x) => x.id).sort()).toEqual(["7#0", "first#0"]);
    await writeFile(file, JSON.stringify({ id: "x", prompt: "write it", ground_truth: "{}" }));
    const bad = await rtlgym(...withSource(["--rows", file], join(dir, "rows-bad")));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/line 1: no inline reference label/);
  });

  it("says what is wrong with the problem source", async () => {
    const none = await rtlgym("data", "distill", "--teacher", server.url, "--model", "m", "--out", join(dir, "x"));
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/exactly one problem source/);
    const tasks = await rtlgym(
      "data",
      "distill",
      "--teacher",
      server.url,
      "--model",
      "m",
      "--tasks",
      join(dir, "nope"),
      "--out",
      join(dir, "x"),
    );
    expect(tasks.code).toBe(2);
    expect(tasks.stderr).toMatch(/holds no problems.jsonl/);
  });
});

describe("the codev prompt style", () => {
  it("asks for <think>/<answer> under CodeV-R1's system prompt, with rtlgym's spec and interface", async () => {
    const { buildPrompt } = await import("../../src/bench/prompts.js");
    const builtin = await loadSuite("builtin");
    const p = builtin.problems.find((x) => x.id === "b002_mux2_8bit") as Problem;
    const rtl = buildPrompt(p, { api: "chat", style: "rtlgym" });
    const chat = buildPrompt(p, { api: "chat", style: "codev" });
    expect(chat.system).toBe(CODEV_SYSTEM);
    expect(chat.prompt.startsWith(rtl.prompt)).toBe(true);
    expect(chat.prompt).toMatch(/<think> <\/think>.*<answer> <\/answer>/);
    const text = buildPrompt(p, { api: "completions", style: "codev" });
    expect(text).toEqual({ prompt: `${CODEV_SYSTEM}\n${chat.prompt}\n\n` });
  });
});
