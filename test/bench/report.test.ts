import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  compareSummaries,
  renderComparison,
  renderHtml,
  renderJson,
  renderMarkdown,
  writeReports,
} from "../../src/bench/report/index.js";
import { BenchSummary, type SampleScore } from "../../src/contracts/bench.js";
import type { VerifyResult } from "../../src/contracts/verify.js";

const EVIL = '<script>alert("x")</script>';

function result(status: VerifyResult["status"], extra: Partial<VerifyResult> = {}): VerifyResult {
  return {
    status,
    decidedBy: status === "compile_error" ? "frontend" : "sim",
    message: status === "pass" ? "equivalent on 512 steps" : `${status}`,
    signals: [],
    engines: {
      sim: {
        status: status === "pass" ? "pass" : "fail",
        seed: 7,
        cycles: 256,
        samples: 512,
        exhaustive: false,
        durationMs: 40,
      },
      formal: { status: "skipped", durationMs: 0 },
    },
    diagnostics: [],
    toolVersions: { iverilog: "Icarus Verilog version 11.0 (stable)", yosys: "Yosys 0.55", yosysBackend: "native" },
    timings: { totalMs: 60, frontendMs: 10, simMs: 40, formalMs: 0 },
    options: {
      engine: "sim",
      seed: 7,
      cycles: 256,
      vectors: 256,
      exhaustiveBits: 12,
      formalDepth: 20,
      formalTimeoutMs: 30000,
      timeoutMs: 60000,
    },
    ...extra,
  };
}

const scores: SampleScore[] = [
  {
    problem: "Prob001_zero",
    sample: 0,
    status: "pass",
    failingSignals: [],
    disagreement: false,
    result: result("pass"),
  },
  {
    problem: "Prob031_dff",
    sample: 0,
    status: "fail",
    failingSignals: ["q", EVIL],
    official: { verdict: "pass", mismatches: 0, detail: "Mismatches: 0 in 100 samples", durationMs: 30 },
    disagreement: true,
    result: result("fail", {
      message: `q differs; ${EVIL}`,
      signals: [
        { name: "q", ok: false, mismatches: 12, definedSamples: 500, decidedBy: "sim" },
        { name: EVIL, ok: false, mismatches: 1, decidedBy: "sim" },
        { name: "ok_out", ok: true, mismatches: 0 },
      ],
      counterexample: {
        engine: "sim",
        signal: "q",
        cycle: 17,
        phase: "post",
        inputs: { d: "1", reset: "0", [EVIL]: "x" },
        expected: "1",
        got: "<b>0</b>",
      },
    }),
  },
  {
    problem: "Prob031_dff",
    sample: 1,
    status: "compile_error",
    failingSignals: [],
    disagreement: false,
    result: result("compile_error", {
      diagnostics: [`cand.v:3: syntax error near ${EVIL}\n\`\`\` fence breaker`],
    }),
  },
];

const summaryA: BenchSummary = BenchSummary.parse({
  suite: "verilog-eval-v2",
  suiteRevision: "sha256:1a2b3c+upstream@9f8e7d",
  runId: "2026-11-22T10-31-05-a1b2",
  model: "qwen2.5-coder-7b",
  attempted: 3,
  scored: 2,
  excluded: [{ id: "Prob099_m2014_q6c", reason: "testbench ports disagree with the reference" }],
  passAtK: { "1": 0.5, "2": 2 / 3 },
  officialPassAtK: { "1": 0.75, "2": 1 },
  passAtKByTag: { sequential: { "1": 0.25, "2": 0.5 }, combinational: { "1": 1, "2": 1 } },
  statuses: { pass: 1, fail: 1, compile_error: 1 },
  disagreements: [
    {
      problem: "Prob031_dff",
      sample: 0,
      rtlgym: "fail",
      official: "pass",
      evidence: `rtlgym fail (sim): q expected 1 got ${EVIL} at cycle 17 (post)`,
    },
  ],
  problems: [
    {
      id: "Prob001_zero",
      tags: ["combinational"],
      n: 2,
      c: 2,
      passAtK: { "1": 1, "2": 1 },
      statuses: { pass: 2 },
      failingSignals: {},
      disagreements: 0,
    },
    {
      id: "Prob031_dff",
      tags: ["sequential"],
      n: 2,
      c: 0,
      officialC: 1,
      passAtK: { "1": 0, "2": 0 },
      statuses: { fail: 1, compile_error: 1 },
      failingSignals: { q: 1, [EVIL]: 1 },
      disagreements: 1,
    },
    {
      id: "Prob050_counter",
      tags: ["sequential"],
      n: 0,
      c: 0,
      passAtK: {},
      statuses: {},
      failingSignals: {},
      disagreements: 0,
    },
  ],
  toolVersions: { iverilog: "Icarus Verilog version 11.0 (stable)", yosys: "Yosys 0.55", verilator: null },
  seed: 7,
  createdAt: "2026-11-22T10:40:00.000Z",
});

