/** Procedural Verilog task generation: families, splits, exports and the `tasks` suite. */
export { type AuditCase, auditFamily } from "./audit.js";
export {
  answerOf,
  type ChatMessage,
  type PromptBuilder,
  type PromptSet,
  problemRow,
  type RlRow,
  rewardLabel,
  rlRow,
  type SftChatRow,
  type SftCompletionRow,
  SPLIT_FILES,
  type SplitSummary,
  sftChatRow,
  sftCompletionRow,
  writeSftCompletionParquet,
  writeSftParquet,
  writeSplit,
  writeSplits,
} from "./export.js";
export { assemble, type Family, moduleHeader, type Params, type Port } from "./family.js";
export {
  buildTask,
  DEFAULT_GENERATE_OPTIONS,
  GENERATOR_VERSION,
  type GeneratedTask,
  type GenerateOptions,
  generateTasks,
  paramKey,
  SPLITS,
  type Split,
  TASKS_SUITE,
  TaskMeta,
} from "./generate.js";
export { getFamily, listFamilies } from "./registry.js";
export { Rng } from "./rng.js";
export { loadTasksSuite, tasksSuite } from "./suite.js";
