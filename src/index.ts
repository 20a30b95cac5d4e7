/** rtlgym library entry: the contracts and the verification engine. */
export * from "./contracts/index.js";
export { BadInputError, RtlgymError, ToolCrashError, ToolMissingError } from "./core/errors.js";
export * from "./verify/index.js";
export { extractVerilog, findTop, listModules, sanitizeCandidate } from "./verilog/index.js";