describe("renderMarkdown", () => {
  const md = renderMarkdown(summaryA, scores);

  it("has the pass@k table and one problem row per problem, every row the header's width", () => {
    expect(md).toContain("|  | pass@1 | pass@2 |");
    expect(md).toContain("| rtlgym | 50.0% | 66.7% |");
    expect(md).toContain("| official testbench | 75.0% | 100.0% |");
    const lines = md.split("\n");
    const header = lines.findIndex((l) => l.startsWith("| problem | tags |"));
    expect(header).toBeGreaterThan(0);
    const rows: string[] = [];
    for (let i = header; lines[i]?.startsWith("|"); i++) rows.push(lines[i] as string);
    expect(rows).toHaveLength(2 + summaryA.problems.length);
    // Escaped pipes do not count as cell separators.
    const cells = (l: string) => l.split(/(?<!\\)\|/).length;
    for (const r of rows) expect(cells(r)).toBe(cells(rows[0] as string));
    expect(rows[3]).toMatch(/^\| Prob031_dff \| sequential \| 2 \| 0 \| 1 \| 0\.0% \| 0\.0% \|/);
    expect(md).toContain("| sequential | 2 | 25.0% | 50.0% |");
  });

  it("shows the counterexample, run facts and exclusions, with candidate text escaped", () => {
    expect(md).toContain(
      '| q | 17 | post | d=1 reset=0 &lt;script&gt;alert("x")&lt;/script&gt;=x | 1 | &lt;b&gt;0&lt;/b&gt; |',
    );
    // Raw candidate text appears only inside code fences, which Markdown renders as text.
    const outsideFences = md.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1$/gm, "");
    expect(outsideFences).toContain("&lt;script&gt;");
    expect(outsideFences).not.toMatch(/<script|<b>/);
    expect(md).toContain(`\`\`\`\`\ncand.v:3: syntax error near ${EVIL}\n\`\`\` fence breaker\n\`\`\`\``);
    expect(md).toContain("2026-11-22T10-31-05-a1b2");
    expect(md).toContain("sha256:1a2b3c+upstream@9f8e7d");
    expect(md).toContain("| Seed | 7 |");
    expect(md).toContain("verilator (missing)");
    expect(md).toContain("- Prob099_m2014_q6c: testbench ports disagree");
    // The diagnostics fence is longer than the backtick run inside it.
    expect(md).toContain("````\ncand.v:3: syntax error");
  });
});

describe("renderHtml", () => {
  const html = renderHtml(summaryA, scores);

  it("is one self-contained page with no external assets and no scripts", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain("<style>");
    expect(html).not.toMatch(/src="http|href="http|<link|<script|@import|url\(/i);
    expect(html.match(/<html/g)).toHaveLength(1);
  });

  it("escapes everything that came from candidates", () => {
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("&lt;b&gt;0&lt;/b&gt;");
    expect(html).not.toContain("<b>0</b>");
  });

  it("carries pass@k, statuses, problems, signal failures, counterexample, disagreements and run facts", () => {
    for (const s of [
      "pass@1",
      "50.0%",
      "75.0%",
      "compile_error",
      "Prob050_counter",
      "Counterexample (sim)",
      "<td>17</td>",
      "after edge",
      "Disagreements with the official testbench",
      "rtlgym fail (sim): q expected 1",
      "Yosys 0.55",
      "sha256:1a2b3c+upstream@9f8e7d",
      "2026-11-22T10-31-05-a1b2",
      "qwen2.5-coder-7b",
      "Prob099_m2014_q6c",
      "<td>7</td>",
    ])
      expect(html).toContain(s);
  });
});

