import { describe, expect, it } from "vitest";
import { thinkAnswerBlock } from "../../src/reward/format.js";
import { codeTokens, codevFormatError, lcsLength } from "../../src/reward/index.js";
import { closingIndex, stripComments, tokenize } from "../../src/verilog/lexer.js";
import { matchBrackets } from "../../src/verilog/modules.js";

/** The format check's former regex: the specification the linear scan must match exactly. */
const THINK_ANSWER = /^\s*<think>[\s\S]*?<\/think>\s*<answer>([\s\S]*?)<\/answer>\s*$/;

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = ["<think>", "</think>", "<answer>", "</answer>", " ", "\n", "\t", "\u00a0", "x", "```verilog", "<", "/"];

/** Responses built from the pieces the regex cares about: well-formed ones with random edits, and random ones. */
function fuzzResponse(rand: () => number): string {
  const piece = () => PIECES[Math.floor(rand() * PIECES.length)] as string;
  const some = (max: number) => Array.from({ length: Math.floor(rand() * max) }, piece).join("");
  if (rand() < 0.3) return some(12);
  const parts = [" ", "<think>", some(4), "</think>", " ", "<answer>", some(4), "</answer>", "\n"];
  for (let edits = Math.floor(rand() * 3); edits > 0; edits--) {
    const at = Math.floor(rand() * parts.length);
    if (rand() < 0.5) parts.splice(at, 1);
    else parts.splice(at, 0, piece());
  }
  return parts.join("");
}

/** The textbook O(n*m) table. */
function lcsTable(a: readonly string[], b: readonly string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = x === b[j - 1] ? diagonal + 1 : Math.max(above, row[j - 1] as number);
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

describe("the linear format check", () => {
  it("accepts exactly what the regex accepted, with the same <answer> content (fuzzed)", () => {
    const rand = rng(1);
    let matches = 0;
    for (let i = 0; i < 50_000; i++) {
      const s = fuzzResponse(rand);
      const expected = THINK_ANSWER.exec(s)?.[1];
      if (expected !== undefined) matches++;
      expect(thinkAnswerBlock(s), JSON.stringify(s)).toBe(expected);
    }
    expect(matches).toBeGreaterThan(5000);
  });

  it("keeps the documented cases", () => {
    const ok = "<think>plan</think>\n<answer>\n```verilog\nmodule m; endmodule\n```\n</answer>\n";
    expect(codevFormatError(ok)).toBeUndefined();
    expect(codevFormatError(`  ${ok}  `)).toBeUndefined();
    expect(codevFormatError("<think>a</think>b</think><answer>```verilog\n```</answer>")).toBeUndefined();
    expect(codevFormatError("<think>a</think><answer>no code</answer>")).toMatch(/no ```verilog/);
    expect(codevFormatError("prose <think>a</think><answer>```verilog```</answer>")).toMatch(/not <think>/);
    expect(codevFormatError("<think>a</think><answer>```verilog```</answer> trailing")).toMatch(/not <think>/);
  });
});

describe("bit-parallel LCS", () => {
  it("equals the dynamic-programming table on random token lists, across word boundaries", () => {
    const rand = rng(2);
    for (let i = 0; i < 2000; i++) {
      const alphabet = 1 + Math.floor(rand() * 6);
      const tokens = (n: number) => Array.from({ length: n }, () => `t${Math.floor(rand() * alphabet)}`);
      const a = tokens(Math.floor(rand() * 150));
      const b = tokens(Math.floor(rand() * 150));
      expect(lcsLength(a, b)).toBe(lcsTable(a, b));
    }
  });

  it("takes milliseconds at the 4000-token cap", () => {
    const a = Array.from({ length: 4000 }, (_, i) => `t${i % 53}`);
    const b = Array.from({ length: 4000 }, (_, i) => `t${(i * 7) % 53}`);
    const started = performance.now();
    expect(lcsLength(a, b)).toBe(lcsTable(a, b));
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe("matchBrackets", () => {
  it("agrees with closingIndex for every opener (fuzzed)", () => {
    const rand = rng(3);
    const pieces = ["(", ")", "[", "]", "{", "}", "a", "#", ";"];
    for (let i = 0; i < 3000; i++) {
      const n = Math.floor(rand() * 30);
      let src = "";
      for (let k = 0; k < n; k++) src += `${pieces[Math.floor(rand() * pieces.length)]} `;
      const tokens = tokenize(src);
      const match = matchBrackets(tokens);
      tokens.forEach((t, k) => {
        if (["(", "[", "{"].includes(t.text)) expect(match[k], src).toBe(closingIndex(tokens, k));
      });
    }
  });
});

describe("codeTokens", () => {
  it("gives the first tokens of a long text exactly as lexing the whole text does", () => {
    const unit = "module m(input [7:0] a, output y); /* note */ assign y = ^a; // done\nendmodule\n";
    for (const text of [
      unit.repeat(5000),
      `${"x ".repeat(3999)}/* a comment running past the first prefix ${"c".repeat(70_000)} */ y z`,
      // Token 4000 is a sized literal whose base lies past the first 64 KB prefix.
      `${"abcdefghijklmno ".repeat(3999)}4${" ".repeat(65_536 - 3999 * 16 - 1)}'b1010 b c`,
    ]) {
      const whole = tokenize(stripComments(text))
        .slice(0, 4000)
        .map((t) => t.text);
      expect(codeTokens(text)).toEqual(whole);
    }
  });
});
