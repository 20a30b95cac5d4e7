import type { DesignInterface, Port } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import { elaborateSources } from "../tools/iverilog.js";

/**
 * Input constraints ("spec don't-cares"): a Verilog expression over the reference's inputs that every legal input
 * satisfies, e.g. `!(s1 && s2)` for "both selects are never 1". Simulation draws only inputs that satisfy it and
 * compares only where it holds (sequential designs: until a reset, after an edge it did not hold at); formal assumes
 * it at every step. The expression is checked token by token (names must be inputs; no system calls, strings or
 * macros) and compiled once with the reference's port widths before any check uses it.
 */
const TOKEN =
  /\s+|(\d*'[sS]?[bBoOdDhH][0-9a-fA-FxXzZ_?]+|\d+)|([A-Za-z_][A-Za-z0-9_]*)|(===|!==|==|!=|<=|>=|&&|\|\||<<<|>>>|<<|>>|~&|~\||~\^|\^~|[!~&|^+\-*/%<>?:()[\]{},])/y;

interface Parsed {
  /** Tokens in order: words (input names) marked so they can be renamed. */
  parts: Array<{ text: string; input?: Port }>;
}

/** Splits and checks `expr` against the reference's inputs; BadInputError naming what is not allowed. */
function parse(expr: string, iface: DesignInterface): Parsed {
  const inputs = new Map(
    iface.ports.filter((p) => p.direction === "input" && p.name !== iface.clock).map((p) => [p.name, p]),
  );
  const parts: Parsed["parts"] = [];
  let depth = 0;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(expr);
    if (!m) throw new BadInputError(`assume: unexpected "${expr.slice(at, at + 12)}" at offset ${at}`);
    if (m[1] !== undefined) parts.push({ text: m[1] });
    else if (m[2] !== undefined) {
      const port = inputs.get(m[2]);
      if (!port)
        throw new BadInputError(
          `assume may name only the reference's inputs (${[...inputs.keys()].join(", ") || "none"}); got ${m[2]}`,
        );
      parts.push({ text: m[2], input: port });
    } else if (m[3] !== undefined) {
      if ("([{".includes(m[3])) depth++;
      if (")]}".includes(m[3])) depth--;
      if (depth < 0) throw new BadInputError(`assume: unbalanced "${m[3]}" at offset ${at}`);
      parts.push({ text: m[3] });
    }
  }
  if (depth !== 0) throw new BadInputError("assume: unbalanced brackets");
  if (parts.length === 0) throw new BadInputError("assume: empty expression");
  return { parts };
}

/** The expression with each input name replaced by `nameOf(port)` (testbench registers, miter inputs). */
export function renderAssumption(expr: string, iface: DesignInterface, nameOf: (port: Port) => string): string {
  return parse(expr, iface)
    .parts.map((p) => (p.input ? nameOf(p.input) : p.text))
    .join(" ");
}

const range = (p: Port) => `${p.signed ? "signed " : ""}${p.width > 1 ? `[${p.width - 1}:0] ` : ""}`;

/** Port declarations of a wrapper with the reference's interface (`input [3:0] a, output y`). */
export function portList(iface: DesignInterface): string {
  return iface.ports.map((p) => `${p.direction} ${range(p)}${p.name}`).join(", ");
}

/**
 * Checks that `expr` is a valid expression over the reference's inputs: its tokens, then a compile of
 * `wire ok = (expr);` in a module with the reference's ports. Throws BadInputError with the compiler's words.
 */
export async function checkAssumption(expr: string, iface: DesignInterface, timeoutMs: number): Promise<void> {
  const body = renderAssumption(expr, iface, (p) => p.name);
  const key = `${portList(iface)}\u0000${body}`;
  if (valid.has(key)) return;
  const top = "rtlgym_assume";
  const source = `module ${top}(${portList(iface)});\n  wire rtlgym_ok = (${body});\nendmodule\n`;
  const run = await elaborateSources({ "assume.v": source }, [top], { timeoutMs });
  if (!run.ok)
    throw new BadInputError(
      `assume is not a valid expression over the inputs: ${run.timedOut ? "timed out" : run.log.split("\n")[0]}`,
    );
  if (valid.size >= VALID_LIMIT) valid.clear();
  valid.add(key);
}

/** Constraints already compiled against an interface: a batch or an RL run checks the same one many times. */
const valid = new Set<string>();
const VALID_LIMIT = 1000;
