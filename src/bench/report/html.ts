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

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const CSS = `
:root { color-scheme: light dark; --pass: #1a7f37; --fail: #cf222e; --warn: #9a6700; --muted: #6e7781; --line: #d0d7de; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin-bottom: .25rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid var(--line); padding: .2rem .5rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: rgba(127,127,127,.1); padding: .5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-word; margin: .25rem 0; }
.pass { color: var(--pass); } .fail { color: var(--fail); } .other { color: var(--warn); } .muted { color: var(--muted); }
.bar { display: inline-block; height: .7em; background: var(--pass); vertical-align: middle; margin-right: .4rem; }
.barbox { display: inline-block; width: 6rem; background: rgba(127,127,127,.2); vertical-align: middle; margin-right: .4rem; }
.barbox .bar { margin: 0; }
details { margin: .4rem 0 .8rem; } summary { cursor: pointer; }
.meta th { width: 10rem; }
`;

function statusClass(status: string): string {
  return status === "pass" ? "pass" : status === "fail" ? "fail" : "other";
}

function bar(x: number | undefined): string {
  if (x === undefined) return '<span class="muted">-</span>';
  const w = Math.max(0, Math.min(100, x * 100)).toFixed(1);
  return `<span class="barbox"><span class="bar" style="width:${w}%"></span></span>${pct(x)}`;
}

function th(cells: readonly string[], numeric: readonly boolean[] = []): string {
  return `<tr>${cells.map((c, i) => `<th${numeric[i] ? ' class="num"' : ""}>${c}</th>`).join("")}</tr>`;
}

function td(cells: readonly string[], numeric: readonly boolean[] = []): string {
  return `<tr>${cells.map((c, i) => `<td${numeric[i] ? ' class="num"' : ""}>${c}</td>`).join("")}</tr>`;
}

/**
 * The whole report as one self-contained HTML page (inline CSS, no scripts, no external assets). Everything that
 * comes from a run (ids, messages, signal values, tool output) is escaped: candidates control much of it.
 */
