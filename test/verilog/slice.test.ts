import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { SliceAnswer } from "../../src/contracts/slice.js";
import {
  codePointsToUtf16,
  mergeSpans,
  type SliceRequest,
  sliceDesigns,
  utf16ToCodePoints,
} from "../../src/tools/slice.js";
import { findPython } from "../../src/train/python.js";

/*
 * Signal slices with the real slicer (slang through pyslang in .venv-adapters) on small designs written for this
 * test: shared logic, an FSM, generate loops and conditions, a function, a block driving two signals, several
 * modules, a syntax error and non-ASCII text. Each slice is checked by the text its spans cover, on the original file.
 */

const ROOT = join(import.meta.dirname, "..", "..");
const FIX = join(import.meta.dirname, "fixtures", "slice");
const read = (name: string) => readFileSync(join(FIX, name), "utf8");

const FILES = ["shared.v", "fsm.sv", "gen.v", "gen2.sv", "multi.v", "broken.v"] as const;
const answers = new Map<string, SliceAnswer>();

/** The text a signal's slice covers, pieces joined by a marker. */
function sliced(file: string, signal: string, top?: string): string {
  const answer = answers.get(top ? `${file}#${top}` : file);
  const s = answer?.signals[signal];
  if (!s || "error" in s) throw new Error(`no slice of ${signal} in ${file}: ${JSON.stringify(s)}`);
  const text = read(file);
  return s.spans.map(([a, b]) => text.slice(a, b)).join("\n|");
}

beforeAll(async () => {
  const requests: Array<[string, SliceRequest]> = [
    ...FILES.filter((f) => f !== "shared.v").map((f): [string, SliceRequest] => [f, { text: read(f) }]),
    ["shared.v#shared", { text: read("shared.v"), top: "shared" }],
    ["shared.v", { text: read("shared.v") }],
    ["multi.v#adder", { text: read("multi.v"), top: "adder" }],
  ];
  const t0 = Date.now();
  const got = await sliceDesigns(
    requests.map(([, r]) => r),
    { python: findPython() },
  );
  // One process for the batch: a slice costs milliseconds once Python and slang are loaded.
  expect(Date.now() - t0).toBeLessThan(15_000);
  for (const [i, [key]] of requests.entries()) answers.set(key, got[i] as SliceAnswer);
}, 60_000);

