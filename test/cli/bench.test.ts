import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { referenceAsCandidate } from "../../src/bench/samples.js";
import { loadSuite } from "../../src/bench/suites/registry.js";
import { BenchSummary, type LoadedSuite, type Problem } from "../../src/contracts/index.js";
import { openStore } from "../../src/runs/index.js";
import { MAIN, cli as rtlgym, TSX } from "../helpers/cli.js";
import { type FakeOpenAI, type FakeRequest, startFakeOpenAI } from "../helpers/fake-openai.js";

const PROBLEMS = ["b001_basic_gates", "b002_mux2_8bit", "b004_decoder_3to8_en", "b005_priority_encoder8"];
/** Added to the finished run later: resuming it over more problems samples only this one. */
const ADDED = "b003_mux4_4bit";
const HANGING = "b005_priority_encoder8";
let suite: LoadedSuite;
let dir = "";
let server: FakeOpenAI;
let hang = true;
let finishedRun = "";

/** The problem a request is about: the one whose spec appears in the prompt. */
function problemOf(req: FakeRequest): Problem {
  const text = req.messages ? req.messages.map((m) => m.content).join("\n") : (req.prompt ?? "");
  const found = suite.problems.find(
    (p) => [...PROBLEMS, ADDED].includes(p.id) && text.includes(p.prompt.trim().slice(0, 200)),
  );
  if (!found) throw new Error("fake model: unknown prompt");
  return found;
}

/** Sample 0 of each problem is the reference (correct); sample 1 does not compile. */
function respond(req: FakeRequest): string[] {
  const good = referenceAsCandidate(problemOf(req));
  const broken = "module TopModule(input a); this is not verilog endmodule";
  return [`Here it is.\n\`\`\`verilog\n${good}\`\`\``, `\`\`\`verilog\n${broken}\n\`\`\``];
}

beforeAll(async () => {
  suite = await loadSuite("builtin");
  dir = await mkdtemp(join(tmpdir(), "rtlgym-bench-cli-"));
  server = await startFakeOpenAI({
    respond,
    faults: (req) => (hang && problemOf(req).id === HANGING ? { hang: true } : undefined),
  });
});

afterAll(async () => {
  await server?.close();
});

const runArgs = () => [
  "bench",
  "run",
  "--suite",
  "builtin",
  "--problems",
  PROBLEMS.join(","),
  "--endpoint",
  server.url,
  "--model",
  "fake-model",
  "-n",
  "2",
  "--temperature",
  "0.8",
  "--engine",
  "sim",
  "--db",
  join(dir, "runs.db"),
  "--out",
  join(dir, "out"),
];

