import pLimit from "p-limit";
import type { OfficialVerdict, Problem, SampleScore, VerifyResult } from "../contracts/index.js";
import { RtlgymError, ToolMissingError, tail } from "../core/errors.js";
import {
  reportedOptions,
  resolveOptions,
  toolVersions,
  type VerifyOptions,
  verifyGroup,
  verifyGroupAny,
} from "../verify/index.js";
import { runOfficial } from "./official.js";
import { disagrees } from "./summary.js";

export interface ScoreOptions {
  /** Engine options for rtlgym's equivalence check (refTop/candTop come from the problem). */
  verify?: Omit<VerifyOptions, "refTop" | "candTop">;
  /** Also run the suite's own testbench when the problem has one (default true). */
  official?: boolean;
  /** Wall-clock limit of one official testbench run (upstream uses 30 s). */
  officialTimeoutMs?: number;
  /** Official testbench runs in flight at once. */
  officialConcurrency?: number;
}

const DEFAULT_OFFICIAL_TIMEOUT_MS = 30_000;

/** A candidate's code, by sample index; `null` when no code could be extracted from the response. */
export interface ProblemSample {
  sample: number;
  code: string | null;
}

/**
 * rtlgym's verdicts on candidates of one problem, in one group check. When rtlgym's tools cannot read the
 * reference (a tool limit, not the candidates' fault), every candidate is `unsupported` with the reason and the
 * caller goes on with the next problem; a missing tool is a broken setup and still throws.
 */
export async function verifyProblemGroup(
  problem: Problem,
  candidates: readonly string[],
  options: ScoreOptions["verify"],
): Promise<VerifyResult[]> {
  // The spec's input constraint, unless the caller chose one.
  const verify =
    problem.assume !== undefined && options?.assume === undefined ? { ...options, assume: problem.assume } : options;
  try {
    if (problem.language === "vhdl")
      return await verifyGroupAny({
        ...verify,
        reference: problem.reference,
        referenceLanguage: "vhdl",
        candidateLanguage: "vhdl",
        refTop: problem.refTop,
        candTop: problem.candTop,
        candidates: [...candidates],
      });
    return await verifyGroup({
      ...verify,
      reference: problem.reference,
      refTop: problem.refTop,
      candTop: problem.candTop,
      candidates: [...candidates],
    });
  } catch (e) {
    if (!(e instanceof RtlgymError) || e instanceof ToolMissingError) throw e;
    const result = await referenceFailure(e, verify);
    return candidates.map(() => structuredClone(result));
  }
}

/**
 * Scores every sample of one problem: rtlgym's equivalence verdicts for all samples in one group check (shared
 * simulation; identical samples checked once), and the suite's own testbench per sample when there is one.
 * A sample with no extractable code scores compile_error through the engine, so it never leaves the denominator.
 */
export async function scoreProblem(
  problem: Problem,
  samples: readonly ProblemSample[],
  options: ScoreOptions = {},
): Promise<SampleScore[]> {
  if (samples.length === 0) return [];
  const codes = samples.map((s) => s.code ?? "");
  const results = await verifyProblemGroup(problem, codes, options.verify);
  const officials = await runOfficials(problem, codes, options);
  return samples.map((s, i) => {
    const result = results[i] as VerifyResult;
    const official = officials[i];
    return {
      problem: problem.id,
      sample: s.sample,
      status: result.status,
      failingSignals: result.status === "fail" ? result.signals.filter((v) => !v.ok).map((v) => v.name) : [],
      ...(official && { official }),
      disagreement: official !== undefined && disagrees(result, official),
      result,
    };
  });
}

async function runOfficials(
  problem: Problem,
  codes: readonly string[],
  options: ScoreOptions,
): Promise<(OfficialVerdict | undefined)[]> {
  if (!problem.testbench || options.official === false) return codes.map(() => undefined);
  const limit = pLimit(Math.max(options.officialConcurrency ?? 2, 1));
  const timeoutMs = options.officialTimeoutMs ?? DEFAULT_OFFICIAL_TIMEOUT_MS;
  // Identical samples (common at low temperature) run once.
  const unique = new Map<string, Promise<OfficialVerdict>>();
  return Promise.all(
    codes.map((code) => {
      let run = unique.get(code);
      if (!run) {
        run = limit(() => runOfficial(problem, code, { timeoutMs }));
        unique.set(code, run);
      }
      return run;
    }),
  );
}

/** The verdict every sample gets when rtlgym's tools cannot read the reference: `unsupported`, with the reason. */
async function referenceFailure(error: RtlgymError, verify: ScoreOptions["verify"]): Promise<VerifyResult> {
  const o = resolveOptions(verify);
  const skipped = { status: "skipped" as const, durationMs: 0, reason: "the reference could not be analysed" };
  return {
    status: "unsupported",
    decidedBy: "frontend",
    message: `the reference could not be checked: ${error.message.split("\n")[0]}`,
    signals: [],
    engines: { sim: { ...skipped, seed: o.seed, cycles: 0, samples: 0, exhaustive: false }, formal: skipped },
    diagnostics: [tail(error.context.stderrTail ?? error.message)],
    toolVersions: await toolVersions(),
    timings: { totalMs: 0, frontendMs: 0, simMs: 0, formalMs: 0 },
    options: reportedOptions(o),
  };
}
