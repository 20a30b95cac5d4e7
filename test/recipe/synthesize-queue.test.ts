import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEMPLATES } from "../../src/recipe/synthesize.js";
import { MAIN, TSX } from "../helpers/cli.js";
import { type FakeOpenAI, type FakeRequest, startFakeOpenAI } from "../helpers/fake-openai.js";
import { startRedis } from "../helpers/redis.js";
import { readJsonl, rtlgym, synthesizeArgs } from "./helpers.js";

const SOURCES: Record<string, string> = {
  adder4: "module adder4(input [3:0] a, input [3:0] b, output [4:0] sum);\n  assign sum = a + b;\nendmodule\n",
  mux2: "module mux2(input s, input [7:0] a, input [7:0] b, output [7:0] y);\n  assign y = s ? b : a;\nendmodule\n",
  and8: "module and8(input [7:0] a, input [7:0] b, output [7:0] y);\n  assign y = a & b;\nendmodule\n",
};
const WRONG: Record<string, string> = {
  adder4: "module adder4(input [3:0] a, input [3:0] b, output [4:0] sum);\n  assign sum = a - b;\nendmodule",
  mux2: "module mux2(input s, input [7:0] a, input [7:0] b, output [7:0] y);\n  assign y = s ? a : b;\nendmodule",
  and8: "module and8(input [7:0] a, input [7:0] b, output [7:0] y);\n  assign y = a | b;\nendmodule",
};
// Which regenerations are right, by sample: the answer depends only on the request (deterministic both ways).
const PLAN: Record<string, boolean[]> = { adder4: [true, false], mux2: [true, true], and8: [false, false] };

const isSpec = (req: FakeRequest) => req.messages?.[0]?.content === TEMPLATES["spec-v1"].system;
const topOf = (req: FakeRequest) => {
  const text = req.messages?.map((m) => m.content).join("\n") ?? "";
  return Object.keys(SOURCES).find((t) => text.includes(`\`${t}\``)) as string;
};

let dir = "";
let dataset = "";
let server: FakeOpenAI;
let redis: Awaited<ReturnType<typeof startRedis>>;
let worker: ChildProcess | undefined;

beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), "rtlgym-synth-queue-"));
  const repo = join(dir, "repo");
  await mkdir(repo);
  for (const [top, code] of Object.entries(SOURCES)) await writeFile(join(repo, `${top}.v`), code);
  dataset = join(dir, "ds");
  const r = await rtlgym("data", "ingest", repo, "--out", dataset, "--quiet");
  expect(r.code, r.stderr).toBe(0);
  server = await startFakeOpenAI({
    respond: (req) => {
      const top = topOf(req);
      if (isSpec(req)) return [`SPEC of \`${top}\`: as given.`];
      const first = (req.seed ?? 2) - 2;
      return Array.from(
        { length: req.n },
        (_, i) => `\`\`\`verilog\n${PLAN[top]?.[first + i] ? (SOURCES[top] as string).trim() : WRONG[top]}\n\`\`\``,
      );
    },
  });
});

afterAll(async () => {
  if (worker?.pid !== undefined && worker.exitCode === null && worker.signalCode === null)
    process.kill(-worker.pid, "SIGKILL");
  await server?.close();
  redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const args = (out: string, db: string, ...more: string[]) =>
  synthesizeArgs({ dataset, endpoint: server.url, n: 2, db }, "--out", out, "--quiet", ...more);

describe("rtlgym data synthesize --queue", () => {
  it("gives the in-process records and outcomes, the writes landing in the coordinator's run store", async () => {
    const local = await rtlgym(...args(join(dir, "local"), join(dir, "local.db")));
    expect(local.code, local.stderr).toBe(0);

    worker = spawn(TSX, [MAIN, "data", "worker", "--queue", redis.url, "--concurrency", "2"], {
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    });
    let log = "";
    worker.stderr?.on("data", (d: Buffer) => {
      log = (log + d.toString()).slice(-100_000);
    });
    const queued = await rtlgym(...args(join(dir, "queued"), join(dir, "queued.db"), "--queue", redis.url));
    expect(queued.code, `${queued.stderr}\nworker:\n${log}`).toBe(0);
    const a = JSON.parse(local.stdout);
    const b = JSON.parse(queued.stdout);
    const strip = (r: Record<string, unknown>) => {
      const { runId: _r, durationMs: _d, out: _o, resumed: _s, queue: _q, files: _f, ...rest } = r;
      return rest;
    };
    expect(strip(b)).toEqual(strip(a));
    expect(a).toMatchObject({ units: 3, kept: 2, dropped: 1, regenerations: 6, equivalent: 3 });
    // Each job collected once, started once (no worker died here); a second notice of a result (event and sweep) is
    // ignored, not counted.
    expect(b.queue).toMatchObject({ jobs: 3, collected: 3, restarted: [] });
    expect(log).toMatch(/"event":"done"/);
    const records = async (d: string) =>
      (await readJsonl(join(dir, d, "records.jsonl"))).map((r) => ({ ...r, roundtrip: { ...r.roundtrip, runId: "" } }));
    expect(await records("queued")).toEqual(await records("local"));
    expect(await readJsonl(join(dir, "queued", "synthesis.jsonl"))).toEqual(
      await readJsonl(join(dir, "local", "synthesis.jsonl")),
    );

    // The worker's writes are in the coordinator's store: resuming that run asks the endpoint for nothing.
    const before = server.requests.length;
    const again = await rtlgym(
      ...args(join(dir, "queued"), join(dir, "queued.db"), "--queue", redis.url, "--resume", b.runId),
    );
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ resumed: true, kept: 2 });
    expect(server.requests.length).toBe(before);

    worker.kill("SIGTERM");
    await new Promise((r) => worker?.once("exit", r));
    expect(worker.exitCode).toBe(0);
  }, 600_000);
});
