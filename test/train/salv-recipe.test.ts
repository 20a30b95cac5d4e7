import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readConfigFile } from "../../src/train/config.js";
import {
  roundSeed,
  roundsState,
  runSalvRounds,
  SalvConfig,
  type SalvRoundPhases,
  type SalvRoundState,
  trainingPrompts,
  trainSalv,
} from "../../src/train/salv-recipe.js";

const ROOT = join(import.meta.dirname, "..", "..");

describe("train salv config", () => {
  it("reads the testbed recipe with SALV's settings", () => {
    const c = readConfigFile(join(ROOT, "recipes", "salv", "testbed.yaml"), SalvConfig);
    expect(c).toMatchObject({ recipe: "salv", samples: 5, mask: "slice", eval: { split: "heldout-params" } });
    expect(c.train.beta).toBe(0.1);
  });

  it("names the key of a wrong setting and refuses a model folder that is not one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "salv-config-"));
    try {
      const bad = join(dir, "bad.yaml");
      await writeFile(bad, "model: m\ntasks: t\nout: o\nmask: tokens\ntrain: { betta: 0.1 }\n");
      expect(() => readConfigFile(bad, SalvConfig)).toThrow(/mask: .*\n\s+train: .*betta/s);
      const config = SalvConfig.parse({ model: dir, tasks: dir, out: join(dir, "out") });
      await expect(trainSalv({ config, db: join(dir, "db") })).rejects.toThrow(/not a Hugging Face model directory/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("draws the training prompts from the difficulty band when there is one, seeded", () => {
    const all = Array.from({ length: 20 }, (_, i) => ({ id: `p${i}` }));
    const c = SalvConfig.parse({ model: "m", tasks: "t", out: "o", prompts: 4, difficulty: { report: "d.json" } });
    const band = new Set(["p3", "p5", "p8", "p13", "p17", "p19"]);
    const drawn = trainingPrompts(all, c, band);
    expect(drawn).toHaveLength(4);
    for (const p of drawn) expect(band.has(p.id)).toBe(true);
    expect(trainingPrompts(all, c, band)).toEqual(drawn);
    expect(trainingPrompts(all, { ...c, seed: 2 }, band)).not.toEqual(drawn);
    expect(trainingPrompts(all, c).some((p) => !band.has(p.id))).toBe(true);
    expect(() => trainingPrompts(all, c, new Set(["elsewhere"]))).toThrow(
      /no train problem of d.json lies in the band/,
    );
  });
});

/** Stand-in phases that record what each round was asked, with a scripted pair count per round. */
function scripted(pairsPerRound: number[]) {
  const calls: string[] = [];
  const phases: SalvRoundPhases = {
    sample: async (r) => {
      calls.push(`sample ${r.round} from ${r.base}`);
      return { samplesRunId: `run-${r.round}`, trainPassRate: 0.25 * r.round };
    },
    pairs: async (r, dir) => {
      calls.push(`pairs ${r.round} of ${r.samplesRunId} into ${dir}`);
      const n = pairsPerRound[r.round - 1] ?? 0;
      return n === 0 ? null : { signal: n, module: 1, file: join(dir, "pairs.jsonl") };
    },
    train: async (r, file, modelDir) => {
      calls.push(`train ${r.round} on ${file} from ${r.base} into ${modelDir}`);
      return { steps: 10 * r.round, finalLoss: 0.5, rewardAccuracy: 0.9, seconds: 1, maskedFraction: 0.4 };
    },
  };
  return { calls, phases };
}

describe("SALV rounds", () => {
  const paths = { out: "/o", startModel: "/sft" };
  const c = (rounds: number) => SalvConfig.parse({ model: "m", tasks: "t", out: "o", rounds });

  it("samples each round from the model the previous round trained, in its own folder", async () => {
    const { calls, phases } = scripted([3, 4, 5]);
    const state = roundsState({}, paths.startModel, paths.out);
    let saves = 0;
    const model = await runSalvRounds(state, c(3), paths, phases, () => saves++);
    expect(model).toBe("/o/round-3/model");
    expect(calls).toEqual([
      "sample 1 from /sft",
      "pairs 1 of run-1 into /o/pairs",
      "train 1 on /o/pairs/pairs.jsonl from /sft into /o/model",
      "sample 2 from /o/model",
      "pairs 2 of run-2 into /o/round-2/pairs",
      "train 2 on /o/round-2/pairs/pairs.jsonl from /o/model into /o/round-2/model",
      "sample 3 from /o/round-2/model",
      "pairs 3 of run-3 into /o/round-3/pairs",
      "train 3 on /o/round-3/pairs/pairs.jsonl from /o/round-2/model into /o/round-3/model",
    ]);
    expect(saves).toBe(9);
    expect(state.rounds.map((r) => [r.round, r.pairs?.signal, r.train?.steps, r.model])).toEqual([
      [1, 3, 10, "/o/model"],
      [2, 4, 20, "/o/round-2/model"],
      [3, 5, 30, "/o/round-3/model"],
    ]);
    expect(roundSeed(7, 1)).toBe(7);
    expect(new Set([1, 2, 3].map((r) => roundSeed(7, r))).size).toBe(3);
  });

  it("resumes a killed run at the first unfinished phase, and reads a one-round run's state", async () => {
    const { calls, phases } = scripted([3, 4]);
    const state = roundsState({}, paths.startModel, paths.out);
    await runSalvRounds(state, c(2), paths, phases, () => undefined);
    const killed = JSON.parse(JSON.stringify(state)) as typeof state;
    const second = killed.rounds[1] as SalvRoundState;
    delete second.train;
    delete second.model;
    calls.length = 0;
    expect(await runSalvRounds(killed, c(2), paths, phases, () => undefined)).toBe("/o/round-2/model");
    expect(calls).toEqual(["train 2 on /o/round-2/pairs/pairs.jsonl from /o/model into /o/round-2/model"]);

    const old = {
      before: { "pass@1": 0.1, runId: "b" },
      samplesRunId: "run-1",
      trainPassRate: 0.3,
      pairs: { signal: 3, module: 1, file: "/o/pairs/pairs.jsonl" },
    };
    const migrated = roundsState(old, paths.startModel, paths.out);
    expect(migrated).toEqual({
      before: old.before,
      rounds: [{ round: 1, base: "/sft", samplesRunId: "run-1", trainPassRate: 0.3, pairs: old.pairs }],
    });
    calls.length = 0;
    expect(await runSalvRounds(migrated, c(1), paths, phases, () => undefined)).toBe("/o/model");
    expect(calls).toEqual(["train 1 on /o/pairs/pairs.jsonl from /sft into /o/model"]);
    expect(roundsState({ before: old.before }, paths.startModel, paths.out).rounds).toEqual([]);
  });

  it("ends the rounds at the last trained model when a later round has no pair, and stays ended", async () => {
    const { calls, phases } = scripted([3, 0, 5]);
    const state = roundsState({}, paths.startModel, paths.out);
    expect(await runSalvRounds(state, c(3), paths, phases, () => undefined)).toBe("/o/model");
    expect(state.rounds).toHaveLength(2);
    expect(state.rounds[1]?.ended).toMatch(/^round 2: no DPO pair in the samples of \/o\/model/);
    calls.length = 0;
    expect(await runSalvRounds(state, c(3), paths, phases, () => undefined)).toBe("/o/model");
    expect(calls).toEqual([]);
  });

  it("continues a finished run when rounds is raised, keeping its last evaluation with the round it scored", async () => {
    const { calls, phases } = scripted([3, 4, 5]);
    const state = roundsState({}, paths.startModel, paths.out);
    await runSalvRounds(state, c(2), paths, phases, () => undefined);
    const after = { "pass@1": 0.2, runId: "after-2" };
    state.after = after;
    calls.length = 0;
    expect(await runSalvRounds(state, c(3), paths, phases, () => undefined)).toBe("/o/round-3/model");
    expect(calls).toEqual([
      "sample 3 from /o/round-2/model",
      "pairs 3 of run-3 into /o/round-3/pairs",
      "train 3 on /o/round-3/pairs/pairs.jsonl from /o/round-2/model into /o/round-3/model",
    ]);
    expect(state.after).toBeUndefined();
    expect(state.rounds.map((r) => r.heldout)).toEqual([undefined, after, undefined]);
  });

  it("refuses several rounds on a fixed pairs file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "salv-rounds-"));
    try {
      await writeFile(join(dir, "config.json"), "{}");
      const config = SalvConfig.parse({
        model: dir,
        tasks: dir,
        out: join(dir, "out"),
        rounds: 2,
        pairs: { file: "p" },
      });
      await expect(trainSalv({ config, db: join(dir, "db") })).rejects.toThrow(
        /rounds: 2 needs the model's own samples/,
      );
      expect(() => SalvConfig.parse({ model: "m", tasks: "t", out: "o", rounds: 8 })).toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
