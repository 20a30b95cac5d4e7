/** Pure text layer for Verilog: tokenizing, extracting code from model output, module discovery, renaming, sanitizing. */

export { yosysCompatible } from "./compat.js";
export type { Extraction, ExtractionMethod, ExtractOptions } from "./extract.js";
export { extractVerilog } from "./extract.js";
export type { Token, TokenKind } from "./lexer.js";
export { closingIndex, isPunct, isWord, stripComments, tokenize } from "./lexer.js";
export type { ModuleInfo } from "./modules.js";
export { findTop, KEYWORDS, listModules, moduleHeaderPortNames } from "./modules.js";
export { renameModules, suffixModules } from "./rename.js";
export type { Sanitized, SanitizeOptions } from "./sanitize.js";
export {
  hasUnknownLiterals,
  normaliseLineEndings,
  sanitizeCandidate,
  sealDirectives,
} from "./sanitize.js";
