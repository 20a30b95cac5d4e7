import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parquetReadObjects } from "hyparquet";
import { beforeAll, describe, expect, it } from "vitest";
import { CODEV_SYSTEM } from "../../src/bench/prompts.js";
import { CODEV_R1, openRlhfArgs, verlOverrides } from "../../src/recipe/export.js";
import { DEFAULT_GENERATE_OPTIONS } from "../../src/tasks/index.js";
import { MAIN, ROOT, TSX } from "../helpers/cli.js";
import { readJsonl, rtlgym } from "./helpers.js";

const run = promisify(execFile);

let dir = "";
let tasks = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rtlgym-recipe-"));
  tasks = join(dir, "tasks");
  const r = await rtlgym("tasks", "generate", "--out", tasks, "--seed", "5", "--train", "10", "--heldout", "3");
  expect(r.code).toBe(0);
});

describe("rtlgym recipe export codev-r1", () => {
  it("verl: parquet rows in verl's format (equal to the JSONL copy), overrides, launch script", async () => {
    const out = join(dir, "verl");
    const r = await rtlgym(
      "recipe",
      "export",
      "codev-r1",
      "--engine",
      "verl",
      "--tasks",
      tasks,
      "--out",
      out,
      "--json",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(
      summary.files.filter((f: { rows?: number }) => f.rows !== undefined).map((f: { rows: number }) => f.rows),
    ).toEqual([10, 3]);
    for (const split of ["train", "val"]) {
      const bytes = await readFile(join(out, "data", `${split}.parquet`));
      const rows = await parquetReadObjects({
        file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      });
      expect(rows).toEqual(await readJsonl(join(out, "data", `${split}.jsonl`)));
      expect(Object.keys(rows[0] as object)).toEqual([
        "data_source",
        "prompt",
        "ability",
        "reward_model",
        "extra_info",
      ]);
      expect((rows[0] as { prompt: Array<{ content: string }> }).prompt[0]?.content).toBe(CODEV_SYSTEM);
    }
    const overrides = (await readFile(join(out, "overrides.txt"), "utf8")).trim().split("\n");
    expect(overrides).toEqual(verlOverrides(CODEV_R1));
    const script = await readFile(join(out, "run_verl.sh"), "utf8");
    expect(script).toContain(join(ROOT, "adapters", "python"));
    await run("bash", ["-n", join(out, "run_verl.sh")]);
  });

  it("openrlhf: JSONL prompt/label rows, the arguments, and a launch script that lists reward replicas", async () => {
    const out = join(dir, "openrlhf");
    const r = await rtlgym(
      "recipe",
      "export",
      "codev-r1",
      "--engine",
      "openrlhf",
      "--tasks",
      tasks,
      "--out",
      out,
      "-n",
      "8",
    );
    expect(r.code).toBe(0);
    const rows = await readJsonl(join(out, "data", "train.jsonl"));
    expect(rows).toHaveLength(10);
    expect(Object.keys(rows[0])).toEqual(["prompt", "label"]);
    expect(JSON.parse(rows[0].label)).toHaveProperty("reference");
    const args = (await readFile(join(out, "args.txt"), "utf8")).trim().split("\n");
    expect(args).toEqual(openRlhfArgs({ ...CODEV_R1, n: 8, genBatchSize: CODEV_R1.batchSize * 3 }));
    expect(args[args.indexOf("--rollout.n_samples_per_prompt") + 1]).toBe("8");
    await run("bash", ["-n", join(out, "run_openrlhf.sh")]);
  });

  it("the launch script refuses to start without a model and starts nothing then", async () => {
    const out = join(dir, "verl");
    const r = await run("bash", [join(out, "run_verl.sh")], { env: { PATH: process.env.PATH ?? "" } }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((r as { code: number }).code).not.toBe(0);
    expect((r as { stderr: string }).stderr).toMatch(/set MODEL_PATH/);
  });

  it("with no reward URL the script starts rtlgym serve, passes its URL to the engine, and stops it on exit", async () => {
    const out = join(dir, "openrlhf");
    const bin = join(dir, "bin");
    await mkdir(bin, { recursive: true });
    // Stand-ins on PATH: an engine that records its arguments and checks the reward service answers, and rtlgym.
    await writeFile(
      join(bin, "python3"),
      `#!/bin/sh\nprintf '%s\\n' "$@" > "${join(dir, "engine-args.txt")}"\ncurl -sf "http://127.0.0.1:$RTLGYM_PORT/readyz" > "${join(dir, "engine-saw.txt")}"\n`,
      { mode: 0o755 },
    );
    await writeFile(join(bin, "rtlgym"), `#!/bin/sh\nexec "${TSX}" "${MAIN}" "$@"\n`, { mode: 0o755 });
    const port = String(20_000 + Math.floor(Math.random() * 20_000));
    await run("bash", [join(out, "run_openrlhf.sh")], {
      env: { PATH: `${bin}:${process.env.PATH}`, MODEL_PATH: "/models/m", RTLGYM_PORT: port, RTLGYM_WORKERS: "1" },
      timeout: 120_000,
    });
    const engine = (await readFile(join(dir, "engine-args.txt"), "utf8")).split("\n");
    expect(engine.slice(0, 2)).toEqual(["-m", "openrlhf.cli.train_ppo_ray"]);
    expect(engine[engine.indexOf("--reward.remote_url") + 1]).toBe(`http://127.0.0.1:${port}/get_reward`);
    expect(engine[engine.indexOf("--data.prompt_dataset") + 1]).toBe(join(out, "data", "train.jsonl"));
    expect(await readFile(join(dir, "engine-saw.txt"), "utf8")).toMatch(/ok|ready/i);
    // Gone once the script returned.
    await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
  });

  it("without --tasks it exports the default task set; bad input is a usage error", async () => {
    const out = join(dir, "default");
    const r = await rtlgym("recipe", "export", "codev-r1", "--engine", "verl", "--out", out, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).files[0].rows).toBe(DEFAULT_GENERATE_OPTIONS.train);
    await writeFile(join(dir, "full.txt"), "x");
    const full = await rtlgym("recipe", "export", "codev-r1", "--engine", "verl", "--out", dir);
    expect(full.code).toBe(2);
    expect(full.stderr).toMatch(/not empty; pass --force/);
    const engine = await rtlgym("recipe", "export", "codev-r1", "--engine", "trl", "--out", join(dir, "e"));
    expect(engine.stderr).toMatch(/--engine must be verl or openrlhf/);
    const recipe = await rtlgym("recipe", "export", "nope", "--engine", "verl", "--out", join(dir, "e"));
    expect(recipe.stderr).toMatch(/unknown recipe "nope"/);
    const buf = await rtlgym(
      "recipe",
      "export",
      "codev-r1",
      "--engine",
      "verl",
      "--out",
      join(dir, "e"),
      "--overlong-buffer",
      "99999",
    );
    expect(buf.code).toBe(2);
  });
});
