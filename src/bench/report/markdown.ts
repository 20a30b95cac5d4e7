import type { BenchSummary, SampleScore } from "../../contracts/index.js";
import {
  barText,
  clip,
  countList,
  failingSignalVerdicts,
  failuresByProblem,
  fillOptions,
  inputsText,
  passRows,
  pct,
  problemStrengths,
  type ReportOptions,
  sortedKs,
  summaryKs,
} from "./shared.js";

/**
 * Escapes text for a Markdown table cell or paragraph: HTML-significant characters become entities (so a candidate's
 * `<script>` stays text when the Markdown is rendered), Markdown syntax is backslashed, and newlines become `<br>`.
 */
export function mdText(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*[\]|]/g, "\\$&")
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, "\\_")
    .replace(/\r?\n/g, "<br>");
}

/** A fenced code block that the content cannot close early. */
export function mdFence(text: string, lang = ""): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text.trimEnd()}\n${fence}`;
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  align?: readonly ("l" | "r")[],
): string {
  const sep = header.map((_, i) => (align?.[i] === "r" ? "---:" : "---"));
  return [row(header), row(sep), ...rows.map(row)].join("\n");
}

/** The whole report as GitHub-flavoured Markdown; `scores` adds per-sample failure detail. */
export function renderMarkdown(
  summary: BenchSummary,
  scores?: readonly SampleScore[],
  options?: ReportOptions,
): string {
  const opts = fillOptions(options);
  const ks = summaryKs(summary);
  const out: string[] = [];
  out.push(`# rtlgym bench report: ${mdText(summary.suite)}`, "");

  const tools = Object.entries(summary.toolVersions)
    .map(([k, v]) => `${k} ${v ?? "(missing)"}`)
    .join(", ");
  const meta: [string, string][] = [
    ["Run", summary.runId ?? "-"],
    ["Model", summary.model ?? "-"],
    ["Suite", summary.suite],
    ["Suite revision", summary.suiteRevision],
    ["Seed", String(summary.seed)],
    ["Created", summary.createdAt],
    ["Problems", `${summary.attempted} attempted, ${summary.scored} scored, ${summary.excluded.length} excluded`],
    ["Tool versions", tools || "-"],
  ];
  out.push(
    table(
      ["", ""],
      meta.map(([k, v]) => [k, mdText(v)]),
    ),
    "",
  );

  out.push("## pass@k", "");
  if (ks.length === 0) out.push("No k is reportable (no problem has a scored sample).", "");
  else {
    const rows = [["rtlgym", ...ks.map((k) => pct(summary.passAtK[k]))]];
    if (summary.officialPassAtK) rows.push(["official testbench", ...ks.map((k) => pct(summary.officialPassAtK?.[k]))]);
    out.push(table(["", ...ks.map((k) => `pass@${k}`)], rows, ["l", ...ks.map(() => "r" as const)]), "");
  }

  const tags = Object.keys(summary.passAtKByTag).sort();
  if (tags.length > 0) {
    const tagKs = sortedKs(...Object.values(summary.passAtKByTag));
    out.push("## pass@k by tag", "");
    out.push(
      table(
        ["tag", "problems", ...tagKs.map((k) => `pass@${k}`)],
        tags.map((t) => [
          mdText(t),
          String(summary.problems.filter((p) => p.tags.includes(t)).length),
          ...tagKs.map((k) => pct(summary.passAtKByTag[t]?.[k])),
        ]),
        ["l", "r", ...tagKs.map(() => "r" as const)],
      ),
      "",
    );
  }

  out.push("## Verdicts", "");
  const statusRows = Object.entries(summary.statuses).sort(([, a], [, b]) => b - a);
  if (statusRows.length === 0) out.push("No samples scored.", "");
  else
    out.push(
      table(
        ["status", "samples"],
        statusRows.map(([s, n]) => [mdText(s), String(n)]),
        ["l", "r"],
      ),
      "",
    );

  out.push("## Pass strength", "");
  const strengthRows = Object.entries(summary.strength?.counts ?? {}).sort(([, a], [, b]) => b - a);
  if (strengthRows.length === 0) out.push("No passes.", "");
  else
    out.push(
      table(
        ["strength", "passes"],
        strengthRows.map(([s, n]) => [mdText(s), String(n)]),
        ["l", "r"],
      ),
      "",
    );
  const barLine = barText(summary);
  if (barLine) out.push(mdText(barLine), "");

  out.push("## Problems", "");
  const hasOfficial = summary.problems.some((p) => p.officialC !== undefined);
  out.push(
    table(
      [
        "problem",
        "tags",
        "n",
        "c",
        ...(hasOfficial ? ["official c"] : []),
        ...ks.map((k) => `pass@${k}`),
        "statuses",
        "failing signals",
        "disagreements",
        "pass strength",
      ],
      summary.problems.map((p) => [
        mdText(p.id),
        mdText(p.tags.join(", ")),
        String(p.n),
        String(p.c),
        ...(hasOfficial ? [p.officialC === undefined ? "-" : String(p.officialC)] : []),
        ...ks.map((k) => pct(p.passAtK[k])),
        mdText(countList(p.statuses)),
        mdText(countList(p.failingSignals)),
        String(p.disagreements),
        mdText(problemStrengths(p)),
      ]),
      ["l", "l", "r", "r", ...(hasOfficial ? ["r" as const] : []), ...ks.map(() => "r" as const), "l", "l", "r", "l"],
    ),
    "",
  );

  if (scores && scores.length > 0) {
    const passes = passRows(summary, scores);
    if (passes.rows.length > 0) {
      out.push("## Passes", "");
      out.push(
        table(
          ["problem", "sample", "strength", "evidence", ...(summary.strength?.min ? ["below minimum"] : [])],
          passes.rows.map((r) => [
            mdText(r.problem),
            String(r.sample),
            mdText(r.strength),
            mdText(r.evidence),
            ...(summary.strength?.min ? [mdText(r.below ?? "-")] : []),
          ]),
        ),
        "",
      );
      if (passes.hidden > 0) out.push(`(${passes.hidden} more passes not listed)`, "");
    }
    const failures = failuresByProblem(scores, opts.maxFailuresPerProblem);
    if (failures.length > 0) {
      out.push("## Failures", "");
      for (const f of failures) {
        out.push(`### ${mdText(f.problem)}`, "");
        for (const s of f.shown) out.push(...sampleMarkdown(s, opts.maxDetailLines));
        if (f.hidden > 0) out.push(`(${f.hidden} more failing samples not shown)`, "");
      }
    }
  }

  if (summary.disagreements.length > 0) {
    out.push("## Disagreements with the official testbench", "");
    out.push(
      table(
        ["problem", "sample", "rtlgym", "official", "evidence"],
        summary.disagreements.map((d) => [
          mdText(d.problem),
          String(d.sample),
          mdText(d.rtlgym),
          mdText(d.official),
          mdText(d.evidence),
        ]),
      ),
      "",
    );
  }

  if (summary.excluded.length > 0) {
    out.push("## Excluded problems", "");
    for (const e of summary.excluded) out.push(`- ${mdText(e.id)}: ${mdText(e.reason)}`);
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
}

