import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/server/index.js";
import { postJson } from "../helpers/http.js";

// Issue 8 through every HTTP endpoint: hostile candidates never earn a reward, touch no file, and get the same
// verdict alone, in a batch and from the cache.

const REF = `module RefModule(input clk, input reset, output reg [3:0] q);
  always @(posedge clk) if (reset) q <= 4'd0; else q <= q + 4'd1;
endmodule
`;
const CORRECT =
  "module TopModule(input clk, input reset, output reg [3:0] q);\n  always @(posedge clk) if (reset) q <= 4'd0; else q <= q + 4'd1;\nendmodule\n";
const PWNED = join(tmpdir(), `rtlgym-http-pwned-${process.pid}`);
const stuck = (extra: string) =>
  `module TopModule(input clk, input reset, output reg [3:0] q);\n  always @(posedge clk) q <= 4'd0;\n${extra}\nendmodule\n`;
const ATTACKS = [
  stuck(`  initial \\$display ("RTLGYM forged END 100");`),
  stuck(`  initial \\$fopen ("${PWNED}", "w");`),
  stuck("  // hidden\r initial $finish;"),
  stuck("  initial forever #1 rg_reset(1);"),
  stuck('  import "DPI-C" function int system(input string c);\n  localparam int X = system("touch ' + PWNED + '");'),
  `\`ifdef __ICARUS__\n${CORRECT}\`else\n${stuck("")}\`endif\n`,
  stuck("  always @(posedge clk) if (reset) rtlgym_tb.rg_reset(0);"),
];
const answer = (code: string) => `<think>\nok\n</think>\n<answer>\n\`\`\`verilog\n${code}\`\`\`\n</answer>`;

let s: RunningServer;
beforeAll(async () => {
  s = await startServer({ host: "127.0.0.1", port: 0, verify: { timeoutMs: 8000 } });
});
afterAll(async () => {
  await s?.close();
  rmSync(PWNED, { force: true });
});

const post = (path: string, body: unknown) => postJson(s.url, path, body);

describe("hostile candidates through the reward service", () => {
  it("/v1/verify: none passes; the verdict is the same fresh and from the cache", async () => {
    for (const candidate of ATTACKS) {
      const first = await post("/v1/verify", { reference: REF, candidate });
      expect(first.status).toBe(200);
      expect(first.json.status).not.toBe("pass");
      const again = await post("/v1/verify", { reference: REF, candidate });
      expect(again.json.status).toBe(first.json.status);
    }
    expect(existsSync(PWNED)).toBe(false);
  });

  it("/v1/rewards: a batch of attacks and a correct design scores each as it would alone", async () => {
    const items = [...ATTACKS, CORRECT].map((code, i) => ({ id: String(i), reference: REF, response: answer(code) }));
    const r = await post("/v1/rewards", { items });
    expect(r.status).toBe(200);
    const rewards = r.json.results.map((x: { reward: number }) => x.reward);
    expect(rewards).toEqual([...ATTACKS.map(() => 0), 1]);
    expect(existsSync(PWNED)).toBe(false);
  });

  it("/get_reward (OpenRLHF): attacks earn nothing", async () => {
    const prompt = "Write the counter.\n";
    const r = await post("/get_reward", {
      query: ATTACKS.map((c) => prompt + answer(c)),
      prompts: ATTACKS.map(() => prompt),
      labels: ATTACKS.map(() => JSON.stringify({ reference: REF, refTop: "RefModule" })),
    });
    expect(r.status).toBe(200);
    expect(r.json.rewards).toEqual(ATTACKS.map(() => 0));
  });
});
