import { describe, expect, it } from "vitest";
import { verifyGroup } from "../../src/verify/index.js";
import { secondOpinion } from "../../src/verify/second-opinion.js";

// The second front end behind a compile error: iverilog 11 rejects each of these; Verilator decides whether the
// rejection counts, and Yosys's netlist is what a legal design is simulated as.
const LIMITS = { timeoutMs: 30_000 };
// iverilog 11's own words for the rejections below.
const CAST = "c0.v:5: error: This assignment requires an explicit cast.";
const SORRY = 'c0.v:3: sorry: "inside" expressions not supported yet.';
const SYNTAX = "c0.v:3: syntax error";

// Legal SystemVerilog iverilog 11 refuses ("This assignment requires an explicit cast").
const ENUM_FROM_CONDITIONAL = `module TopModule(input clk, input reset, input in, output out);
  typedef enum logic [1:0] {A, B, C} state_t;
  state_t state, next;
  always @(*) next = in ? B : A;
  always @(posedge clk) if (reset) state <= A; else state <= next;
  assign out = (state == B);
endmodule
`;

describe("second opinion on a compile error", () => {
  it("confirms a real syntax error with Verilator's own log", async () => {
    const r = await secondOpinion(
      "module TopModule(input a, output y);\n  assign y = a &;\nendmodule\n",
      "TopModule",
      SYNTAX,
      LIMITS,
    );
    expect(r.kind).toBe("confirmed");
    expect(r.kind === "confirmed" && r.log).toMatch(/syntax error/);
  });

  it("counts a reversed part-select as the error the standard makes it, though Verilator only warns", async () => {
    const reversed = "module TopModule(input [3:0] a, output [1:0] y);\n  assign y = a[1:2];\nendmodule\n";
    const r = await secondOpinion(reversed, "TopModule", "c0.v:2: error: part select a[1:2] is out of order.", LIMITS);
    expect(r.kind).toBe("confirmed");
    expect(r.kind === "confirmed" && r.log).toMatch(/backward bit ordering/);
  });

  it("translates a legal design iverilog cannot read into Verilog it can", async () => {
    const r = await secondOpinion(ENUM_FROM_CONDITIONAL, "TopModule", CAST, LIMITS);
    expect(r.kind).toBe("translated");
    if (r.kind !== "translated") return;
    expect(r.source).toMatch(/module TopModule\(/);
    expect(r.source).not.toMatch(/typedef|enum/);
    expect(r.source).toMatch(/always @\(posedge clk\)/);
  });

  it("says no tool here can read a legal design Yosys cannot read either", async () => {
    const inside =
      "module TopModule(input [3:0] a, output logic [3:0] y);\n  always_comb y = a inside {4'd1, 4'd2} ? 4'd1 : 4'd0;\nendmodule\n";
    const r = await secondOpinion(inside, "TopModule", SORRY, LIMITS);
    expect(r.kind).toBe("unreadable");
    expect(r.kind === "unreadable" && r.reason).toMatch(/Verilator accepts it/);
  });

  it("keeps iverilog's verdict where it applies a language rule Verilator does not", async () => {
    // A process with no delay hangs any simulator; Verilator (without timing) reads it as logic, Yosys would drop it.
    const hang = "module TopModule(input a, output y);\n  reg x;\n  always x = ~x;\n  assign y = ~a;\nendmodule\n";
    const log = "c0.v:3: error: always process does not have any delay.";
    const r = await secondOpinion(hang, "TopModule", log, LIMITS);
    expect(r.kind).toBe("disputed");
  });

  it("leaves the error unconfirmed when Verilator cannot run", async () => {
    const saved = process.env.RTLGYM_VERILATOR_BIN;
    process.env.RTLGYM_VERILATOR_BIN = "/nonexistent/verilator";
    try {
      const r = await secondOpinion(ENUM_FROM_CONDITIONAL, "TopModule", CAST, LIMITS);
      expect(r).toEqual({ kind: "unconfirmed", reason: expect.stringMatching(/not installed/) });
    } finally {
      if (saved === undefined) delete process.env.RTLGYM_VERILATOR_BIN;
      else process.env.RTLGYM_VERILATOR_BIN = saved;
    }
  });
});

// The same machine without SystemVerilog types: what the enum candidates are checked against.
const REFERENCE = `module RefModule(input clk, input reset, input in, output out);
  reg [1:0] state;
  always @(posedge clk) if (reset) state <= 2'd0; else state <= in ? 2'd1 : 2'd0;
  assign out = state == 2'd1;
endmodule
`;

describe("a check behind the second opinion", () => {
  it("decides a legal design iverilog rejects, as Yosys's netlist of it, and says so", async () => {
    const wrong = ENUM_FROM_CONDITIONAL.replace("next = in ? B : A", "next = in ? A : B");
    const broken = "module TopModule(input clk, input reset, input in, output out);\n  assign out = in &;\nendmodule\n";
    const [right, flipped, error] = await verifyGroup({
      reference: REFERENCE,
      candidates: [ENUM_FROM_CONDITIONAL, wrong, broken],
      engine: "sim",
    });
    expect(right?.status).toBe("pass");
    expect(right?.secondOpinion).toEqual({ verilator: "accepts", simulatedAs: "yosys-netlist" });
    expect(right?.toolVersions.verilator).toMatch(/Verilator 5/);
    expect(flipped?.status).toBe("fail");
    expect(flipped?.secondOpinion?.simulatedAs).toBe("yosys-netlist");
    expect(error?.status).toBe("compile_error");
    expect(error?.secondOpinion).toEqual({ verilator: "rejects" });
    expect(error?.diagnostics.join("\n")).toMatch(/Verilator rejects it too/);
  });

  it("gives no verdict when no tool here can read a legal design", async () => {
    const inside = `module TopModule(input clk, input reset, input in, output out);
  logic [1:0] state;
  always_ff @(posedge clk) if (reset) state <= 2'd0; else state <= in ? 2'd1 : 2'd0;
  assign out = state inside {2'd1};
endmodule
`;
    const [r] = await verifyGroup({ reference: REFERENCE, candidates: [inside], engine: "sim" });
    expect(r?.status).toBe("unsupported");
    expect(r?.secondOpinion?.verilator).toBe("accepts");
  });
});
