import { writeFileSync } from "node:fs";
import { esc } from "../bench/report/index.js";
import type { RlStep, RlSummary } from "./rl.js";

const CSS = `
:root { color-scheme: light dark; --line: #d0d7de; --muted: #6e7781; --plot: #0969da; --eval: #1a7f37; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid var(--line); }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid var(--line); padding: .2rem .5rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 1rem; }
figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: .2rem; }
svg { width: 100%; height: auto; background: rgba(127,127,127,.06); }
svg text { font: 10px system-ui, sans-serif; fill: var(--muted); }
.muted { color: var(--muted); }
`;

/** The per-step series plotted, with their captions. */
const SERIES: readonly { key: keyof RlStep; title: string }[] = [
  { key: "reward_mean", title: "reward mean (drawn responses)" },
  { key: "pass_rate", title: "pass rate (drawn responses)" },
  { key: "format_error_rate", title: "format-error rate" },
  { key: "kept_ratio", title: "kept / drawn groups" },
  { key: "response_length_mean", title: "response length (tokens)" },
  { key: "entropy", title: "entropy" },
  { key: "kl_to_start", title: "KL to the start model (not in the loss)" },
  { key: "loss", title: "loss" },
  { key: "generation_s", title: "generation time per step (s)" },
  { key: "reward_s", title: "reward time per step (s)" },
  { key: "update_s", title: "update time per step (s)" },
];

function fmt(x: number): string {
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 1 ? x.toFixed(2) : a >= 0.01 ? x.toFixed(3) : x.toExponential(1);
}

/** One line plot as inline SVG: points (x, y), the y range labelled, nothing external. */
export function linePlot(points: readonly [number, number][], width = 360, height = 160): string {
  if (points.length === 0) return `<p class="muted">no values</p>`;
  const pad = { l: 44, r: 8, t: 8, b: 20 };
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const sx = (x: number) => pad.l + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const sy = (y: number) => pad.t + (1 - (y - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  const path = points.map((p, i) => `${i === 0 ? "M" : "L"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join("");
  const dots =
    points.length <= 60
      ? points.map((p) => `<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="2"/>`).join("")
      : "";
  return (
    `<svg viewBox="0 0 ${width} ${height}" role="img">` +
    `<line x1="${pad.l}" y1="${height - pad.b}" x2="${width - pad.r}" y2="${height - pad.b}" stroke="currentColor" stroke-opacity=".3"/>` +
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${height - pad.b}" stroke="currentColor" stroke-opacity=".3"/>` +
    `<text x="${pad.l - 4}" y="${pad.t + 8}" text-anchor="end">${esc(fmt(y1))}</text>` +
    `<text x="${pad.l - 4}" y="${height - pad.b}" text-anchor="end">${esc(fmt(y0))}</text>` +
    `<text x="${pad.l}" y="${height - 6}">step ${x0}</text>` +
    `<text x="${width - pad.r}" y="${height - 6}" text-anchor="end">${x1}</text>` +
    `<path d="${path}" fill="none" stroke="var(--plot)" stroke-width="1.5"/><g fill="var(--plot)">${dots}</g></svg>`
  );
}

const pct = (x: number | null) => (x === null ? "-" : `${(x * 100).toFixed(1)}%`);

/** The RL run report: summary, held-out pass@1 at each evaluation point, and a plot per logged metric. */
export function renderRlReport(summary: RlSummary, steps: readonly RlStep[]): string {
  const s = summary;
  const evalRows = s.evals
    .map(
      (e) =>
        `<tr><td class="num">${e.step}</td><td class="num">${pct(e["pass@1"])}</td><td class="num">${e.problems}</td>` +
        `<td class="num">${e.samples}</td><td>${esc(
          Object.entries(e.statuses)
            .map(([k, v]) => `${k} ${v}`)
            .join(", "),
        )}</td>` +
        `<td>${esc(e.benchRunId)}</td></tr>`,
    )
    .join("");
  const plots = SERIES.map(({ key, title }) => {
    const pts = steps
      .map((st) => [st.step, st[key]] as [number, unknown])
      .filter((p): p is [number, number] => typeof p[1] === "number" && Number.isFinite(p[1]));
    return `<figure><figcaption>${esc(title)}</figcaption>${linePlot(pts)}</figure>`;
  });
  const heldout = s.evals.map((e) => [e.step, e["pass@1"]] as [number, number]);
  plots.unshift(`<figure><figcaption>held-out pass@1 (${esc(s.split)})</figcaption>${linePlot(heldout)}</figure>`);
  const meta: [string, string][] = [
    ["recipe", `${s.recipe} (${s.algorithm})`],
    ["reward", s.reward],
    ["seed", String(s.seed)],
    ["steps", `${s.steps} (stopped by ${s.stoppedBy})`],
    [`held-out pass@1 (${s.split})`, `${pct(s.before["pass@1"])} → ${pct(s.after["pass@1"])}`],
    ...(s.distill
      ? ([
          [
            "distillation stage",
            `${s.distill.algorithm}, ${s.distill.steps} steps, held-out pass@1 ${pct(s.distill["pass@1"])} (its report: ${s.distill.report})`,
          ],
        ] as [string, string][])
      : []),
    ["wall time", `${s.minutes} min`],
    [
      "time in steps",
      Object.entries(s.time)
        .map(([k, v]) => `${k} ${v} s`)
        .join(", "),
    ],
    [
      "totals",
      Object.entries(s.totals)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    ],
    ["model", s.model],
  ];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>rtlgym RL run ${esc(String(s.runId ?? ""))}</title><style>${CSS}</style></head><body>
<h1>rtlgym train rl: ${esc(s.recipe)} / ${esc(s.algorithm)}</h1>
<table>${meta.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join("")}</table>
<h2>Held-out evaluations</h2>
<table><tr><th>step</th><th>pass@1</th><th>problems</th><th>samples</th><th>statuses</th><th>bench run</th></tr>${evalRows}</table>
<h2>Per-step metrics</h2>
<div class="plots">${plots.join("\n")}</div>
</body></html>
`;
}

/** Writes {@link renderRlReport} to `file`. */
export function writeRlReport(file: string, summary: RlSummary, steps: readonly RlStep[]): void {
  writeFileSync(file, renderRlReport(summary, steps));
}