describe("renderJson and writeReports", () => {
  it("round-trips the summary", () => {
    expect(BenchSummary.parse(JSON.parse(renderJson(summaryA)))).toEqual(summaryA);
  });

  it("writes the three files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rtlgym-report-"));
    try {
      const files = await writeReports(join(dir, "out"), summaryA, scores);
      expect(JSON.parse(readFileSync(files.json, "utf8")).runId).toBe(summaryA.runId);
      expect(readFileSync(files.markdown, "utf8")).toBe(renderMarkdown(summaryA, scores));
      expect(readFileSync(files.html, "utf8")).toContain("<!DOCTYPE html>");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("compareSummaries", () => {
  const summaryB: BenchSummary = {
    ...summaryA,
    runId: "2026-11-23T08-00-00-c3d4",
    model: "qwen2.5-coder-7b-rl",
    passAtK: { "1": 0.6, "2": 0.5 },
    officialPassAtK: { "1": 0.75 },
    passAtKByTag: { sequential: { "1": 0.5, "2": 0.5 }, fsm: { "1": 0.1 } },
    statuses: { pass: 3, fail: 1 },
    problems: [
      { ...(summaryA.problems[0] as BenchSummary["problems"][number]), c: 0, passAtK: { "1": 0 } },
      { ...(summaryA.problems[1] as BenchSummary["problems"][number]), c: 1, passAtK: { "1": 0.5 } },
      { ...(summaryA.problems[2] as BenchSummary["problems"][number]), n: 2, c: 2 },
    ],
  };
  const diff = compareSummaries(summaryA, summaryB);

  it("computes pass@k deltas overall, official and per tag", () => {
    expect(diff.comparable).toBe(true);
    expect(diff.passAtK.map((d) => d.k)).toEqual(["1", "2"]);
    expect(diff.passAtK[0]?.delta).toBeCloseTo(0.1, 12);
    expect(diff.passAtK[1]?.delta).toBeCloseTo(0.5 - 2 / 3, 12);
    expect(diff.officialPassAtK).toEqual([
      { k: "1", a: 0.75, b: 0.75, delta: 0 },
      { k: "2", a: 1, b: null, delta: null },
    ]);
    const tags = Object.fromEntries(diff.passAtKByTag.map((g) => [g.tag, g.deltas]));
    expect(Object.keys(tags)).toEqual(["combinational", "fsm", "sequential"]);
    expect(tags.sequential?.[0]?.delta).toBeCloseTo(0.25, 12);
    expect(tags.combinational?.[0]).toEqual({ k: "1", a: 1, b: null, delta: null });
    expect(tags.fsm?.[0]).toEqual({ k: "1", a: null, b: 0.1, delta: null });
  });

  it("lists flipped problems and status count deltas", () => {
    expect(diff.flipped).toEqual([
      { id: "Prob031_dff", from: "fail", to: "pass", a: { n: 2, c: 0 }, b: { n: 2, c: 1 } },
      { id: "Prob001_zero", from: "pass", to: "fail", a: { n: 2, c: 2 }, b: { n: 2, c: 0 } },
    ]);
    expect(diff.onlyInA).toEqual([]);
    expect(diff.onlyInB).toEqual(["Prob050_counter"]);
    expect(diff.statuses).toEqual([
      { key: "compile_error", a: 1, b: 0, delta: -1 },
      { key: "fail", a: 1, b: 1, delta: 0 },
      { key: "pass", a: 1, b: 3, delta: 2 },
    ]);
  });

  it("renders text and markdown", () => {
    const text = renderComparison(diff, "text");
    expect(text).toMatch(/pass@1\s+50\.0%\s+60\.0%\s+\+10\.0 pp/);
    expect(text).toMatch(/pass@2\s+66\.7%\s+50\.0%\s+-16\.7 pp/);
    expect(text).toMatch(/Prob031_dff\s+fail -> pass\s+0\/2\s+1\/2/);
    expect(text).toContain("1 now solved, 1 no longer solved");
    const md = renderComparison(diff, "markdown");
    expect(md).toContain("| pass@1 | 50.0% | 60.0% | +10.0 pp |");
    expect(md).toContain("| pass | 1 | 3 | +2 |");
    expect(md).toContain("| Prob001_zero | pass -> fail | 2/2 | 0/2 |");
    const other = renderComparison(compareSummaries(summaryA, { ...summaryB, suiteRevision: "other" }), "text");
    expect(other).toContain("not directly comparable");
  });
});
