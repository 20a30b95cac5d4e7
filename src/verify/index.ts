export { interfaceFromYosys } from "./interface.js";
export { LruCache } from "./lru.js";
export {
  DEFAULT_VERIFY_OPTIONS,
  type ResolvedVerifyOptions,
  reportedOptions,
  resolveOptions,
  type VerifyOptions,
  VerifyOptionsSchema,
} from "./options.js";
export {
  type CheckerOptions,
  type CheckMetrics,
  type CheckOutcome,
  type CheckRequest,
  CheckService,
  DEFAULT_CHECKER_OPTIONS,
  type GroupEngine,
  NO_METRICS,
  QueueFullError,
  ShuttingDownError,
  syntheticResult,
} from "./service.js";
export { belowBar, describeBar, parseStrengthBar, passStrength, strengthRank, toggleCoverage } from "./strength.js";
export { toolVersions, type VerifyGroupInput, type VerifyInput, verify, verifyGroup } from "./verify.js";
export {
  type AnyVerifyGroupInput,
  type AnyVerifyInput,
  detectLanguage,
  languageOfPath,
  verifyAny,
  verifyGroupAny,
} from "./vhdl.js";
