import type { HdlLanguage, StrengthBar, VerifyResult, VerifyStatus } from "../contracts/index.js";
import { belowBar, passStrength } from "../verify/index.js";
import { type ExtractionMethod, extractVerilog } from "../verilog/index.js";
import { extractVhdl, type VhdlExtraction } from "../vhdl/index.js";
import type { RewardFunction } from "./types.js";

/** Statuses that carry no verdict on the candidate: the tools broke, or the design cannot be checked. */
export const NO_VERDICT: ReadonlySet<VerifyStatus> = new Set(["infra_error", "unsupported"]);

/** What happens to a response before any check: the code pulled out of it, or why it cannot be scored. */
export interface PreparedResponse {
  code: string;
  /** How the code was found (VHDL answers: the VHDL extractor's methods, `fence-vhdl` for a ```vhdl fence). */
  method: ExtractionMethod | VhdlExtraction["method"];
  notes: string[];
  /** Set when the response holds no module or breaks the reward's format gate: no check runs, the reward is fixed. */
  formatError?: string;
}

/**
 * Extracts the code from a raw model response and applies the reward's format gate: Verilog (`prefix`: the module
 * header a code-completion answer continues), or with `language` "vhdl" the last ```vhdl fence declaring an entity
 * (see extractVhdl; a `<think>` section is never read).
 */
export function prepareResponse(
  fn: RewardFunction,
  response: string,
  prefix?: string,
  language: HdlLanguage = "verilog",
): PreparedResponse {
  const extraction =
    language === "vhdl"
      ? { ...extractVhdl(response), notes: [] }
      : extractVerilog(response, prefix === undefined ? {} : { prefix });
  const prepared: PreparedResponse = { code: extraction.code, method: extraction.method, notes: extraction.notes };
  const gate = fn.formatError?.(response, extraction.code, language);
  if (gate !== undefined) prepared.formatError = gate;
  else if (extraction.method === "none" || extraction.code.trim() === "")
    prepared.formatError = language === "vhdl" ? "no VHDL entity found" : "no Verilog module found";
  return prepared;
}

/** How verdicts without a verdict on the candidate are scored: an explicit number, or null (never a silent 0). */
export interface RewardPolicy {
  noVerdictReward: number | null;
  /**
   * A pass that formal could not confirm because Yosys cannot read the candidate (the candidate chose to be
   * judged by simulation alone) keeps this share of its reward above the function's floor; 1 (default) is full.
   */
  simOnlyScale?: number;
  /**
   * The evidence a pass needs to be rewarded as one (`rtlgym serve --min-strength`): a pass below it is scored as a
   * fail with no output known to be right, and the details say why.
   */
  minStrength?: StrengthBar;
}

/** A scored response: reward null only for infra_error / unsupported under a null policy. */
export interface ScoredResponse {
  reward: number | null;
  details: Record<string, unknown>;
}

/** Scores a verdict with a reward function, applying the no-verdict policy first. */
export function scoreVerdict(
  fn: RewardFunction,
  input: { result: VerifyResult; response: string; code: string; reference: string; language?: HdlLanguage },
  policy: RewardPolicy,
): ScoredResponse {
  if (NO_VERDICT.has(input.result.status)) {
    return { reward: policy.noVerdictReward, details: { noVerdict: input.result.status } };
  }
  const below = policy.minStrength ? belowBar(input.result, policy.minStrength) : null;
  if (below !== null) {
    const r = input.result;
    const demoted: VerifyResult = { ...r, status: "fail", signals: r.signals.map((s) => ({ ...s, ok: false })) };
    const { reward, details } = fn.score({ ...input, result: demoted });
    if (!Number.isFinite(reward)) throw new Error(`reward ${fn.name} produced ${reward}`);
    return { reward, details: { ...details, strength: passStrength(r), belowMinStrength: below } };
  }
  const { reward, details } = fn.score(input);
  if (!Number.isFinite(reward)) throw new Error(`reward ${fn.name} produced ${reward}`);
  const scale = policy.simOnlyScale ?? 1;
  if (scale !== 1 && input.result.status === "pass" && input.result.assurance?.formalMissingBecause === "candidate") {
    const floor = fn.range[0];
    return { reward: floor + (reward - floor) * scale, details: { ...details, simOnlyScale: scale } };
  }
  return { reward, details };
}

/** Maps a reward onto 0..1 with the function's range (null stays null). */
export function normalisedScore(fn: RewardFunction, reward: number | null): number | null {
  if (reward === null) return null;
  const [lo, hi] = fn.range;
  return Math.min(1, Math.max(0, (reward - lo) / (hi - lo)));
}
