// The check service lives in the verification layer (src/verify/service.ts); re-exported for the server's users.
export {
  type CheckerOptions,
  type CheckOutcome,
  type CheckRequest,
  CheckService,
  DEFAULT_CHECKER_OPTIONS,
  LruCache,
  QueueFullError,
  ShuttingDownError,
} from "../verify/index.js";
export {
  type AppDeps,
  createApp,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_ITEMS,
  type RewardApp,
  type RewardResult,
} from "./app.js";
export { ServiceMetrics } from "./metrics.js";
export { loadProblemDir, loadProblems, ProblemIndex } from "./problems.js";
export { closeOnSignals, isLoopback, type RunningServer, type ServeOptions, startServer } from "./serve.js";
