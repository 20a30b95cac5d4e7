import { afterAll, describe, expect, it } from "vitest";
import { liveProcessCount } from "../../src/tools/process.js";
import {
  type AnyVerifyGroupInput,
  type CheckRequest,
  CheckService,
  NO_METRICS,
  resolveOptions,
  verifyGroupAny,
} from "../../src/verify/index.js";

// The check service without HTTP, on the real tools: its watchdog cancels an engine call (kills its processes),
// it does not abandon it.
const REF = `module RefModule(input clk, input reset, input [3:0] d, output reg [3:0] q, output odd);
  always @(posedge clk) if (reset) q <= 4'd0; else q <= q + d;
  assign odd = q[0];
endmodule
`;
const top = (extra: string) => `module TopModule(input clk, input reset, input [3:0] d, output reg [3:0] q, output odd);
  always @(posedge clk) if (reset) q <= 4'd0; else q <= q + d;
  assign odd = q[0];
${extra}
endmodule
`;
const CORRECT = top("");
const CORRECT2 = top("  wire unused = 1'b0;");
// Slow but never silent: busy work on every clock edge over a long run. The simulation keeps printing progress (well
// inside the stall windows), so no stall detection ends it; only the engine's own limit (2 minutes here) or the
// watchdog does. (Not millions of cycles: the stimulus is built in JS first, and an abort landing there has no
// process to kill.)
const SLOW = top(
  "  integer i; reg [31:0] acc;\n  always @(posedge clk) for (i = 0; i < 2000; i = i + 1) acc = acc + i;",
);

const quick = resolveOptions({ engine: "sim" });
const endless = resolveOptions({ engine: "sim", cycles: 50_000, timeoutMs: 120_000 });
const request = (candidate: string, options = quick): CheckRequest => ({ reference: REF, candidate, options });
const HARD_MS = 10_000;

afterAll(() => expect(liveProcessCount()).toBe(0));

describe("CheckService watchdog", () => {
  it("cancels the engine call at the hard limit: no tool process of the check survives, the next check passes", async () => {
    const seen: Array<{ aborted: boolean; liveAtAbort?: number }> = [];
    const engine = (input: AnyVerifyGroupInput) => {
      const call: { aborted: boolean; liveAtAbort?: number } = { aborted: false };
      seen.push(call);
      input.signal?.addEventListener("abort", () => {
        call.aborted = true;
        call.liveAtAbort = liveProcessCount();
      });
      return verifyGroupAny(input);
    };
    const service = new CheckService({ workers: 1, batchWindowMs: 1, hardTimeoutMs: HARD_MS }, NO_METRICS, engine);
    // Warm the reference analysis outside the service (it is cached per reference and shared by callers, so one
    // call's abort does not cancel it): the slow check below then runs only its own candidate's processes, all of
    // which the abort must reach.
    await verifyGroupAny({ reference: REF, candidates: [CORRECT], engine: "sim" });

    const [hung] = service.submit([request(SLOW, endless)]);
    const outcome = await hung;
    expect(outcome?.result.status).toBe("timeout");
    expect(outcome?.result.message).toMatch(new RegExp(`hard limit of ${HARD_MS} ms and was cancelled`));
    expect(seen[0]?.aborted).toBe(true);
    // The abort had work to cancel (iverilog or vvp of the hanging candidate), and none of it outlived the answer.
    expect(seen[0]?.liveAtAbort).toBeGreaterThan(0);
    expect(liveProcessCount()).toBe(0);
    expect(service.outstanding).toBe(0);

    // The slot was released and the service still works.
    const [next] = service.submit([request(CORRECT2)]);
    expect((await next)?.result.status).toBe("pass");
    expect(seen[1]?.aborted).toBe(false);
    // A timeout is not cached: the same candidate is checked again, not answered from the cache.
    const [again] = service.submit([request(SLOW, endless)]);
    const second = await again;
    expect(second?.cached).toBe(false);
    expect(second?.result.status).toBe("timeout");
    expect(liveProcessCount()).toBe(0);
    await service.drain();
  }, 300_000);
});
