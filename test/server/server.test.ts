import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { VerifyResult } from "../../src/contracts/index.js";
import {
  loadProblemDir,
  ProblemIndex,
  type RunningServer,
  type ServeOptions,
  startServer,
} from "../../src/server/index.js";
import { PAIRS_DIR } from "../helpers.js";

const REF = `module RefModule(input clk, input reset, input [3:0] d, output reg [3:0] q, output odd);
  always @(posedge clk) if (reset) q <= 4'd0; else q <= q + d;
  assign odd = q[0];
endmodule
`;
const top = (body: string) => `module TopModule(input clk, input reset, input [3:0] d, output reg [3:0] q, output odd);
${body}
endmodule
`;
const CORRECT = top("  always @(posedge clk) begin if (reset) q <= 0; else q <= d + q; end\n  assign odd = q[0];");
const WRONG_ODD = top("  always @(posedge clk) if (reset) q <= 4'd0; else q <= q + d;\n  assign odd = q[1];");
const HANG = top(
  "  always @(posedge clk) if (reset) q <= 4'd0; else q <= q + d;\n  assign odd = q[0];\n  reg spin; initial begin spin = 1'b0; forever spin = ~spin; end",
);
const COMB_REF = "module Gate(input a, input b, output y); assign y = a & b; endmodule\n";
const COMB_OK = "module Gate(input a, input b, output y); assign y = b & a; endmodule\n";
const answer = (code: string) => `<think>\nok\n</think>\n<answer>\n\`\`\`verilog\n${code}\`\`\`\n</answer>`;

const servers: RunningServer[] = [];
async function serve(options: Partial<ServeOptions> = {}): Promise<RunningServer> {
  const s = await startServer({ host: "127.0.0.1", port: 0, verify: { timeoutMs: 5000 }, ...options });
  servers.push(s);
  return s;
}

