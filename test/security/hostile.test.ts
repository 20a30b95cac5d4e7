import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getReward, scoreVerdict } from "../../src/reward/index.js";
import { preprocess } from "../../src/tools/iverilog.js";
import { liveProcessCount } from "../../src/tools/process.js";
import { sandboxStatus } from "../../src/tools/sandbox.js";
import { NativeYosys } from "../../src/tools/yosys.js";
import { verify, verifyGroup } from "../../src/verify/index.js";

// Each class of issue 8, with several variants each: a wrong design never passes, nothing outside the check's
// temp dir is touched, no process outlives its check, and a candidate's verdict is the same alone and in a group.

const BT = "`";
const marker = () => join(tmpdir(), `rtlgym-pwned-${randomBytes(6).toString("hex")}`);
const markers: string[] = [];
afterAll(() => {
  for (const m of markers) rmSync(m, { force: true });
});

const LT_REF = `module RefModule(input [15:0] a, input [15:0] b, output lt);
  assign lt = a < b;
endmodule
`;
/** Wrong at exactly one input pair: random simulation never finds it, formal does at once. */
const RARE_BUG = "(a == 16'h1234 && b == 16'h5678)";

const COUNTER_REF = `module RefModule(input clk, input reset, output reg [3:0] q);
  always @(posedge clk) if (reset) q <= 4'd0; else q <= q + 4'd1;
endmodule
`;
const STUCK_COUNTER = (extra: string) => `module TopModule(input clk, input reset, output reg [3:0] q);
  always @(posedge clk) q <= 4'd0;
${extra}
endmodule
`;

async function expectNoPass(reference: string, candidate: string, extra: Record<string, unknown> = {}) {
  const r = await verify({ reference, candidate, timeoutMs: 10_000, ...extra });
  expect(r.status, `${r.status}: ${r.message}`).not.toBe("pass");
  return r;
}

describe("class 1: code execution while a tool reads the design", () => {
  const dpi = (path: string) => [
    `import "DPI-C" function int system(input string cmd);
module TopModule(input [15:0] a, input [15:0] b, output lt);
  localparam int X = system("touch ${path}");
  assign lt = a < b;
endmodule
`,
    `module TopModule(input [15:0] a, input [15:0] b, output lt);
  import "DPI-C" function int system(input string cmd);
  localparam int X = system("touch ${path}");
  assign lt = a < b;
endmodule
`,
    // Assembled by a macro: the raw text holds no `import "..."`, the preprocessed text does.
    `\`define DPI "DPI-C"
import \`DPI function int system(input string cmd);
module TopModule(input [15:0] a, input [15:0] b, output lt);
  localparam int X = system("touch ${path}");
  assign lt = a < b;
endmodule
`,
    `export "DPI-C" function f;
module TopModule(input [15:0] a, input [15:0] b, output lt);
  assign lt = a < b;
endmodule
`,
  ];

  it("refuses DPI imports and exports in every spelling, and runs nothing", async () => {
    for (const [i, candidate] of dpi(marker()).entries()) {
      const path = /touch (\S+)"/.exec(candidate)?.[1] ?? "";
      if (path) markers.push(path);
      const r = await verify({ reference: LT_REF, candidate, engine: "both" });
      expect(r.status, `variant ${i}`).toBe("compile_error");
      expect(r.message).toMatch(/DPI/);
      if (path) expect(existsSync(path), `variant ${i} ran code`).toBe(false);
    }
  });

  it("the sandbox makes a read-time hole harmless even with the filter bypassed", async () => {
    const status = sandboxStatus();
    expect(status.kind, "bubblewrap must be installed for the tests (scripts/setup.sh)").toBe("bwrap");
    const path = marker();
    markers.push(path);
    const yosys = new NativeYosys("/usr/bin/yosys");
    // Straight to yosys, no filter: whatever it runs cannot reach the host's /tmp or any file outside its dir.
    const run = await yosys.run({
      files: { "x.sv": dpi(path)[0] as string },
      commands: ["read_verilog -sv x.sv"],
      outputs: [],
      timeoutMs: 10_000,
    });
    expect(run.timedOut).toBe(false);
    expect(existsSync(path)).toBe(false);
  });
});

