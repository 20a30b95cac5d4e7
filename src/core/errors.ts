/** Error codes for broken infrastructure or bad usage. Candidate failures are results, never errors. */
export type ErrorCode = "TOOL_MISSING" | "TOOL_CRASHED" | "BAD_INPUT" | "USAGE" | "INTERNAL";

export interface ErrorContext {
  command?: string;
  args?: readonly string[];
  exitCode?: number | null;
  stderrTail?: string;
  [key: string]: unknown;
}

/** Base class: every error rtlgym throws carries a code and its context. */
export class RtlgymError extends Error {
  readonly code: ErrorCode;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}

/** A required tool (iverilog, vvp, yosys) is not installed or not runnable. */
export class ToolMissingError extends RtlgymError {
  constructor(tool: string, hint: string, options?: { cause?: unknown }) {
    super("TOOL_MISSING", `${tool} not found: ${hint}`, { command: tool }, options);
  }
}

/** A tool ran on trusted input (our own reference analysis, our testbench) and failed unexpectedly. */
export class ToolCrashError extends RtlgymError {
  constructor(message: string, context: ErrorContext, options?: { cause?: unknown }) {
    super("TOOL_CRASHED", message, context, options);
  }
}

/** The caller gave input rtlgym cannot work with (unreadable reference, no module found, bad option). */
export class BadInputError extends RtlgymError {
  constructor(message: string, context: ErrorContext = {}) {
    super("BAD_INPUT", message, context);
  }
}

/** Last lines of a tool's output, for error messages and diagnostics. */
export function tail(text: string, lines = 20): string {
  const all = text.trimEnd().split("\n");
  return all.slice(-lines).join("\n");
}
