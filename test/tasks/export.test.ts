import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPrompt } from "../../src/bench/prompts.js";
import { listSuites, loadSuite } from "../../src/bench/suites/registry.js";
import { loadProblems, type RunningServer, startServer } from "../../src/server/index.js";
import { ROOT, rtlgym as runCli } from "../helpers/cli.js";
import { type FakeRequest, startFakeOpenAI } from "../helpers/fake-openai.js";

const run = promisify(execFile);
const PYTHON = join(ROOT, ".venv-adapters", "bin", "python");

/** The real CLI with this file's own RTLGYM_HOME (made in beforeAll). */
const rtlgym = (...args: string[]) => runCli(args, { env: { RTLGYM_HOME: home } });

const readJsonl = async (path: string) =>
  (await readFile(path, "utf8"))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));

let out = "";
let home = "";
let summary: { splits: Array<{ split: string; count: number; dir: string }> };

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "rtlgym-tasks-"));
  home = await mkdtemp(join(tmpdir(), "rtlgym-home-"));
  const r = await rtlgym(
    "tasks",
    "generate",
    "--out",
    out,
    "--seed",
    "3",
    "--train",
    "120",
    "--heldout",
    "12",
    "--json",
  );
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  summary = JSON.parse(r.stdout);
}, 120_000);

