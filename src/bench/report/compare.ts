import type { BenchSummary } from "../../contracts/index.js";
import { mdText } from "./markdown.js";
import { pct, sortedKs } from "./shared.js";

/** One pass@k value in both runs; `delta` is b - a, null when either side lacks that k. */
export interface KDelta {
  k: string;
  a: number | null;
  b: number | null;
  delta: number | null;
}

export interface CountDelta {
  key: string;
  a: number;
  b: number;
  delta: number;
}

/** A problem solved (c > 0) in one run and not in the other. */
export interface FlippedProblem {
  id: string;
  from: "pass" | "fail";
  to: "pass" | "fail";
  a: { n: number; c: number };
  b: { n: number; c: number };
}

export interface RunRef {
  suite: string;
  suiteRevision: string;
  runId: string | null;
  model: string | null;
  seed: number;
  createdAt: string;
}

/** What changed from run `a` (the baseline) to run `b`. */
export interface SummaryDiff {
  a: RunRef;
  b: RunRef;
  /** Different suite or revision: the numbers are not directly comparable. */
  comparable: boolean;
  attempted: CountDelta;
  scored: CountDelta;
  passAtK: KDelta[];
  officialPassAtK: KDelta[];
  /** Tags present in either run. */
  passAtKByTag: { tag: string; deltas: KDelta[] }[];
  statuses: CountDelta[];
  /** Problems scored in both runs whose solved-ness (c > 0) changed; fail -> pass first. */
  flipped: FlippedProblem[];
  /** Problems scored (n > 0) in only one of the runs. */
  onlyInA: string[];
  onlyInB: string[];
}

function ref(s: BenchSummary): RunRef {
  return {
    suite: s.suite,
    suiteRevision: s.suiteRevision,
    runId: s.runId ?? null,
    model: s.model ?? null,
    seed: s.seed,
    createdAt: s.createdAt,
  };
}

function kDeltas(a: Record<string, number> | undefined, b: Record<string, number> | undefined): KDelta[] {
  return sortedKs(a, b).map((k) => {
    const x = a?.[k] ?? null;
    const y = b?.[k] ?? null;
    return { k, a: x, b: y, delta: x === null || y === null ? null : y - x };
  });
}

function countDelta(key: string, a: number, b: number): CountDelta {
  return { key, a, b, delta: b - a };
}

/** Compares two summaries (b against the baseline a): pass@k, tags, verdict counts and problems that flipped. */
export function compareSummaries(a: BenchSummary, b: BenchSummary): SummaryDiff {
  const tags = [...new Set([...Object.keys(a.passAtKByTag), ...Object.keys(b.passAtKByTag)])].sort();
  const statusKeys = [...new Set([...Object.keys(a.statuses), ...Object.keys(b.statuses)])].sort();
  const pa = new Map(a.problems.filter((p) => p.n > 0).map((p) => [p.id, p]));
  const pb = new Map(b.problems.filter((p) => p.n > 0).map((p) => [p.id, p]));
  const flipped: FlippedProblem[] = [];
  for (const [id, x] of pa) {
    const y = pb.get(id);
    if (!y || x.c > 0 === y.c > 0) continue;
    flipped.push({
      id,
      from: x.c > 0 ? "pass" : "fail",
      to: y.c > 0 ? "pass" : "fail",
      a: { n: x.n, c: x.c },
      b: { n: y.n, c: y.c },
    });
  }
  flipped.sort((x, y) => (x.to === y.to ? (x.id < y.id ? -1 : 1) : x.to === "pass" ? -1 : 1));
  return {
    a: ref(a),
    b: ref(b),
    comparable: a.suite === b.suite && a.suiteRevision === b.suiteRevision,
    attempted: countDelta("attempted", a.attempted, b.attempted),
    scored: countDelta("scored", a.scored, b.scored),
    passAtK: kDeltas(a.passAtK, b.passAtK),
    officialPassAtK: a.officialPassAtK || b.officialPassAtK ? kDeltas(a.officialPassAtK, b.officialPassAtK) : [],
    passAtKByTag: tags.map((tag) => ({ tag, deltas: kDeltas(a.passAtKByTag[tag], b.passAtKByTag[tag]) })),
    statuses: statusKeys.map((s) => countDelta(s, a.statuses[s] ?? 0, b.statuses[s] ?? 0)),
    flipped,
    onlyInA: [...pa.keys()].filter((id) => !pb.has(id)).sort(),
    onlyInB: [...pb.keys()].filter((id) => !pa.has(id)).sort(),
  };
}

