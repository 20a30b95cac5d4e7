import type {
  BenchSummary,
  OfficialVerdict,
  Problem,
  ProblemSummary,
  SampleScore,
  StrengthBar,
  ToolVersions,
  VerifyResult,
} from "../contracts/index.js";
import { belowBar, passStrength } from "../verify/index.js";
import { meanPassAtK, passAtK, reportableKs } from "./passk.js";

export interface SummaryInput {
  suite: string;
  suiteRevision: string;
  /** The problems selected for this run, excluded ones included. */
  problems: readonly Problem[];
  scores: readonly SampleScore[];
  /** Requested k values; default every k up to the smallest n. */
  ks?: readonly number[];
  seed: number;
  toolVersions: ToolVersions;
  runId?: string;
  model?: string;
  /** A pass below this bar stays a pass in the statuses but does not count toward pass@k. */
  minStrength?: StrengthBar;
}

function count<T extends string>(values: Iterable<T>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/**
 * Builds the report summary. Every selected problem that is not excluded is attempted and stays in the
 * denominator, scored or not; excluded problems are listed with their reason.
 */
export function summarise(input: SummaryInput): BenchSummary {
  const byProblem = new Map<string, SampleScore[]>();
  for (const s of input.scores) {
    const list = byProblem.get(s.problem) ?? [];
    list.push(s);
    byProblem.set(s.problem, list);
  }
  const attempted = input.problems.filter((p) => p.excluded === undefined);
  const excluded = input.problems
    .filter((p) => p.excluded !== undefined)
    .map((p) => ({ id: p.id, reason: p.excluded as string }));

  const bar = input.minStrength;
  const below = (s: SampleScore) => bar !== undefined && belowBar(s.result, bar) !== null;
  const counts = attempted.map((p) => {
    const scores = byProblem.get(p.id) ?? [];
    const officials = scores.filter((s) => s.official !== undefined);
    const passes = scores.filter((s) => s.status === "pass");
    return {
      problem: p,
      scores,
      n: scores.length,
      c: passes.filter((s) => !below(s)).length,
      strengths: count(passes.map((s) => passStrength(s.result) ?? "unknown")),
      belowMin: passes.filter(below).length,
      officialN: officials.length,
      officialC: officials.filter((s) => s.official?.verdict === "pass").length,
    };
  });
  const ks = reportableKs(
    counts.filter((x) => x.n > 0).map((x) => x.n),
    input.ks,
  );

  const problems: ProblemSummary[] = counts.map((x) => {
    const failing: Record<string, number> = {};
    for (const s of x.scores) for (const sig of s.failingSignals) failing[sig] = (failing[sig] ?? 0) + 1;
    const own: Record<string, number> = {};
    for (const k of ks) if (k <= x.n) own[String(k)] = passAtK(x.n, x.c, k);
    return {
      id: x.problem.id,
      tags: x.problem.tags,
      n: x.n,
      c: x.c,
      ...(x.officialN > 0 && { officialC: x.officialC }),
      passAtK: own,
      statuses: count(x.scores.map((s) => s.status)),
      failingSignals: failing,
      disagreements: x.scores.filter((s) => s.disagreement).length,
      ...(Object.keys(x.strengths).length > 0 && { strengths: x.strengths }),
      ...(bar !== undefined && { belowMinStrength: x.belowMin }),
    };
  });

  const tags = [...new Set(attempted.flatMap((p) => p.tags))].sort();
  const passAtKByTag: Record<string, Record<string, number>> = {};
  for (const tag of tags)
    passAtKByTag[tag] = meanPassAtK(
      counts.filter((x) => x.problem.tags.includes(tag)),
      ks,
    );

  const withOfficial = counts.filter((x) => x.officialN > 0);
  const allScores = counts.flatMap((x) => x.scores);
  return {
    suite: input.suite,
    suiteRevision: input.suiteRevision,
    ...(input.runId !== undefined && { runId: input.runId }),
    ...(input.model !== undefined && { model: input.model }),
    attempted: attempted.length,
    scored: counts.filter((x) => x.n > 0).length,
    excluded,
    passAtK: meanPassAtK(counts, ks),
    ...(withOfficial.length > 0 && {
      officialPassAtK: meanPassAtK(
        counts.map((x) => ({ n: x.officialN, c: x.officialC })),
        ks,
      ),
    }),
    passAtKByTag,
    statuses: count(allScores.map((s) => s.status)),
    disagreements: allScores
      .filter((s) => s.disagreement)
      .map((s) => ({
        problem: s.problem,
        sample: s.sample,
        rtlgym: s.status,
        official: s.official?.verdict ?? "none",
        evidence: disagreementEvidence(s),
      })),
    problems,
    strength: {
      counts: count(allScores.filter((s) => s.status === "pass").map((s) => passStrength(s.result) ?? "unknown")),
      ...(bar !== undefined && { min: bar, belowMin: counts.reduce((sum, x) => sum + x.belowMin, 0) }),
    },
    toolVersions: Object.fromEntries(
      Object.entries(input.toolVersions).filter((e): e is [string, string | null] => e[1] !== undefined),
    ),
    seed: input.seed,
    createdAt: new Date().toISOString(),
  };
}

/**
 * The two verdicts disagree when exactly one of them accepts. A side that reached no verdict (an inconclusive or
 * infra_error official run, an unsupported or infra_error rtlgym check) decides nothing, so it never counts.
 */
export function disagrees(result: VerifyResult, official: OfficialVerdict): boolean {
  if (official.verdict === "inconclusive" || official.verdict === "infra_error") return false;
  if (result.status === "unsupported" || result.status === "infra_error") return false;
  return (official.verdict === "pass") !== (result.status === "pass");
}

/** One-paragraph evidence for a disagreement: both verdicts and what each saw. */
export function disagreementEvidence(score: SampleScore): string {
  const r = score.result;
  const cex = r.counterexample;
  const rtl = cex
    ? `rtlgym ${r.status} (${r.decidedBy}): ${cex.signal} expected ${cex.expected} got ${cex.got} at cycle ${cex.cycle} (${cex.phase}), inputs ${Object.entries(
        cex.inputs,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`
    : `rtlgym ${r.status} (${r.decidedBy}): ${r.message}`;
  const off = score.official
    ? `official ${score.official.verdict}${score.official.mismatches !== null ? ` (${score.official.mismatches} mismatches)` : ""}: ${lastLines(score.official.detail, 3)}`
    : "no official verdict";
  return `${rtl}; ${off}`;
}

function lastLines(text: string, n: number): string {
  return text.trim().split("\n").slice(-n).join(" | ");
}
