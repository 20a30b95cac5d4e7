import { lexVhdl, type VhdlToken } from "./lexer.js";

export interface VhdlSanitized {
  /** The text every tool reads: line endings normalised, otherwise as written. */
  code: string;
  tokens: VhdlToken[];
  /** Constructs refused outright (file I/O, VHPI, std.env, reports, external names, unreadable text). */
  rejected: string[];
  /** Constructs rtlgym cannot check soundly with GHDL 2.0 (the verdict would be wrong): `unsupported`. */
  unsupported: string[];
}

export interface VhdlSanitizeOptions {
  /**
   * candidate: everything below is refused, `report` included. reference: trusted text, which may report (its
   * assertions never stop a run), but must not reach files, C code or the simulator's control either.
   */
  role: "candidate" | "reference";
}

/** Packages of library ieee a design may use; anything else there (std_logic_textio) is refused. */
const IEEE_PACKAGES = new Set([
  "std_logic_1164",
  "numeric_std",
  "numeric_std_unsigned",
  "numeric_bit",
  "numeric_bit_unsigned",
  "std_logic_unsigned",
  "std_logic_signed",
  "std_logic_arith",
  "std_logic_misc",
  "math_real",
  "math_complex",
  "fixed_pkg",
  "float_pkg",
  "fixed_float_types",
  "ieee_std_context",
  "ieee_bit_context",
  "all",
]);
/** Of library std only the implicit package `standard`: textio is file I/O and env stops the simulation. */
const STD_PACKAGES = new Set(["standard"]);
const LIBRARIES = new Set(["ieee", "std", "work"]);

/**
 * CR LF and lone CR become LF (GHDL ends a line at either; this way the lexer and the tools count the same lines),
 * and VT/FF, which end a VHDL comment as well, become LF too.
 */
export function normaliseVhdl(source: string): string {
  return source.replace(/\r\n?/g, "\n").replace(/[\v\f]/g, "\n");
}

/**
 * Filters VHDL before any tool reads it. Works on tokens of a real lexer, so a forbidden word inside a comment,
 * a string or an extended identifier (`\textio\` is a different name) neither triggers nor hides anything.
 * Verdicts never come from text the design prints (the harness reads its own nonce-tagged lines on stdout, which
 * only the testbench can write since textio is refused), so `report` in a candidate is refused as noise that could
 * only try to look like a verdict.
 */
export function sanitizeVhdl(source: string, options: VhdlSanitizeOptions): VhdlSanitized {
  const code = normaliseVhdl(source);
  const { tokens, errors } = lexVhdl(code);
  const rejected = new Set<string>();
  const unsupported = new Set<string>();
  for (const e of errors) rejected.add(`unreadable text (${e})`);
  const at = (k: number) => tokens[k]?.norm ?? "";
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as VhdlToken;
    const where = ` (line ${t.line})`;
    if (t.kind !== "id" && t.kind !== "punct") continue;
    // The trace testbench's own units and signals; a candidate has no business naming them.
    if (t.kind === "id" && t.norm.startsWith("rtlgym_")) rejected.add(`names starting with rtlgym_ (reserved)${where}`);
    switch (t.norm) {
      case "file":
        rejected.add(`file declarations (file I/O)${where}`);
        break;
      case "textio":
      case "std_logic_textio":
        rejected.add(`textio (file I/O)${where}`);
        break;
      case "foreign":
      case "vhpidirect":
        rejected.add(`foreign subprograms (VHPI: C code in the simulator)${where}`);
        break;
      case "force":
      case "release":
        rejected.add(`force/release${where}`);
        break;
      case "<<":
        rejected.add(`external names (<< ... >> reach into the testbench)${where}`);
        break;
      case "report":
        if (options.role === "candidate")
          rejected.add(`report (simulator messages are not a verdict channel; remove it)${where}`);
        break;
      case "env":
        if (at(k - 1) === ".") rejected.add(`std.env (stop/finish end the simulation)${where}`);
        break;
      case "library":
        for (let j = k + 1; j < tokens.length && at(j) !== ";"; j++)
          if (tokens[j]?.kind === "id" && !LIBRARIES.has(at(j))) rejected.add(`library ${at(j)}${where}`);
        break;
      case "std":
      case "ieee":
        if (at(k + 1) === "." && tokens[k + 2]?.kind === "id") {
          const pkg = at(k + 2);
          const allowed = t.norm === "std" ? STD_PACKAGES : IEEE_PACKAGES;
          if (!allowed.has(pkg)) rejected.add(`package ${t.norm}.${pkg}${where}`);
        } else if (at(k + 1) === "." && tokens[k + 2]?.kind === "extid")
          rejected.add(`package ${t.norm}.${tokens[k + 2]?.text}${where}`);
        break;
      case "case":
      case "select":
        // VHDL-2008 matching case/select: GHDL 2.0 silently ignores '-' choices, in simulation and synthesis alike.
        if (at(k + 1) === "?") unsupported.add(`matching ${t.norm}? (GHDL 2.0 ignores '-' choices)${where}`);
        break;
    }
  }
  return { code, tokens, rejected: [...rejected], unsupported: [...unsupported] };
}
