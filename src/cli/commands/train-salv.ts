import type { Command } from "commander";
import { SalvConfig, type SalvEvent, type SalvSummary, trainSalv } from "../../train/index.js";
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

interface SalvFlags extends RecipeFlags {
  mask?: "slice" | "response";
  rounds?: number;
  difficulty?: string;
}

function describe(e: SalvEvent): string | undefined {
  switch (e.kind) {
    case "phase":
      return `${e.phase} (${e.detail})`;
    case "progress":
      return e.done === e.total || e.done % 50 === 0 ? `${e.phase} ${e.done}/${e.total}` : undefined;
    case "pairs":
      return `${e.stats.signalRows} signal-level and ${e.stats.moduleRows} module-level pairs from ${e.stats.samples} samples of ${e.stats.problems} prompts`;
    case "log":
      return `step ${e.step}/${e.steps} loss ${e.loss.toFixed(4)}`;
  }
}

function text(s: SalvSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return `${[
    `SALV (mask ${s.mask}, seed ${s.seed}) in ${s.minutes} min: ${s.pairs.signal} signal-level + ${s.pairs.module} module-level pairs, ${s.train.steps} DPO steps`,
    ...(s.rounds.length > 1 || s.rounds.some((r) => r.ended !== undefined)
      ? s.rounds.map((r) =>
          r.ended !== undefined
            ? `round ${r.round}: ${r.ended}`
            : `round ${r.round}: ${r.pairs?.signal ?? 0} + ${r.pairs?.module ?? 0} pairs, ${r.train?.steps ?? 0} DPO steps, train pass rate ${r.trainPassRate === null ? "-" : pct(r.trainPassRate)}${r.heldout ? `, held-out ${pct(r.heldout["pass@1"])}` : ""}`,
        )
      : []),
    `held-out ${s.split} pass@1: ${pct(s.before["pass@1"])} -> ${pct(s.after["pass@1"])}`,
    `model: ${s.model}`,
  ].join("\n")}\n`;
}

/** `rtlgym train salv --config FILE`: QiMeng-SALV's signal-aware DPO on the model's own verified samples. */
export function registerTrainSalv(train: Command): void {
  recipeTail(
    difficultyFlag(
      recipeCommand(
        train,
        "salv",
        "QiMeng-SALV: sample, verify per signal, DPO on the contrasted signals' code slices; held-out pass@1 before and after (rerun resumes)",
        "recipes/salv/testbed.yaml",
      ),
    )
      .option("--mask <mask>", "override the config's mask: slice (SALV) | response (module-level DPO)")
      .option("--rounds <n>", "override the config's round count (raise it to continue a finished run)", intOption),
  ).action(async (flags: SalvFlags) => {
    const config = recipeConfig(SalvConfig, flags, (fromFile) => ({
      ...difficultyOverride(flags, fromFile),
      ...(flags.mask !== undefined && { mask: flags.mask }),
      ...(flags.rounds !== undefined && { rounds: flags.rounds }),
    }));
    const summary = await trainSalv({
      config,
      ...(flags.python !== undefined && { python: flags.python }),
      ...(flags.db !== undefined && { db: flags.db }),
      onEvent: recipeProgress("salv", flags, describe),
    });
    printSummary(flags, summary, text);
  });
}
