import type { Command } from "commander";
import type { AuditReport } from "../../../bench/audit.js";
import { renderAuditMarkdown } from "../../../bench/audit.js";
import { compareSummaries, renderComparison, renderHtml, renderMarkdown } from "../../../bench/report/index.js";
import type { BenchSummary } from "../../../contracts/index.js";
import { BadInputError } from "../../../core/errors.js";
import { BENCH_RUN_KINDS, openStore, RunKind, type RunRecord, type Store } from "../../../runs/index.js";
import { SEARCH_RUN_KIND } from "../../../search/index.js";
import { isTrainRunKind } from "../../../train/index.js";
import { intOption } from "../../options.js";
import { pct } from "./shared.js";
import { summaryText } from "./text.js";

function withStore<T>(db: string | undefined, f: (store: Store) => T): T {
  const store = openStore(db);
  try {
    return f(store);
  } finally {
    store.close();
  }
}

function requireRun(store: Store, id: string): RunRecord {
  const run = store.getRun(id);
  if (!run) throw new BadInputError(`no run "${id}" in ${store.path} (see: rtlgym bench list)`);
  return run;
}

const isBenchKind = (kind: string) => (BENCH_RUN_KINDS as readonly string[]).includes(kind);

/**
 * A run the bench commands can read (run, eval, audit). `bench list` lists every kind, so an id of a search or
 * training run reaches show and compare: say what it is and where to look instead of failing on its summary.
 */
function requireBenchRun(store: Store, id: string): RunRecord {
  const run = requireRun(store, id);
  if (isBenchKind(run.kind)) return run;
  const where =
    run.kind === SEARCH_RUN_KIND
      ? `see: rtlgym search show ${run.id}`
      : isTrainRunKind(run.kind)
        ? `a training run of ${run.params.out ?? "its out folder"}; its summary: rtlgym bench list --kind ${run.kind} --json`
        : `its summary: rtlgym bench list --kind ${run.kind} --json`;
  throw new BadInputError(`run ${run.id} is a ${run.kind} run, not a bench run (${where})`, {
    runId: run.id,
    kind: run.kind,
  });
}

function requireSummary(run: RunRecord): BenchSummary {
  if (!run.summary) {
    throw new BadInputError(
      `run ${run.id} has no summary (${run.kind === "audit" ? "an audit: use bench show" : `status ${run.status}; resume it with bench run`})`,
    );
  }
  return run.summary;
}

/** `bench list`, `bench show`, `bench compare`: read the local run store. */
export function registerStoreCommands(bench: Command): void {
  bench
    .command("list")
    .description("list stored runs, newest first")
    .option("--suite <name>", "only runs of this suite")
    .option("--kind <kind>", "run | eval | audit | search | train-sft | train-itertl | train-salv | train-rl")
    .option("--limit <n>", "at most n runs", intOption, 20)
    .option("--db <path>", "run store")
    .option("--json", "print JSON lines, one per run")
    .action((flags: { suite?: string; kind?: string; limit: number; db?: string; json?: boolean }) => {
      if (flags.kind !== undefined && !RunKind.safeParse(flags.kind).success) {
        throw new BadInputError(
          `--kind must be a run kind (run, eval, audit, search, train-sft, ...), got ${flags.kind}`,
        );
      }
      const runs = withStore(flags.db, (s) =>
        s.listRuns({
          limit: flags.limit,
          ...(flags.suite !== undefined && { suite: flags.suite }),
          ...(flags.kind !== undefined && { kind: flags.kind }),
        }),
      );
      if (flags.json) {
        for (const r of runs) {
          process.stdout.write(
            `${JSON.stringify({ id: r.id, kind: r.kind, suite: r.suite, model: r.model, status: r.status, createdAt: r.createdAt, finishedAt: r.finishedAt, attempted: r.summary?.attempted ?? null, scored: r.summary?.scored ?? null, passAtK: r.summary?.passAtK ?? null, ...(!isBenchKind(r.kind) && { summary: r.summaryJson }) })}\n`,
          );
        }
        return;
      }
      if (runs.length === 0) {
        process.stdout.write("no runs yet\n");
        return;
      }
      const rows = runs.map((r) => [
        r.id,
        r.kind,
        r.suite,
        r.model ?? "-",
        r.status,
        r.summary ? `${r.summary.scored}/${r.summary.attempted}` : "-",
        r.summary ? pct(r.summary.passAtK["1"]) : "-",
      ]);
      const header = ["run", "kind", "suite", "model", "status", "scored", "pass@1"];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
      const line = (cells: string[]) => `${cells.map((c, i) => c.padEnd(widths[i] as number)).join("  ")}\n`;
      process.stdout.write(line(header));
      for (const r of rows) process.stdout.write(line(r));
    });

  bench
    .command("show")
    .description("show a stored run: its summary, or its full report as Markdown or HTML")
    .argument("<run>", "run id (see bench list)")
    .option("--format <format>", "text | markdown | html", "text")
    .option("--db <path>", "run store")
    .option("--json", "print the summary object")
    .action((id: string, flags: { format: string; db?: string; json?: boolean }) => {
      if (!["text", "markdown", "html"].includes(flags.format)) {
        throw new BadInputError(`--format must be text, markdown or html, got ${flags.format}`);
      }
      withStore(flags.db, (store) => {
        const run = requireBenchRun(store, id);
        if (run.kind === "audit") {
          const report = run.params.report as unknown as AuditReport | undefined;
          if (!report) throw new BadInputError(`audit run ${id} has no report stored`);
          process.stdout.write(flags.json ? `${JSON.stringify(report)}\n` : renderAuditMarkdown(report));
          return;
        }
        const summary = requireSummary(run);
        if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else if (flags.format === "text") process.stdout.write(summaryText(summary));
        else {
          const scores = store.scoresOf(run.id);
          process.stdout.write(flags.format === "html" ? renderHtml(summary, scores) : renderMarkdown(summary, scores));
        }
      });
    });

  bench
    .command("compare")
    .description("compare two stored runs: pass@k deltas overall and per tag, problems that flipped")
    .argument("<runA>", "baseline run id")
    .argument("<runB>", "run id to compare with the baseline")
    .option("--format <format>", "text | markdown", "text")
    .option("--db <path>", "run store")
    .option("--json", "print the diff object")
    .action((a: string, b: string, flags: { format: string; db?: string; json?: boolean }) => {
      if (flags.format !== "text" && flags.format !== "markdown") {
        throw new BadInputError(`--format must be text or markdown, got ${flags.format}`);
      }
      const diff = withStore(flags.db, (store) =>
        compareSummaries(requireSummary(requireBenchRun(store, a)), requireSummary(requireBenchRun(store, b))),
      );
      process.stdout.write(flags.json ? `${JSON.stringify(diff)}\n` : renderComparison(diff, flags.format));
    });
}