export function renderHtml(summary: BenchSummary, scores?: readonly SampleScore[], options?: ReportOptions): string {
  const opts = fillOptions(options);
  const ks = summaryKs(summary);
  const title = `rtlgym bench: ${summary.suite}${summary.model ? ` / ${summary.model}` : ""}`;
  const body: string[] = [];
  body.push(`<h1>${esc(title)}</h1>`);

  const tools = Object.entries(summary.toolVersions)
    .map(([k, v]) => `${esc(k)} ${v === null ? '<span class="muted">(missing)</span>' : esc(v)}`)
    .join("<br>");
  const meta: [string, string][] = [
    ["Run", esc(summary.runId ?? "-")],
    ["Model", esc(summary.model ?? "-")],
    ["Suite", esc(summary.suite)],
    ["Suite revision", `<code>${esc(summary.suiteRevision)}</code>`],
    ["Seed", esc(String(summary.seed))],
    ["Created", esc(summary.createdAt)],
    ["Problems", `${summary.attempted} attempted, ${summary.scored} scored, ${summary.excluded.length} excluded`],
    ["Tool versions", tools || "-"],
  ];
  body.push(`<table class="meta">${meta.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join("")}</table>`);

  body.push("<h2>pass@k</h2>");
  if (ks.length === 0) body.push("<p>No k is reportable (no problem has a scored sample).</p>");
  else {
    const rows = [td(["rtlgym", ...ks.map((k) => bar(summary.passAtK[k]))])];
    if (summary.officialPassAtK)
      rows.push(td(["official testbench", ...ks.map((k) => bar(summary.officialPassAtK?.[k]))]));
    body.push(`<table>${th(["", ...ks.map((k) => `pass@${esc(k)}`)])}${rows.join("")}</table>`);
  }

  const tags = Object.keys(summary.passAtKByTag).sort();
  if (tags.length > 0) {
    const tagKs = sortedKs(...Object.values(summary.passAtKByTag));
    const num = [false, true, ...tagKs.map(() => false)];
    body.push("<h2>pass@k by tag</h2>");
    body.push(
      `<table>${th(["tag", "problems", ...tagKs.map((k) => `pass@${esc(k)}`)], num)}${tags
        .map((t) =>
          td(
            [
              esc(t),
              String(summary.problems.filter((p) => p.tags.includes(t)).length),
              ...tagKs.map((k) => bar(summary.passAtKByTag[t]?.[k])),
            ],
            num,
          ),
        )
        .join("")}</table>`,
    );
  }

  body.push("<h2>Verdicts</h2>");
  const statusRows = Object.entries(summary.statuses).sort(([, a], [, b]) => b - a);
  if (statusRows.length === 0) body.push("<p>No samples scored.</p>");
  else
    body.push(
      `<table>${th(["status", "samples"], [false, true])}${statusRows
        .map(([s, n]) => td([`<span class="${statusClass(s)}">${esc(s)}</span>`, String(n)], [false, true]))
        .join("")}</table>`,
    );

  body.push("<h2>Pass strength</h2>");
  const strengthRows = Object.entries(summary.strength?.counts ?? {}).sort(([, a], [, b]) => b - a);
  if (strengthRows.length === 0) body.push("<p>No passes.</p>");
  else
    body.push(
      `<table>${th(["strength", "passes"], [false, true])}${strengthRows
        .map(([s, n]) => td([esc(s), String(n)], [false, true]))
        .join("")}</table>`,
    );
  const barLine = barText(summary);
  if (barLine) body.push(`<p>${esc(barLine)}</p>`);

  body.push("<h2>Problems</h2>");
  const hasOfficial = summary.problems.some((p) => p.officialC !== undefined);
  const pnum = [
    false,
    false,
    true,
    true,
    ...(hasOfficial ? [true] : []),
    ...ks.map(() => true),
    false,
    false,
    true,
    false,
  ];
  body.push(
    `<table>${th(
      [
        "problem",
        "tags",
        "n",
        "c",
        ...(hasOfficial ? ["official c"] : []),
        ...ks.map((k) => `pass@${esc(k)}`),
        "statuses",
        "failing signals",
        "disagreements",
        "pass strength",
      ],
      pnum,
    )}${summary.problems
      .map((p) =>
        td(
          [
            `<span class="${p.n > 0 && p.c > 0 ? "pass" : p.n > 0 ? "fail" : "muted"}">${esc(p.id)}</span>`,
            esc(p.tags.join(", ")),
            String(p.n),
            String(p.c),
            ...(hasOfficial ? [p.officialC === undefined ? "-" : String(p.officialC)] : []),
            ...ks.map((k) => pct(p.passAtK[k])),
            esc(countList(p.statuses)),
            esc(countList(p.failingSignals)),
            String(p.disagreements),
            esc(problemStrengths(p)),
          ],
          pnum,
        ),
      )
      .join("")}</table>`,
  );

  if (scores && scores.length > 0) {
    const passes = passRows(summary, scores);
    if (passes.rows.length > 0) {
      const withBar = summary.strength?.min !== undefined;
      body.push("<h2>Passes</h2>");
      body.push(
        `<details><summary>${passes.rows.length + passes.hidden} passes, their strength and evidence</summary><table>${th(
          ["problem", "sample", "strength", "evidence", ...(withBar ? ["below minimum"] : [])],
          [false, true, false, false, false],
        )}${passes.rows
          .map((r) =>
            td(
              [
                esc(r.problem),
                String(r.sample),
                `<span class="${r.below ? "other" : "pass"}">${esc(r.strength)}</span>`,
                esc(r.evidence),
                ...(withBar ? [esc(r.below ?? "-")] : []),
              ],
              [false, true, false, false, false],
            ),
          )
          .join("")}</table>${passes.hidden > 0 ? `<p>(${passes.hidden} more passes not listed)</p>` : ""}</details>`,
      );
    }
    const failures = failuresByProblem(scores, opts.maxFailuresPerProblem);
    if (failures.length > 0) {
      body.push("<h2>Failures</h2>");
      for (const f of failures) {
        body.push(`<h3>${esc(f.problem)}</h3>`);
        for (const s of f.shown) body.push(sampleHtml(s, opts.maxDetailLines));
        if (f.hidden > 0) body.push(`<p class="muted">${f.hidden} more failing samples not shown</p>`);
      }
    }
  }

  if (summary.disagreements.length > 0) {
    body.push("<h2>Disagreements with the official testbench</h2>");
    body.push(
      `<table>${th(["problem", "sample", "rtlgym", "official", "evidence"])}${summary.disagreements
        .map((d) =>
          td([
            esc(d.problem),
            String(d.sample),
            `<span class="${statusClass(d.rtlgym)}">${esc(d.rtlgym)}</span>`,
            `<span class="${statusClass(d.official)}">${esc(d.official)}</span>`,
            `<pre>${esc(d.evidence)}</pre>`,
          ]),
        )
        .join("")}</table>`,
    );
  }

  if (summary.excluded.length > 0) {
    body.push("<h2>Excluded problems</h2>");
    body.push(`<ul>${summary.excluded.map((e) => `<li>${esc(e.id)}: ${esc(e.reason)}</li>`).join("")}</ul>`);
  }

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body.join("\n")}
</body>
</html>
`;
}

function sampleHtml(s: SampleScore, maxLines: number): string {
  const r = s.result;
  const parts: string[] = [];
  const bad = failingSignalVerdicts(s);
  if (bad.length > 0) {
    const num = [false, true, true, false];
    parts.push(
      `<table>${th(["signal", "mismatches", "defined samples", "decided by"], num)}${bad
        .map((v) =>
          td(
            [
              `<code>${esc(v.name)}</code>`,
              v.mismatches === undefined ? "-" : String(v.mismatches),
              v.definedSamples === undefined ? "-" : String(v.definedSamples),
              esc(v.decidedBy ?? "-"),
            ],
            num,
          ),
        )
        .join("")}</table>`,
    );
  }
  const cx = r.counterexample;
  if (cx) {
    parts.push(
      `<p>Counterexample (${esc(cx.engine)}):</p><table>${th(["signal", "cycle", "phase", "inputs", "expected", "got"])}${td(
        [
          `<code>${esc(cx.signal)}</code>`,
          String(cx.cycle),
          cx.phase === "pre" ? "before edge" : "after edge",
          `<code>${esc(inputsText(cx.inputs))}</code>`,
          `<code>${esc(cx.expected)}</code>`,
          `<code class="fail">${esc(cx.got)}</code>`,
        ],
      )}</table>`,
    );
    if (cx.trace && cx.trace.length > 0) {
      const names = [...new Set(cx.trace.flatMap((step) => Object.keys(step)))];
      parts.push(
        `<details><summary>Input trace (${cx.trace.length} cycles)</summary><table>${th(["cycle", ...names.map(esc)])}${cx.trace
          .map((step, i) => td([String(i), ...names.map((n) => `<code>${esc(step[n] ?? "")}</code>`)]))
          .join("")}</table></details>`,
      );
    }
  }
  if (r.diagnostics.length > 0) parts.push(`<pre>${esc(clip(r.diagnostics.join("\n"), maxLines))}</pre>`);
  if (s.official) {
    const o = s.official;
    parts.push(
      `<p>Official testbench: <span class="${statusClass(o.verdict)}">${esc(o.verdict)}</span>${o.mismatches !== null ? ` (${o.mismatches} mismatches)` : ""}${s.disagreement ? ' - <strong class="other">disagrees with rtlgym</strong>' : ""}</p>`,
    );
    if (o.detail.trim()) parts.push(`<pre>${esc(clip(o.detail, maxLines))}</pre>`);
  }
  return `<details open><summary>sample ${s.sample}: <span class="${statusClass(s.status)}">${esc(s.status)}</span> <span class="muted">(${esc(r.decidedBy)})</span> ${esc(r.message)}</summary>${parts.join("")}</details>`;
}
