import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { createProgress } from "../../bench/progress.js";
import { selectProblems } from "../../bench/select.js";
import { loadSuite } from "../../bench/suites/registry.js";
import type { EngineChoice, LoadedSuite } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { promptOf } from "../../data/export.js";
import { DATASET_FILES, readDataset } from "../../data/store.js";
import type { Api } from "../../llm/index.js";
import { distill, problemsFromRecords, problemsFromRows } from "../../recipe/distill.js";
import { openStore } from "../../runs/index.js";
import { toolVersions } from "../../verify/index.js";
import { engineOption, intOption } from "../options.js";
import { collect, numberOption } from "./bench/shared.js";
import { addEndpointFlags, type EndpointFlags, endpointClient } from "./endpoint.js";

interface DistillFlags extends EndpointFlags {
  teacher: string;
  model: string;
  api: string;
  suite?: string;
  data?: string;
  tasks?: string;
  split: string;
  dataset?: string;
  rows?: string;
  problems?: string[];
  limit?: number;
  n: number;
  out: string;
  temperature: number;
  topP?: number;
  maxTokens?: number;
  requireFormat: boolean;
  engine: EngineChoice;
  seed: number;
  timeoutMs?: number;
  resume?: string;
  fresh?: boolean;
  db?: string;
  json?: boolean;
  quiet?: boolean;
}

/** The problems to distill on: exactly one of --suite, --tasks, --dataset, --rows. */
async function problemSource(flags: DistillFlags): Promise<LoadedSuite> {
  const given = [flags.suite, flags.tasks, flags.dataset, flags.rows].filter((x) => x !== undefined).length;
  if (given !== 1)
    throw new BadInputError("give exactly one problem source: --suite S, --tasks DIR, --dataset D or --rows FILE");
  if (flags.suite !== undefined) return loadSuite(flags.suite, flags.data);
  if (flags.tasks !== undefined) return loadSuite("tasks", join(flags.tasks, flags.split));
  if (flags.rows !== undefined) {
    const path = resolve(flags.rows);
    if (!existsSync(path)) throw new BadInputError(`--rows ${flags.rows}: no such file`);
    return problemsFromRows(`rows:${path.split("/").pop()}`, path, await readFile(path, "utf8"));
  }
  const ds = await readDataset(resolve(flags.dataset as string));
  const designs = ds.records.filter((r) => r.kind === "design" && r.synthesizable && r.language !== "vhdl");
  const text = await readFile(join(ds.dir, DATASET_FILES.records));
  const revision = `dataset+sha256:${createHash("sha256").update(text).digest("hex").slice(0, 8)}`;
  return problemsFromRecords(
    `dataset:${ds.dir.split("/").pop()}`,
    revision,
    designs.map((r) => ({ id: r.id, top: r.top, code: r.code, prompt: promptOf(r) })),
  );
}

