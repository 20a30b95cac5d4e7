import { afterAll, describe, expect, it } from "vitest";
import { findOnPath } from "../../src/tools/which.js";
import { NativeYosys, WasmYosys } from "../../src/tools/yosys.js";
import { interfaceFromYosys } from "../../src/verify/interface.js";

const job = {
  files: { "m.v": "module m(input clk, input [3:0] d, output reg [3:0] q); always @(posedge clk) q <= d; endmodule\n" },
  commands: ["read_verilog -sv m.v", "hierarchy -check -top m", "proc -norom", "write_json m.json"],
  outputs: ["m.json"],
  timeoutMs: 120_000,
};

describe("yosys backends", () => {
  const wasm = new WasmYosys();
  afterAll(() => wasm.close());

  it("the bundled WASM build runs jobs back to back on one worker and agrees with the native binary", async () => {
    const first = await wasm.run(job);
    const second = await wasm.run(job);
    expect(first.ok && second.ok).toBe(true);
    const fromWasm = interfaceFromYosys(JSON.parse(second.outputs["m.json"] as string), "m");
    expect(fromWasm.clock).toBe("clk");
    const native = await findOnPath("yosys");
    expect(native).toBeDefined();
    const n = await new NativeYosys(native as string).run(job);
    expect(interfaceFromYosys(JSON.parse(n.outputs["m.json"] as string), "m")).toEqual(fromWasm);
    expect(await wasm.version()).toMatch(/^Yosys 0\.\d+/);
  });

  it("reports a parse error with its message, and a job past its limit as timed out", async () => {
    const bad = await wasm.run({ ...job, files: { "m.v": "module m(input a output b); endmodule\n" } });
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/syntax error/);
    const slow = await new NativeYosys((await findOnPath("yosys")) as string).run({
      ...job,
      files: {
        "m.v":
          "module m(output [7:0] y); integer i; reg [7:0] r; always @* for (i = 0; i < 8; i = i) r = i; assign y = r; endmodule\n",
      },
      timeoutMs: 1500,
    });
    expect(slow.ok).toBe(false);
    expect(slow.timedOut).toBe(true);
  });
});