describe("no file outside the check's temp dir is read", () => {
  it("the preprocessor, run unfiltered, cannot include a host file, and its contents never come back", async () => {
    const secret = join(tmpdir(), `rtlgym-secret-${randomBytes(6).toString("hex")}.v`);
    markers.push(secret);
    writeFileSync(secret, "module leaked; // SECRET-7f3a\nendmodule\n");
    const pp = await preprocess(`${BT}include "${secret}"\nmodule TopModule; endmodule\n`, 10_000);
    expect(pp.kind).not.toBe("ok");
    expect(JSON.stringify(pp)).not.toContain("SECRET-7f3a");
    // Through verify, every spelling is refused before any tool runs.
    const design = LT_REF.replace("RefModule", "TopModule");
    for (const candidate of [
      `${BT}include "${secret}"\n${design}`,
      `${BT}define I ${BT}include\n${BT}I "${secret}"\n${design}`,
      `${BT}define I(x) ${BT}x\n${BT}I(include) "${secret}"\n${design}`,
    ]) {
      const r = await verify({ reference: LT_REF, candidate });
      expect(r.status).toBe("compile_error");
      expect(JSON.stringify(r)).not.toContain("SECRET-7f3a");
    }
  });
});

describe("class 2: the sanitiser lexes as the tools do", () => {
  it("refuses escaped identifiers that name system tasks", async () => {
    for (const task of ["\\$display ", "\\$fopen ", "\\$finish ", "\\$system ", "\\$fwrite "]) {
      const candidate = `module TopModule(input [15:0] a, input [15:0] b, output lt);
  assign lt = 1'b0;
  initial ${task}("RTLGYM forged END 1");
endmodule
`;
      const r = await expectNoPass(LT_REF, candidate);
      expect(r.status).toBe("compile_error");
      expect(r.message).toContain("escaped");
    }
  });

  it("accepts an escaped identifier that spells a plain name (`module \\TopModule`)", async () => {
    const r = await verify({
      reference: LT_REF,
      candidate:
        "module \\TopModule (input [15:0] a, input [15:0] b, output \\lt );\n  assign \\lt = a < b;\nendmodule\n",
    });
    expect(r.status, r.message).toBe("pass");
  });

  it("a lone carriage return ends a comment for the sanitiser as it does for iverilog", async () => {
    for (const hidden of [
      '// note\r initial $display("x");',
      '// note\r initial $fopen("/etc/passwd");',
      "// a\r\r// b\r always @(posedge clk) $finish;",
    ]) {
      const r = await verify({ reference: COUNTER_REF, candidate: STUCK_COUNTER(hidden) });
      expect(r.status).not.toBe("pass");
    }
  });
});

describe("class 3: the testbench cannot be reached from the candidate", () => {
  it("a stuck counter that tries to hold the testbench's reset does not pass", async () => {
    for (const extra of [
      "  initial forever #1 rg_reset(1);",
      "  always @(posedge clk) rg_rst_i = 1'b1;",
      "  always @* force rg_i0 = 1'b1;",
      "  always @(posedge clk) if (q == 0) rtlgym_tb.rg_reset(0);",
      "  task rg_check(input integer ph); begin end endtask",
    ]) {
      const r = await expectNoPass(COUNTER_REF, STUCK_COUNTER(extra));
      expect(["compile_error", "fail"]).toContain(r.status);
    }
  });

  it("a candidate that uses an undeclared name is a compile error even when a testbench declares it", async () => {
    const r = await verify({
      reference: COUNTER_REF,
      candidate: STUCK_COUNTER("  wire peek = rg_clk;"),
    });
    expect(r.status).toBe("compile_error");
    expect(r.message).toContain("on its own");
  });
});

