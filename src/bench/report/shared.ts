import type { BenchSummary, SampleScore } from "../../contracts/bench.js";
import type { Counterexample, SignalVerdict } from "../../contracts/verify.js";

/** How much per-sample detail a report carries: large runs would otherwise produce huge pages. */
export interface ReportOptions {
  /** Failing samples detailed per problem (the rest are counted); default 3. */
  maxFailuresPerProblem?: number;
  /** Lines of diagnostics or testbench output kept per sample; default 12. */
  maxDetailLines?: number;
}

export interface FilledReportOptions {
  maxFailuresPerProblem: number;
  maxDetailLines: number;
}

const DEFAULTS: FilledReportOptions = { maxFailuresPerProblem: 3, maxDetailLines: 12 };

export function fillOptions(options: ReportOptions = {}): FilledReportOptions {
  return {
    maxFailuresPerProblem: options.maxFailuresPerProblem ?? DEFAULTS.maxFailuresPerProblem,
    maxDetailLines: options.maxDetailLines ?? DEFAULTS.maxDetailLines,
  };
}

/** A fraction in 0..1 as a percentage with one decimal. */
export function pct(x: number | undefined | null): string {
  return x === undefined || x === null || Number.isNaN(x) ? "-" : `${(x * 100).toFixed(1)}%`;
}

/** Numeric-string keys (the k of pass@k) in numeric order. */
export function sortedKs(...records: (Record<string, number> | undefined)[]): string[] {
  const keys = new Set<string>();
  for (const r of records) if (r) for (const k of Object.keys(r)) keys.add(k);
  return [...keys].sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Every k any part of the summary reports. */
export function summaryKs(summary: BenchSummary): string[] {
  return sortedKs(summary.passAtK, summary.officialPassAtK, ...Object.values(summary.passAtKByTag));
}

/** `{a: 2, b: 1}` -> `a 2, b 1`, largest first. */
export function countList(counts: Record<string, number>): string {
  return Object.entries(counts)
    .sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : 1))
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
}

export function inputsText(inputs: Record<string, string>): string {
  return Object.entries(inputs)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

export function cexWhen(cx: Counterexample): string {
  return `cycle ${cx.cycle} (${cx.phase === "pre" ? "before the clock edge" : "after the clock edge"})`;
}

/** The last `n` lines of a text, with a note of how many were dropped. */
export function clip(text: string, n: number): string {
  const lines = text.trimEnd().split("\n");
  if (lines.length <= n) return lines.join("\n");
  return [`... (${lines.length - n} earlier lines)`, ...lines.slice(-n)].join("\n");
}

/** One problem's scores, failing ones first; what the failure sections of reports show. */
export interface ProblemFailures {
  problem: string;
  /** Non-passing samples, or samples the official testbench and rtlgym disagree on, in sample order. */
  shown: SampleScore[];
  /** How many more there were beyond the limit. */
  hidden: number;
}

export function failuresByProblem(scores: readonly SampleScore[], limit: number): ProblemFailures[] {
  const byProblem = new Map<string, SampleScore[]>();
  for (const s of scores) {
    if (s.status === "pass" && !s.disagreement) continue;
    const list = byProblem.get(s.problem) ?? [];
    list.push(s);
    byProblem.set(s.problem, list);
  }
  return [...byProblem.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([problem, list]) => {
      const sorted = [...list].sort((a, b) => a.sample - b.sample);
      return { problem, shown: sorted.slice(0, limit), hidden: Math.max(0, sorted.length - limit) };
    });
}

export function failingSignalVerdicts(score: SampleScore): SignalVerdict[] {
  return score.result.signals.filter((s) => !s.ok);
}
