import { describe, expect, it } from "vitest";
import { displayVerdict, lastProgress, readVerdictLines } from "../../src/verify/verdict-lines.js";

const N = "00ff";

describe("the verdict protocol", () => {
  it("writes the $display of a verdict line", () => {
    expect(displayVerdict(N, "M", "1 0 %0d %b", ["rg_m", "rg_e"])).toBe(
      '$display("RTLGYM00ff M 1 0 %0d %b", rg_m, rg_e);',
    );
    expect(displayVerdict(N, "END", "%0d", ["rg_samples"])).toBe('$display("RTLGYM00ff END %0d", rg_samples);');
  });

  it("reads only the lines that carry the run's nonce", () => {
    const stdout = [
      "RTLGYM00ff P 100",
      "RTLGYM00ff D 0 40",
      "RTLGYM00ff M 1 0 3 7 1 1010 1011",
      "RTLGYM00ff A 1 7 1",
      "RTLGYM00ff V 1 0 0110",
      "RTLGYM00ff C 101 100",
      "RTLGYM00ff F 0 011 000100010",
      // A design's own output, and one guessing at the protocol with another nonce: both ignored.
      "RTLGYM M 0 0 0 0 0 0 0",
      "RTLGYMbeef END 1",
      "  RTLGYM00ff END 1",
      "RTLGYM00ff P 250",
      "RTLGYM00ff END 80",
    ].join("\n");
    const v = readVerdictLines(stdout, N);
    expect(v.samples).toBe(80);
    expect(v.defined).toEqual(new Map([[0, 40]]));
    expect(v.mismatches).toEqual(new Map([["1:0", { count: 3, cycle: 7, phase: 1, expected: "1010", got: "1011" }]]));
    expect(v.first.get(1)).toEqual({ cycle: 7, phase: 1, values: new Map([[0, "0110"]]) });
    expect(v.toggles).toEqual(["101", "100"]);
    expect(v.fsms).toEqual(new Map([[0, ["011", "000100010"]]]));
    expect(lastProgress(stdout, N)).toBe(250);
    expect(readVerdictLines("RTLGYMbeef END 1\n", N).samples).toBeUndefined();
    expect(lastProgress("no progress\n", N)).toBeUndefined();
  });
});
