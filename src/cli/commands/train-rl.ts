import type { Command } from "commander";
import { loadProblems, startServer } from "../../server/index.js";
import { RlConfig, type RlProgress, type RlSummary, trainRl } from "../../train/index.js";
import { intOption } from "../options.js";
import {
  difficultyFlag,
  difficultyOverride,
  printSummary,
  type RecipeFlags,
  recipeCommand,
  recipeConfig,
  recipeProgress,
  recipeTail,
} from "./recipe-flags.js";

interface RlFlags extends RecipeFlags {
  difficulty?: string;
  maxSteps?: number;
  rewardUrl?: string;
  fresh?: boolean;
}

const pct = (x: number | null | undefined) => (x == null ? "-" : `${(x * 100).toFixed(1)}%`);
const num = (x: number | null | undefined, digits = 3) => (x == null ? "-" : x.toFixed(digits));

function describe(e: RlProgress): string | undefined {
  switch (e.kind) {
    case "phase":
      return `${e.phase}: ${e.detail}`;
    case "progress":
      return e.done === e.total || e.done % 50 === 0 ? `evaluate: ${e.done}/${e.total} samples scored` : undefined;
    case "eval":
      return `held-out pass@1 at step ${e.eval.step}: ${pct(e.eval["pass@1"])} (${e.eval.problems} problems, ${e.eval.samples} samples, ${Math.round(e.eval.seconds)} s)`;
    case "step": {
      const s = e.step;
      return (
        `step ${s.step}/${s.max_steps}: reward ${num(s.reward_mean)}, pass ${pct(s.pass_rate)}, format errors ${pct(s.format_error_rate)}, ` +
        `kept ${s.kept_groups}/${s.drawn_groups} groups, length ${num(s.response_length_mean, 0)}, entropy ${num(s.entropy)}, ` +
        `KL ${num(s.kl_to_start, 4)}; gen ${num(s.generation_s, 1)} s, reward ${num(s.reward_s, 1)} s, update ${num(s.update_s, 1)} s`
      );
    }
  }
}

function text(s: RlSummary): string {
  return [
    `CodeV-R1 RL (${s.algorithm}, reward ${s.reward}, seed ${s.seed}): ${s.steps} steps (${s.stoppedBy}) in ${s.minutes} min`,
    `held-out ${s.split} pass@1: ${pct(s.before["pass@1"])} -> ${pct(s.after["pass@1"])}`,
    ...(s.distill
      ? [
          `  after distillation (${s.distill.algorithm}, ${s.distill.steps} steps, ${s.distill.minutes} min): ${pct(s.distill["pass@1"])}; ${s.distill.model}`,
        ]
      : []),
    ...s.evals.map((e) => `  step ${e.step}: ${pct(e["pass@1"])}`),
    `reward mean ${num(s.firstQuarter.reward_mean)} (first quarter) -> ${num(s.lastQuarter.reward_mean)} (last quarter)`,
    `model: ${s.model}`,
    `report: ${s.report}`,
    "",
  ].join("\n");
}

/** `rtlgym train rl --config FILE`: CodeV-R1's RL stage (DAPO on TRL's GRPOTrainer, rewards from rtlgym serve). */
export function registerTrainRl(train: Command): void {
  recipeTail(
    difficultyFlag(
      recipeCommand(
        train,
        "rl",
        "CodeV-R1: optional distillation (rejection sampling), then DAPO (TRL GRPOTrainer) with verified rewards from rtlgym serve; rerun resumes",
        "recipes/codev-r1/testbed.yaml",
      ),
    )
      .option("--max-steps <n>", "override the config's train.maxSteps", intOption)
      .option("--reward-url <url>", "a running rtlgym serve (default: the config's, else one is started and stopped)")
      .option("--fresh", "start over instead of resuming from the run folder's checkpoints"),
  ).action(async (flags: RlFlags) => {
    const config = recipeConfig(RlConfig, flags, (fromFile) => ({
      ...difficultyOverride(flags, fromFile),
      ...(flags.rewardUrl !== undefined && { rewardUrl: flags.rewardUrl }),
      ...(flags.maxSteps !== undefined && { train: { ...fromFile.train, maxSteps: flags.maxSteps } }),
    }));
    const summary = await trainRl({
      config,
      // In-process `rtlgym serve` on a free loopback port, every rtlgym reward available, stopped at the end.
      startRewardService: async (workers) => {
        const running = await startServer({
          host: "127.0.0.1",
          port: 0,
          problems: await loadProblems([]),
          infraErrorReward: null,
          checker: { workers },
        });
        return { url: running.url, close: () => running.close() };
      },
      ...(flags.fresh && { fresh: true }),
      ...(flags.python !== undefined && { python: flags.python }),
      ...(flags.db !== undefined && { db: flags.db }),
      onEvent: recipeProgress("rl", flags, describe),
    });
    printSummary(flags, summary, text);
  });
}
