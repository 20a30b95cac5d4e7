import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderHtml, renderMarkdown } from "../../src/bench/report/index.js";
import { readSamplesFile, referenceAsCandidate } from "../../src/bench/samples.js";
import { selectProblems } from "../../src/bench/select.js";
import { summarise } from "../../src/bench/summary.js";
import {
  BenchSummary,
  type LoadedSuite,
  type Problem,
  type SampleScore,
  type VerifyResult,
  type VerifyStatus,
} from "../../src/contracts/index.js";

const problem = (id: string, tags: string[], excluded?: string): Problem => ({
  suite: "t",
  id,
  task: "spec-to-rtl",
  prompt: `spec ${id}`,
  reference: "module RefModule(input a, output y); assign y = a; endmodule",
  refTop: "RefModule",
  candTop: "TopModule",
  tags,
  ...(excluded !== undefined && { excluded }),
});

function result(status: VerifyStatus, failing: string[] = []): VerifyResult {
  return {
    status,
    decidedBy: "sim",
    message: status,
    signals: [{ name: "y", ok: !failing.includes("y") }],
    engines: {
      sim: { status: "pass", seed: 1, cycles: 2, samples: 2, exhaustive: true, durationMs: 1 },
      formal: { status: "skipped", durationMs: 0 },
    },
    diagnostics: [],
    toolVersions: { iverilog: "11", yosys: "0.23", yosysBackend: "native" },
    timings: { totalMs: 1, frontendMs: 0, simMs: 1, formalMs: 0 },
    options: {
      engine: "sim",
      seed: 1,
      cycles: 10,
      vectors: 10,
      exhaustiveBits: 12,
      formalDepth: 20,
      formalTimeoutMs: 1000,
      timeoutMs: 1000,
    },
  };
}

const score = (p: string, sample: number, status: VerifyStatus, official?: "pass" | "fail"): SampleScore => ({
  problem: p,
  sample,
  status,
  failingSignals: status === "fail" ? ["y"] : [],
  ...(official && {
    official: { verdict: official, mismatches: official === "pass" ? 0 : 3, detail: "", durationMs: 1 },
  }),
  disagreement: official !== undefined && (official === "pass") !== (status === "pass"),
  result: result(status, status === "fail" ? ["y"] : []),
});

describe("summarise", () => {
  const problems = [
    problem("a", ["comb"]),
    problem("b", ["comb", "seq"]),
    problem("c", ["seq"]),
    problem("x", [], "broken upstream"),
  ];

  it("keeps unscored problems in the denominator and lists exclusions with reasons", () => {
    const s = summarise({
      suite: "t",
      suiteRevision: "r1",
      problems,
      scores: [
        score("a", 0, "pass", "pass"),
        score("a", 1, "fail", "pass"),
        score("b", 0, "fail", "fail"),
        score("b", 1, "compile_error", "fail"),
      ],
      seed: 7,
      toolVersions: { iverilog: "11", yosys: "0.23", yosysBackend: "native" },
    });
    expect(BenchSummary.parse(s)).toBeTruthy();
    expect(s.attempted).toBe(3);
    expect(s.scored).toBe(2);
    expect(s.excluded).toEqual([{ id: "x", reason: "broken upstream" }]);
    // a: pass@1 = 0.5, pass@2 = 1; b: 0; c: unscored -> 0. Means over 3 problems.
    expect(s.passAtK["1"]).toBeCloseTo(0.5 / 3, 12);
    expect(s.passAtK["2"]).toBeCloseTo(1 / 3, 12);
    expect(s.officialPassAtK?.["1"]).toBeCloseTo(1 / 3, 12);
    expect(s.passAtKByTag.comb?.["1"]).toBeCloseTo(0.25, 12);
    expect(s.passAtKByTag.seq?.["1"]).toBe(0);
    expect(s.statuses).toEqual({ pass: 1, fail: 2, compile_error: 1 });
    expect(s.disagreements).toHaveLength(1);
    expect(s.disagreements[0]).toMatchObject({ problem: "a", sample: 1, rtlgym: "fail", official: "pass" });
    const a = s.problems.find((p) => p.id === "a");
    expect(a).toMatchObject({ n: 2, c: 1, officialC: 2, failingSignals: { y: 1 }, disagreements: 1 });
  });

  it("reports only the k values every scored problem has samples for", () => {
    const s = summarise({
      suite: "t",
      suiteRevision: "r1",
      problems: problems.slice(0, 2),
      scores: [score("a", 0, "pass"), score("a", 1, "pass"), score("a", 2, "pass"), score("b", 0, "fail")],
      ks: [1, 2, 5],
      seed: 1,
      toolVersions: { iverilog: null, yosys: null, yosysBackend: null },
    });
    expect(Object.keys(s.passAtK)).toEqual(["1"]);
  });
});

