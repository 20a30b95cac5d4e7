import { existsSync, readdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { buildPrompt } from "../../bench/prompts.js";
import type { Problem } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import {
  type AuditCase,
  auditFamily,
  DEFAULT_GENERATE_OPTIONS,
  GENERATOR_VERSION,
  generateTasks,
  listFamilies,
  type PromptSet,
  writeSplits,
} from "../../tasks/index.js";
import { intOption } from "../options.js";

/** bench's rtlgym-style prompts (chat and completions), so training rows match what `bench run` sends. */
function benchPrompts(problem: Problem): PromptSet {
  const chat = buildPrompt(problem, { api: "chat", style: "rtlgym" });
  const completion = buildPrompt(problem, { api: "completions", style: "rtlgym" });
  return {
    chat: { ...(chat.system !== undefined && { system: chat.system }), prompt: chat.prompt },
    completion: { prompt: completion.prompt, ...(completion.prefill !== undefined && { prefill: completion.prefill }) },
  };
}

function familyList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

interface GenerateFlags {
  out: string;
  seed: number;
  train: number;
  heldout: number;
  families?: string[];
  force?: boolean;
  json?: boolean;
}

/** `rtlgym tasks ...`: generate the procedural task splits, list the families, audit the generator. */
export function registerTasks(program: Command): void {
  const tasks = program
    .command("tasks")
    .description("procedurally generated Verilog tasks for training and evaluation");

  tasks
    .command("generate")
    .description("write the train and held-out splits (bench suite + SFT/RL exports, JSONL and Parquet) to --out")
    .requiredOption("--out <dir>", "output folder; each split goes to <dir>/<split>/")
    .option("--seed <n>", "generator seed", intOption, DEFAULT_GENERATE_OPTIONS.seed)
    .option("--train <n>", "training tasks", intOption, DEFAULT_GENERATE_OPTIONS.train)
    .option("--heldout <n>", "tasks in each held-out split", intOption, DEFAULT_GENERATE_OPTIONS.heldout)
    .option("--families <names>", "only these families (comma-separated)", familyList)
    .option("--force", "write into a non-empty folder that was not written by rtlgym tasks")
    .option("--json", "print one JSON summary on stdout")
    .action(async (flags: GenerateFlags) => {
      const out = resolve(flags.out);
      if (existsSync(out) && !flags.force) {
        const entries = readdirSync(out);
        if (entries.length > 0 && !entries.includes("manifest.json")) {
          throw new BadInputError(
            `${flags.out} is not empty and was not written by rtlgym tasks; pass --force to write into it`,
          );
        }
      }
      const started = performance.now();
      const splits = generateTasks({
        seed: flags.seed,
        train: flags.train,
        heldout: flags.heldout,
        ...(flags.families !== undefined && { families: flags.families }),
      });
      const summaries = await writeSplits(out, splits, benchPrompts, {
        seed: flags.seed,
        train: flags.train,
        heldout: flags.heldout,
      });
      const ms = Math.round(performance.now() - started);
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ out, seed: flags.seed, generatorVersion: GENERATOR_VERSION, durationMs: ms, splits: summaries })}\n`,
        );
        return;
      }
      for (const s of summaries) {
        process.stdout.write(
          `${s.split.padEnd(18)} ${String(s.count).padStart(6)} tasks  ${String(Object.keys(s.families).length).padStart(3)} families  ${s.dir}\n`,
        );
      }
      process.stdout.write(
        `seed ${flags.seed}, generator ${GENERATOR_VERSION}, ${ms} ms. Score a split: rtlgym bench run --suite tasks --data ${flags.out}/heldout-params ...\n`,
      );
    });

  tasks
    .command("families")
    .alias("list-families")
    .description("list the task families")
    .option("--json", "print JSON lines, one per family")
    .action((flags: { json?: boolean }) => {
      for (const f of listFamilies()) {
        const row = {
          name: f.name,
          summary: f.summary,
          tags: f.tags,
          sequential: f.sequential,
          composite: f.composite === true,
          phrasings: f.phrasings.length,
        };
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(row)}\n`
            : `${f.name.padEnd(20)} ${f.composite ? "[held-out family] " : ""}${f.summary}\n`,
        );
      }
    });

  tasks
    .command("audit")
    .description("check every family: writer B must pass against writer A, the wrong variant must fail")
    .option("--families <names>", "only these families (comma-separated)", familyList)
    .option("--seed <n>", "parameter seed", intOption, 7)
    .option("--train <n>", "training-side parameter sets per family", intOption, 2)
    .option("--heldout <n>", "held-out parameter sets per family", intOption, 1)
    .option("--json", "print JSON lines, one per parameter set")
    .action(async (flags: { families?: string[]; seed: number; train: number; heldout: number; json?: boolean }) => {
      const all = listFamilies();
      const unknown = (flags.families ?? []).filter((n) => !all.some((f) => f.name === n));
      if (unknown.length > 0) throw new BadInputError(`unknown task families: ${unknown.join(", ")}`);
      const chosen = flags.families ? all.filter((f) => flags.families?.includes(f.name)) : all;
      const results: AuditCase[] = [];
      for (const f of chosen) {
        const cases = await auditFamily(f, { seed: flags.seed, train: flags.train, heldout: flags.heldout });
        results.push(...cases);
        for (const c of cases) {
          process.stdout.write(
            flags.json
              ? `${JSON.stringify(c)}\n`
              : `${c.ok ? "ok  " : "BAD "} ${c.family.padEnd(20)} ${JSON.stringify(c.params)}${c.detail ? `  ${c.detail}` : ""}\n`,
          );
        }
      }
      const bad = results.filter((c) => !c.ok).length;
      if (!flags.json) process.stdout.write(`${results.length - bad}/${results.length} parameter sets ok\n`);
      if (bad > 0) process.exitCode = 1;
    });
}