describe("rtlgym tasks generate", () => {
  it("writes every split with its files and a manifest", async () => {
    expect(summary.splits.map((s) => [s.split, s.count])).toEqual([
      ["train", 120],
      ["heldout-params", 12],
      ["heldout-phrasing", 12],
      ["heldout-families", 12],
    ]);
    for (const s of summary.splits) {
      for (const f of [
        "problems.jsonl",
        "sft.jsonl",
        "sft.parquet",
        "sft-completion.jsonl",
        "sft-completion.parquet",
      ]) {
        expect(existsSync(join(s.dir, f)), `${s.split}/${f}`).toBe(true);
      }
      for (const f of ["rl.jsonl", "rl.parquet", "manifest.json"]) expect(existsSync(join(s.dir, f))).toBe(true);
    }
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ suite: "tasks", seed: 3, train: 120, heldout: 12 });
  });

  it("is reproducible: the same command writes the same files", async () => {
    const again = await mkdtemp(join(tmpdir(), "rtlgym-tasks-"));
    const r = await rtlgym("tasks", "generate", "--out", again, "--seed", "3", "--train", "120", "--heldout", "12");
    expect(r.code).toBe(0);
    for (const f of ["train/problems.jsonl", "heldout-params/rl.jsonl", "train/sft.parquet"]) {
      expect((await readFile(join(again, f))).equals(await readFile(join(out, f))), f).toBe(true);
    }
  });

  it("SFT rows use bench's own prompts; the completion continues the completions prompt's prefill", async () => {
    const suite = await loadSuite("tasks", join(out, "train"));
    const chat = await readJsonl(join(out, "train", "sft.jsonl"));
    const completion = await readJsonl(join(out, "train", "sft-completion.jsonl"));
    expect(chat.length).toBe(120);
    for (const [i, problem] of suite.problems.entries()) {
      const chatPrompt = buildPrompt(problem, { api: "chat" });
      const completionPrompt = buildPrompt(problem, { api: "completions" });
      expect(chat[i].id).toBe(problem.id);
      expect(chat[i].messages.map((m: { role: string }) => m.role)).toEqual(["system", "user", "assistant"]);
      expect(chat[i].messages[0].content).toBe(chatPrompt.system);
      expect(chat[i].messages[1].content).toBe(chatPrompt.prompt);
      expect(chat[i].messages[2].content).toMatch(/^```verilog\nmodule TopModule \([\s\S]*endmodule\n```$/);
      expect(completion[i].prompt).toBe(completionPrompt.prompt);
      expect(completion[i].completion.startsWith(completionPrompt.prefill ?? "")).toBe(true);
      expect(completion[i].completion.endsWith("```")).toBe(true);
    }
  });

  it("Parquet files read back equal to the JSONL rows (nested messages, structs)", async () => {
    for (const name of ["sft", "sft-completion", "rl"]) {
      const bytes = await readFile(join(out, "heldout-params", `${name}.parquet`));
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      const rows = await parquetReadObjects({ file });
      expect(rows, name).toEqual(await readJsonl(join(out, "heldout-params", `${name}.jsonl`)));
    }
  });

  it.skipIf(!existsSync(PYTHON))("Parquet loads with Hugging Face datasets", async () => {
    const script = join(out, "load.py");
    await writeFile(
      script,
      `import sys, json\nfrom datasets import load_dataset\nd = sys.argv[1]\nout = {}\nfor name in ["sft", "sft-completion", "rl"]:\n    ds = load_dataset("parquet", data_files=f"{d}/{name}.parquet", split="train")\n    out[name] = [len(ds), ds.column_names, ds[0]]\nprint(json.dumps(out))\n`,
    );
    const { stdout } = await run(PYTHON, [script, join(out, "train")], { timeout: 120_000, maxBuffer: 64 << 20 });
    const loaded = JSON.parse(stdout);
    const sft = await readJsonl(join(out, "train", "sft.jsonl"));
    expect(loaded.sft[0]).toBe(120);
    expect(loaded.sft[2]).toEqual(sft[0]);
    expect(loaded.rl[1]).toContain("reward_model");
  });

  it("refuses a non-empty folder it did not write, and reports bad flags", async () => {
    const foreign = await mkdtemp(join(tmpdir(), "rtlgym-foreign-"));
    await writeFile(join(foreign, "notes.txt"), "mine");
    const r = await rtlgym("tasks", "generate", "--out", foreign, "--train", "1", "--heldout", "1");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not empty and was not written by rtlgym tasks; pass --force/);
    const bad = await rtlgym("tasks", "generate", "--out", foreign, "--train", "-3");
    expect(bad.code).toBe(2);
    const fam = await rtlgym("tasks", "generate", "--out", join(foreign, "x"), "--families", "mux,nope");
    expect(fam.code).toBe(2);
    expect(fam.stderr).toMatch(/unknown task families: nope/);
  });

  it("audits families from the command line", async () => {
    const r = await rtlgym("tasks", "audit", "--families", "mux,counter", "--train", "1", "--heldout", "0", "--json");
    expect(r.code).toBe(0);
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((x) => [x.family, x.alternative, x.wrong, x.ok])).toEqual([
      ["mux", "pass", "fail", true],
      ["counter", "pass", "fail", true],
    ]);
    const bad = await rtlgym("tasks", "audit", "--families", "nope");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown task families: nope/);
  });

  it("lists the families", async () => {
    const r = await rtlgym("tasks", "families", "--json");
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.filter((x) => !x.composite).length).toBeGreaterThanOrEqual(40);
    expect(rows.find((x) => x.name === "sequence_detector")).toMatchObject({ sequential: true, phrasings: 4 });
  });
});

describe("the tasks suite", () => {
  it("is registered and loads a split folder; the output folder itself is a clear error", async () => {
    expect(listSuites().some((s) => s.name === "tasks")).toBe(true);
    const suite = await loadSuite("tasks", join(out, "heldout-families"));
    expect(suite.problems.length).toBe(12);
    expect(suite.revision).toMatch(/^tasks\+sha256:/);
    await expect(loadSuite("tasks", out)).rejects.toThrow(/point --data at one of them/);
    await expect(loadSuite("tasks", join(out, "nope"))).rejects.toThrow(/holds no problems.jsonl/);
  });

  it("bench eval scores a held-out split unchanged: references pass, the SFT answers of writer B pass", async () => {
    const dir = join(out, "heldout-params");
    const refs = await rtlgym(
      "bench",
      "eval",
      "--suite",
      "tasks",
      "--data",
      dir,
      "--references",
      "--json",
      "--out",
      join(out, "run-refs"),
    );
    expect(refs.code).toBe(0);
    const s = JSON.parse(refs.stdout);
    expect(s).toMatchObject({ suite: "tasks", attempted: 12, scored: 12, passAtK: { "1": 1 } });
    // The chat answers (writer A or B) as model responses.
    const sft = await readJsonl(join(dir, "sft.jsonl"));
    const samples = join(out, "samples.jsonl");
    await writeFile(
      samples,
      sft.map((r) => JSON.stringify({ problem: r.id, response: r.messages[2].content })).join("\n"),
    );
    const ev = await rtlgym(
      "bench",
      "eval",
      "--suite",
      "tasks",
      "--data",
      dir,
      "--samples",
      samples,
      "--json",
      "--out",
      join(out, "run-sft"),
    );
    expect(ev.code).toBe(0);
    expect(JSON.parse(ev.stdout).passAtK["1"]).toBe(1);
  }, 180_000);
});

