import type { IngestResult, StageCounts } from "./ingest.js";

export interface Histogram {
  title: string;
  /** Bucket upper bounds (inclusive); the last bucket is open. */
  bounds: number[];
  labels: string[];
  counts: number[];
}

export interface IngestReport {
  counts: StageCounts;
  durationMs: number;
  timings: Record<string, number>;
  throughput: { filesPerSecond: number; unitsPerSecond: number };
  sources: Array<{
    name: string;
    repository: string | null;
    commit: string | null;
    licence: string | null;
    files: number;
    units: number;
    rejected: number;
    duplicates: number;
  }>;
  rejectReasons: Array<{ reason: string; count: number }>;
  synthErrors: Array<{ reason: string; count: number }>;
  classes: Record<string, number>;
  histograms: Histogram[];
}

/** Log-spaced buckets: 1, 2, 5, 10, 20, 50, ... */
function histogram(title: string, values: readonly number[]): Histogram {
  const bounds: number[] = [];
  for (let b = 1; bounds.length < 14; b *= 10) bounds.push(b, 2 * b, 5 * b);
  const max = Math.max(0, ...values);
  const used = bounds.filter((_, i) => i === 0 || (bounds[i - 1] as number) < max);
  const counts = new Array<number>(used.length).fill(0);
  for (const v of values) {
    const i = used.findIndex((b) => v <= b);
    counts[i < 0 ? used.length - 1 : i] = (counts[i < 0 ? used.length - 1 : i] ?? 0) + 1;
  }
  const labels = used.map((b, i) => (i === 0 ? `<=${b}` : `${(used[i - 1] as number) + 1}-${b}`));
  return { title, bounds: used, labels, counts };
}

function tally(items: readonly string[]): Array<{ reason: string; count: number }> {
  const m = new Map<string, number>();
  for (const x of items) m.set(x, (m.get(x) ?? 0) + 1);
  return [...m]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
}

/** A Yosys error without its file and line, so equal causes count together. */
function errorClass(e: string): string {
  return e
    .replace(/^u\d+\.v:\d+:\s*/, "")
    .replace(/^ERROR:\s*/, "")
    .replace(/: [A-Za-z0-9_$\\, ]+$/, ": ...")
    .slice(0, 120);
}

/** Counts, reasons and histograms of an ingest (report.json). */
export function reportOf(result: IngestResult): IngestReport {
  const all = [...result.records, ...result.duplicates];
  const secs = Math.max(result.durationMs, 1) / 1000;
  const designs = result.records.filter((r) => r.kind === "design" && r.synthesizable);
  const classes: Record<string, number> = {};
  for (const r of result.records) {
    const key =
      r.kind === "testbench"
        ? "testbench"
        : r.synthesizable
          ? `design, ${r.synth?.clocked ? "clocked" : "combinational"}, reset ${r.synth?.resetStyle ?? "none"}`
          : "design, not synthesizable";
    classes[key] = (classes[key] ?? 0) + 1;
  }
  return {
    counts: result.counts,
    durationMs: result.durationMs,
    timings: result.timings,
    throughput: {
      filesPerSecond: Math.round((result.counts.filesWalked / secs) * 10) / 10,
      unitsPerSecond: Math.round((result.counts.units / secs) * 10) / 10,
    },
    sources: result.sources.map((s) => ({
      name: s.name,
      repository: s.repository,
      commit: s.commit,
      licence: s.licence,
      files: s.files,
      units: s.units,
      rejected: s.rejected,
      duplicates: s.duplicates,
    })),
    rejectReasons: tally(result.rejects.map((r) => r.reason)),
    synthErrors: tally(all.filter((r) => r.synth && !r.synth.ok).map((r) => errorClass(r.synth?.error ?? ""))),
    classes,
    histograms: [
      histogram(
        "lines per kept unit",
        result.records.map((r) => r.stats.lines),
      ),
      histogram(
        "modules per kept unit",
        result.records.map((r) => r.stats.modules),
      ),
      histogram(
        "cells per synthesizable design (after proc/flatten)",
        designs.map((r) => r.synth?.cells ?? 0),
      ),
      histogram(
        "flip-flop bits per synthesizable design",
        designs.map((r) => r.synth?.stateBits ?? 0),
      ),
      histogram(
        "port bits per synthesizable design",
        designs.map((r) => (r.synth?.inputBits ?? 0) + (r.synth?.outputBits ?? 0)),
      ),
    ],
  };
}

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);
const md = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

