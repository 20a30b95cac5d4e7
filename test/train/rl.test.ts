import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTrainStore } from "../../src/train/index.js";
import {
  distillConfig,
  pythonOptions,
  RlConfig,
  type RlStep,
  type RlSummary,
  segmentEnds,
} from "../../src/train/rl.js";
import { linePlot, renderRlReport } from "../../src/train/rl-report.js";
import { ROOT, rtlgym, rtlgymStdout } from "../helpers/cli.js";

/*
 * `rtlgym train rl` end to end through the real CLI and the real stack: generated tasks, a smoke SFT model (a few
 * steps), then 3 DAPO steps (TRL's GRPOTrainer on CPU) rewarded by the in-process `rtlgym serve` the command starts,
 * with held-out pass@1 measured by bench before, at step 2 and after. Checks that the counters move and land in the
 * run store, and that a rerun resumes instead of training again. Budget: about 1.5 minutes on 2 cores.
 */

let dir: string;
let db: string;

/** The CLI's stdout (it must exit 0), run from the checkout with this file's RTLGYM_HOME. */
const cli = (args: string[], timeoutMs: number) =>
  rtlgymStdout(args, { timeoutMs, cwd: ROOT, env: { RTLGYM_HOME: dir } });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rtlgym-train-rl-"));
  db = join(dir, "rtlgym.db");
  await cli(
    ["tasks", "generate", "--out", join(dir, "tasks"), "--train", "120", "--heldout", "4", "--families", "adder,mux"],
    120_000,
  );
  // The start model: the smoke preset after a few steps (it writes fenced modules of the right shape, rarely right).
  await cli(
    [
      "train",
      "sft",
      "--data",
      join(dir, "tasks"),
      "--out",
      join(dir, "sft"),
      "--max-steps",
      "20",
      "--threads",
      "1",
      "--db",
      db,
      "--json",
    ],
    300_000,
  );
}, 420_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Summary {
  recipe: string;
  algorithm: string;
  before: { "pass@1": number };
  after: { "pass@1": number };
  split: string;
  seed: number;
  minutes: number;
  steps: number;
  evals: { step: number; "pass@1": number; samples: number; benchRunId: string }[];
  totals: Record<string, number>;
  time: Record<string, number>;
  runId: string;
  report: string;
}

