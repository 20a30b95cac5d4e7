import { afterAll, describe, expect, it } from "vitest";
import { type RunningServer, type ServeOptions, startServer } from "../../src/server/index.js";

const REF = "module Gate(input a, input b, output y); assign y = a & b; endmodule\n";
/** Distinct equivalent candidates: each is a check of its own (the cache key ignores comments, not wires). */
const candidate = (k: number) =>
  `<think>ok</think><answer>\n\`\`\`verilog\nmodule Gate(input a, input b, output y); wire w${k}; assign y = b & a; endmodule\n\`\`\`\n</answer>`;

const servers: RunningServer[] = [];
async function serve(options: Partial<ServeOptions> = {}): Promise<RunningServer> {
  const s = await startServer({ host: "127.0.0.1", port: 0, verify: { timeoutMs: 5000, engine: "sim" }, ...options });
  servers.push(s);
  return s;
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
async function post(s: RunningServer, path: string, body: unknown): Promise<{ status: number; json: any; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${s.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, ms: performance.now() - started };
}

async function metric(s: RunningServer, name: string): Promise<number> {
  const m = new RegExp(`^${name.replace(/[{}]/g, "\\$&")} (\\S+)$`, "m").exec(
    await (await fetch(`${s.url}/metrics`)).text(),
  );
  return m ? Number(m[1]) : 0;
}

afterAll(async () => {
  await Promise.all(servers.map((x) => x.close()));
});

describe("a request larger than the queue (issue 8, class 6)", () => {
  it("gets an immediate 413 naming the limit, never a 429 a client would retry forever", async () => {
    const s = await serve({ checker: { queueLimit: 2, workers: 1 } });
    const items = [0, 1, 2].map((k) => ({ id: String(k), reference: REF, response: candidate(k) }));
    const r = await post(s, "/v1/rewards", { items });
    expect(r.status).toBe(413);
    expect(r.json.error).toMatchObject({ code: "too_many_checks", limit: 2, requested: 3 });
    expect(r.json.error.message).toMatch(/at most 2/);
    expect(r.ms).toBeLessThan(2000);
    expect(await metric(s, 'rtlgym_rejections_total{reason="too_many_checks"}')).toBe(1);
    expect(await metric(s, 'rtlgym_rejections_total{reason="queue_full"}')).toBe(0);

    // OpenRLHF's endpoint answers the same way.
    const openrlhf = await post(s, "/get_reward", {
      query: [0, 1, 2].map(candidate),
      prompts: ["", "", ""],
      labels: [0, 1, 2].map(() => JSON.stringify({ reference: REF })),
    });
    expect(openrlhf.status).toBe(413);
    expect(openrlhf.json.error).toMatchObject({ code: "too_many_checks", limit: 2 });
  });

  it("counts only the checks a request adds: cached and duplicate responses take no queue slot", async () => {
    const s = await serve({ checker: { queueLimit: 2, workers: 1 } });
    const first = await post(s, "/v1/rewards", {
      items: [0, 1].map((k) => ({ reference: REF, response: candidate(k) })),
    });
    expect(first.status).toBe(200);
    expect(first.json.results.map((x: { status: string }) => x.status)).toEqual(["pass", "pass"]);
    // Four items, two cached, one repeated: two new checks fit the queue of two.
    const second = await post(s, "/v1/rewards", {
      items: [0, 1, 2, 2].map((k) => ({ reference: REF, response: candidate(k) })),
    });
    expect(second.status).toBe(200);
    expect(second.json.results.map((x: { cached: boolean }) => x.cached)).toEqual([true, true, false, false]);
  });
});

describe("event loop under hostile responses (issue 8, class 7)", () => {
  it("answers /healthz within 3 s while megabyte hostile responses are extracted, gated and scored", async () => {
    const s = await serve({ checker: { workers: 1 } });
    const n = 900_000;
    const fill = (unit: string) => unit.repeat(Math.floor(n / unit.length));
    const small = "```verilog\nmodule Gate(input a, input b, output y); assign y = b & a; endmodule\n```\n";
    const items = [
      // The format gate (its regex was quadratic in repeated `</think><answer>`).
      { reward: "codev", response: `<think>x${fill("</think><answer>")}` },
      // Fence parsing: a line of backticks (the trailing-backtick regex was quadratic), then the real answer.
      { reward: "codev-noformat", response: `\`\`\`text\nnotes\n${"`".repeat(n)}x\`\`\`\n${small}` },
      // Extraction, then the module scan and Rouge-L of itertl on megabyte code: thousands of unclosed `#(` (the
      // scan looked for each one's `)` to the end of the text). The code is over the candidate limit.
      { reward: "itertl", response: `module Gate(input a, input b, output y);\n${fill("foo #( ;\n")}` },
      // A megabyte fence of unclosed modules; thousands of <answer>, [BEGIN] and </think> before a real answer.
      { reward: "codev-noformat", response: fill("```verilog\nmodule m(input a);\n") },
      { reward: "codev-noformat", response: `${fill("<answer> [BEGIN] </think> ")}<answer>${small}</answer>` },
    ].map((item, i) => ({ id: String(i), reference: REF, ...item }));

    // The server runs in this process: a stalled event loop shows as a late timer here, and as a late /healthz.
    let done = false;
    let worstStall = 0;
    let worstHealthz = 0;
    let probes = 0;
    const request = post(s, "/v1/rewards", { items }).finally(() => {
      done = true;
    });
    const ticker = (async () => {
      while (!done) {
        const started = performance.now();
        await new Promise((r) => setTimeout(r, 10));
        worstStall = Math.max(worstStall, performance.now() - started - 10);
      }
    })();
    while (!done) {
      const started = performance.now();
      const res = await fetch(`${s.url}/healthz`);
      await res.text();
      expect(res.status).toBe(200);
      worstHealthz = Math.max(worstHealthz, performance.now() - started);
      probes++;
    }
    await ticker;
    const r = await request;
    expect(r.status).toBe(200);
    expect(r.json.results).toHaveLength(items.length);
    const statuses = r.json.results.map((x: { status: string }) => x.status);
    expect(statuses).toEqual(["format_error", "pass", "format_error", "format_error", "pass"]);
    expect(r.json.results[2].message).toMatch(/at most 262144/);
    expect(probes).toBeGreaterThan(3);
    // A quadratic scan of these megabyte inputs stalls the loop for minutes; linear work stalls it about 0.5 s on an
    // idle machine. 3 s leaves room for a loaded one (1 s was missed by 40 ms on 2 cores at load 7).
    const STALL_BOUND_MS = 3000;
    expect(worstStall).toBeLessThan(STALL_BOUND_MS);
    expect(worstHealthz).toBeLessThan(STALL_BOUND_MS);
  }, 120_000);
});

describe("candidate size limit", () => {
  it("answers a /v1/verify candidate over the limit with 413 and scores oversized extracted code as a format error", async () => {
    const s = await serve({ maxCandidateChars: 1000 });
    const big = `module Gate(input a, input b, output y); assign y = b & a;\n${"wire w; ".repeat(200)}\nendmodule\n`;
    const verify = await post(s, "/v1/verify", { reference: REF, candidate: big });
    expect(verify.status).toBe(413);
    expect(verify.json.error).toMatchObject({ code: "payload_too_large", limit: 1000 });
    const rewards = await post(s, "/v1/rewards", {
      items: [{ reference: REF, response: big, reward: "codev-noformat" }],
    });
    expect(rewards.status).toBe(200);
    expect(rewards.json.results[0]).toMatchObject({ status: "format_error", reward: 0 });
    expect(rewards.json.results[0].message).toMatch(/at most 1000/);
  });
});
