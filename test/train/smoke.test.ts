import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTrainStore } from "../../src/train/index.js";
import { MAIN, ROOT, rtlgym, rtlgymStdout, TSX } from "../helpers/cli.js";

/*
 * The smoke preset end to end through the real CLI and the real Python stack: train (loss must fall), serve with
 * `rtlgym model serve`, and score with `rtlgym bench run --endpoint` (unchanged), against a model that has taken one
 * warm-up step (practically its random initialisation): the trained model's samples must compile more often.
 * Budget: about 4 minutes on an idle 2-core machine (250 training steps, two 24-sample bench runs).
 */

const PROBLEMS = 12;
const FAMILIES = "mux,adder,comparator,parity,decoder";

let dir: string;
let db: string;
const children: ReturnType<typeof spawn>[] = [];

/** The CLI's stdout (it must exit 0), run from the checkout with this file's RTLGYM_HOME. */
const cli = (args: string[], timeoutMs: number) =>
  rtlgymStdout(args, { timeoutMs, cwd: ROOT, env: { RTLGYM_HOME: dir } });

/** `rtlgym model serve MODEL --port 0`: resolves with the URL it prints. */
function serve(model: string): Promise<string> {
  const child = spawn(TSX, [MAIN, "model", "serve", model, "--port", "0"], {
    cwd: ROOT,
    env: { ...process.env, RTLGYM_HOME: dir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.on("exit", (code) => reject(new Error(`model serve exited with ${code}: ${err.slice(-2000)}`)));
  });
}

interface BenchSummary {
  attempted: number;
  passAtK: Record<string, number>;
  statuses: Record<string, number>;
  problems: { n: number }[];
}

async function bench(url: string, model: string): Promise<BenchSummary> {
  const out = await cli(
    [
      "bench",
      "run",
      "--suite",
      "tasks",
      "--data",
      join(dir, "tasks", "heldout-params"),
      "--limit",
      String(PROBLEMS),
      "--endpoint",
      url,
      "--model",
      model,
      "-n",
      "2",
      "--temperature",
      "0.3",
      "--max-tokens",
      "256",
      "--engine",
      "sim",
      "--db",
      db,
      "--out",
      join(dir, `bench-${model}`),
      "--json",
    ],
    400_000,
  );
  return JSON.parse(out) as BenchSummary;
}

/** Fraction of samples that compiled (any status but compile_error). */
function compileRate(s: BenchSummary): number {
  const total = Object.values(s.statuses).reduce((a, b) => a + b, 0);
  return total === 0 ? 0 : 1 - (s.statuses.compile_error ?? 0) / total;
}

interface TrainSummary {
  steps: number;
  first_loss: number;
  final_loss: number;
  runId: string;
  losses: { step: number; loss: number }[];
  train_seconds: number;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rtlgym-train-smoke-"));
  db = join(dir, "rtlgym.db");
  // Real generated tasks: the train split for SFT, the heldout-params split for the bench run. Five simple
  // combinational families, so that the smoke preset's 250 small steps learn their shape even on a loaded machine.
  await cli(
    [
      "tasks",
      "generate",
      "--out",
      join(dir, "tasks"),
      "--train",
      "600",
      "--heldout",
      String(PROBLEMS),
      "--families",
      FAMILIES,
    ],
    120_000,
  );
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 500));
  await rm(dir, { recursive: true, force: true });
});

describe("rtlgym train sft --preset smoke, model serve, bench run", () => {
  it("learns: the loss falls and its samples compile more often than the untrained model's", async () => {
    const data = join(dir, "tasks");
    const trained = JSON.parse(
      await cli(
        // Every step of the preset, however loaded the machine: what is learned must not depend on the CI's load.
        [
          "train",
          "sft",
          "--data",
          data,
          "--out",
          join(dir, "smoke"),
          "--preset",
          "smoke",
          "--time-budget-s",
          "900",
          "--db",
          db,
          "--json",
        ],
        960_000,
      ),
    ) as TrainSummary;
    expect(trained.steps).toBe(250);
    expect(trained.losses.length).toBeGreaterThan(2);
    expect(trained.final_loss).toBeLessThan(trained.first_loss * 0.5);
    // The run store has the run and its metrics.
    const store = openTrainStore(db);
    try {
      expect(store.getRun(trained.runId)?.status).toBe("done");
      expect(store.metrics(trained.runId).length).toBe(trained.losses.length);
      expect(store.metrics(trained.runId)[0]?.tokensPerS).toBeGreaterThan(0);
    } finally {
      store.close();
    }

    // The untrained reference: the same preset after one warm-up step (learning rate ~1e-4).
    const untrained = JSON.parse(
      await cli(
        ["train", "sft", "--data", data, "--out", join(dir, "untrained"), "--max-steps", "1", "--db", db, "--json"],
        120_000,
      ),
    ) as TrainSummary;
    expect(untrained.steps).toBe(1);

    const [smokeUrl, untrainedUrl] = await Promise.all([serve(join(dir, "smoke")), serve(join(dir, "untrained"))]);
    const after = await bench(smokeUrl, "smoke");
    const before = await bench(untrainedUrl, "untrained");
    expect(after.attempted).toBe(PROBLEMS);
    expect(after.problems.every((p) => p.n === 2)).toBe(true);
    expect(after.passAtK["1"]).toBeTypeOf("number");
    expect(after.passAtK["2"]).toBeTypeOf("number");
    const rateAfter = compileRate(after);
    const rateBefore = compileRate(before);
    console.log(
      `smoke: ${trained.steps} steps in ${trained.train_seconds} s, loss ${trained.first_loss.toFixed(3)} -> ${trained.final_loss.toFixed(3)}; ` +
        `compile rate ${rateBefore.toFixed(2)} untrained -> ${rateAfter.toFixed(2)} trained, pass@1 ${after.passAtK["1"]}`,
    );
    expect(rateAfter).toBeGreaterThan(rateBefore);
  }, 1_500_000);

  it("says how to set Python up when it is missing", async () => {
    const r = await rtlgym(
      ["train", "sft", "--data", dir, "--out", join(dir, "x"), "--python", "/nonexistent/python"],
      {
        cwd: ROOT,
        env: { RTLGYM_HOME: dir },
      },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("setup-python.sh");
  });
});