describe("class 4: every engine sees the same design", () => {
  const variants = [
    // Formal would prove the correct branch, simulation would run the rarely wrong one.
    `\`ifdef YOSYS
  assign lt = a < b;
\`else
  assign lt = (a < b) && !${RARE_BUG};
\`endif`,
    `\`ifdef __ICARUS__
  assign lt = a < b;
\`else
  assign lt = (a < b) && !${RARE_BUG};
\`endif`,
    `\`ifdef SYNTHESIS
  assign lt = a < b;
\`elsif FORMAL
  assign lt = a < b;
\`else
  assign lt = (a < b) && !${RARE_BUG};
\`endif`,
    // Yosys honours translate_off pragmas in comments; the simulator does not.
    `reg r;
  always @* begin
    r = a < b;
    // synopsys translate_off
    if (${RARE_BUG}) r = 1'b0;
    // synopsys translate_on
  end
  assign lt = r;`,
    `reg r;
  always @* begin
    r = a < b;
    /* synthesis translate_off */
    if (${RARE_BUG}) r = 1'b0;
    /* synthesis translate_on */
  end
  assign lt = r;`,
  ];
  it("tool-identifying macros and pragmas cannot show formal a different design", async () => {
    for (const [i, body] of variants.entries()) {
      const candidate = `module TopModule(input [15:0] a, input [15:0] b, output lt);\n  ${body}\nendmodule\n`;
      const r = await verify({ reference: LT_REF, candidate, engine: "both" });
      expect(r.status, `variant ${i}: ${r.message}`).toBe("fail");
      expect(r.decidedBy).toBe("formal");
    }
  });

  it("the evidence says when yosys could not read the candidate (formal not run) and who caused it", async () => {
    const ok = await verify({ reference: LT_REF, candidate: LT_REF.replace("RefModule", "TopModule") });
    expect(ok.status).toBe("pass");
    expect(ok.assurance?.formal).toBe("proved");
    expect(ok.assurance?.formalMissingBecause).toBeUndefined();
    // `foreach` is read by iverilog but not by Yosys 0.23: this wrong design opts out of formal by itself.
    const optOut = `module TopModule(input [15:0] a, input [15:0] b, output lt);
  logic [15:0] t;
  always_comb begin foreach (t[i]) t[i] = b[i]; end
  assign lt = (a < t) && !${RARE_BUG};
endmodule
`;
    const r = await verify({ reference: LT_REF, candidate: optOut, engine: "both" });
    expect(r.status).toBe("pass"); // simulation alone cannot see the one wrong input pair...
    expect(r.assurance).toMatchObject({ formal: "none", formalMissingBecause: "candidate" }); // ...and says so
    const codev = getReward("codev");
    const input = { result: r, response: optOut, code: optOut, reference: LT_REF };
    expect(scoreVerdict(codev, input, { noVerdictReward: null }).reward).toBe(1);
    expect(scoreVerdict(codev, input, { noVerdictReward: null, simOnlyScale: 0.25 }).reward).toBe(0.25);
    expect(scoreVerdict(codev, { ...input, result: ok }, { noVerdictReward: null, simOnlyScale: 0.25 }).reward).toBe(1);
  });
});

