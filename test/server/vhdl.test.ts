import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VerifyResult } from "../../src/contracts/index.js";
import { loadProblemDir, loadProblems, type RunningServer, startServer } from "../../src/server/index.js";
import { liveProcessCount } from "../../src/tools/process.js";

// `rtlgym serve` with VHDL: real HTTP server, real GHDL, iverilog and Yosys. The language comes from the problem
// (builtin-vhdl, a folder of .vhd references), from the request, or from an inline reference's text.
const FIX = join(import.meta.dirname, "..", "vhdl", "fixtures");
const read = (name: string) => readFileSync(join(FIX, name), "utf8");
const ADDER = readFileSync(
  join(import.meta.dirname, "..", "..", "suites", "builtin-vhdl", "b016_adder8_flags", "ref.vhd"),
  "utf8",
);
const ADDER_BAD = ADDER.replace("ovf <= '1' when a(7) = b(7) and full(7) /= a(7) else '0';", "ovf <= full(8);");
const ADDER_V = readFileSync(
  join(import.meta.dirname, "..", "..", "suites", "builtin", "b016_adder8_flags", "ref.v"),
  "utf8",
);
const vhdlAnswer = (code: string) => `<think>\nadd\n</think>\n<answer>\n\`\`\`vhdl\n${code}\`\`\`\n</answer>`;
const verilogAnswer = (code: string) => `<think>\nadd\n</think>\n<answer>\n\`\`\`verilog\n${code}\`\`\`\n</answer>`;

let s: RunningServer;
let dir: string;

