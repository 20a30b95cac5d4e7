import { describe, expect, it } from "vitest";
import type { VerifyResult, VerifyStatus } from "../../src/contracts/index.js";
import {
  codeTokens,
  codevFormatError,
  getReward,
  lcsLength,
  listRewards,
  normalisedScore,
  prepareResponse,
  rougeL,
  scoreVerdict,
} from "../../src/reward/index.js";
import { parseStrengthBar } from "../../src/verify/index.js";

const REF =
  "module TopModule(input a, input b, output y, output z);\n  assign y = a & b;\n  assign z = a | b;\nendmodule\n";

function verdict(status: VerifyStatus, ok: boolean[] = [true, true]): VerifyResult {
  return {
    status,
    decidedBy: "sim",
    message: status,
    signals: ok.map((o, i) => ({ name: `o${i}`, ok: o })),
    engines: {
      sim: { status: "skipped", seed: 1, cycles: 0, samples: 0, exhaustive: false, durationMs: 0 },
      formal: { status: "skipped", durationMs: 0 },
    },
    diagnostics: [],
    toolVersions: { iverilog: null, yosys: null, yosysBackend: null },
    timings: { totalMs: 0, frontendMs: 0, simMs: 0, formalMs: 0 },
    options: {
      engine: "both",
      seed: 1,
      cycles: 1,
      vectors: 1,
      exhaustiveBits: 1,
      formalDepth: 2,
      formalTimeoutMs: 1,
      timeoutMs: 1,
    },
  };
}

const score = (name: string, result: VerifyResult, code = REF, response = "") =>
  scoreVerdict(getReward(name), { result, response, code, reference: REF }, { noVerdictReward: null });

const answer = (code: string) => `<think>\nreasoning\n</think>\n<answer>\n\`\`\`verilog\n${code}\`\`\`\n</answer>`;

