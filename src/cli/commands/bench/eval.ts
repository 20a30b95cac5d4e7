import type { Command } from "commander";
import { evaluateSamples } from "../../../bench/evaluate.js";
import { createProgress } from "../../../bench/progress.js";
import { writeReports } from "../../../bench/report/index.js";
import { type RawSample, readSamplesFile, referenceAsCandidate } from "../../../bench/samples.js";
import { summarise } from "../../../bench/summary.js";
import { BadInputError } from "../../../core/errors.js";
import { openStore } from "../../../runs/index.js";
import { toolVersions } from "../../../verify/index.js";
import {
  addReportFlags,
  addSuiteFlags,
  addVerifyFlags,
  defaultOutDir,
  loadSelection,
  type ReportFlags,
  type SuiteFlags,
  type VerifyFlags,
  verifyOptions,
} from "./shared.js";
import { summaryText } from "./text.js";

interface EvalFlags extends SuiteFlags, VerifyFlags, ReportFlags {
  samples?: string;
  references?: boolean;
}

/** `bench eval`: scores samples someone else generated (or the references themselves, to check a harness). */
export function registerEval(bench: Command): void {
  const cmd = bench
    .command("eval")
    .description("score a samples file (JSONL: {problem, response|code} or VerilogEval v1 {task_id, completion})")
    .option("--samples <file>", "samples to score")
    .option("--references", "score each problem's own reference as its only sample (a harness self-check)");
  addSuiteFlags(cmd);
  addVerifyFlags(cmd);
  addReportFlags(cmd);
  cmd.action(async (flags: EvalFlags) => {
    if ((flags.samples === undefined) === (flags.references !== true)) {
      throw new BadInputError("bench eval needs exactly one of --samples FILE or --references");
    }
    const { suite, problems } = await loadSelection(flags);
    const selected = new Set(problems.map((p) => p.id));
    const samples: RawSample[] = flags.samples
      ? (await readSamplesFile(flags.samples, suite)).filter((s) => selected.has(s.problem))
      : problems
          .filter((p) => p.excluded === undefined)
          .map((p) => ({ problem: p.id, sample: 0, text: referenceAsCandidate(p), extracted: true }));
    const store = openStore(flags.db);
    try {
      const run = store.createRun({
        suite: suite.name,
        suiteRevision: suite.revision,
        kind: "eval",
        params: {
          seed: flags.seed,
          ...(flags.k && { ks: flags.k }),
          verify: JSON.parse(JSON.stringify({ ...verifyOptions(flags), official: flags.official })),
          select: { problems: problems.map((p) => p.id) },
          source: flags.samples ?? "references",
        },
      });
      const byKey = new Map(samples.map((s) => [`${s.problem}#${s.sample}`, s]));
      const progress = createProgress({
        total: samples.length,
        label: `eval ${suite.name}`,
        silent: flags.quiet === true || flags.json === true,
      });
      const scores = await evaluateSamples(problems, samples, {
        verify: verifyOptions(flags),
        official: flags.official,
        officialTimeoutMs: flags.officialTimeoutMs,
        onProblem: (problem, scored, items) => {
          store.putGenerations(
            run.id,
            items.map((s) => ({
              problem: problem.id,
              sample: s.sample,
              prompt: null,
              raw: byKey.get(`${problem.id}#${s.sample}`)?.text ?? "",
              code: s.code,
            })),
          );
          store.putScores(run.id, scored);
          for (const s of scored) progress.tick({ problem: s.problem, sample: s.sample, status: s.status });
        },
      });
      progress.done();
      const summary = summarise({
        suite: suite.name,
        suiteRevision: suite.revision,
        problems,
        scores,
        ...(flags.k && { ks: flags.k }),
        ...(flags.minStrength && { minStrength: flags.minStrength }),
        seed: flags.seed,
        toolVersions: await toolVersions(),
        runId: run.id,
      });
      store.finishRun(run.id, summary, "done");
      const files = await writeReports(flags.out ?? defaultOutDir(run.id), summary, scores);
      if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else process.stdout.write(`${summaryText(summary)}reports: ${files.html}\n`);
    } finally {
      store.close();
    }
  });
}
