export { codevFormatError } from "./format.js";
export { DEFAULT_REWARD, getReward, listRewards, registerReward } from "./registry.js";
export { codeTokens, lcsLength, rougeL } from "./rouge.js";
export type { PreparedResponse, RewardPolicy, ScoredResponse } from "./score.js";
export { NO_VERDICT, normalisedScore, prepareResponse, scoreVerdict } from "./score.js";
export type { RewardFunction, RewardInput, RewardScore } from "./types.js";
