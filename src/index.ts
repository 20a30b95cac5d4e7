/** rtlgym library entry: the contracts, the verification engine and the task generator. */
export * from "./contracts/index.js";
export { BadInputError, RtlgymError, ToolCrashError, ToolMissingError } from "./core/errors.js";
export {
  type GeneratedTask,
  type GenerateOptions,
  generateTasks,
  getFamily,
  listFamilies,
  SPLITS,
  type Split,
  writeSplits,
} from "./tasks/index.js";
export * from "./verify/index.js";
export { extractVerilog, findTop, listModules, sanitizeCandidate } from "./verilog/index.js";
