import { describe, expect, it } from "vitest";
import { analyseReference } from "../../src/verify/analyze.js";
import { compareInterfaces, describeDiff } from "../../src/verify/interface.js";

const read = async (src: string, top?: string) => (await analyseReference(src, top, 20_000)).iface;

describe("reference interface from yosys JSON", () => {
  it("finds ports, widths, signedness and parameters", async () => {
    const iface = await read(
      "module m #(parameter W = 6) (input signed [W-1:0] a, input [1:0] b, output [W:0] y); assign y = a + b; endmodule\n",
    );
    expect(iface.ports).toEqual([
      { name: "a", direction: "input", width: 6, signed: true },
      { name: "b", direction: "input", width: 2, signed: false },
      { name: "y", direction: "output", width: 7, signed: false },
    ]);
    expect(iface.parameters).toEqual({ W: "6" });
    expect(iface.sequential).toBe(false);
    expect(iface.clock).toBeNull();
  });

  it("finds the clock and resets with polarity and kind", async () => {
    const iface =
      await read(`module m(input clk, input arst_n, input srst, input load, input [3:0] d, output reg [3:0] q, output reg [3:0] p);
  always @(posedge clk or negedge arst_n) if (!arst_n) q <= 0; else q <= d;
  always @(posedge clk) if (srst) p <= 0; else if (load) p <= 4'd0; else p <= p + 1;
endmodule
`);
    expect(iface.clock).toBe("clk");
    expect(iface.clockEdges).toEqual(["pos"]);
    expect(iface.resets).toEqual(
      expect.arrayContaining([
        { name: "arst_n", activeHigh: false, kind: "async" },
        { name: "srst", activeHigh: true, kind: "sync" },
      ]),
    );
    // `load` also clears p, but it is a data input, not a reset.
    expect(iface.resets.map((r) => r.name)).not.toContain("load");
  });

  it("takes a reset gated with other logic by its name", async () => {
    const iface = await read(
      "module m(input clk, input reset, output reg [3:0] q); always @(posedge clk) if (reset || q == 4'd10) q <= 0; else q <= q + 1; endmodule\n",
    );
    expect(iface.resets).toEqual([{ name: "reset", activeHigh: true, kind: "sync" }]);
  });

  it("reports several clocks and inout ports as unsupported", async () => {
    const two = await read(
      "module m(input c1, input c2, input d, output reg a, output reg b); always @(posedge c1) a <= d; always @(posedge c2) b <= d; endmodule\n",
    );
    expect(two.unsupported).toMatch(/several clocks/);
    const io = await read("module m(inout x, input e, input d); assign x = e ? d : 1'bz; endmodule\n");
    expect(io.unsupported).toMatch(/inout/);
  });

  it("sees clocks inside submodules (flattened)", async () => {
    const iface = await read(`module ff(input c, input d, output reg q); always @(negedge c) q <= d; endmodule
module top(input clock, input d, output q); ff u(.c(clock), .d(d), .q(q)); endmodule
`);
    expect(iface.top).toBe("top");
    expect(iface.clock).toBe("clock");
    expect(iface.clockEdges).toEqual(["neg"]);
  });
});

describe("compareInterfaces", () => {
  const port = (name: string, direction: "input" | "output", width: number) => ({
    name,
    direction,
    width,
    signed: false,
  });
  it("matches by name and reports missing, extra and changed ports", () => {
    const diff = compareInterfaces(
      [port("a", "input", 4), port("b", "input", 4), port("y", "output", 5)],
      [port("a", "input", 4), port("y", "output", 4), port("z", "output", 1)],
    );
    expect(diff).toEqual({ missing: ["input b"], extra: ["output z"], changed: ["y: reference 5 bits, candidate 4"] });
    expect(describeDiff(diff as NonNullable<typeof diff>)).toMatch(
      /missing input b; extra output z; y: reference 5 bits/,
    );
    expect(compareInterfaces([port("a", "input", 1)], [port("a", "input", 1)])).toBeNull();
  });
});