describe("slice", () => {
  it("follows shared logic transitively and leaves out what the signal does not read", () => {
    const y = sliced("shared.v", "y", "shared");
    expect(y).toContain("assign t = a ^ b;");
    expect(y).toContain("assign u = sel ? a : b;");
    expect(y).toContain("assign y = t & u;");
    expect(y).not.toContain("assign z");
    const z = sliced("shared.v", "z", "shared");
    expect(z).toContain("assign t = a ^ b;");
    expect(z).toContain("assign z = t | 8'h0f;");
    expect(z).not.toContain("assign u");
    // declarations of the target and of the internal signals it reads (their widths matter), never of inputs
    expect(y).toContain("output [7:0] y\n|wire [7:0] t;\n|wire [7:0] u;");
    expect(z).not.toContain("wire [7:0] u;");
    expect(z).not.toContain("input");
    expect(z).not.toContain("assign y");
  });

  it("needs --top when a file has several top-level modules", () => {
    const answer = answers.get("shared.v") as SliceAnswer;
    expect(answer.ok).toBe(false);
    expect(answer.top).toBeNull();
    expect(answer.errors.map((e) => e.message).join()).toMatch(/2 top-level modules \(.*other.*\)/);
  });

  it("puts the state register and the next-state logic in the slice of an output that reads the state", () => {
    const busy = sliced("fsm.sv", "busy");
    expect(busy).toContain("assign busy = state == RUN;");
    expect(busy).toContain("always_ff @(posedge clk) begin\n    if (rst) state <= IDLE;");
    expect(busy).toContain("always_comb begin\n    next = state;");
    // next-state logic reads count, so count's register is in too; the enum and the localparam it compares with
    expect(busy).toContain("count <= count + 1;");
    expect(busy).toContain("typedef enum logic [1:0] {IDLE, RUN, DONE} state_t;");
    expect(busy).toContain("localparam int LIMIT = 3;");
    const count = sliced("fsm.sv", "count");
    expect(count).not.toContain("assign busy");
    expect(count).toContain("if (rst || state == IDLE) count <= 0;");
  });

  it("keeps generate headers and conditions with the items inside, and only the elaborated branch", () => {
    const y = sliced("gen.v", "y");
    // Each piece trimmed of surrounding whitespace: the loop header, its begin, the item, its end.
    expect(y).toContain("for (i = 0; i < N; i = i + 1)\n|begin : bits\n|assign y[i] = a[i] & b[N-1-i];\n|end");
    expect(y).toContain("parameter N = 4");
    expect(y.split("\n|")).toContain("generate");
    expect(y).toContain("endgenerate");
    const p = sliced("gen.v", "p");
    expect(p).toContain("if (USE_XOR)\n|begin : gx\n|assign p = ^a;\n|end");
    expect(p).toContain("parameter USE_XOR = 1");
    expect(p).not.toContain("assign p = |a"); // the else branch is not elaborated
    expect(p).not.toContain("assign y");
  });

  it("takes the elaborated case item, every condition of an else-if chain, and a loop's bounds", () => {
    const y = sliced("gen2.sv", "y");
    expect(y).toContain("case (MODE)\n|2:\n|begin : m2\n|assign y = ~a[3:0];\n|end\n|endcase");
    expect(y).toContain("parameter MODE = 2");
    expect(y).not.toContain("assign y = a[3:0]");
    expect(y).not.toContain("assign y = 0");
    const z = sliced("gen2.sv", "z");
    // u2 is elaborated because USE is 0 and MODE is 2: both parameters decide it.
    expect(z).toContain("if (USE)\n|else\n|if (MODE == 2)\n|begin : u2\n|assign z = a[1];\n|end");
    expect(z).toContain("parameter USE = 0");
    expect(z).toContain("parameter MODE = 2");
    expect(z).not.toContain("a[0]");
    expect(z).not.toContain("a[2]");
    const w = sliced("gen2.sv", "w");
    expect(w).toContain("genvar i;\n|for (i = 0; i < N; i = i + 1)\n|begin : b\n|assign w[i] = a[i];\n|end");
    expect(w).toContain("parameter N = 3");
  });

  it("takes a block that drives several signals whole, for each of them", () => {
    const block = "always @* begin\n    q_r = a[0] | b[0];\n    r_r = a[1] & b[1];\n  end";
    expect(sliced("gen.v", "q")).toContain(block);
    expect(sliced("gen.v", "r")).toContain(block);
    expect(sliced("gen.v", "q")).not.toContain("assign r");
  });

  it("includes called functions", () => {
    const text = `module f(input [3:0] a, output [3:0] y, output [3:0] w);
  function [3:0] rev(input [3:0] x); rev = {x[0], x[1], x[2], x[3]}; endfunction
  function [3:0] twice(input [3:0] x); twice = rev(rev(x)); endfunction
  assign y = twice(a);
  assign w = a;
endmodule
`;
    return sliceDesigns([{ text }], { python: findPython() }).then(([answer]) => {
      const s = answer?.signals.y;
      if (!s || "error" in s) throw new Error("no slice");
      const covered = s.spans.map(([a, b]) => text.slice(a, b)).join("\n");
      expect(covered).toContain("function [3:0] twice(input [3:0] x); twice = rev(rev(x)); endfunction");
      expect(covered).toContain("function [3:0] rev(input [3:0] x)");
      expect(covered).not.toContain("assign w");
      expect(s.items.map((i) => i.kind)).toEqual(["declaration", "function", "function", "assign"]);
    });
  });

  it("follows a submodule's output port into the submodule, and slices the module named by top", () => {
    const sum = sliced("multi.v", "sum");
    expect(sum).toContain("adder #(.W(4)) u_add (.a(x), .b(y), .s(s_int), .c(c_int));");
    expect(sum).toContain("assign s = full[W-1:0];");
    expect(sum).toContain("wire [W:0] full = a + b;");
    expect(sum).not.toContain("assign c = full[W];");
    expect(sum).not.toContain("assign carry");
    expect(sliced("multi.v", "diff")).toBe("output [3:0] diff\n|assign diff = x - y;");
    const answer = answers.get("multi.v#adder") as SliceAnswer;
    expect(answer.top).toBe("adder");
    expect(Object.keys(answer.signals).sort()).toEqual(["c", "s"]);
    expect(sliced("multi.v", "c", "adder")).toContain("assign c = full[W];");
  });

  it("gives spans on the original text when non-ASCII (astral) characters come before the code", () => {
    const text = read("multi.v");
    expect(text.indexOf("🚀")).toBeGreaterThan(0);
    const answer = answers.get("multi.v") as SliceAnswer;
    const diff = answer.signals.diff;
    if (!diff || "error" in diff) throw new Error("no slice");
    const at = text.indexOf("assign diff");
    expect(diff.spans[1]).toEqual([at, at + "assign diff = x - y;".length]);
    const toCp = utf16ToCodePoints(text);
    const toU16 = codePointsToUtf16(text);
    expect(toCp(at)).toBe(Array.from(text.slice(0, at)).length);
    expect(toU16(toCp(at))).toBe(at);
  });

  it("reports a design slang cannot parse as not ok, with the error's offset", () => {
    const answer = answers.get("broken.v") as SliceAnswer;
    expect(answer.ok).toBe(false);
    expect(answer.errors.length).toBeGreaterThan(0);
    expect(answer.errors[0]?.offset).toBe(read("broken.v").indexOf(";", read("broken.v").indexOf("a &")));
  });

  it("never reads an included file", async () => {
    const text = '`include "/etc/hostname"\nmodule m(input a, output y);\n  assign y = a;\nendmodule\n';
    const [answer] = await sliceDesigns([{ text }], { python: findPython() });
    expect(answer?.ok).toBe(false);
    expect(answer?.errors.map((e) => e.message)).toEqual(["exceeded max include depth"]);
    expect(answer?.errors[0]?.offset).toBe(text.indexOf('"/etc'));
  });

  it("merges touching and overlapping spans", () => {
    expect(
      mergeSpans([
        [5, 9],
        [0, 2],
        [2, 4],
        [8, 12],
        [20, 20],
      ]),
    ).toEqual([
      [0, 4],
      [5, 12],
    ]);
  });

  it("rtlgym slice --json prints the slice and exits 2 for an unknown signal", async () => {
    const run = promisify(execFile);
    const tsx = join(ROOT, "node_modules", ".bin", "tsx");
    const main = join(ROOT, "src", "cli", "main.ts");
    const { stdout } = await run(tsx, [main, "slice", join(FIX, "gen.v"), "--signal", "q", "--json"], { cwd: ROOT });
    const out = JSON.parse(stdout) as SliceAnswer;
    expect(out.top).toBe("gen");
    expect(Object.keys(out.signals)).toEqual(["q"]);
    const err = await run(tsx, [main, "slice", join(FIX, "gen.v"), "--signal", "nope"], { cwd: ROOT }).catch(
      (e: { code: number; stdout: string }) => e,
    );
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stdout: string }).stdout).toContain("no signal nope in module gen");
  }, 30_000);
});
