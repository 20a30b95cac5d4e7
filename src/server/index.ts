export {
  type AppDeps,
  createApp,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_ITEMS,
  type RewardApp,
  type RewardResult,
} from "./app.js";
export { LruCache } from "./cache.js";
export {
  type CheckerOptions,
  type CheckOutcome,
  type CheckRequest,
  CheckService,
  DEFAULT_CHECKER_OPTIONS,
  QueueFullError,
  ShuttingDownError,
} from "./checker.js";
export { ServiceMetrics } from "./metrics.js";
export { loadProblemDir, loadProblems, ProblemIndex } from "./problems.js";
export { closeOnSignals, isLoopback, type RunningServer, type ServeOptions, startServer } from "./serve.js";