describe("bench run against a loopback OpenAI-compatible server", () => {
  it("survives a kill and resumes without regenerating or rescoring", async () => {
    // First run: the hanging problem never answers; kill the process once the others are scored.
    const child = spawn(TSX, [MAIN, ...runArgs(), "--quiet"], { stdio: "ignore" });
    const db = join(dir, "runs.db");
    const deadline = Date.now() + 90_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 300));
      if (existsSync(db)) {
        const store = openStore(db);
        const runs = store.listRuns();
        const scored = runs[0] ? store.doneSamples(runs[0].id).length : 0;
        store.close();
        if (scored === 6) break;
      }
      if (Date.now() > deadline) throw new Error("first run never scored the three answering problems");
    }
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    const before = server.requests.length;
    expect(server.requests.filter((r) => problemOf(r).id !== HANGING)).toHaveLength(3);

    hang = false;
    const second = await rtlgym(...runArgs(), "--json");
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/resuming run/);
    // Only the problem that never answered was asked again.
    const asked = server.requests.slice(before).map((r) => problemOf(r).id);
    expect(asked).toEqual([HANGING]);

    const summary = BenchSummary.parse(JSON.parse(second.stdout));
    expect(summary).toMatchObject({ suite: "builtin", attempted: 4, scored: 4, excluded: [] });
    expect(summary.passAtK["1"]).toBeCloseTo(0.5, 12);
    expect(summary.passAtK["2"]).toBe(1);
    expect(summary.statuses).toEqual({ pass: 4, compile_error: 4 });
    expect(summary.problems.every((p) => p.n === 2 && p.c === 1)).toBe(true);
    expect(summary.toolVersions.iverilog).toMatch(/11/);

    for (const f of ["summary.json", "report.md", "report.html"]) expect(existsSync(join(dir, "out", f))).toBe(true);
    const html = await readFile(join(dir, "out", "report.html"), "utf8");
    expect(html).toContain("b001_basic_gates");
    expect(html).not.toMatch(/(src|href)="https?:/);

    // The store holds prompts, raw responses, extracted code and verdicts.
    const store = openStore(db);
    const samples = store.samplesOf(summary.runId as string);
    store.close();
    expect(samples).toHaveLength(8);
    for (const s of samples) {
      expect(s.prompt).toBeTruthy();
      expect(s.raw).toContain("```verilog");
      expect(s.score?.problem).toBe(s.problem);
    }
    expect(samples.find((s) => s.sample === 0)?.code).toMatch(/^module TopModule/);
    finishedRun = summary.runId as string;
  }, 180_000);

  it("refuses to resume a run with other settings, naming what differs", async () => {
    expect(finishedRun).not.toBe("");
    const asked = server.requests.length;
    const args = runArgs();
    args[args.indexOf("--temperature") + 1] = "0.5";
    const r = await rtlgym(...args, "--resume", finishedRun);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`run ${finishedRun} was made with a different sampling`);
    expect(server.requests.length).toBe(asked); // nothing was sampled into it
  }, 60_000);

  it("lists, shows and compares stored runs", async () => {
    const db = join(dir, "runs.db");
    const samples = join(dir, "samples.jsonl");
    const forged = (p: Problem) =>
      `\`\`\`verilog\nmodule TopModule(${suite.problems.find((x) => x.id === p.id)?.header?.match(/\(([\s\S]*)\)/)?.[1] ?? ""});\n  initial $display("Mismatches: 0 in 100 samples");\nendmodule\n\`\`\``;
    const rows = suite.problems
      .filter((p) => PROBLEMS.includes(p.id))
      .map((p) => JSON.stringify({ problem: p.id, response: forged(p) }));
    await writeFile(samples, `${rows.join("\n")}\n`);
    const ev = await rtlgym(
      "bench",
      "eval",
      "--suite",
      "builtin",
      "--problems",
      PROBLEMS.join(","),
      "--samples",
      samples,
      "--engine",
      "sim",
      "--db",
      db,
      "--out",
      join(dir, "eval"),
      "--json",
    );
    expect(ev.code, ev.stderr).toBe(0);
    const evalSummary = BenchSummary.parse(JSON.parse(ev.stdout));
    expect(evalSummary.passAtK["1"]).toBe(0);
    expect(evalSummary.statuses.pass).toBeUndefined();

    const list = await rtlgym("bench", "list", "--db", db, "--json");
    const runs = list.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; kind: string });
    expect(runs.map((r) => r.kind)).toEqual(["eval", "run"]);
    const show = await rtlgym("bench", "show", runs[1]?.id as string, "--db", db);
    expect(show.stdout).toMatch(/4 attempted, 4 scored/);
    const cmp = await rtlgym("bench", "compare", runs[1]?.id as string, runs[0]?.id as string, "--db", db, "--json");
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(cmp.stdout))).toMatch(/-0\.5|0\.5/);
    const missing = await rtlgym("bench", "show", "no-such-run", "--db", db);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no run "no-such-run"/);
  }, 120_000);

  it("grows a finished run to more problems, sampling only the new one, and never shrinks it", async () => {
    expect(finishedRun).not.toBe("");
    const asked = server.requests.length;
    const withMore = runArgs();
    withMore[withMore.indexOf("--problems") + 1] = [...PROBLEMS, ADDED].join(",");
    const grown = await rtlgym(...withMore, "--resume", finishedRun, "--json");
    expect(grown.code, grown.stderr).toBe(0);
    expect(server.requests.slice(asked).map((r) => problemOf(r).id)).toEqual([ADDED]);
    const summary = BenchSummary.parse(JSON.parse(grown.stdout));
    expect(summary.runId).toBe(finishedRun);
    expect(summary).toMatchObject({ attempted: 5, scored: 5 });
    // The run now stands for five problems: resumed with them again, nothing is asked.
    const again = await rtlgym(...withMore, "--resume", finishedRun, "--json");
    expect(again.code, again.stderr).toBe(0);
    expect(server.requests.length).toBe(asked + 1);
    // Fewer problems than it holds would change what its pass@k means.
    const r = await rtlgym(...runArgs(), "--resume", finishedRun);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("set of problems (only adding problems is allowed)");
  }, 120_000);

  it("lists the suites it can load", async () => {
    const r = await rtlgym("bench", "suites", "--json");
    const names = r.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { name: string }).name);
    expect(names).toEqual([
      "builtin",
      "builtin-vhdl",
      "verilog-eval-v2",
      "verilog-eval-v2-cc",
      "verilog-eval-v1-human",
      "verilog-eval-v1-machine",
      "rtllm-v1.1",
      "rtllm-v2.0",
      "tasks",
    ]);
  });

  it("rejects bad usage with one clear line", async () => {
    const r = await rtlgym("bench", "eval", "--suite", "nope", "--references");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown suite "nope"/);
    const both = await rtlgym("bench", "eval", "--suite", "builtin");
    expect(both.stderr).toMatch(/exactly one of --samples FILE or --references/);
  });
});
