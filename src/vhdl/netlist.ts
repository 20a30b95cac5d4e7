/**
 * GHDL 2.0's Verilog writer drops the `others` choice of every multiplexer it writes as a `case` (GHDL issue 2041):
 * the block then holds its old value where the design selects the default. Its VHDL writer keeps it
 * (`with s select t <= ... e when others;`). These helpers find such blocks and put the default back.
 */

export interface CaseBlock {
  selector: string;
  target: string;
  /** Distinct choices and the selector's width. */
  choices: number;
  width: number;
  /** Offset of `endcase` in the netlist. */
  end: number;
}

const CASE_BLOCK = /\bcase \(([^)]*)\)\n([\s\S]*?)\bendcase\b/g;

/** `case` blocks of a GHDL Verilog netlist with neither a `default` nor every selector value. */
export function incompleteCases(netlist: string): CaseBlock[] {
  const found: CaseBlock[] = [];
  for (const m of netlist.matchAll(CASE_BLOCK)) {
    const body = m[2] ?? "";
    if (/^\s*default\s*:/m.test(body)) continue;
    const choices = [...body.matchAll(/^\s*(\d+)'b([01]+)\s*:\s*([A-Za-z_][A-Za-z0-9_]*)\s*<=/gm)];
    const width = Number(choices[0]?.[1] ?? 0);
    const targets = new Set(choices.map((c) => c[3]));
    const distinct = new Set(choices.map((c) => c[2])).size;
    if (width <= 30 && distinct >= 2 ** width) continue;
    found.push({
      selector: m[1] ?? "",
      target: targets.size === 1 ? (choices[0]?.[3] ?? "") : "",
      choices: distinct,
      width,
      end: (m.index ?? 0) + m[0].length - "endcase".length,
    });
  }
  return found;
}

/** `with SEL select TARGET <= ... EXPR when others;` of GHDL's VHDL netlist: target -> default expression. */
export function selectDefaults(vhdlNetlist: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of vhdlNetlist.matchAll(/\bwith\s+\w+\s+select\s+(\w+)\s*<=([\s\S]*?);/g)) {
    const others = /(?:^|,)\s*([^,]*?)\s+when\s+others\s*$/.exec(m[2] ?? "");
    if (others?.[1]) out.set(m[1] as string, others[1].trim());
  }
  return out;
}

/** A VHDL netlist expression as Verilog: a signal name, a bit-string literal or a character literal, else undefined. */
function verilogValue(expr: string): string | undefined {
  if (/^[A-Za-z]\w*$/.test(expr)) return expr;
  const vec = /^"([01XUZWLH-]+)"$/i.exec(expr);
  if (vec?.[1]) return `${vec[1].length}'b${mapBits(vec[1])}`;
  const bit = /^'([01XUZWLH-])'$/i.exec(expr);
  if (bit?.[1]) return `1'b${mapBits(bit[1])}`;
  return undefined;
}

function mapBits(bits: string): string {
  return [...bits.toUpperCase()]
    .map((c) => (c === "0" || c === "L" ? "0" : c === "1" || c === "H" ? "1" : c === "Z" ? "z" : "x"))
    .join("");
}

/**
 * Puts the `others` value back into every incomplete case block of the Verilog netlist, taken from the VHDL netlist
 * of the same synthesis (same signal names). Returns the repaired netlist and the blocks it could not repair.
 */
export function repairCases(
  verilog: string,
  vhdlNetlist: string,
): { code: string; unrepaired: CaseBlock[]; repaired: number } {
  const defaults = selectDefaults(vhdlNetlist);
  const blocks = incompleteCases(verilog);
  const unrepaired: CaseBlock[] = [];
  let code = verilog;
  let repaired = 0;
  // From the last block backwards, so earlier offsets stay valid.
  for (const b of [...blocks].reverse()) {
    const expr = b.target ? defaults.get(b.target) : undefined;
    let value = expr === undefined ? undefined : verilogValue(expr);
    const declared = (name: string) => !/^[A-Za-z]/.test(name) || new RegExp(`\\b${name}\\b`).test(verilog);
    // The VHDL netlist reads ports through `wrap_<port>` signals; the Verilog netlist uses the port itself.
    if (value?.startsWith("wrap_") && !declared(value) && declared(value.slice(5))) value = value.slice(5);
    const ok = value !== undefined && declared(value);
    if (value === undefined || !ok) {
      unrepaired.push(b);
      continue;
    }
    code = `${code.slice(0, b.end)}  default: ${b.target} <= ${value};\n    ${code.slice(b.end)}`;
    repaired++;
  }
  return { code, unrepaired: unrepaired.reverse(), repaired };
}

const MUX = /^(\s*assign\s+\S+\s*=\s*)([A-Za-z_][\w$]*(?:\[\d+\])?)\s\?\s/gm;

/**
 * VHDL's `if c = '1'` (and `when c else`) takes the else branch when `c` is 'U' or 'X'; GHDL writes it as
 * `c ? a : b`, which Verilog evaluates to x (merging both branches). `(c === 1'b1) ? a : b` takes the else branch
 * as VHDL does, and is the same mux for every defined `c`. Validation against GHDL's own simulation (undriven
 * inputs included) decides whether the netlist may stand in; this only removes a known source of disagreement.
 */
export function vhdlConditions(netlist: string): string {
  return netlist.replace(MUX, (_m, lhs: string, cond: string) => `${lhs}(${cond} === 1'b1) ? `);
}