describe("bench run on a split, with a model that learnt the SFT rows by heart", () => {
  it("sends exactly the SFT prompts (chat and completions) and scores the answers", async () => {
    const dir = join(out, "heldout-phrasing");
    const chat = await readJsonl(join(dir, "sft.jsonl"));
    const completion = await readJsonl(join(dir, "sft-completion.jsonl"));
    // Answers only prompts that are byte-identical to a training row's prompt.
    const respond = (req: FakeRequest): string => {
      if (req.endpoint === "chat") {
        const text = JSON.stringify(req.messages);
        const row = chat.find((r) => JSON.stringify(r.messages.slice(0, 2)) === text);
        return row ? row.messages[2].content : "no such prompt";
      }
      for (const r of completion) {
        const prefill = r.completion.slice(0, r.completion.indexOf(");\n") + 3);
        // The prompt is bench's completions prompt followed by the prefill (fence and header); stop at the fence.
        if (req.prompt === r.prompt + prefill) return r.completion.slice(prefill.length).replace(/```$/, "");
      }
      return "no such prompt";
    };
    const server = await startFakeOpenAI({ respond });
    try {
      for (const api of ["chat", "completions"]) {
        const suite = ["--suite", "tasks", "--data", dir];
        const model = ["--endpoint", server.url, "--model", "fake-model", "--api", api];
        const r = await rtlgym(
          "bench",
          "run",
          ...suite,
          ...model,
          "-n",
          "1",
          "--json",
          "--out",
          join(out, `run-${api}`),
        );
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout), api).toMatchObject({ suite: "tasks", attempted: 12, passAtK: { "1": 1 } });
      }
      expect(server.requests.length).toBe(24);
    } finally {
      await server.close();
    }
  }, 180_000);
});

describe("RL labels", () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer({
      host: "127.0.0.1",
      port: 0,
      problems: await loadProblems([`tasks=${join(out, "heldout-phrasing")}`]),
      verify: { timeoutMs: 10_000 },
    });
  });
  afterAll(async () => server?.close());

  it("rtlgym serve accepts the ground truth (inline reference) and the problem id", async () => {
    const rows = (await readJsonl(join(out, "heldout-phrasing", "rl.jsonl"))).slice(0, 4);
    const sft = await readJsonl(join(out, "heldout-phrasing", "sft.jsonl"));
    const good = (i: number) => sft[i].messages[2].content as string;
    const res = await fetch(`${server.url}/get_reward?reward=codev-noformat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: [...rows.map((_r, i) => `P${good(i)}`), "Pno code here"],
        prompts: [...rows.map(() => "P"), "P"],
        labels: [...rows.map((r) => r.ground_truth), rows[0].ground_truth],
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rewards: number[] };
    expect(body.rewards).toEqual([1, 1, 1, 1, 0]);
    // The same rows named by their problem id (`serve --problems tasks=DIR/<split>`).
    const byId = await fetch(`${server.url}/v1/rewards`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        reward: "codev-noformat",
        items: rows.map((r, i) => ({ id: r.id, problem: r.problem, response: good(i) })),
      }),
    });
    const results = ((await byId.json()) as { results: Array<{ reward: number }> }).results;
    expect(results.map((r) => r.reward)).toEqual([1, 1, 1, 1]);
    for (const r of rows) {
      expect(r.reward_model.ground_truth).toBe(r.ground_truth);
      expect(JSON.parse(r.ground_truth)).toMatchObject({ refTop: "TopModule", candTop: "TopModule" });
    }
  });
});
