import { verifyProblemGroup } from "../bench/score.js";
import type { Problem } from "../contracts/index.js";
import type { VerifyOptions } from "../verify/index.js";
import { closeOff } from "./signals.js";

/** The per-signal score of a (partial) design: which outputs it already drives correctly. */
export interface PartialScore {
  /** Outputs equivalent to the reference's, over all outputs; 0 when the design does not compile or check. */
  score: number;
  /** Verdict of the closed-off design (`pass` only when it is complete and correct). */
  status: string;
  correct: string[];
  wrong: string[];
}

/**
 * Partial-design scoring by per-signal verification: the prefix is closed off (open blocks, `endmodule`) and checked
 * against the reference output by output, and the score is the fraction of outputs it already drives correctly. An
 * output the prefix does not drive yet is undefined and so counts as wrong. This reads the hidden reference: it is a
 * process signal for labels and training (and an oracle baseline in `rtlgym search --value signals`), not something
 * a user has at inference.
 */
export async function partialScores(
  problem: Problem,
  designs: readonly string[],
  verify: Omit<VerifyOptions, "refTop" | "candTop"> = {},
): Promise<PartialScore[]> {
  if (designs.length === 0) return [];
  const results = await verifyProblemGroup(problem, designs, verify);
  return results.map((r) => {
    const signals = r.status === "pass" || r.status === "fail" ? r.signals : [];
    const correct = signals.filter((s) => s.ok).map((s) => s.name);
    const wrong = signals.filter((s) => !s.ok).map((s) => s.name);
    const score = r.status === "pass" ? 1 : signals.length > 0 ? correct.length / signals.length : 0;
    return { score, status: r.status, correct, wrong };
  });
}

/** {@link partialScores} of one module: its header and a body prefix, closed off here. */
export async function partialScore(
  problem: Problem,
  headerAndBody: string,
  verify: Omit<VerifyOptions, "refTop" | "candTop"> = {},
): Promise<PartialScore> {
  const [s] = await partialScores(problem, [closeOff(headerAndBody)], verify);
  return s as PartialScore;
}