describe("minimum strength", () => {
  const graded = (p: string, sample: number, strength: "simulated" | "bounded" | "proved"): SampleScore => {
    const s = score(p, sample, "pass");
    s.result.assurance = {
      formal: strength === "simulated" ? "none" : strength,
      simulated: 100,
      exhaustive: false,
      strength,
      coverage: { stateBits: 4, toggled: 3, fsms: 1, fsmStates: 3, fsmStatesVisited: 2 },
    };
    return s;
  };
  const input = {
    suite: "t",
    suiteRevision: "r1",
    problems: [problem("a", ["seq"]), problem("b", ["seq"])],
    // a: one pass per strength; b: two simulated passes and a fail.
    scores: [
      graded("a", 0, "simulated"),
      graded("a", 1, "bounded"),
      graded("a", 2, "proved"),
      graded("b", 0, "simulated"),
      graded("b", 1, "simulated"),
      score("b", 2, "fail"),
    ],
    seed: 1,
    toolVersions: { iverilog: null, yosys: null, yosysBackend: null },
  };

  it("counts passes per strength, and without a bar every pass counts", () => {
    const s = summarise(input);
    expect(s.strength).toEqual({ counts: { simulated: 3, bounded: 1, proved: 1 } });
    expect(s.problems.map((p) => p.c)).toEqual([3, 2]);
    expect(s.problems[0]?.strengths).toEqual({ simulated: 1, bounded: 1, proved: 1 });
    expect(s.problems[0]?.belowMinStrength).toBeUndefined();
  });

  it("drops passes below the bar from c and pass@k, keeps them in the statuses and says how many", () => {
    const s = summarise({ ...input, minStrength: { level: "bounded" } });
    expect(BenchSummary.parse(s)).toBeTruthy();
    expect(s.statuses).toEqual({ pass: 5, fail: 1 });
    expect(s.problems.map((p) => [p.c, p.belowMinStrength])).toEqual([
      [2, 1],
      [0, 2],
    ]);
    expect(s.strength).toEqual({
      counts: { simulated: 3, bounded: 1, proved: 1 },
      min: { level: "bounded" },
      belowMin: 3,
    });
    // a: 2 of 3 -> pass@1 2/3; b: 0.
    expect(s.passAtK["1"]).toBeCloseTo(1 / 3, 12);
    // A toggle share: bounded passes toggled 3 of 4 bits (75%), so at 80% only the proved pass of a counts.
    const strict = summarise({ ...input, minStrength: { level: "bounded", toggle: 0.8 } });
    expect(strict.problems.map((p) => p.c)).toEqual([1, 0]);
    expect(strict.strength?.belowMin).toBe(4);
  });

  it("reports show the counts per strength, the bar and each pass's strength and evidence", () => {
    const s = summarise({ ...input, minStrength: { level: "bounded" } });
    const md = renderMarkdown(s, input.scores);
    expect(md).toContain("## Pass strength");
    expect(md).toMatch(/\| simulated \| 3 \|/);
    expect(md).toContain("3 passes fell below it and do not count toward pass@k");
    expect(md).toMatch(
      /\| a \| 0 \| simulated \| 100 simulated, toggled 3\/4 state bits, FSM states 2\/3 \| simulated is below bounded \|/,
    );
    expect(md).toMatch(/\| a \| 2 \| proved \| formal proof, .* \| - \|/);
    const html = renderHtml(s, input.scores);
    expect(html).toContain("<h2>Pass strength</h2>");
    expect(html).toContain("simulated is below bounded");
  });
});

describe("samples files", () => {
  const suite: LoadedSuite = {
    name: "t",
    revision: "r",
    dataDir: null,
    problems: [problem("a", []), problem("b", [])],
  };
  async function file(text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "rtlgym-samples-"));
    const path = join(dir, "s.jsonl");
    await writeFile(path, text);
    return path;
  }

  it("reads rtlgym rows and VerilogEval v1 rows, numbering samples per problem", async () => {
    const path = await file(
      [
        JSON.stringify({ problem: "a", response: "```verilog\nmodule TopModule; endmodule\n```" }),
        JSON.stringify({ task_id: "a", completion: "assign y = a;\nendmodule" }),
        "",
        JSON.stringify({ problem: "t/b", code: "module TopModule; endmodule", sample: 4 }),
      ].join("\n"),
    );
    const rows = await readSamplesFile(path, suite);
    expect(rows.map((r) => [r.problem, r.sample, r.extracted])).toEqual([
      ["a", 0, false],
      ["a", 1, false],
      ["b", 4, true],
    ]);
  });

  it("names the line of a bad row", async () => {
    await expect(readSamplesFile(await file(`{"problem":"a","response":"x"}\n{oops`), suite)).rejects.toThrow(
      /s\.jsonl:2: not valid JSON/,
    );
    await expect(readSamplesFile(await file(`{"problem":"zz","response":"x"}`), suite)).rejects.toThrow(
      /no problem "zz"/,
    );
    await expect(readSamplesFile(await file(`{"problem":"a"}`), suite)).rejects.toThrow(/exactly one of/);
    await expect(
      readSamplesFile(
        await file(`{"problem":"a","code":"x","sample":0}\n{"problem":"a","code":"y","sample":0}`),
        suite,
      ),
    ).rejects.toThrow(/appears twice/);
  });

  it("renames the reference top to the candidate's name", () => {
    expect(referenceAsCandidate(problem("a", []))).toContain("module TopModule");
  });
});

describe("selectProblems", () => {
  const list = [problem("Prob001_a", ["x"]), problem("Prob002_b", ["y"]), problem("Prob010_c", ["x"])];
  it("filters by glob, tags and limit, and rejects patterns that match nothing", () => {
    expect(selectProblems(list, { problems: ["Prob00*"] }).map((p) => p.id)).toEqual(["Prob001_a", "Prob002_b"]);
    expect(selectProblems(list, { tags: ["x"], limit: 1 }).map((p) => p.id)).toEqual(["Prob001_a"]);
    expect(() => selectProblems(list, { problems: ["nope"] })).toThrow(/matches no problem/);
  });
});
