import type { Command } from "commander";
import { ItertlConfig, type ItertlEvent, type ItertlSummary, trainItertl } from "../../train/index.js";
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

interface ItertlFlags extends RecipeFlags {
  difficulty?: string;
  rounds?: number;
}

function describe(e: ItertlEvent): string | undefined {
  switch (e.kind) {
    case "phase":
      return `round ${e.round}: ${e.phase} (${e.detail})`;
    case "progress":
      return e.done === e.total || e.done % 50 === 0 ? `round ${e.round}: ${e.phase} ${e.done}/${e.total}` : undefined;
    case "log":
      return `round ${e.round}: step ${e.step}/${e.steps} loss ${e.loss.toFixed(4)}`;
    case "round": {
      const r = e.round;
      const heldout = r.heldout ? `, held-out pass@1 ${(r.heldout.passAt1 * 100).toFixed(1)}%` : "";
      return `round ${r.round} done in ${Math.round(r.seconds)} s: mean score ${r.meanScore.toFixed(3)}, train pass rate ${(r.passRate * 100).toFixed(1)}% (${r.samples} samples, ${r.masked} masked)${heldout}`;
    }
  }
}

function text(s: ItertlSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    `ITERTL (${s.loss} loss, score ${JSON.stringify(s.score)}, seed ${s.seed}): ${s.rounds.length} rounds in ${s.minutes} min`,
    `held-out ${s.split} pass@1: ${pct(s.before["pass@1"])} -> ${pct(s.after["pass@1"])}`,
    ...s.rounds.map(
      (r) =>
        `  round ${r.round}: mean score ${r.meanScore.toFixed(3)}, train pass rate ${pct(r.passRate)}${r.heldout ? `, held-out ${pct(r.heldout.passAt1)}` : ""}`,
    ),
    `model: ${s.model}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** `rtlgym train itertl --config FILE`: ITERTL's rounds of sample, verify, rank-train. */
export function registerTrainItertl(train: Command): void {
  recipeTail(
    difficultyFlag(
      recipeCommand(
        train,
        "itertl",
        "ITERTL: rounds of sampling, verified scoring and ranking-loss training (rerun resumes)",
        "recipes/itertl/testbed.yaml",
      ),
    ).option("--rounds <n>", "override the config's round count (raise it to continue a finished run)", intOption),
  ).action(async (flags: ItertlFlags) => {
    const config = recipeConfig(ItertlConfig, flags, (fromFile) => ({
      ...difficultyOverride(flags, fromFile),
      ...(flags.rounds !== undefined && { rounds: flags.rounds }),
    }));
    const summary = await trainItertl({
      config,
      ...(flags.python !== undefined && { python: flags.python }),
      ...(flags.db !== undefined && { db: flags.db }),
      onEvent: recipeProgress("itertl", flags, describe),
    });
    printSummary(flags, summary, text);
  });
}
