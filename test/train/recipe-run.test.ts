import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openRecipeDir } from "../../src/train/recipe-run.js";

describe("a recipe's out folder", () => {
  let out: string;
  beforeEach(async () => {
    out = await mkdtemp(join(tmpdir(), "recipe-dir-"));
  });
  afterEach(async () => {
    await rm(out, { recursive: true, force: true });
  });
  const open = (settings: Record<string, unknown>) =>
    openRecipeDir<{ done: number }>(out, "r", "an R", settings, { done: 0 }, { rounds: 1 });

  it("resumes its state under the same settings and refuses other ones", async () => {
    const first = open({ lr: 1, rounds: 2 });
    first.state.done = 2;
    first.save();
    expect(open({ lr: 1, rounds: 2 }).state).toEqual({ done: 2 });
    expect(() => open({ lr: 2, rounds: 2 })).toThrow(/holds an R run with other settings/);
    expect(() => open({ lr: 1, rounds: 3, extra: true })).toThrow(/other settings/);
  });

  it("lets a rerun raise rounds to continue, from a settings file with or without them, and never lower them", async () => {
    open({ lr: 1 }).save();
    expect(open({ lr: 1, rounds: 1 }).state).toEqual({ done: 0 });
    expect(open({ lr: 1, rounds: 3 }).state).toEqual({ done: 0 });
    expect(JSON.parse(await readFile(join(out, "r-config.json"), "utf8"))).toEqual({ lr: 1, rounds: 3 });
    expect(() => open({ lr: 1, rounds: 2 })).toThrow(/rounds: 3; rounds can be raised to continue it, not lowered/);
    expect(() => open({ lr: 1 })).toThrow(/not lowered/);
    expect(() => openRecipeDir(out, "r", "an R", { lr: 1, rounds: 4 }, {})).toThrow(/other settings/);
  });

  it("refuses a damaged settings file as other settings, leaving it and the state as they were", async () => {
    const first = open({ lr: 1, rounds: 2 });
    first.state.done = 1;
    first.save();
    for (const damaged of ['{"lr": 1, "rou', "[1, 2]", '{"lr": 1, "rounds": "2"}']) {
      await writeFile(join(out, "r-config.json"), damaged);
      expect(() => open({ lr: 1, rounds: 3 })).toThrow(/holds an R run with other settings/);
      expect(await readFile(join(out, "r-config.json"), "utf8")).toBe(damaged);
    }
    expect(JSON.parse(await readFile(join(out, "r-state.json"), "utf8"))).toEqual({ done: 1 });
  });
});
