import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateSamples } from "../../src/bench/evaluate.js";
import { buildPrompt, extractCandidate } from "../../src/bench/prompts.js";
import { loadSuite } from "../../src/bench/suites/registry.js";
import { generateMutants } from "../../src/data/mutate.js";
import { openStore } from "../../src/runs/index.js";
import { findPython } from "../../src/train/python.js";
import {
  buildSalvPairs,
  readSalvPairs,
  type SalvRow,
  samplesFromFile,
  samplesFromRun,
  spanText,
  writeSalvPairs,
} from "../../src/train/salv.js";

/*
 * SALV pairs from real verdicts: responses to two builtin problems are verified (iverilog/yosys), stored as a bench
 * run, paired from the run store and from a samples file through the CLI, and read back by Hugging Face datasets.
 * The spans of every row must cover exactly the contrasted signal's code, in the answer as the model wrote it.
 */

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "..", "..");
const fence = (code: string, before = "") => `${before}\`\`\`verilog\n${code}\`\`\`\n`;
const header = `module TopModule (
  input  [7:0] a,
  input  [7:0] b,
  output       lt,
  output       eq,
  output       gt
);
`;
const SAMPLES: Array<{ problem: string; response: string }> = [
  // right
  {
    problem: "b007_compare_unsigned8",
    response: fence(
      `${header}  assign lt = a < b;\n  assign eq = a == b;\n  assign gt = a > b;\nendmodule\n`,
      "Here’s 🚀 the comparator:\n",
    ),
  },
  // gt wrong
  {
    problem: "b007_compare_unsigned8",
    response: fence(`${header}  assign lt = a < b;\n  assign eq = a == b;\n  assign gt = a >= b;\nendmodule\n`),
  },
  // eq wrong, through an internal signal
  {
    problem: "b007_compare_unsigned8",
    response: fence(
      `${header}  wire [7:0] d;\n  assign d = a & b;\n  assign lt = a < b;\n  assign eq = d == a;\n  assign gt = a > b;\nendmodule\n`,
    ),
  },
  // does not compile
  { problem: "b007_compare_unsigned8", response: fence(`${header}  assign lt = a <;\nendmodule\n`) },
  // a problem with right and non-compiling answers only: module-level pairs
  {
    problem: "b002_mux2_8bit",
    response: fence(
      "module TopModule (input sel, input [7:0] a, input [7:0] b, output [7:0] y);\n  assign y = sel ? b : a;\nendmodule\n",
    ),
  },
  {
    problem: "b002_mux2_8bit",
    response: fence(
      "module TopModule (input sel, input [7:0] a, input [7:0] b, output [7:0] y);\n  assign y = sel ? b a;\nendmodule\n",
    ),
  },
];

let dir: string;
let rows: SalvRow[];
let runId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "salv-pairs-"));
  const suite = await loadSuite("builtin");
  const problems = suite.problems.filter((p) => SAMPLES.some((s) => s.problem === p.id));
  const raw = SAMPLES.map((s, i) => ({
    problem: s.problem,
    sample: SAMPLES.slice(0, i).filter((x) => x.problem === s.problem).length,
    text: s.response,
    extracted: false,
  }));
  const scores = await evaluateSamples(problems, raw, { verify: { engine: "sim", seed: 1 }, official: false });
  const store = openStore(join(dir, "rtlgym.db"));
  try {
    const r = store.createRun({ suite: suite.name, suiteRevision: suite.revision, kind: "run", params: { n: 4 } });
    runId = r.id;
    store.putGenerations(
      runId,
      raw.map((s) => {
        const problem = problems.find((p) => p.id === s.problem) as (typeof problems)[number];
        const built = buildPrompt(problem, { api: "chat" });
        return {
          problem: s.problem,
          sample: s.sample,
          prompt: { ...(built.system !== undefined && { system: built.system }), prompt: built.prompt },
          raw: s.text,
          code: extractCandidate(problem, s.text) || null,
        };
      }),
    );
    store.putScores(runId, scores);
  } finally {
    store.close();
  }
  const samples = samplesFromRun(runId, join(dir, "rtlgym.db"));
  expect(samples.map((s) => s.status)).toEqual(["pass", "compile_error", "pass", "fail", "fail", "compile_error"]);
  ({ rows } = await buildSalvPairs(samples, { python: findPython() }));
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const byId = (id: string) => {
  const r = rows.find((x) => x.id === id);
  if (!r) throw new Error(`no row ${id}: ${rows.map((x) => x.id).join(", ")}`);
  return r;
};
const chosenText = (r: SalvRow) => spanText(r.chosen[0]?.content ?? "", r.chosen_spans);
const rejectedText = (r: SalvRow) => spanText(r.rejected[0]?.content ?? "", r.rejected_spans);