export function renderMarkdown(r: IngestReport): string {
  const lines: string[] = ["# rtlgym data ingest report", ""];
  lines.push(
    `${r.counts.filesWalked} files in ${(r.durationMs / 1000).toFixed(1)} s (${r.throughput.filesPerSecond} files/s, ${r.throughput.unitsPerSecond} units/s).`,
    "",
    "## Counts per stage",
    "",
    "| stage | count |",
    "| --- | ---: |",
  );
  for (const [k, v] of Object.entries(r.counts)) lines.push(`| ${k} | ${v} |`);
  lines.push(
    "",
    "## Sources",
    "",
    "| source | repository | commit | licence | files | kept units | duplicates | rejected files |",
    "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |",
  );
  for (const s of r.sources)
    lines.push(
      `| ${md(s.name)} | ${md(s.repository ?? "-")} | ${s.commit?.slice(0, 12) ?? "-"} | ${md(s.licence ?? "unknown")} | ${s.files} | ${s.units} | ${s.duplicates} | ${s.rejected} |`,
    );
  lines.push("", "## Kept units by class", "", "| class | units |", "| --- | ---: |");
  for (const [k, v] of Object.entries(r.classes).sort((a, b) => b[1] - a[1])) lines.push(`| ${md(k)} | ${v} |`);
  lines.push("", "## Rejected files by reason", "", "| reason | files |", "| --- | ---: |");
  for (const x of r.rejectReasons) lines.push(`| ${md(x.reason)} | ${x.count} |`);
  lines.push("", "## Not synthesizable (Yosys), by error", "", "| error | units |", "| --- | ---: |");
  for (const x of r.synthErrors) lines.push(`| ${md(x.reason)} | ${x.count} |`);
  for (const h of r.histograms) {
    lines.push("", `## ${h.title}`, "", "| bucket | count |", "| --- | ---: |");
    h.labels.forEach((l, i) => {
      lines.push(`| ${l} | ${h.counts[i]} |`);
    });
  }
  return `${lines.join("\n")}\n`;
}

/** A bar chart as inline SVG. */
export function svgBars(h: Histogram): string {
  const w = 36;
  const height = 160;
  const max = Math.max(1, ...h.counts);
  const bars = h.counts
    .map((c, i) => {
      const bh = Math.round((c / max) * (height - 30));
      const x = 10 + i * w;
      return `<rect x="${x}" y="${height - 20 - bh}" width="${w - 6}" height="${bh}" fill="#4a7ab5"><title>${esc(h.labels[i] ?? "")}: ${c}</title></rect><text x="${x + (w - 6) / 2}" y="${height - 24 - bh}" font-size="10" text-anchor="middle">${c}</text><text x="${x + (w - 6) / 2}" y="${height - 6}" font-size="8" text-anchor="middle">${esc(h.labels[i] ?? "")}</text>`;
    })
    .join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${20 + h.counts.length * w}" height="${height}" role="img" aria-label="${esc(h.title)}">${bars}</svg>`;
}

export function renderHtml(r: IngestReport): string {
  const table = (head: string[], rows: Array<Array<string | number>>) =>
    `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${rows.map((row) => `<tr>${row.map((c) => `<td>${esc(String(c))}</td>`).join("")}</tr>`).join("")}</table>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>rtlgym data ingest report</title>
<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style></head><body>
<h1>rtlgym data ingest report</h1>
<p>${r.counts.filesWalked} files in ${(r.durationMs / 1000).toFixed(1)} s (${r.throughput.filesPerSecond} files/s, ${r.throughput.unitsPerSecond} units/s).</p>
<h2>Counts per stage</h2>${table(["stage", "count"], Object.entries(r.counts))}
<h2>Sources</h2>${table(
    ["source", "repository", "commit", "licence", "files", "kept units", "duplicates", "rejected files"],
    r.sources.map((s) => [
      s.name,
      s.repository ?? "-",
      s.commit?.slice(0, 12) ?? "-",
      s.licence ?? "unknown",
      s.files,
      s.units,
      s.duplicates,
      s.rejected,
    ]),
  )}
<h2>Kept units by class</h2>${table(["class", "units"], Object.entries(r.classes))}
<h2>Rejected files by reason</h2>${table(
    ["reason", "files"],
    r.rejectReasons.map((x) => [x.reason, x.count]),
  )}
<h2>Not synthesizable (Yosys), by error</h2>${table(
    ["error", "units"],
    r.synthErrors.map((x) => [x.reason, x.count]),
  )}
${r.histograms.map((h) => `<h2>${esc(h.title)}</h2>${svgBars(h)}`).join("\n")}
</body></html>
`;
}
