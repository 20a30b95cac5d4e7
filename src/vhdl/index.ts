/** Pure text layer for VHDL: lexing, the sanitizer, entity interfaces, extraction from model output. */

export type { ArchitectureSpan, VhdlEntity, VhdlGeneric, VhdlPort, VhdlPortKind } from "./entity.js";
export { architectureSpans, entityDeclaration, evalInt, findTopEntity, integerWidth, listEntities } from "./entity.js";
export type { VhdlExtraction } from "./extract.js";
export { extractVhdl } from "./extract.js";
export type { Lexed, VhdlToken, VhdlTokenKind } from "./lexer.js";
export { closingParen, lexVhdl, RESERVED } from "./lexer.js";
export type { CaseBlock } from "./netlist.js";
export { incompleteCases, repairCases, selectDefaults, vhdlConditions } from "./netlist.js";
export type { VhdlSanitized, VhdlSanitizeOptions } from "./sanitize.js";
export { normaliseVhdl, sanitizeVhdl } from "./sanitize.js";