describe("class 5: no cross-talk between candidates", () => {
  const good = "module TopModule(input [15:0] a, input [15:0] b, output lt);\n  assign lt = a < b;\nendmodule\n";
  const neighbours = [
    // File-scope declarations that would break a correct neighbour sharing its compilation unit.
    `typedef logic [15:0] word_t;
module TopModule(input word_t a, input word_t b, output lt);
  assign lt = a > b;
endmodule
`,
    `package helpers; function automatic logic less(input logic [15:0] x, y); return x < y; endfunction endpackage
module TopModule(input [15:0] a, input [15:0] b, output lt);
  assign lt = helpers::less(a, b);
endmodule
`,
    // A `line directive that would blame the next file for this one's syntax error.
    `\`line 1 "c2.v" 0
module TopModule(input [15:0] a, input [15:0] b, output lt);
  assign lt = a <<< ;
endmodule
`,
    // An escaped module name that a neighbour might resolve to.
    `module \\helper (input [15:0] a, input [15:0] b, output lt); assign lt = 1'b1; endmodule
module TopModule(input [15:0] a, input [15:0] b, output lt);
  helper h(.a(a), .b(b), .lt(lt));
endmodule
`,
    // Uses a module only a neighbour declares.
    `module TopModule(input [15:0] a, input [15:0] b, output lt);
  helper h(.a(a), .b(b), .lt(lt));
endmodule
`,
    `\`define less(x, y) ((x) > (y))
module TopModule(input [15:0] a, input [15:0] b, output lt);
  assign lt = a < b;
endmodule
`,
    `module TopModule(input [15:0] a, input [15:0] b, output lt);
  assign lt = \`less(a, b);
endmodule
`,
  ];

  it("every candidate gets the same verdict alone and in a group, in any order", async () => {
    const all = [good, ...neighbours, good.replace("a < b", "b > a")];
    const alone = await Promise.all(all.map((c) => verify({ reference: LT_REF, candidate: c, engine: "both" })));
    expect(alone[0]?.status).toBe("pass");
    expect(alone.at(-1)?.status).toBe("pass");
    const grouped = await verifyGroup({ reference: LT_REF, candidates: all, engine: "both" });
    const reversed = (
      await verifyGroup({ reference: LT_REF, candidates: [...all].reverse(), engine: "both" })
    ).reverse();
    for (const [i, r] of alone.entries()) {
      expect(grouped[i]?.status, `candidate ${i} in the group: ${grouped[i]?.message}`).toBe(r.status);
      expect(reversed[i]?.status, `candidate ${i} reversed`).toBe(r.status);
    }
  });
});

describe("class 6: process hygiene and limits", () => {
  it("no tool process outlives its check, even a hanging one", async () => {
    const hang = STUCK_COUNTER("  reg spin; initial begin spin = 1'b0; forever spin = ~spin; end");
    const r = await verify({ reference: COUNTER_REF, candidate: hang, timeoutMs: 3000 });
    expect(r.status).toBe("timeout");
    expect(liveProcessCount()).toBe(0);
  });

  it("the wall-clock limit holds for the whole check, front end included", async () => {
    // Many wide multipliers: slow for every tool, so the check is cut at its limit wherever it is.
    const big = `module TopModule(input [63:0] a, input [63:0] b, output [63:0] y);
  genvar i;
  wire [63:0] t [0:199];
  generate for (i = 0; i < 200; i = i + 1) begin : g
    if (i == 0) assign t[i] = a * b; else assign t[i] = t[i-1] * b + a;
  end endgenerate
  assign y = t[199];
endmodule
`;
    const ref = big.replace("TopModule", "RefModule").replace("t[i-1] * b + a", "t[i-1] * a + b");
    const limit = 2000;
    const started = performance.now();
    const r = await verify({ reference: ref, candidate: big, timeoutMs: limit, engine: "both" });
    const took = performance.now() - started;
    expect(took).toBeLessThan(limit * 1.25 + 500);
    expect(liveProcessCount()).toBe(0);
    expect(r.status, r.message).toBe("timeout");
  });

  it("yosys writes no history file in HOME and no temp dir is left behind", async () => {
    const home = mkdtempSync(join(tmpdir(), "rtlgym-home-"));
    // A private TMPDIR (each test file runs in its own process), so other files' checks do not count here.
    const tmp = mkdtempSync(join(tmpdir(), "rtlgym-tmp-"));
    chmodSync(tmp, 0o755); // the sandboxed tools run as nobody when the tests run as root: they must traverse it
    const saved = { HOME: process.env.HOME, TMPDIR: process.env.TMPDIR };
    process.env.HOME = home;
    process.env.TMPDIR = tmp;
    try {
      const r = await verify({ reference: LT_REF, candidate: LT_REF.replace("RefModule", "TopModule") });
      expect(r.status).toBe("pass");
      expect(readdirSync(home)).toEqual([]);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(home, { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe("class 8: the candidate and the reference read the same timescale", () => {
  it("a design with intra-assignment delays passes against itself", async () => {
    const ref = `module RefModule(input clk, input d, output reg q);
  always @(posedge clk) q <= #1 d;
endmodule
`;
    const r = await verify({ reference: ref, candidate: ref.replace("RefModule", "TopModule") });
    expect(r.status, r.message).toBe("pass");
  });
});