async function post(path: string, body: unknown) {
  const res = await fetch(`${s.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  return { status: res.status, json: (await res.json()) as any, headers: res.headers };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "rtlgym-vhdl-serve-"));
  writeFileSync(join(dir, "counter.vhd"), read("counter_ref.vhd"));
  writeFileSync(join(dir, "and2.vhd"), read("and_ref.vhd"));
  const problems = await loadProblems(["builtin-vhdl"]);
  for (const { problem, inferCandTop } of await loadProblemDir(dir, "local")) problems.add(problem, { inferCandTop });
  s = await startServer({ host: "127.0.0.1", port: 0, problems, verify: { timeoutMs: 15_000 } });
});

afterAll(async () => {
  await s.close();
  rmSync(dir, { recursive: true, force: true });
  expect(liveProcessCount()).toBe(0);
});

describe("rtlgym serve with VHDL", () => {
  it("loads VHDL problems from the builtin-vhdl suite and from .vhd references", async () => {
    const ready = (await (await fetch(`${s.url}/readyz`)).json()) as { problems: Record<string, number> };
    expect(ready.problems).toMatchObject({ local: 2 });
    expect(ready.problems["builtin-vhdl"]).toBeGreaterThanOrEqual(27);
  });

  it("POST /v1/verify checks VHDL by problem and by inline reference, with route and GHDL version", async () => {
    const pass = await post("/v1/verify", { problem: "builtin-vhdl/b016_adder8_flags", candidate: ADDER });
    expect(pass.status, JSON.stringify(pass.json)).toBe(200);
    const r = VerifyResult.parse(pass.json);
    expect(r.status).toBe("pass");
    expect(r.route?.kind).toBe("translated");
    expect(r.toolVersions.ghdl).toMatch(/^GHDL \d/);
    const fail = await post("/v1/verify", { problem: "builtin-vhdl/b016_adder8_flags", candidate: ADDER_BAD });
    expect(fail.json.status).toBe("fail");
    expect(fail.json.signals.filter((x: { ok: boolean }) => !x.ok).map((x: { name: string }) => x.name)).toEqual([
      "ovf",
    ]);
    // An inline VHDL reference is recognised from its text; a Verilog candidate against it is a mixed check.
    const mixed = await post("/v1/verify", { reference: ADDER, candidate: ADDER_V });
    expect(mixed.json.status).toBe("pass");
    expect(mixed.json.route).toMatchObject({ reference: "vhdl", candidate: "verilog" });
    // The same VHDL check again: from the cache.
    const again = await post("/v1/verify", { problem: "builtin-vhdl/b016_adder8_flags", candidate: ADDER_BAD });
    expect(again.headers.get("x-rtlgym-cached")).toBe("true");
    expect(again.json).toEqual(fail.json);
    // The native route is a separate cache key and decides by GHDL alone (no formal).
    const native = await post("/v1/verify", {
      problem: "builtin-vhdl/b016_adder8_flags",
      candidate: ADDER_BAD,
      options: { vhdlRoute: "native" },
    });
    expect(native.headers.get("x-rtlgym-cached")).toBe("false");
    expect(native.json.status).toBe("fail");
    expect(native.json.route.kind).toBe("native");
  });

  it("gives VHDL candidates the Verilog statuses: forbidden constructs, hangs, interface mismatches", async () => {
    const textio = ADDER.replace("use ieee.numeric_std.all;", "use ieee.numeric_std.all;\nuse std.textio.all;");
    const refused = await post("/v1/verify", { problem: "builtin-vhdl/b016_adder8_flags", candidate: textio });
    expect(refused.json.status).toBe("compile_error");
    expect(refused.json.message).toMatch(/forbidden/);
    // The client lowers the limit (never above the server's).
    const hangBody = { problem: "local/and2", candidate: read("and_hang.vhd"), options: { timeoutMs: 2500 } };
    const hang = await post("/v1/verify", hangBody);
    expect(hang.json.status).toBe("timeout");
    // A timeout is never cached: the check runs again.
    const hang2 = await post("/v1/verify", hangBody);
    expect(hang2.headers.get("x-rtlgym-cached")).toBe("false");
    const wide = ADDER.replace("sum : out std_logic_vector(7 downto 0)", "sum : out std_logic_vector(8 downto 0)");
    const mismatch = await post("/v1/verify", { problem: "builtin-vhdl/b016_adder8_flags", candidate: wide });
    expect(mismatch.json.status).toBe("interface_mismatch");
    const broken = await post("/v1/verify", { reference: "entity x is end;", candidate: ADDER });
    expect(broken.status).toBe(400);
    expect(broken.json.error.code).toBe("bad_reference");
  });

  it("POST /v1/rewards extracts ```vhdl answers for VHDL problems and Verilog for Verilog ones, in one request", async () => {
    const r = await post("/v1/rewards", {
      items: [
        { id: "good", problem: "builtin-vhdl/b016_adder8_flags", response: vhdlAnswer(ADDER) },
        { id: "bad", problem: "builtin-vhdl/b016_adder8_flags", response: vhdlAnswer(ADDER_BAD), reward: "signal" },
        // codev's gate wants a ```vhdl fence for a VHDL problem.
        { id: "fence", problem: "builtin-vhdl/b016_adder8_flags", response: verilogAnswer(ADDER) },
        // The request may ask for a Verilog answer to a VHDL problem (mixed check).
        {
          id: "mixed",
          problem: "builtin-vhdl/b016_adder8_flags",
          response: verilogAnswer(ADDER_V),
          language: "verilog",
        },
        { id: "itertl", problem: "local/counter", response: vhdlAnswer(read("counter_good.vhd")), reward: "itertl" },
        { id: "verilog", reference: ADDER_V, response: verilogAnswer(ADDER_V) },
        { id: "none", problem: "local/counter", response: "no code here" },
      ],
    });
    expect(r.status).toBe(200);
    const byId = Object.fromEntries(r.json.results.map((x: { id: string }) => [x.id, x]));
    expect(byId.good).toMatchObject({ reward: 1, status: "pass" });
    expect(byId.good.details).toMatchObject({ extraction: "fence-vhdl", language: "vhdl" });
    expect(byId.bad).toMatchObject({ status: "fail" });
    expect(byId.bad.reward).toBeCloseTo(2 / 3);
    expect(byId.fence).toMatchObject({ reward: 0, status: "format_error" });
    expect(byId.fence.message).toMatch(/```vhdl/);
    expect(byId.mixed).toMatchObject({ reward: 1, status: "pass" });
    expect(byId.itertl.status).toBe("pass");
    expect(byId.itertl.details).toMatchObject({ modules: 1, referenceModules: 1 });
    expect(byId.itertl.reward).toBeGreaterThan(1.5);
    expect(byId.verilog).toMatchObject({ reward: 1, status: "pass" });
    expect(byId.verilog.details.language).toBeUndefined();
    expect(byId.none).toMatchObject({ status: "format_error", message: expect.stringMatching(/think/) });
  });

  it("POST /get_reward takes VHDL problem ids and inline VHDL labels, and dedupes identical samples", async () => {
    const prompt = "Write the entity.\n";
    const dedupes = async () => {
      const m = /^rtlgym_dedupe_hits_total (\S+)$/m.exec(await (await fetch(`${s.url}/metrics`)).text());
      return Number(m?.[1] ?? 0);
    };
    const before = await dedupes();
    const counterBad = read("counter_bad.vhd");
    const r = await post("/get_reward", {
      query: [counterBad, counterBad, counterBad, read("counter_good.vhd")].map((c) => prompt + vhdlAnswer(c)),
      prompts: [prompt, prompt, prompt, prompt],
      labels: [
        "local/counter",
        "local/counter",
        "local/counter",
        JSON.stringify({ reference: read("counter_ref.vhd"), refTop: "counter" }),
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json.rewards).toEqual([0, 0, 0, 1]);
    expect(r.json.extra_logs.status).toEqual(["fail", "fail", "fail", "pass"]);
    // Three identical samples in one request: one check, two joined it.
    expect(await dedupes()).toBe(before + 2);
  });
});
