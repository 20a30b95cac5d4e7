import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bandIds, readDifficulty } from "../../src/bench/difficulty.js";
import { referenceAsCandidate } from "../../src/bench/samples.js";
import { loadSuite } from "../../src/bench/suites/registry.js";
import { difficultyOverride, recipeConfig } from "../../src/cli/commands/recipe-flags.js";
import { BenchSummary, type Problem } from "../../src/contracts/index.js";
import { BadInputError } from "../../src/core/errors.js";
import { bandRows, RlConfig } from "../../src/train/rl.js";
import { cli as rtlgym } from "../helpers/cli.js";

// Two samples each: the first problem always passes, the second sometimes, the third never.
const ALWAYS = "b001_basic_gates";
const SOMETIMES = "b002_mux2_8bit";
const NEVER = "b004_decoder_3to8_en";
let dir = "";
let report = "";

beforeAll(async () => {
  const suite = await loadSuite("builtin");
  const byId = (id: string) => suite.problems.find((p) => p.id === id) as Problem;
  const good = (id: string) => `\`\`\`verilog\n${referenceAsCandidate(byId(id))}\`\`\``;
  const broken = "```verilog\nmodule TopModule(input a); not verilog endmodule\n```";
  dir = await mkdtemp(join(tmpdir(), "rtlgym-difficulty-"));
  const rows = [
    [ALWAYS, good(ALWAYS)],
    [ALWAYS, good(ALWAYS)],
    [SOMETIMES, good(SOMETIMES)],
    [SOMETIMES, broken],
    [NEVER, broken],
    [NEVER, broken],
  ].map(([problem, response]) => JSON.stringify({ problem, response }));
  await writeFile(join(dir, "samples.jsonl"), `${rows.join("\n")}\n`);
  const ev = await rtlgym(
    ...["bench", "eval", "--suite", "builtin", "--problems", [ALWAYS, SOMETIMES, NEVER].join(",")],
    ...["--samples", join(dir, "samples.jsonl"), "--engine", "sim", "--db", join(dir, "runs.db")],
    ...["--out", join(dir, "eval"), "--json"],
  );
  expect(ev.code, ev.stderr).toBe(0);
  const runId = BenchSummary.parse(JSON.parse(ev.stdout)).runId as string;
  report = join(dir, "difficulty.json");
  const d = await rtlgym(
    ...["data", "difficulty", "--run", runId, "--db", join(dir, "runs.db"), "--out", report, "--json"],
  );
  expect(d.code, d.stderr).toBe(0);
  expect(JSON.parse(d.stdout)).toMatchObject({
    run: runId,
    problems: 3,
    samples: 6,
    histogram: { never: 1, "25-50%": 1, always: 1, "0-25%": 0, "50-75%": 0, "75-100%": 0 },
    band: [0.1, 0.9],
    inBand: 1,
  });
}, 180_000);

describe("rtlgym data difficulty", () => {
  it("writes each problem's pass count from a bench run, and the band keeps the sometimes-solved", async () => {
    const r = readDifficulty(report);
    expect(r.problems.map((p) => [p.id, p.n, p.c]).sort()).toEqual(
      [
        [ALWAYS, 2, 2],
        [SOMETIMES, 2, 1],
        [NEVER, 2, 0],
      ].sort(),
    );
    expect(r.suite).toBe("builtin");
    expect([...bandIds(report, [0.1, 0.9])]).toEqual([SOMETIMES]);
    expect([...bandIds(report, [0.5, 1])].sort()).toEqual([ALWAYS, SOMETIMES].sort());
    expect(() => bandIds(report, [0.6, 0.9])).toThrow(/no problem .* pass rate in \[0\.6, 0\.9\]/);
  });

  it("filters a recipe's RL rows to the band", async () => {
    const rows = join(dir, "rl.jsonl");
    const ids = [ALWAYS, SOMETIMES, NEVER, "other"];
    await writeFile(rows, `${ids.map((id) => JSON.stringify({ id, prompt: "p", ground_truth: "{}" })).join("\n")}\n`);
    const file = bandRows(rows, { report, band: [0.1, 0.9] }, dir);
    const kept = (await readFile(file, "utf8")).trim().split("\n");
    expect(kept.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual([SOMETIMES]);
    await writeFile(rows, `${JSON.stringify({ id: "other", prompt: "p" })}\n`);
    expect(() => bandRows(rows, { report, band: [0.1, 0.9] }, dir)).toThrow(BadInputError);
  });

  it("--difficulty replaces the config's report and keeps its band", async () => {
    const config = join(dir, "rl.yaml");
    await writeFile(config, "model: m\ntasks: t\nout: o\ndifficulty: { report: old.json, band: [0.2, 0.8] }\n");
    const flags = { config, difficulty: report };
    const c = recipeConfig(RlConfig, flags, (fromFile) => difficultyOverride(flags, fromFile));
    expect(c.difficulty).toEqual({ report, band: [0.2, 0.8] });
    await writeFile(config, "model: m\ntasks: t\nout: o\n");
    const d = recipeConfig(RlConfig, flags, (fromFile) => difficultyOverride(flags, fromFile));
    expect(d.difficulty).toEqual({ report, band: [0.1, 0.9] });
    const none = recipeConfig(RlConfig, { config }, (fromFile) => difficultyOverride({}, fromFile));
    expect(none.difficulty).toBeUndefined();
  });

  it("rejects bad usage with one clear line", async () => {
    const neither = await rtlgym("data", "difficulty", "--out", join(dir, "x.json"));
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/exactly one of --run RUN or --model DIR/);
    const noTasks = await rtlgym("data", "difficulty", "--model", dir, "--out", join(dir, "x.json"));
    expect(noTasks.stderr).toMatch(/--model needs --tasks/);
    const band = await rtlgym("data", "difficulty", "--run", "x", "--band", "0.9,0.1", "--out", join(dir, "x.json"));
    expect(band.stderr).toMatch(/--band must be LO,HI/);
    const missing = await rtlgym(
      ...["data", "difficulty", "--run", "no-such-run", "--db", join(dir, "runs.db"), "--out", join(dir, "x.json")],
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no bench run no-such-run/);
    await writeFile(join(dir, "bad.json"), "{}");
    expect(() => readDifficulty(join(dir, "bad.json"))).toThrow(/not a difficulty report/);
  }, 60_000);
});