function sampleMarkdown(s: SampleScore, maxLines: number): string[] {
  const r = s.result;
  const out = [`**sample ${s.sample}: ${mdText(s.status)}** (${mdText(r.decidedBy)}) ${mdText(r.message)}`, ""];
  const bad = failingSignalVerdicts(s);
  if (bad.length > 0) {
    out.push(
      table(
        ["signal", "mismatches", "defined samples", "decided by"],
        bad.map((v) => [
          mdText(v.name),
          v.mismatches === undefined ? "-" : String(v.mismatches),
          v.definedSamples === undefined ? "-" : String(v.definedSamples),
          v.decidedBy ?? "-",
        ]),
        ["l", "r", "r", "l"],
      ),
      "",
    );
  }
  const cx = r.counterexample;
  if (cx) {
    out.push(
      `Counterexample (${cx.engine}):`,
      "",
      table(
        ["signal", "cycle", "phase", "inputs", "expected", "got"],
        [
          [
            mdText(cx.signal),
            String(cx.cycle),
            cx.phase,
            mdText(inputsText(cx.inputs)),
            mdText(cx.expected),
            mdText(cx.got),
          ],
        ],
      ),
      "",
    );
    if (cx.trace && cx.trace.length > 1) out.push(`Trace: ${cx.trace.length} cycles from reset.`, "");
  }
  if (r.diagnostics.length > 0) out.push(mdFence(clip(r.diagnostics.join("\n"), maxLines)), "");
  if (s.official) {
    const o = s.official;
    out.push(
      `Official testbench: ${mdText(o.verdict)}${o.mismatches !== null ? ` (${o.mismatches} mismatches)` : ""}${s.disagreement ? " - disagrees with rtlgym" : ""}`,
      "",
    );
    if (o.detail.trim()) out.push(mdFence(clip(o.detail, maxLines)), "");
  }
  return out;
}