describe("salv-pairs", () => {
  it("pairs a sample right on a signal with one wrong on it, for each contrasted signal", () => {
    expect(rows.map((r) => r.id).sort()).toEqual([
      "b002_mux2_8bit/module/0-1",
      "b007_compare_unsigned8/eq/0-2",
      "b007_compare_unsigned8/eq/1-2",
      "b007_compare_unsigned8/gt/0-1",
      "b007_compare_unsigned8/gt/2-1",
    ]);
    const gt = byId("b007_compare_unsigned8/gt/0-1");
    expect(gt.level).toBe("signal");
    expect(gt.prompt.at(-1)?.role).toBe("user");
    expect(gt.chosen[0]?.role).toBe("assistant");
    expect(gt.rejected_status).toBe("fail");
  });

  it("gives spans that cover the contrasted signal's slice and nothing of the other outputs", () => {
    const gt = byId("b007_compare_unsigned8/gt/0-1");
    // The chosen answer starts with astral and curly characters: spans count code points, as Python does.
    expect(chosenText(gt)).toBe("output       gt\nassign gt = a > b;");
    expect(rejectedText(gt)).toBe("output       gt\nassign gt = a >= b;");
    const eq = byId("b007_compare_unsigned8/eq/1-2");
    expect(chosenText(eq)).toBe("output       eq\nassign eq = a == b;");
    expect(rejectedText(eq)).toBe("output       eq\nwire [7:0] d;\nassign d = a & b;\nassign eq = d == a;");
  });

  it("falls back to module-level pairs (whole answers) where no signal pair exists", () => {
    const m = byId("b002_mux2_8bit/module/0-1");
    expect(m.level).toBe("module");
    expect(m.signal).toBe("");
    expect(m.rejected_status).toBe("compile_error");
    expect(chosenText(m)).toBe(m.chosen[0]?.content);
    expect(rejectedText(m)).toBe(m.rejected[0]?.content);
  });

  it("writes JSONL and Parquet that Hugging Face datasets reads with the same rows", async () => {
    const out = join(dir, "pairs");
    const { stats } = await buildSalvPairs(samplesFromRun(runId, join(dir, "rtlgym.db")), {
      python: findPython(),
      pairsPerSignal: 1,
      modulePairs: 1,
    });
    const files = await writeSalvPairs(out, rows, stats);
    expect(await readSalvPairs(files.jsonl)).toEqual(rows);
    const script = `
import sys, json, datasets
p = datasets.load_dataset("parquet", data_files=sys.argv[1])["train"]
j = datasets.load_dataset("json", data_files=sys.argv[2])["train"]
print(json.dumps({"n": p.num_rows, "cols": sorted(p.column_names), "same": p.to_list() == j.to_list(), "row": p[0]}))
`;
    const { stdout } = await run(findPython(), ["-c", script, files.parquet, files.jsonl], {
      env: { ...process.env, HF_DATASETS_OFFLINE: "1", HF_HUB_OFFLINE: "1" },
    });
    const got = JSON.parse(stdout.trim().split("\n").at(-1) as string);
    expect(got.n).toBe(rows.length);
    expect(got.same).toBe(true);
    expect(got.cols).toEqual(
      [
        "chosen",
        "chosen_sample",
        "chosen_spans",
        "id",
        "level",
        "prompt",
        "problem",
        "rejected",
        "rejected_sample",
        "rejected_spans",
        "rejected_status",
        "signal",
      ].sort(),
    );
    expect(got.row.chosen_spans[0]).toEqual(rows[0]?.chosen_spans[0]);
    expect(stats.signalRows).toBe(2);
    expect(stats.moduleRows).toBe(1);
  }, 60_000);

  it("puts the change that made a signal wrong inside the rejected answer's slice of that signal", async () => {
    // References of generated tasks (many families) and mutants of them (one changed token each): every signal a
    // mutant gets wrong must have the mutated code in its slice, whatever the family.
    const tasks = join(dir, "tasks");
    await run(
      join(ROOT, "node_modules", ".bin", "tsx"),
      [join(ROOT, "src", "cli", "main.ts"), "tasks", "generate", "--out", tasks, "--train", "360", "--heldout", "1"],
      { cwd: ROOT },
    );
    const problems = (await readFile(join(tasks, "train", "problems.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; reference: string })
      .filter((_, i) => i % 24 === 0);
    const reference = new Map(problems.map((p) => [p.id, fence(p.reference)]));
    const file = join(dir, "mutants.jsonl");
    await writeFile(
      file,
      problems
        .flatMap((p) =>
          [p.reference, ...generateMutants(p.reference, { limit: 3, seed: 1 }).map((m) => m.source)].map(
            (code) => `${JSON.stringify({ problem: p.id, response: fence(code) })}\n`,
          ),
        )
        .join(""),
    );
    const samples = await samplesFromFile(file, "tasks", join(tasks, "train"));
    const { rows: pairs, stats } = await buildSalvPairs(samples, { python: findPython() });
    expect(stats.signalRows).toBeGreaterThan(10);
    expect(stats.skipped).toEqual({});
    for (const r of pairs.filter((x) => x.level === "signal")) {
      const ref = Array.from(reference.get(r.problem) as string);
      const bad = Array.from(r.rejected[0]?.content ?? "");
      let lo = 0;
      while (lo < Math.min(ref.length, bad.length) && ref[lo] === bad[lo]) lo++;
      let k = 0;
      while (k < Math.min(ref.length, bad.length) - lo && ref[ref.length - 1 - k] === bad[bad.length - 1 - k]) k++;
      const hi = bad.length - k;
      const inSlice = r.rejected_spans.some((s) => s.start <= lo && hi <= s.end);
      expect(inSlice, `${r.id}: ${bad.slice(lo - 30, hi + 30).join("")}`).toBe(true);
    }
  }, 180_000);

  it("reproduces the rows the Python trainer's tests read (adapters/python/tests/fixtures)", async () => {
    const fixtures = join(ROOT, "adapters", "python", "tests", "fixtures");
    const out = join(dir, "fixture");
    await run(
      join(ROOT, "node_modules", ".bin", "tsx"),
      [
        join(ROOT, "src", "cli", "main.ts"),
        ...["data", "salv-pairs", "--samples", join(fixtures, "salv_samples.jsonl"), "--suite", "builtin"],
        ...["--out", out],
      ],
      { cwd: ROOT, env: { ...process.env, RTLGYM_HOME: dir } },
    );
    expect(await readFile(join(out, "pairs.jsonl"), "utf8")).toBe(
      await readFile(join(fixtures, "salv_pairs.jsonl"), "utf8"),
    );
  }, 120_000);

  it("rtlgym data salv-pairs --samples scores a samples file and builds the same pairs", async () => {
    const file = join(dir, "samples.jsonl");
    await writeFile(file, SAMPLES.map((s) => `${JSON.stringify(s)}\n`).join(""));
    const out = join(dir, "cli");
    const tsx = join(ROOT, "node_modules", ".bin", "tsx");
    const { stdout } = await run(
      tsx,
      [
        join(ROOT, "src", "cli", "main.ts"),
        "data",
        "salv-pairs",
        "--samples",
        file,
        "--suite",
        "builtin",
        "--out",
        out,
        "--json",
      ],
      { cwd: ROOT, env: { ...process.env, RTLGYM_HOME: dir } },
    );
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ rows: 5, signalRows: 4, moduleRows: 1 });
    const cli = (await readFile(join(out, "pairs.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as SalvRow);
    expect(cli.map((r) => [r.id, r.chosen_spans, r.rejected_spans])).toEqual(
      rows.map((r) => [r.id, r.chosen_spans, r.rejected_spans]),
    );
    const err = await run(tsx, [join(ROOT, "src", "cli", "main.ts"), "data", "salv-pairs", "--out", out], {
      cwd: ROOT,
    }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr).toContain("exactly one of --run RUN or --samples FILE");
  }, 120_000);
});
