export { interfaceFromYosys } from "./interface.js";
export {
  DEFAULT_VERIFY_OPTIONS,
  type ResolvedVerifyOptions,
  reportedOptions,
  resolveOptions,
  type VerifyOptions,
  VerifyOptionsSchema,
} from "./options.js";
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
