import { describe, expect, it } from "vitest";
import { BadInputError } from "../../src/core/errors.js";
import { verify } from "../../src/verify/index.js";

// "If both s1 and s2 are 1, it does not matter what the circuit does."
const MUX_REF = `module RefModule(input s1, input s2, input [7:0] a, input [7:0] b, output [7:0] y);
  assign y = s1 ? a : (s2 ? b : 8'd0);
endmodule
`;
const MUX_OTHER_PRIORITY = `module TopModule(input s1, input s2, input [7:0] a, input [7:0] b, output [7:0] y);
  assign y = s2 ? b : (s1 ? a : 8'd0);
endmodule
`;
// Wrong where the constraint holds too (s1 alone selects b).
const MUX_WRONG = `module TopModule(input s1, input s2, input [7:0] a, input [7:0] b, output [7:0] y);
  assign y = s2 ? b : (s1 ? (a & 8'hfe) : 8'd0);
endmodule
`;

// "inc and dec are never both 1."
const COUNTER_REF = `module RefModule(input clk, input reset, input inc, input dec, output reg [3:0] q);
  always @(posedge clk)
    if (reset) q <= 4'd0;
    else if (inc) q <= q + 4'd1;
    else if (dec) q <= q - 4'd1;
endmodule
`;
const COUNTER_OTHER = `module TopModule(input clk, input reset, input inc, input dec, output reg [3:0] q);
  always @(posedge clk)
    if (reset) q <= 4'd0;
    else if (inc && dec) q <= 4'd0;
    else if (dec) q <= q - 4'd1;
    else if (inc) q <= q + 4'd1;
endmodule
`;
const COUNTER_WRONG = `module TopModule(input clk, input reset, input inc, input dec, output reg [3:0] q);
  always @(posedge clk)
    if (reset) q <= 4'd0;
    else if (inc && dec) q <= 4'd0;
    else if (dec) q <= q - 4'd1;
    else if (inc) q <= (q == 4'd9) ? 4'd0 : q + 4'd1;
endmodule
`;
const tops = { refTop: "RefModule", candTop: "TopModule" } as const;

describe("input constraints (--assume)", () => {
  it("a combinational design that differs only where the spec does not care passes under the constraint", async () => {
    const plain = await verify({ reference: MUX_REF, candidate: MUX_OTHER_PRIORITY, ...tops });
    expect(plain.status).toBe("fail");
    const assumed = await verify({ reference: MUX_REF, candidate: MUX_OTHER_PRIORITY, ...tops, assume: "!(s1 && s2)" });
    expect(assumed.status, assumed.message).toBe("pass");
    expect(assumed.message).toMatch(/under the input constraint !\(s1 && s2\)/);
    // 18 input bits: random simulation and a formal proof, both under the constraint.
    expect(assumed.engines.formal.status).toBe("proved");
    const wrong = await verify({ reference: MUX_REF, candidate: MUX_WRONG, ...tops, assume: "!(s1 && s2)" });
    expect(wrong.status).toBe("fail");
    expect(wrong.counterexample?.inputs.s2).toBe("1'b0");
  });

  it("exhaustive simulation compares only the vectors the constraint allows", async () => {
    const narrow = (m: string) => m.replaceAll("[7:0]", "[1:0]").replaceAll("8'd0", "2'd0").replaceAll("8'hfe", "2'h2");
    const r = await verify({
      reference: narrow(MUX_REF),
      candidate: narrow(MUX_OTHER_PRIORITY),
      ...tops,
      assume: "~(s1 & s2)",
    });
    expect(r.status, r.message).toBe("pass");
    expect(r.engines.sim.exhaustive).toBe(true);
    const w = await verify({ reference: narrow(MUX_REF), candidate: narrow(MUX_WRONG), ...tops, assume: "~(s1 & s2)" });
    expect(w.status).toBe("fail");
  });

  it("a sequential design: never driven into the don't-care, formal assumes it, a real difference still fails", async () => {
    const plain = await verify({ reference: COUNTER_REF, candidate: COUNTER_OTHER, ...tops });
    expect(plain.status).toBe("fail");
    const assumed = await verify({
      reference: COUNTER_REF,
      candidate: COUNTER_OTHER,
      ...tops,
      assume: "!(inc && dec)",
    });
    expect(assumed.status, assumed.message).toBe("pass");
    expect(["proved", "bounded"]).toContain(assumed.engines.formal.status);
    expect(assumed.engines.sim.cycles).toBeGreaterThan(100);
    const wrong = await verify({ reference: COUNTER_REF, candidate: COUNTER_WRONG, ...tops, assume: "!(inc && dec)" });
    expect(wrong.status).toBe("fail");
  });

  it("formal alone honours the constraint (engine formal)", async () => {
    const seqPlain = await verify({ reference: COUNTER_REF, candidate: COUNTER_OTHER, ...tops, engine: "formal" });
    expect(seqPlain.status).toBe("fail");
    const seq = await verify({
      reference: COUNTER_REF,
      candidate: COUNTER_OTHER,
      ...tops,
      engine: "formal",
      assume: "!(inc && dec)",
    });
    expect(seq.status, seq.message).toBe("pass");
    expect(seq.engines.formal.status).toBe("proved");
    const comb = await verify({
      reference: MUX_REF,
      candidate: MUX_OTHER_PRIORITY,
      ...tops,
      engine: "formal",
      assume: "!(s1 && s2)",
    });
    expect(comb.status).toBe("pass");
  });

  it("rejects a constraint that names anything but an input, is not an expression, or calls the system", async () => {
    for (const assume of ["!(s1 && q)", "s1 &&", "$time > 0", "s1; $finish", "`define x", '"s1"', "y == 0"]) {
      await expect(verify({ reference: MUX_REF, candidate: MUX_OTHER_PRIORITY, ...tops, assume })).rejects.toThrow(
        BadInputError,
      );
    }
  });
});
