import { describe, expect, it } from "vitest";
import { codeTokens, codevFormatError, rougeL } from "../../src/reward/index.js";
import { extractVerilog } from "../../src/verilog/extract.js";
import { findTop, moduleHeaderPortNames } from "../../src/verilog/modules.js";
import { sanitizeCandidate } from "../../src/verilog/sanitize.js";

/**
 * Event-loop stalls (issue 8, class 7): everything that reads model output must take linear (or n log n) time. Each
 * adversarial shape runs at 128 KB and at 1 MB (8x) in the same test, so the ratio does not depend on the machine's
 * speed or load: a quadratic path takes ~64x longer. A linear one takes 8x to 12x, and up to ~45x for the fastest
 * token-heavy paths (a 128 KB text's tokens die young; a megabyte's are promoted to V8's old generation), so small-run
 * times below a floor count as the floor. The slowest quadratic path this suite caught (the format check's regex)
 * took ~45 ms at 128 KB and ~2.4 s at 1 MB: above the floor, far above the bound. The absolute cap catches a path that
 * is slow at any size.
 */

const SMALL = 128 * 1024;
const LARGE = 8 * SMALL;
/** Largest allowed time(8n) / max(time(n), FLOOR_MS): a quadratic path measures ~64. */
const MAX_RATIO = 32;
/** Small-run times below this count as this (timer, GC and load noise). */
const FLOOR_MS = 50;
/** Any single call on a 1 MB input, on a loaded 2-core machine. */
const CAP_MS = 5000;

const repeat = (unit: string, n: number): string => unit.repeat(Math.max(1, Math.ceil(n / unit.length)));

/** Adversarial model outputs of about `n` characters. */
const SHAPES: Record<string, (n: number) => string> = {
  "unclosed verilog fences, each with an unclosed module": (n) => repeat("```verilog\nmodule m(input a);\n", n),
  "fence openers only": (n) => repeat("```\n", n),
  "a fence whose last line is a long run of backticks": (n) => `\`\`\`\nmodule m;\n${"`".repeat(n)}x\`\`\`\n`,
  "short backtick runs on one line": (n) => `${repeat("``x", n)}\`\`\``,
  "thousands of <answer> opens": (n) => repeat("<answer>", n),
  "thousands of <think> opens": (n) => repeat("<think>", n),
  "</think><answer> repeated, never closed": (n) => `<think>x${repeat("</think><answer>", n)}`,
  "</think> <answer> </answer> x repeated": (n) => `<think>x${repeat("</think> <answer> </answer> x", n)}`,
  "fence openers followed by blanks inside a well-formed answer": (n) =>
    `<think>x</think><answer>${repeat("```  \t  \t ", n)}</answer>`,
  "module without endmodule, repeated": (n) => repeat("module m(input a);\n", n),
  "endmodule only": (n) => repeat("endmodule\n", n),
  "unclosed #( instantiations": (n) => `module m(input a);\n${repeat("foo #( ;\n", n)}`,
  "nested #( instantiations closed at the end": (n) =>
    `module m(input a);\n${repeat("; a #( ", n / 2)}${")".repeat(n / 16)}`,
  "unclosed instance ranges": (n) => `module m(input a);\n${repeat("; foo u [ ", n)}`,
  "deep nesting": (n) =>
    `module m(input a, output y);\nassign y = ${"(".repeat(n / 2)}a${")".repeat(n / 2)};\nendmodule`,
  "many distinct instantiated cells": (n) => {
    const lines: string[] = ["module m(input a);"];
    let size = 0;
    for (let i = 0; size < n; i++) {
      const line = `c${i} u${i}(a);`;
      lines.push(line);
      size += line.length + 1;
    }
    return `${lines.join("\n")}\nendmodule\n`;
  },
  "one huge line": (n) => `module m(input a);\n${"a".repeat(n)}\nendmodule`,
  "whitespace then text": (n) => `${" \t".repeat(n / 2)}x`,
  "blank lines before a module": (n) => `${repeat(" \t \n", n)}module m; endmodule`,
  "[BEGIN] repeated": (n) => repeat("[BEGIN]", n),
  "unterminated comments": (n) => repeat("/* ", n),
  "file-scope items before a module": (n) => `${repeat("localparam A = 1;\n", n)}module m; endmodule`,
  "prose statements before a module": (n) => `${repeat("x;", n)}\nmodule m; endmodule`,
  "define lines before a module": (n) => `${repeat("`define A 1\n", n)}module m; endmodule`,
  "items on one long line after a long comment": (n) =>
    `/*${"c".repeat(n / 2)}*/${repeat("localparam A = 1; ", n / 2)}\nmodule m; endmodule`,
  "endpackage repeated": (n) => `${repeat("endpackage\n", n)}module m; endmodule`,
  "directive lines after endmodule": (n) => `module m; endmodule\n${repeat("`endif\n", n)}`,
};

