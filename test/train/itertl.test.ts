import { describe, expect, it } from "vitest";
import type { Problem, SampleScore } from "../../src/contracts/bench.js";
import type { StoredSample } from "../../src/runs/index.js";
import { rankedRows, sampleScore } from "../../src/train/itertl.js";

// The ranking data of an ITERTL round: scores from rtlgym's rewards, samples without a verdict masked, never 0.

const REF = "module TopModule(input a, output y);\n  assign y = a;\nendmodule\n";
const problem = { id: "p1", reference: REF } as unknown as Problem;

function sample(i: number, status: string, code: string | null): StoredSample {
  const score = { problem: "p1", sample: i, status, result: { status, signals: [] } } as unknown as SampleScore;
  return {
    runId: "r",
    problem: "p1",
    sample: i,
    prompt: { system: "You write Verilog.", prompt: "write it" }, // as a bench run stores a chat prompt
    raw: code === null ? "no code" : `\`\`\`verilog\n${code}\`\`\``,
    code,
    score,
    error: null,
    generatedAt: "",
    scoredAt: "",
  };
}

describe("ITERTL ranking rows", () => {
  it("scores a pass above a compile error, and masks infra errors", () => {
    const samples = [
      sample(0, "pass", REF),
      sample(1, "compile_error", "module TopModule(input a, output y); assign y = ; endmodule"),
      sample(2, "infra_error", REF),
    ];
    const out = rankedRows(samples, [problem], new Map([["p1", "```verilog\nREF\n```"]]), { "itertl-functional": 1 });
    expect(out.masked).toBe(1);
    expect(out.scored).toBe(2);
    expect(out.passed).toBe(1);
    expect(out.rows).toHaveLength(1);
    const [row] = out.rows;
    expect(row?.responses).toHaveLength(2);
    expect(row?.scores[0]).toBeCloseTo(2); // equivalent (1) + Rouge-L 1
    expect(row?.scores[1]).toBeLessThan(1); // no functional point, partial Rouge-L
    expect(row?.passed).toEqual([true, false]); // what the `verified` CE target trains on
    // The messages the samples were drawn with, which the trainer renders with the chat template as the server does.
    expect(row?.prompt).toEqual([
      { role: "system", content: "You write Verilog." },
      { role: "user", content: "write it" },
    ]);
  });

  it("refuses samples stored without a chat prompt instead of training on some other prompt", () => {
    const bare = { ...sample(0, "pass", REF), prompt: "write it" };
    expect(() => rankedRows([bare], [problem], new Map([["p1", "REF"]]), { "itertl-functional": 1 })).toThrow(
      /p1#0 of run r has no chat prompt/,
    );
  });

  it("weights and sums several rewards; the paper's score gives a compiling wrong design its syntax point", () => {
    const wrong = sample(0, "fail", "module TopModule(input a, output y);\n  assign y = ~a;\nendmodule\n");
    const paper = sampleScore({ itertl: 1 }, wrong, problem).score ?? Number.NaN;
    const functional = sampleScore({ "itertl-functional": 1 }, wrong, problem).score ?? Number.NaN;
    expect(paper - functional).toBeCloseTo(1);
    const mixed = sampleScore({ itertl: 0.5, "codev-noformat": 2 }, sample(1, "pass", REF), problem).score;
    expect(mixed).toBeCloseTo(0.5 * 2 + 2 * 1);
  });

  it("gives a response with several modules the paper's -1", () => {
    const two = sample(0, "pass", `${REF}module Extra(); endmodule\n`);
    expect(sampleScore({ itertl: 1 }, two, problem).score).toBe(-1);
  });
});