/** `rtlgym data distill`: rejection-sampled SFT data from a teacher endpoint (CodeV-R1's distillation stage). */
export function registerDistill(data: Command): void {
  const cmd = data
    .command("distill")
    .description(
      "sample n think/answer responses per problem from a teacher, keep those rtlgym verifies, dedupe, write SFT rows",
    )
    .requiredOption("--teacher <url>", "OpenAI-compatible base URL of the teacher (vLLM, SGLang, rtlgym model serve)")
    .requiredOption("--model <name>", "model name as the teacher serves it")
    .option("--api <api>", "chat | completions", "chat")
    .option("--suite <name>", "problems from a bench suite (builtin, verilog-eval-v2, rtllm-v2.0, ...)")
    .option("--data <dir>", "upstream benchmark data for --suite (default: $RTLGYM_BENCHMARKS)")
    .option("--tasks <dir>", "problems from `rtlgym tasks generate` output")
    .option("--split <name>", "the split of --tasks", "train")
    .option("--dataset <dir>", "problems from an ingested dataset (its synthesizable designs; spec when written)")
    .option("--rows <file>", "problems from RL rows (JSONL of `data export --format rl|verl`, tasks rl.jsonl)")
    .option("--problems <ids>", "only these problem ids or globs (comma-separated, repeatable)", collect)
    .option("--limit <n>", "only the first n problems", intOption)
    .option("-n, --n <n>", "responses per problem", intOption, 4)
    .requiredOption("--out <dir>", "output folder: train/sft*.{jsonl,parquet}, samples.jsonl, report.json")
    .option("--temperature <t>", "sampling temperature", numberOption, 1.0)
    .option("--top-p <p>", "nucleus sampling", numberOption)
    .option("--max-tokens <n>", "response token limit", intOption)
    .option("--no-require-format", "also keep verified responses without the <think>/<answer> format")
    .option("--engine <engine>", "rtlgym equivalence engine: sim | formal | both", engineOption, "both")
    .option("--seed <n>", "stimulus and sampling seed", intOption, 1)
    .option("--timeout-ms <n>", "wall-clock limit of one rtlgym check", intOption)
    .option("--resume <run-id>", "resume this run (default: the newest unfinished run with the same parameters)")
    .option("--fresh", "start a new run even if an unfinished one with the same parameters exists")
    .option("--db <path>", "run store (default: $RTLGYM_HOME/rtlgym.db or ~/.rtlgym/rtlgym.db)")
    .option("--json", "print the report as one JSON object on stdout")
    .option("--quiet", "no progress output");
  addEndpointFlags(cmd);
  cmd.action(async (flags: DistillFlags) => {
    if (flags.api !== "chat" && flags.api !== "completions")
      throw new BadInputError(`--api must be chat or completions, got ${flags.api}`);
    if (flags.n < 1) throw new BadInputError("-n must be at least 1");
    const suite = await problemSource(flags);
    const problems = selectProblems(suite.problems, {
      ...(flags.problems && { problems: flags.problems }),
      ...(flags.limit !== undefined && { limit: flags.limit }),
    });
    if (problems.length === 0) throw new BadInputError(`no problems selected from ${suite.name}`);
    const client = await endpointClient(flags.teacher, flags.model, flags.api as Api, flags);
    const store = openStore(flags.db);
    const silent = flags.quiet === true || flags.json === true;
    let progress = createProgress({ total: 0, label: "", silent: true });
    try {
      const report = await distill({
        suite,
        problems,
        client,
        endpoint: flags.teacher,
        model: flags.model,
        api: flags.api as Api,
        n: flags.n,
        sampling: {
          seed: flags.seed,
          temperature: flags.temperature,
          ...(flags.topP !== undefined && { topP: flags.topP }),
          ...(flags.maxTokens !== undefined && { maxTokens: flags.maxTokens }),
        },
        // rtlgym's equivalence check decides; an upstream testbench would only add time.
        score: {
          verify: {
            engine: flags.engine,
            seed: flags.seed,
            ...(flags.timeoutMs !== undefined && { timeoutMs: flags.timeoutMs }),
          },
          official: false,
          officialTimeoutMs: 30_000,
        },
        store,
        toolVersions: await toolVersions(),
        out: resolve(flags.out),
        requireFormat: flags.requireFormat,
        ...(flags.resume !== undefined && { runId: flags.resume }),
        ...(flags.fresh && { fresh: true }),
        onStart: (info) => {
          const active = problems.filter((p) => p.excluded === undefined).length;
          progress = createProgress({
            total: active * flags.n - info.alreadyScored,
            label: `distill ${suite.name} ${flags.model}`,
            silent,
          });
          if (flags.quiet !== true) {
            process.stderr.write(
              info.resumed
                ? `rtlgym: resuming run ${info.runId}: ${info.alreadyScored} samples already scored\n`
                : `rtlgym: run ${info.runId}\n`,
            );
          }
        },
        onEvent: (e) => {
          if (e.kind === "scored")
            progress.tick({ problem: e.score.problem, sample: e.score.sample, status: e.score.status });
          else if (e.kind === "generation-failed") progress.log(`${e.problem}: generation failed: ${e.error}`);
        },
      });
      progress.done();
      if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        process.stdout.write(
          `${report.problems} problems x ${report.n}: ${report.sampled} sampled, ${report.formatErrors} format errors, ` +
            `${report.verified} verified, ${report.kept} kept after dedupe (${report.duplicates} duplicates), ` +
            `${report.problemsCovered} problems covered\nrun ${report.runId}; rows: ${resolve(flags.out, "train")}\n`,
        );
      }
      if (report.missing > 0) {
        process.stderr.write(
          `rtlgym: ${report.missing} samples could not be generated; run the same command again to resume run ${report.runId}\n`,
        );
        process.exitCode = 2;
      }
    } finally {
      store.close();
    }
  });
}