async function post(
  s: RunningServer,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${s.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

async function metric(s: RunningServer, name: string, token?: string): Promise<number> {
  const res = await fetch(`${s.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const m = new RegExp(`^${name.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(await res.text());
  return m ? Number(m[1]) : 0;
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe("reward service endpoints", () => {
  let s: RunningServer;
  beforeAll(async () => {
    const problems = new ProblemIndex();
    for (const { problem, inferCandTop } of await loadProblemDir(PAIRS_DIR, "pairs"))
      problems.add(problem, { inferCandTop });
    problems.add({
      suite: "local",
      id: "acc",
      task: "spec-to-rtl",
      prompt: "",
      reference: REF,
      refTop: "RefModule",
      candTop: "TopModule",
      tags: [],
    });
    s = await serve({ problems, maxBodyBytes: 200_000 });
  });

  it("answers /healthz, /readyz and /metrics", async () => {
    expect(await (await fetch(`${s.url}/healthz`)).json()).toEqual({ ok: true });
    const ready = (await (await fetch(`${s.url}/readyz`)).json()) as { ready: boolean; problems: object };
    expect(ready.ready).toBe(true);
    const pairCount = readdirSync(PAIRS_DIR).filter((d) => existsSync(join(PAIRS_DIR, d, "ref.v"))).length;
    expect(ready.problems).toMatchObject({ local: 1, pairs: pairCount });
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    for (const name of [
      "rtlgym_queue_depth",
      "rtlgym_inflight_checks",
      "rtlgym_check_duration_seconds",
      "rtlgym_cache_hits_total",
      "rtlgym_dedupe_hits_total",
      "rtlgym_process_resident_memory_bytes",
    ])
      expect(metrics).toContain(name);
  });

  it("POST /v1/verify returns the VerifyResult `check --json` prints, by reference or by problem", async () => {
    const byRef = await post(s, "/v1/verify", { reference: REF, candidate: WRONG_ODD, candTop: "TopModule" });
    expect(byRef.status).toBe(200);
    expect(VerifyResult.parse(byRef.json).status).toBe("fail");
    expect(byRef.json.signals.find((x: { name: string }) => x.name === "odd").ok).toBe(false);
    const byProblem = await post(s, "/v1/verify", { problem: "local/acc", candidate: CORRECT, options: { seed: 3 } });
    expect(byProblem.status).toBe(200);
    expect(byProblem.json.status).toBe("pass");
    expect(byProblem.json.options.seed).toBe(3);
    const pair = await post(s, "/v1/verify", {
      problem: "pairs/15_different_top_names",
      candidate: (await import("node:fs")).readFileSync(`${PAIRS_DIR}/15_different_top_names/cand.v`, "utf8"),
    });
    expect(pair.json.status).toBe("pass");
  });

  it("serves repeats from the cache", async () => {
    const body = { reference: COMB_REF, candidate: COMB_OK, options: { engine: "sim" } };
    const first = await post(s, "/v1/verify", body);
    expect(first.headers.get("x-rtlgym-cached")).toBe("false");
    const hits = await metric(s, "rtlgym_cache_hits_total");
    // Line endings do not change the cache key (every tool reads the text with LF line endings).
    const again = await post(s, "/v1/verify", { ...body, candidate: COMB_OK.replace(/\n/g, "\r\n") });
    expect(again.headers.get("x-rtlgym-cached")).toBe("true");
    expect(again.json).toEqual(first.json);
    expect(await metric(s, "rtlgym_cache_hits_total")).toBe(hits + 1);
    // Any other difference is another key, even whitespace: the preprocessor can tell (`__LINE__`).
    const spaced = await post(s, "/v1/verify", { ...body, candidate: `// same\n${COMB_OK}` });
    expect(spaced.headers.get("x-rtlgym-cached")).toBe("false");
    // Other options are another key.
    const seeded = await post(s, "/v1/verify", { ...body, options: { engine: "sim", seed: 9 } });
    expect(seeded.headers.get("x-rtlgym-cached")).toBe("false");
  });

  it("POST /v1/rewards scores raw responses, aligned with the items", async () => {
    const r = await post(s, "/v1/rewards", {
      items: [
        { id: "a", problem: "local/acc", response: answer(CORRECT) },
        { id: "b", problem: "local/acc", response: answer(WRONG_ODD), reward: "signal" },
        { id: "c", problem: "local/acc", response: `Here:\n\`\`\`verilog\n${CORRECT}\`\`\`` },
        { id: "d", reference: REF, refTop: "RefModule", response: answer(CORRECT), reward: "itertl" },
        { problem: "local/acc", response: "I cannot do that." },
        { id: "f", problem: "local/acc", response: answer(top("  always @(posedge clk) q <= q + ;")) },
      ],
    });
    expect(r.status).toBe(200);
    const [a, b, c, d, e, f] = r.json.results;
    expect(a).toMatchObject({ id: "a", reward: 1, status: "pass", cached: false });
    expect(a.details).toMatchObject({ reward: "codev", extraction: "answer-fence" });
    expect(b).toMatchObject({ id: "b", reward: 0.5, status: "fail" });
    expect(b.signals).toHaveLength(2);
    expect(c).toMatchObject({ id: "c", reward: 0, status: "format_error", signals: [] });
    expect(d.id).toBe("d");
    expect(d.details.reward).toBe("itertl");
    expect(d.reward).toBeGreaterThan(1.5);
    expect(e.id).toBeUndefined();
    expect(e).toMatchObject({ reward: 0, status: "format_error" });
    expect(f).toMatchObject({ id: "f", reward: 0, status: "compile_error" });
  });

  it("POST /get_reward speaks OpenRLHF: prompt prefix stripped, problem-id and JSON labels", async () => {
    const prompt = "Write the module.\n";
    const r = await post(s, "/get_reward", {
      query: [prompt + answer(CORRECT), prompt + answer(WRONG_ODD), `${prompt}no answer`],
      prompts: [prompt, prompt, prompt],
      labels: ["local/acc", JSON.stringify({ reference: REF, refTop: "RefModule" }), "local/acc"],
    });
    expect(r.status).toBe(200);
    expect(r.json.rewards).toEqual([1, 0, 0]);
    expect(r.json.scores).toEqual([1, 0, 0]);
    expect(r.json.extra_logs.status).toEqual(["pass", "fail", "format_error"]);
    const signal = await post(s, "/get_reward?reward=signal", {
      query: [prompt + answer(WRONG_ODD)],
      prompts: [prompt],
      labels: ["local/acc"],
    });
    expect(signal.json.rewards).toEqual([0.5]);
  });

  it("answers schema violations, unknown problems and rewards, and bad references with 400", async () => {
    const cases: Array<[string, unknown, string]> = [
      ["/v1/verify", "{not json", "bad_json"],
      ["/v1/verify", { reference: REF }, "bad_request"],
      ["/v1/verify", { reference: REF, problem: "local/acc", candidate: CORRECT }, "bad_request"],
      ["/v1/verify", { candidate: CORRECT }, "bad_request"],
      ["/v1/verify", { reference: REF, candidate: 7 }, "bad_request"],
      ["/v1/verify", { reference: REF, candidate: CORRECT, options: { engine: "magic" } }, "bad_request"],
      ["/v1/verify", { problem: "local/nope", candidate: CORRECT }, "unknown_problem"],
      ["/v1/verify", { reference: "this is not verilog", candidate: CORRECT }, "bad_reference"],
      ["/v1/rewards", { items: [] }, "bad_request"],
      ["/v1/rewards", { items: [{ problem: "local/acc", response: "x", reward: "nope" }] }, "unknown_reward"],
      ["/v1/rewards", { items: [{ problem: "x/y", response: "x" }] }, "unknown_problem"],
      ["/get_reward", { query: ["a", "b"], prompts: ["a"], labels: ["local/acc"] }, "bad_request"],
      ["/get_reward", { query: ["a"], prompts: [""], labels: ["{broken"] }, "bad_request"],
      ["/get_reward?reward=nope", { query: ["a"], prompts: [""], labels: ["local/acc"] }, "unknown_reward"],
    ];
    for (const [path, body, code] of cases) {
      const r = await post(s, path, body);
      expect([path, r.status, r.json.error.code]).toEqual([path, 400, code]);
      expect(typeof r.json.error.message).toBe("string");
    }
  });

  it("answers bodies over the limit with 413", async () => {
    const r = await post(s, "/v1/verify", { reference: REF, candidate: `// ${"x".repeat(300_000)}\n${CORRECT}` });
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe("payload_too_large");
  });
});

describe("reliability", () => {
  it("checks N identical concurrent requests once, and batches candidates of one reference into one engine call", async () => {
    const s = await serve({ checker: { batchWindowMs: 50 } });
    const same = await Promise.all(
      Array.from({ length: 8 }, () =>
        post(s, "/v1/verify", { reference: REF, candidate: CORRECT, candTop: "TopModule" }),
      ),
    );
    expect(same.map((r) => r.json.status)).toEqual(Array(8).fill("pass"));
    expect(await metric(s, "rtlgym_dedupe_hits_total")).toBe(7);
    expect(await metric(s, "rtlgym_cache_misses_total")).toBe(1);
    expect(await metric(s, "rtlgym_batch_size_count")).toBe(1);

    const variants = [0, 1, 2, 3].map((k) => CORRECT.replace("endmodule", `wire unused_${k} = 1'b0;\nendmodule`));
    const rs = await Promise.all(
      variants.map((candidate) => post(s, "/v1/verify", { reference: REF, candidate, candTop: "TopModule" })),
    );
    expect(rs.map((r) => r.json.status)).toEqual(["pass", "pass", "pass", "pass"]);
    expect(await metric(s, "rtlgym_batch_size_count")).toBe(2);
    expect(await metric(s, "rtlgym_batch_size_sum")).toBe(5);
  });

  it("reports a hanging candidate as timeout within its limit while other requests complete", async () => {
    const s = await serve({ verify: { timeoutMs: 2000 }, checker: { workers: 2 } });
    const started = performance.now();
    const hang = post(s, "/v1/verify", { reference: REF, candidate: HANG, candTop: "TopModule" }).then((r) => ({
      r,
      ms: performance.now() - started,
    }));
    const quick = await post(s, "/v1/verify", { reference: COMB_REF, candidate: COMB_OK });
    const quickMs = performance.now() - started;
    expect(quick.json.status).toBe("pass");
    const { r, ms } = await hang;
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("timeout");
    expect(quickMs).toBeLessThan(ms);
    expect(ms).toBeLessThan(2000 + 6000);
    // A timeout is not cached: the next identical request checks again.
    expect(await metric(s, "rtlgym_cache_entries")).toBe(1);
  });

  it("refuses work beyond the queue with 429 and Retry-After", async () => {
    const s = await serve({ verify: { timeoutMs: 1500 }, checker: { workers: 1, queueLimit: 1 } });
    const hang = post(s, "/v1/verify", { reference: REF, candidate: HANG, candTop: "TopModule" });
    await new Promise((r) => setTimeout(r, 100));
    const refused = await post(s, "/v1/verify", { reference: COMB_REF, candidate: COMB_OK });
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe("queue_full");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // An identical check joins the running one instead of taking a queue slot.
    const joined = post(s, "/v1/verify", { reference: REF, candidate: HANG, candTop: "TopModule" });
    expect((await hang).json.status).toBe("timeout");
    expect((await joined).json.status).toBe("timeout");
    expect(await metric(s, 'rtlgym_rejections_total{reason="queue_full"}')).toBe(1);
    const later = await post(s, "/v1/verify", { reference: COMB_REF, candidate: COMB_OK });
    expect(later.status).toBe(200);
  });

  it("requires the bearer token when one is set, except on health probes", async () => {
    const s = await serve({ token: "s3cret" });
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${s.url}/metrics`)).status).toBe(401);
    const body = { reference: COMB_REF, candidate: COMB_OK };
    const none = await post(s, "/v1/verify", body);
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe("unauthorized");
    expect((await post(s, "/v1/verify", body, { authorization: "Bearer wrong" })).status).toBe(401);
    const ok = await post(s, "/v1/verify", body, { authorization: "Bearer s3cret" });
    expect(ok.status).toBe(200);
    expect(await metric(s, 'rtlgym_rejections_total{reason="unauthorized"}', "s3cret")).toBe(3);
  });

  it("refuses a non-loopback host without a token", async () => {
    await expect(startServer({ host: "0.0.0.0", port: 0 })).rejects.toThrow(/without a token/);
    const saved = process.env.RTLGYM_TOKEN;
    delete process.env.RTLGYM_TOKEN;
    const stderr = process.stderr.write;
    let said = "";
    process.stderr.write = ((chunk: string) => {
      said += chunk;
      return true;
    }) as typeof process.stderr.write;
    try {
      expect(await main(["node", "rtlgym", "serve", "--host", "0.0.0.0", "--port", "0"])).toBe(2);
    } finally {
      process.stderr.write = stderr;
      if (saved !== undefined) process.env.RTLGYM_TOKEN = saved;
    }
    expect(said).toMatch(/refusing to listen on 0\.0\.0\.0/);
  });

  it("scores a check without a verdict with the explicit infra-error reward, or asks OpenRLHF to retry", async () => {
    // Two clocks: rtlgym cannot check this design, so every candidate gets `unsupported`.
    const twoClocks =
      "module T(input c1, input c2, input d, output reg a, output reg b); always @(posedge c1) a <= d; always @(posedge c2) b <= d; endmodule\n";
    const label = JSON.stringify({ reference: twoClocks });
    const query = { query: [answer(twoClocks)], prompts: [""], labels: [label] };
    const strict = await serve();
    const rewards = await post(strict, "/v1/rewards", {
      items: [{ reference: twoClocks, response: answer(twoClocks) }],
    });
    expect(rewards.json.results[0]).toMatchObject({ reward: null, status: "unsupported" });
    const retry = await post(strict, "/get_reward", query);
    expect(retry.status).toBe(503);
    expect(retry.json.error.code).toBe("infra_error");
    const lenient = await serve({ infraErrorReward: -1 });
    const scored = await post(lenient, "/get_reward", query);
    expect(scored.json.rewards).toEqual([-1]);
    expect(scored.json.extra_logs.status).toEqual(["unsupported"]);
  });

  it("--min-strength: a pass below the bar scores as a fail, with the reason in the details", async () => {
    const items = [
      { reference: REF, refTop: "RefModule", response: answer(CORRECT) },
      { reference: REF, refTop: "RefModule", response: answer(WRONG_ODD), reward: "signal" },
    ];
    const simOnly = await serve({ verify: { engine: "sim", timeoutMs: 5000 }, minStrength: { level: "bounded" } });
    const [weak, failed] = (await post(simOnly, "/v1/rewards", { items })).json.results;
    expect(weak).toMatchObject({ reward: 0, status: "pass" });
    expect(weak.details).toMatchObject({ strength: "simulated", belowMinStrength: "simulated is below bounded" });
    expect(failed).toMatchObject({ reward: 0.5, status: "fail" });
    expect(failed.details.belowMinStrength).toBeUndefined();
    // The accumulator's simulation toggles all 4 state bits: a simulated pass clears a full toggle bar.
    const toggles = await serve({
      verify: { engine: "sim", timeoutMs: 5000 },
      minStrength: { level: "simulated", toggle: 1 },
    });
    const [covered] = (await post(toggles, "/v1/rewards", { items: items.slice(0, 1) })).json.results;
    expect(covered).toMatchObject({ reward: 1, status: "pass" });
    expect(covered.details.belowMinStrength).toBeUndefined();
    // With formal the same pass is at least bounded.
    const formal = await serve({ verify: { timeoutMs: 20_000 }, minStrength: { level: "bounded" } });
    const [strong] = (await post(formal, "/v1/rewards", { items: items.slice(0, 1) })).json.results;
    expect(strong).toMatchObject({ reward: 1, status: "pass" });
  });

  it("finishes admitted checks on shutdown and refuses new ones", async () => {
    const s = await startServer({ host: "127.0.0.1", port: 0, verify: { timeoutMs: 1500 } });
    const inflight = post(s, "/v1/verify", { reference: REF, candidate: HANG, candTop: "TopModule" });
    await new Promise((r) => setTimeout(r, 200));
    const closed = s.close();
    const late = await post(s, "/v1/verify", { reference: COMB_REF, candidate: COMB_OK }).catch(() => undefined);
    if (late) expect(late.status).toBe(503);
    const r = await inflight;
    expect(r.status).toBe(200);
    expect(r.json.status).toBe("timeout");
    await closed;
    await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
  });
});
