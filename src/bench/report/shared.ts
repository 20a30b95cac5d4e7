import type { BenchSummary, Counterexample, SampleScore, SignalVerdict, VerifyResult } from "../../contracts/index.js";
import { belowBar, describeBar, passStrength } from "../../verify/index.js";

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

/** The evidence behind a pass in a few words: formal depth, simulated cycles, the coverage reached on the reference. */
export function evidenceText(result: VerifyResult): string {
  const a = result.assurance;
  if (!a) return "-";
  const parts: string[] = [];
  if (a.formal === "proved") parts.push("formal proof");
  else if (a.formal === "bounded") parts.push(`formal to depth ${a.depth ?? "?"}`);
  parts.push(`${a.simulated} ${a.exhaustive ? "vectors (exhaustive)" : "simulated"}`);
  const c = a.coverage;
  if (c) {
    parts.push(`toggled ${c.toggled}/${c.stateBits} state bits`);
    if (c.fsmStates !== undefined) parts.push(`FSM states ${c.fsmStatesVisited ?? 0}/${c.fsmStates}`);
    if (c.fsmTransitions !== undefined) parts.push(`transitions ${c.fsmTransitionsSeen ?? 0}/${c.fsmTransitions}`);
  }
  return parts.join(", ");
}

export interface PassRow {
  problem: string;
  sample: number;
  strength: string;
  evidence: string;
  /** Why the pass falls below the run's minimum strength, if it does. */
  below: string | null;
}

/** Most passes a report lists one by one. */
export const MAX_PASS_ROWS = 500;

/** Every pass with its strength and evidence (at most MAX_PASS_ROWS; `hidden` counts the rest). */
export function passRows(summary: BenchSummary, scores: readonly SampleScore[]): { rows: PassRow[]; hidden: number } {
  const bar = summary.strength?.min;
  const passes = scores.filter((s) => s.status === "pass");
  const rows = passes.slice(0, MAX_PASS_ROWS).map((s) => ({
    problem: s.problem,
    sample: s.sample,
    strength: passStrength(s.result) ?? "unknown",
    evidence: evidenceText(s.result),
    below: bar ? belowBar(s.result, bar) : null,
  }));
  return { rows, hidden: passes.length - rows.length };
}

/** One line on the bar and how many passes it turned away, or null when the run set none. */
export function barText(summary: BenchSummary): string | null {
  const st = summary.strength;
  if (!st?.min) return null;
  return `Minimum strength: ${describeBar(st.min)}; ${st.belowMin ?? 0} passes fell below it and do not count toward pass@k.`;
}

/** A problem's passes per strength, with the ones below the bar. */
export function problemStrengths(p: BenchSummary["problems"][number]): string {
  const list = countList(p.strengths ?? {});
  return p.belowMinStrength ? `${list} (${p.belowMinStrength} below min)` : list || "-";
}