describe("rtlgym train rl", () => {
  it("runs DAPO steps on the smoke model with held-out pass@1 before, at step 2 and after; a rerun resumes", async () => {
    const config = join(dir, "rl.yaml");
    writeFileSync(
      config,
      [
        `model: ${join(dir, "sft")}`,
        `tasks: ${join(dir, "tasks")}`,
        `out: ${join(dir, "rl")}`,
        "reward: itertl # dense (compiles + Rouge-L): a barely trained model's groups still differ",
        "train:",
        "  maxSteps: 3",
        "  batchPrompts: 2",
        "  numGenerations: 4",
        "  maxCompletionLength: 64",
        "  learningRate: 1.0e-4",
        "  saveSteps: 2",
        "  maxRounds: 2 # bounds the redraws of a step on a slow CI machine",
        "eval:",
        "  n: 1",
        "  limit: 3",
        "  every: 2",
        "threads: 1",
        "",
      ].join("\n"),
    );
    const s = JSON.parse(await cli(["train", "rl", "--config", config, "--db", db, "--json"], 700_000)) as Summary;
    expect(s.recipe).toBe("codev-r1");
    expect(s.algorithm).toBe("dapo");
    expect(s.split).toBe("heldout-params");
    expect(s.seed).toBe(1);
    expect(s.minutes).toBeGreaterThan(0);
    expect(s.steps).toBe(3);
    expect(s.before["pass@1"]).toBeTypeOf("number");
    expect(s.after["pass@1"]).toBeTypeOf("number");
    expect(s.evals.map((e) => e.step)).toEqual([0, 2, 3]);
    expect(s.evals.every((e) => e.samples === 3)).toBe(true);
    // Counters moved: groups drawn and kept, responses scored, time spent in each phase.
    expect(s.totals.drawn_groups).toBeGreaterThanOrEqual(6);
    expect(s.totals.kept_groups).toBeGreaterThan(0);
    expect(s.totals.samples).toBe((s.totals.drawn_groups ?? 0) * 4);
    for (const k of ["generation", "reward", "update"]) expect(s.time[k]).toBeGreaterThan(0);
    const html = readFileSync(s.report, "utf8");
    expect(html).toContain("<svg");
    expect(html).toContain("KL to the start model");

    const store = openTrainStore(db);
    try {
      const runRecord = store.getRun(s.runId);
      expect(runRecord?.status).toBe("done");
      expect(runRecord?.preset).toBe("codev-r1/dapo");
      expect(store.metrics(s.runId).map((m) => m.step)).toEqual([1, 2, 3]);
      const values = store.values(s.runId);
      const at = (step: number, name: string) => values.find((v) => v.step === step && v.name === name)?.value;
      for (const step of [1, 2, 3]) {
        expect(at(step, "reward_mean")).toBeTypeOf("number");
        expect(at(step, "kept_ratio")).toBeGreaterThanOrEqual(0);
        expect(at(step, "response_length_mean")).toBeGreaterThan(0);
        expect(at(step, "entropy")).toBeGreaterThan(0);
        expect(at(step, "generation_s")).toBeGreaterThan(0);
        expect(at(step, "pass_rate")).toBeTypeOf("number");
        expect(at(step, "format_error_rate")).toBeTypeOf("number");
      }
      expect(at(1, "kl_to_start")).toBeCloseTo(0, 6); // measured before the first update
      expect(at(3, "kl_to_start")).toBeGreaterThan(0);
      expect(at(0, "heldout.pass@1")).toBe(s.before["pass@1"]);
      expect(at(3, "heldout.pass@1")).toBe(s.after["pass@1"]);
    } finally {
      store.close();
    }

    // The same command again: nothing left to train, and the evaluations already made are reused.
    const again = JSON.parse(await cli(["train", "rl", "--config", config, "--db", db, "--json"], 300_000)) as Summary;
    expect(again.steps).toBe(3);
    expect(again.evals.map((e) => e.benchRunId)).toEqual(s.evals.map((e) => e.benchRunId));
    expect(again.totals.drawn_groups).toBe(s.totals.drawn_groups);
    expect(existsSync(join(dir, "rl", "checkpoints", "checkpoint-3"))).toBe(true);
  }, 900_000);

  it("runs CodeV-R1's two stages in one command: rejection sampling, then DAPO from its model; a rerun resumes both", async () => {
    const config = join(dir, "two-stage.yaml");
    const out = join(dir, "two-stage");
    writeFileSync(
      config,
      [
        `model: ${join(dir, "sft")}`,
        `tasks: ${join(dir, "tasks")}`,
        `out: ${out}`,
        "reward: itertl",
        "distill:",
        "  train: { maxSteps: 1 }",
        "train: { maxSteps: 1, batchPrompts: 2, numGenerations: 4, maxCompletionLength: 64, learningRate: 1.0e-4, maxRounds: 2 }",
        "eval: { n: 1, limit: 2 }",
        "threads: 1",
        "",
      ].join("\n"),
    );
    const s = JSON.parse(await cli(["train", "rl", "--config", config, "--db", db, "--json"], 700_000)) as Summary & {
      distill: { algorithm: string; steps: number; "pass@1": number; model: string; runId: string };
    };
    expect(s.distill).toMatchObject({ algorithm: "rft", steps: 1, model: join(out, "distill") });
    expect(s.distill["pass@1"]).toBeTypeOf("number");
    expect(s.steps).toBe(1);
    // The RL stage trained from the distilled model, the distillation from the config's.
    const rlOptions = JSON.parse(readFileSync(join(out, "rtlgym-rl-config.json"), "utf8")) as Record<string, unknown>;
    expect(rlOptions).toMatchObject({ model: join(out, "distill"), loss_type: "dapo", epsilon_high: 0.28 });
    const stageOptions = JSON.parse(readFileSync(join(out, "distill", "rtlgym-rl-config.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(stageOptions).toMatchObject({ model: join(dir, "sft"), advantage: "pass", max_steps: 1 });
    expect(existsSync(join(out, "distill", "config.json"))).toBe(true);
    const store = openTrainStore(db);
    try {
      expect(store.getRun(s.distill.runId)?.preset).toBe("codev-r1/rft");
      expect(store.getRun(s.runId)?.preset).toBe("codev-r1/dapo");
    } finally {
      store.close();
    }
    const again = JSON.parse(await cli(["train", "rl", "--config", config, "--db", db, "--json"], 300_000)) as typeof s;
    expect(again.distill["pass@1"]).toBe(s.distill["pass@1"]);
    expect(again.evals.map((e) => e.benchRunId)).toEqual(s.evals.map((e) => e.benchRunId));
    expect(again.totals.drawn_groups).toBe(s.totals.drawn_groups);
  }, 900_000);

  it("rejects a config with an unknown key, naming it", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, `model: m\ntasks: t\nout: o\ntrain:\n  maxStep: 3\n`);
    const r = await rtlgym(["train", "rl", "--config", bad], { cwd: ROOT, env: { RTLGYM_HOME: dir } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("maxStep");
  });
});

describe("rl config", () => {
  const base = { model: "m", tasks: "t", out: "o" };

  it("pauses training at the evaluation points and ends at maxSteps", () => {
    expect(segmentEnds(10, 0)).toEqual([10]);
    expect(segmentEnds(10, 4)).toEqual([4, 8, 10]);
    expect(segmentEnds(8, 4)).toEqual([4, 8]);
    expect(segmentEnds(3, 5)).toEqual([3]);
  });

  it("maps the presets and explicit keys to the Python trainer's options", () => {
    const dapo = pythonOptions(RlConfig.parse(base), "http://r");
    expect(dapo).toMatchObject({
      loss_type: "dapo",
      epsilon: 0.2,
      epsilon_high: 0.28,
      beta: 0,
      dynamic_sampling: true,
      adaptive: true,
      overlong_buffer: 64,
      reward: "codev",
      reward_url: "http://r",
      max_steps: 20,
      seed: 1,
    });
    const grpo = pythonOptions(RlConfig.parse({ ...base, algorithm: "grpo" }), "http://r");
    expect(grpo).toMatchObject({ loss_type: "grpo", epsilon_high: 0.2, beta: 0.04, dynamic_sampling: false });
    expect(grpo.overlong_buffer).toBe(0);
    const rft = pythonOptions(RlConfig.parse({ ...base, algorithm: "rft" }), "http://r");
    expect(rft).toMatchObject({
      advantage: "pass",
      loss_type: "dapo",
      beta: 0,
      overlong_buffer: 0,
      dynamic_sampling: true,
    });
    expect(dapo.advantage).toBeUndefined();
    const custom = pythonOptions(
      RlConfig.parse({ ...base, train: { epsilonHigh: 0.3, dynamicSampling: false, maxCompletionLength: 48 } }),
      "u",
    );
    expect(custom).toMatchObject({ epsilon_high: 0.3, dynamic_sampling: false, max_completion_length: 48 });
    // The preset's 64-token overlong buffer would punish every 48-token response: shortened.
    expect(custom.overlong_buffer).toBe(12);
    expect(() => RlConfig.parse({ ...base, algorithm: "ppo" })).toThrow();
  });

  it("runs the distillation stage as rejection sampling with the RL stage's sampling knobs, not its DAPO ones", () => {
    const c = RlConfig.parse({
      ...base,
      out: "/runs/r1",
      seed: 3,
      difficulty: { report: "d.json", band: [0.1, 0.9] },
      distill: { train: { maxSteps: 7, learningRate: 2e-5, maxRounds: 8 } },
      train: {
        maxSteps: 30,
        timeBudgetS: 100,
        learningRate: 5e-5,
        temperature: 0.7,
        maxCompletionLength: 256,
        batchPrompts: 4,
        epsilonHigh: 0.28,
        overlongBuffer: 64,
        maxRounds: 4,
      },
      eval: { limit: 9, every: 10 },
    });
    const stage = distillConfig(c, "http://127.0.0.1:9/");
    expect(stage).toMatchObject({
      algorithm: "rft",
      out: "/runs/r1/distill",
      rewardUrl: "http://127.0.0.1:9/",
      seed: 3,
      difficulty: { report: "d.json", band: [0.1, 0.9] },
      eval: { limit: 9, every: 0, before: false },
    });
    expect(stage.distill).toBeUndefined();
    expect(stage.train).toMatchObject({ maxSteps: 7, learningRate: 2e-5, maxRounds: 8, temperature: 0.7 });
    expect(stage.train.timeBudgetS).toBeUndefined(); // the RL stage's budget is not the distillation's
    const py = pythonOptions(stage, "http://127.0.0.1:9/");
    expect(py).toMatchObject({
      advantage: "pass",
      epsilon_high: 0.2,
      overlong_buffer: 0,
      max_steps: 7,
      learning_rate: 2e-5,
      max_completion_length: 256,
      batch_prompts: 4,
      max_rounds: 8,
    });
    expect(() => distillConfig(RlConfig.parse(base), "http://r/")).toThrow(/no distill stage/);
    expect(() => RlConfig.parse({ ...base, distill: { train: { epsilonHigh: 0.3 } } })).toThrow();
    expect(() => RlConfig.parse({ ...base, distill: { algorithm: "dapo" } })).toThrow();
  });

  it("renders a self-contained report with escaped run text and one plot per series", () => {
    const step = (n: number, reward: number) =>
      ({ event: "step", step: n, max_steps: 2, loss: 0.1, reward_mean: reward, kl_to_start: n / 100 }) as RlStep;
    const summary = {
      recipe: "codev-r1",
      algorithm: "dapo",
      reward: "codev",
      before: { "pass@1": 0.1 },
      after: { "pass@1": 0.2 },
      split: "heldout-params",
      seed: 1,
      minutes: 1,
      steps: 2,
      stoppedBy: "max_steps",
      evals: [
        {
          step: 0,
          model: "m",
          "pass@1": 0.1,
          passAtK: {},
          problems: 1,
          samples: 1,
          statuses: {},
          benchRunId: "a",
          seconds: 1,
        },
      ],
      firstQuarter: {},
      lastQuarter: {},
      totals: {},
      time: {},
      model: "<script>alert(1)</script>",
      out: "o",
      runId: "2026-12-01T00-00-00-abcd",
      report: "r",
    } as RlSummary;
    const html = renderRlReport(summary, [step(1, 0.5), step(2, 0.75)]);
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
    expect(html).not.toMatch(/src=|href=/);
    // Held-out pass@1, reward, KL and loss have values; the other eight series say so instead of an empty plot.
    expect((html.match(/<svg/g) ?? []).length).toBe(4);
    expect((html.match(/no values/g) ?? []).length).toBe(8);
    expect(html).toContain("10.0% → 20.0%");
    // Points map to the plot's corners: the first at the left and bottom, the last at the right and top.
    const svg = linePlot([
      [1, 0],
      [3, 1],
    ]);
    expect(svg).toContain('d="M44.0,140.0L352.0,8.0"');
  });
});
