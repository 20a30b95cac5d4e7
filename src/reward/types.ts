import type { HdlLanguage, VerifyResult } from "../contracts/index.js";

/** What a reward function sees: the verdict, the raw model response, the code extracted from it, the reference. */
export interface RewardInput {
  result: VerifyResult;
  response: string;
  code: string;
  reference: string;
  /** Language of the answer and the reference (Verilog when absent). */
  language?: HdlLanguage;
}

/** A reward value with the reward-specific evidence behind it (logged by trainers). */
export interface RewardScore {
  reward: number;
  details: Record<string, unknown>;
}

/** A reward registered by name; pure: same input, same score, no I/O. */
export interface RewardFunction {
  name: string;
  description: string;
  /** Lowest and highest reward; maps a reward onto 0..1 for trainers that want a normalised score. */
  range: readonly [number, number];
  /** Reward of a response that fails the format gate or holds no Verilog module (no check runs for it). */
  formatErrorReward: number;
  /**
   * Why the response breaks the format this reward demands, checked before any verification; undefined when it is
   * fine. `language` is the answer's language (Verilog when absent).
   */
  formatError?(response: string, code: string, language?: HdlLanguage): string | undefined;
  /** The reward of a verdict that is not infra_error or unsupported (those get the server's explicit policy). */
  score(input: RewardInput): RewardScore;
}