/** A pass@k change in percentage points, signed. */
function pp(delta: number | null): string {
  if (delta === null) return "-";
  const v = delta * 100;
  const s = Math.abs(v) < 0.05 ? "0.0" : v.toFixed(1);
  return `${v > 0 && s !== "0.0" ? "+" : ""}${s} pp`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

function name(r: RunRef): string {
  return [r.runId ?? "(no run id)", r.model].filter(Boolean).join(" ");
}

/** Renders a comparison for the terminal (`text`) or for a Markdown report. */
export function renderComparison(diff: SummaryDiff, format: "text" | "markdown"): string {
  const md = format === "markdown";
  const t = (s: string) => (md ? mdText(s) : s);
  const out: string[] = [];
  const tableOf = (header: string[], rows: string[][]): void => {
    if (md) {
      out.push(`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`);
      for (const r of rows) out.push(`| ${r.join(" | ")} |`);
    } else {
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
      const line = (r: string[]) =>
        `  ${r
          .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
          .join("  ")
          .trimEnd()}`;
      out.push(line(header), ...rows.map(line));
    }
    out.push("");
  };
  const heading = (s: string) => out.push(md ? `## ${s}` : `${s}:`, ...(md ? [""] : []));

  out.push(md ? "# rtlgym bench comparison" : "rtlgym bench comparison", ...(md ? [""] : []));
  out.push(
    `${md ? "- " : "  "}a: ${t(name(diff.a))} (${t(diff.a.suite)} @ ${t(diff.a.suiteRevision)}, seed ${diff.a.seed})`,
  );
  out.push(
    `${md ? "- " : "  "}b: ${t(name(diff.b))} (${t(diff.b.suite)} @ ${t(diff.b.suiteRevision)}, seed ${diff.b.seed})`,
  );
  if (!diff.comparable)
    out.push(`${md ? "- " : "  "}WARNING: different suite or suite revision; the numbers are not directly comparable`);
  out.push(
    `${md ? "- " : "  "}problems attempted ${diff.attempted.a} -> ${diff.attempted.b}, scored ${diff.scored.a} -> ${diff.scored.b}`,
    "",
  );

  const kRows = (ds: KDelta[], label: string) =>
    ds.map((d) => [`${label}pass@${d.k}`, pct(d.a), pct(d.b), pp(d.delta)]);
  heading("pass@k");
  tableOf(["", "a", "b", "delta"], [...kRows(diff.passAtK, ""), ...kRows(diff.officialPassAtK, "official ")]);

  if (diff.passAtKByTag.length > 0) {
    heading("pass@k by tag");
    tableOf(
      ["tag", "k", "a", "b", "delta"],
      diff.passAtKByTag.flatMap((g) => g.deltas.map((d) => [t(g.tag), d.k, pct(d.a), pct(d.b), pp(d.delta)])),
    );
  }

  heading("verdicts");
  tableOf(
    ["status", "a", "b", "delta"],
    diff.statuses.map((s) => [t(s.key), String(s.a), String(s.b), signed(s.delta)]),
  );

  const gained = diff.flipped.filter((f) => f.to === "pass");
  const lost = diff.flipped.filter((f) => f.to === "fail");
  heading(`problems that flipped (${gained.length} now solved, ${lost.length} no longer solved)`);
  if (diff.flipped.length === 0) out.push(md ? "None." : "  none", "");
  else
    tableOf(
      ["problem", "change", "a (c/n)", "b (c/n)"],
      diff.flipped.map((f) => [t(f.id), `${f.from} -> ${f.to}`, `${f.a.c}/${f.a.n}`, `${f.b.c}/${f.b.n}`]),
    );
  if (diff.onlyInA.length > 0) out.push(`${md ? "" : "  "}scored only in a: ${t(diff.onlyInA.join(", "))}`, "");
  if (diff.onlyInB.length > 0) out.push(`${md ? "" : "  "}scored only in b: ${t(diff.onlyInB.join(", "))}`, "");
  return `${out.join("\n").trimEnd()}\n`;
}