const REFERENCE = "module m(input a, input b, output y);\n  assign y = a & b;\nendmodule\n";
const REFERENCE_TOKENS = codeTokens(REFERENCE);

/** Everything the reward service and the bench run on a raw response (findTop runs listModules). */
const PATHS: Record<string, (text: string) => unknown> = {
  extractVerilog: (t) => extractVerilog(t),
  "extractVerilog with a prefix": (t) => extractVerilog(t, { prefix: "module m(input a, output y);" }),
  findTop: (t) => findTop(t),
  moduleHeaderPortNames: (t) => moduleHeaderPortNames(t, "m"),
  codevFormatError: (t) => codevFormatError(t),
  rougeL: (t) => rougeL(codeTokens(t), REFERENCE_TOKENS),
};

/** Fastest of `runs` calls, ms (the minimum is the least noisy estimate). */
function fastest(fn: () => unknown, runs: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

describe("linear-time text processing on model output", () => {
  // Compile every path before timing anything.
  for (const fn of Object.values(PATHS)) for (const gen of Object.values(SHAPES)) fn(gen(4096));

  it.each(Object.keys(SHAPES))("%s", (shape) => {
    const gen = SHAPES[shape] as (n: number) => string;
    const small = gen(SMALL);
    const large = gen(LARGE);
    const slow: string[] = [];
    for (const [name, fn] of Object.entries(PATHS)) {
      const t1 = fastest(() => fn(small), 3);
      const t4 = fastest(() => fn(large), 2);
      const ratio = t4 / Math.max(t1, FLOOR_MS);
      if (ratio > MAX_RATIO || t4 > CAP_MS) {
        slow.push(`${name}: ${t1.toFixed(1)} ms at ${small.length} chars, ${t4.toFixed(1)} ms at ${large.length}`);
      }
    }
    expect(slow).toEqual([]);
  });

  it("handles 5 MB responses of the worst shapes within the cap", () => {
    const n = 5 * 1024 * 1024;
    const shapes = [
      "unclosed #( instantiations",
      "</think><answer> repeated, never closed",
      "many distinct instantiated cells",
    ];
    for (const shape of shapes) {
      const text = (SHAPES[shape] as (n: number) => string)(n);
      for (const name of ["extractVerilog", "findTop", "codevFormatError"]) {
        const ms = fastest(() => (PATHS[name] as (t: string) => unknown)(text), 1);
        expect(ms, `${shape} / ${name}`).toBeLessThan(5 * CAP_MS);
      }
    }
  });

  it.each([
    ["force force ...", (n: number) => repeat("force ", n)],
    ["release release ...", (n: number) => repeat("release ", n)],
    ["unclosed attributes", (n: number) => repeat("(* a ", n)],
    ["escaped identifiers", (n: number) => repeat("\\a ", n)],
    ["system calls", (n: number) => repeat("$display(x); ", n)],
    ["operators", (n: number) => repeat("<<<=>>>===!==", n)],
  ])("the sanitiser on %s", (_name, gen) => {
    const small = gen(SMALL);
    const large = gen(LARGE);
    for (const preprocessed of [false, true]) {
      const t1 = fastest(() => sanitizeCandidate(small, { preprocessed }), 3);
      const t8 = fastest(() => sanitizeCandidate(large, { preprocessed }), 2);
      expect(t8 / Math.max(t1, FLOOR_MS), `${t1.toFixed(1)} ms -> ${t8.toFixed(1)} ms`).toBeLessThan(MAX_RATIO);
      expect(t8).toBeLessThan(CAP_MS);
    }
  });
});
