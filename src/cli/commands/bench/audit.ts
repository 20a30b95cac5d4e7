import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { type AuditReport, auditProblems, auditReport, renderAuditMarkdown } from "../../../bench/audit.js";
import { createProgress } from "../../../bench/progress.js";
import { openStore } from "../../../runs/index.js";
import { toolVersions } from "../../../verify/index.js";
import { intOption } from "../../options.js";
import {
  addSuiteFlags,
  addVerifyFlags,
  defaultOutDir,
  loadSelection,
  type SuiteFlags,
  type VerifyFlags,
  verifyOptions,
} from "./shared.js";

interface AuditFlags extends SuiteFlags, VerifyFlags {
  mutants: number;
  concurrency: number;
  out?: string;
  db?: string;
  json?: boolean;
  quiet?: boolean;
}

/** `bench audit`: is the benchmark itself sound? */
export function registerAudit(bench: Command): void {
  const cmd = bench
    .command("audit")
    .description(
      "audit a benchmark: references against their own testbench and themselves, mutants against the testbench and formal equivalence, forged samples",
    )
    .option("--mutants <n>", "mutants generated per reference", intOption, 4)
    .option("--concurrency <n>", "problems audited at once", intOption, 2)
    .option("--out <dir>", "write audit.json and audit.md here")
    .option("--db <path>", "run store (default: $RTLGYM_HOME/rtlgym.db or ~/.rtlgym/rtlgym.db)")
    .option("--json", "print one summary object on stdout")
    .option("--quiet", "no progress output");
  addSuiteFlags(cmd);
  addVerifyFlags(cmd);
  cmd.action(async (flags: AuditFlags) => {
    const { suite, problems } = await loadSelection(flags);
    const started = performance.now();
    const progress = createProgress({
      total: problems.length,
      label: `audit ${suite.name}`,
      silent: flags.quiet === true || flags.json === true,
    });
    const rows = await auditProblems(problems, {
      mutants: flags.mutants,
      seed: flags.seed,
      verify: verifyOptions(flags),
      official: flags.official,
      officialTimeoutMs: flags.officialTimeoutMs,
      concurrency: flags.concurrency,
      onProblem: (row) =>
        progress.tick({
          problem: row.id,
          sample: 0,
          status: row.excluded ? "excluded" : row.testbenchMisses.length > 0 ? "testbench-misses" : row.referenceSelf,
        }),
    });
    progress.done();
    const report: AuditReport = auditReport(suite, rows, {
      seconds: (performance.now() - started) / 1000,
      mutantsPerProblem: flags.mutants,
      seed: flags.seed,
      toolVersions: await toolVersions(),
    });
    const store = openStore(flags.db);
    let runId: string;
    try {
      const run = store.createRun({
        suite: suite.name,
        suiteRevision: suite.revision,
        kind: "audit",
        params: {
          seed: flags.seed,
          mutants: flags.mutants,
          select: { problems: problems.map((p) => p.id) },
          report: JSON.parse(JSON.stringify(report)),
        },
      });
      runId = run.id;
      store.finishRun(run.id, null, "done");
    } finally {
      store.close();
    }
    const dir = flags.out ?? defaultOutDir(runId);
    await mkdir(dir, { recursive: true });
    const markdown = renderAuditMarkdown(report);
    await writeFile(join(dir, "audit.json"), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(dir, "audit.md"), markdown);
    if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else process.stdout.write(`${markdown}\nreports: ${join(dir, "audit.md")}\n`);
  });
}
