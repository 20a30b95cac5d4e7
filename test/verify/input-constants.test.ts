import { describe, expect, it } from "vitest";
import { analyseReference } from "../../src/verify/analyze.js";
import { verify } from "../../src/verify/index.js";
import { generateTestbench } from "../../src/verify/testbench.js";

// VerilogEval's Prob106 shape: four case items on a 16-bit input. Random stimulus draws one of them once in 65,536
// vectors, so a candidate that drops one passed simulation-only checks (the RL reward's fast engine).
const decoder = (items: string) => `module TopModule(input [15:0] scancode, output reg left, output reg down,
  output reg right, output reg up);
  always @(*) begin
    {up, left, down, right} = 0;
    case (scancode)
${items}
    endcase
  end
endmodule
`;
const ALL = `      16'he06b: left = 1;
      16'he072: down = 1;
      16'he074: right = 1;
      16'he075: up = 1;`;
const reference = decoder(ALL);

describe("constants the reference compares its inputs against", () => {
  it("are read from the netlist per input and slice, with both sides of an ordering threshold", async () => {
    const { iface } = await analyseReference(reference, undefined, 20_000);
    expect(iface.inputConstants?.scancode?.map((c) => c.value).sort()).toEqual([0xe06b, 0xe072, 0xe074, 0xe075]);
    expect(iface.inputConstants?.scancode?.every((c) => c.lo === 0 && c.width === 16)).toBe(true);
    const sliced = await analyseReference(
      `module s(input [11:0] a, input [7:0] b, output hit, output big);
  assign hit = a[11:4] == 8'h5a;
  assign big = b > 8'd200;
endmodule
`,
      undefined,
      20_000,
    );
    expect(sliced.iface.inputConstants?.a).toEqual([{ lo: 4, width: 8, value: 0x5a }]);
    expect(sliced.iface.inputConstants?.b?.map((c) => c.value).sort()).toEqual([199, 200, 201]);
  });

  it("let simulation alone catch a candidate that drops one case item, and pass a rewrite", async () => {
    const dropped = decoder(ALL.split("\n").slice(0, 3).join("\n"));
    const r = await verify({ reference, candidate: dropped, engine: "sim" });
    expect(r.status).toBe("fail");
    expect(r.signals.filter((s) => !s.ok).map((s) => s.name)).toEqual(["up"]);
    const rewrite = `module TopModule(input [15:0] scancode, output left, output down, output right, output up);
  assign left = scancode == 16'he06b;
  assign down = scancode == 16'he072;
  assign right = scancode == 16'he074;
  assign up = scancode == 16'he075;
endmodule
`;
    expect((await verify({ reference, candidate: rewrite, engine: "sim" })).status).toBe("pass");
  });

  it("leave the testbench of a design without them as it was, and the random stream of one with them", async () => {
    const { iface } = await analyseReference(reference, undefined, 20_000);
    const spec = (i: typeof iface) => ({
      nonce: "0123456789abcdef",
      reference: { module: "ref_x", iface: i },
      candidates: ["cand_a"],
      seed: 3,
      cycles: 2000,
      vectors: 100,
      exhaustiveBits: 10,
    });
    const { inputConstants: _dropped, ...plain } = iface;
    const withConstants = generateTestbench(spec(iface));
    const without = generateTestbench(spec(plain));
    expect(withConstants.source).not.toBe(without.source);
    expect(withConstants.source).toContain("16'd57461");
    // Mode 7 gets its own branch holding the same single uniform draw as the default branch (one branch runs per
    // draw): the constants overwrite a value already drawn and take no draw of their own.
    const draws = (s: string) => s.split("64'h5851f42d4c957f2d").length - 1;
    expect(draws(withConstants.source)).toBe(draws(without.source) + 1);
    expect(withConstants.source).toMatch(
      /3'd7: begin rg\w+ = rg\w+ \* 64'h5851f42d4c957f2d[^\n]*\n\s*if \(rg\w+\[31\]\) case/,
    );
    expect(withConstants.steps).toBe(without.steps);
  });
});