describe("codev format gate", () => {
  it("accepts think then answer with a verilog fence, and nothing else", () => {
    expect(codevFormatError(answer(REF))).toBeUndefined();
    expect(codevFormatError(`  ${answer(REF)}\n`)).toBeUndefined();
    expect(codevFormatError(`\`\`\`verilog\n${REF}\`\`\``)).toMatch(/not <think>/);
    expect(codevFormatError(`${answer(REF)} trailing prose`)).toMatch(/not <think>/);
    expect(codevFormatError("<think>x</think><answer>module m; endmodule</answer>")).toMatch(/no ```verilog/);
  });

  it("gates the response before any check, and only for codev", () => {
    const bad = `Sure!\n\`\`\`verilog\n${REF}\`\`\``;
    expect(prepareResponse(getReward("codev"), bad).formatError).toMatch(/not <think>/);
    const noformat = prepareResponse(getReward("codev-noformat"), bad);
    expect(noformat.formatError).toBeUndefined();
    expect(noformat.code).toContain("module TopModule");
    expect(prepareResponse(getReward("signal"), "no code at all").formatError).toBe("no Verilog module found");
    expect(prepareResponse(getReward("codev"), answer(REF)).method).toBe("answer-fence");
  });
});

describe("rewards", () => {
  it("registers codev, codev-noformat, signal, itertl and itertl-functional", () => {
    expect(listRewards().map((r) => r.name)).toEqual([
      "codev",
      "codev-noformat",
      "signal",
      "itertl",
      "itertl-functional",
    ]);
    expect(() => getReward("nope")).toThrow(/unknown reward "nope"/);
  });

  it("codev: 1 iff equivalent", () => {
    expect(score("codev", verdict("pass")).reward).toBe(1);
    for (const s of ["fail", "compile_error", "interface_mismatch", "timeout"] as const)
      expect(score("codev", verdict(s)).reward).toBe(0);
  });

  it("signal: fraction of correct outputs, 0 when nothing was compared", () => {
    expect(score("signal", verdict("pass")).reward).toBe(1);
    expect(score("signal", verdict("fail", [true, false, true, false])).reward).toBe(0.5);
    expect(score("signal", verdict("fail", [true, false, true, false])).details).toMatchObject({
      correctSignals: 2,
      totalSignals: 4,
    });
    for (const s of ["compile_error", "interface_mismatch", "timeout"] as const)
      expect(score("signal", verdict(s, [true, true])).reward).toBe(0);
  });

  it("itertl: syntax term plus Rouge-L to the reference; several modules get -1", () => {
    const same = score("itertl", verdict("fail", [false, false]));
    expect(same.reward).toBeCloseTo(2, 10);
    expect(same.details).toMatchObject({ syntax: 1, rougeL: 1 });
    expect(score("itertl", verdict("compile_error")).reward).toBeCloseTo(1, 10);
    const two = `${REF}module Extra(input a, output b); assign b = a; endmodule\n`;
    expect(score("itertl", verdict("pass"), two).reward).toBe(-1);
    const other =
      "module TopModule(input a, input b, output y, output z);\n  assign y = a ^ b;\n  assign z = 0;\nendmodule\n";
    const partial = score("itertl", verdict("fail"), other).reward as number;
    expect(partial).toBeGreaterThan(1);
    expect(partial).toBeLessThan(2);
  });

  it("itertl-functional: the tool term is the functional pass", () => {
    expect(score("itertl-functional", verdict("fail")).reward).toBeCloseTo(1, 10);
    expect(score("itertl-functional", verdict("pass")).reward).toBeCloseTo(2, 10);
  });

  it("no verdict (infra_error, unsupported) follows the explicit policy, never a silent 0", () => {
    for (const name of listRewards().map((r) => r.name)) {
      for (const s of ["infra_error", "unsupported"] as const) {
        expect(score(name, verdict(s)).reward).toBeNull();
        const fn = getReward(name);
        const input = { result: verdict(s), response: "", code: REF, reference: REF };
        expect(scoreVerdict(fn, input, { noVerdictReward: -0.5 }).reward).toBe(-0.5);
      }
    }
  });

  it("normalises rewards onto 0..1 with each reward's range", () => {
    expect(normalisedScore(getReward("codev"), 1)).toBe(1);
    expect(normalisedScore(getReward("itertl"), -1)).toBe(0);
    expect(normalisedScore(getReward("itertl"), 0.5)).toBeCloseTo(0.5, 10);
    expect(normalisedScore(getReward("signal"), null)).toBeNull();
  });
});

describe("Rouge-L", () => {
  it("is the LCS F-measure over tokens", () => {
    expect(lcsLength(["a", "b", "c", "d"], ["a", "c", "d", "e"])).toBe(3);
    expect(rougeL(["a", "b", "c", "d"], ["a", "c", "d", "e"])).toBeCloseTo(0.75, 10);
    expect(rougeL([], ["a"])).toBe(0);
    expect(rougeL(["x"], ["x"])).toBe(1);
  });
});

describe("VHDL answers", () => {
  const VHDL = `library ieee;
use ieee.std_logic_1164.all;
-- two gates
entity TopModule is
  port (a, b : in std_logic; y, z : out std_logic);
end entity;
architecture rtl of TopModule is
begin
  y <= a and b;
  z <= a or b;
end architecture;
`;
  const vanswer = (code: string, fence = "vhdl") =>
    `<think>\nx\n</think>\n<answer>\n\`\`\`${fence}\n${code}\`\`\`\n</answer>`;
  const vscore = (name: string, result: VerifyResult, code: string) =>
    scoreVerdict(
      getReward(name),
      { result, response: "", code, reference: VHDL, language: "vhdl" },
      { noVerdictReward: null },
    );

  it("codev's gate wants a ```vhdl fence for a VHDL answer, a ```verilog one otherwise", () => {
    expect(codevFormatError(vanswer(VHDL), "vhdl")).toBeUndefined();
    expect(codevFormatError(vanswer(VHDL, "verilog"), "vhdl")).toMatch(/no ```vhdl/);
    expect(codevFormatError(vanswer(VHDL))).toMatch(/no ```verilog/);
    const p = prepareResponse(getReward("codev"), vanswer(VHDL), undefined, "vhdl");
    expect(p).toMatchObject({ method: "fence-vhdl", code: VHDL.trim() });
    expect(p.formatError).toBeUndefined();
    expect(prepareResponse(getReward("codev"), vanswer(REF, "verilog"), undefined, "vhdl").formatError).toMatch(
      /```vhdl/,
    );
    expect(prepareResponse(getReward("signal"), "```vhdl\nno entity\n```", undefined, "vhdl").formatError).toBe(
      "no VHDL entity found",
    );
  });

  it("itertl counts entities and compares VHDL tokens case-insensitively, comments dropped", () => {
    const same = vscore("itertl", verdict("fail"), VHDL.toUpperCase().replace("-- TWO GATES", "-- other words"));
    expect(same.reward).toBeCloseTo(2, 10);
    expect(same.details).toMatchObject({ modules: 1, referenceModules: 1, rougeL: 1 });
    const two = `${VHDL}entity Extra is port (a : in std_logic); end entity;\narchitecture r of Extra is begin end;\n`;
    expect(vscore("itertl", verdict("pass"), two).reward).toBe(-1);
    // Read as Verilog, `--` is no comment and entities are no modules: the language matters.
    expect(codeTokens(VHDL, "vhdl")).not.toContain("two");
    expect(codeTokens(VHDL)).toContain("two");
  });
});

describe("minimum strength", () => {
  const withEvidence = (strength: "simulated" | "bounded" | "proved", toggled?: number): VerifyResult => ({
    ...verdict("pass"),
    assurance: {
      formal: strength === "simulated" ? "none" : strength,
      simulated: 2000,
      exhaustive: false,
      strength,
      ...(toggled !== undefined && { coverage: { stateBits: 10, toggled } }),
    },
  });
  const scored = (name: string, result: VerifyResult, bar: string) =>
    scoreVerdict(
      getReward(name),
      { result, response: "", code: REF, reference: REF },
      { noVerdictReward: null, minStrength: parseStrengthBar(bar) },
    );

  it("scores a pass below the bar as a fail with nothing right, and says why", () => {
    const weak = scored("codev-noformat", withEvidence("simulated", 10), "bounded");
    expect(weak.reward).toBe(0);
    expect(weak.details).toMatchObject({ strength: "simulated", belowMinStrength: "simulated is below bounded" });
    expect(scored("signal", withEvidence("simulated", 10), "bounded").reward).toBe(0);
    // itertl-functional keeps its Rouge-L term, as any fail does.
    expect(scored("itertl-functional", withEvidence("simulated", 10), "bounded").reward).toBeCloseTo(1);
  });

  it("rewards a pass at or above the bar in full", () => {
    expect(scored("codev-noformat", withEvidence("bounded", 10), "bounded").reward).toBe(1);
    expect(scored("codev-noformat", withEvidence("proved"), "bounded").reward).toBe(1);
    expect(scored("codev-noformat", withEvidence("proved"), "bounded").details.belowMinStrength).toBeUndefined();
  });

  it("applies the toggle share to passes short of a proof", () => {
    expect(scored("codev-noformat", withEvidence("bounded", 9), "bounded:0.9").reward).toBe(1);
    const low = scored("codev-noformat", withEvidence("bounded", 8), "bounded:0.9");
    expect(low.reward).toBe(0);
    expect(low.details.belowMinStrength).toBe("toggled 8 of 10 state bits (80%), below 90%");
    expect(scored("codev-noformat", withEvidence("proved"), "bounded:0.9").reward).toBe(1);
  });

  it("leaves failures alone", () => {
    expect(scored("signal", verdict("fail", [true, false]), "proved").reward).toBe(0.5);
  });
});
