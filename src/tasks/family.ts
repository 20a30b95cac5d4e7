import type { Rng } from "./rng.js";
import type { Text } from "./text.js";

/** Parameter values of one task; a family's parameters are a plain object of these. */
export type ParamValue = number | string | boolean;
export type Params = { readonly [key: string]: ParamValue };

/** One port of the generated interface. `reg` marks outputs both reference writers assign procedurally. */
export interface Port {
  name: string;
  dir: "input" | "output";
  width: number;
  signed?: boolean;
  reg?: boolean;
  /** What the port means, for the spec's interface section. */
  desc: string;
}

/** One wording of a family's spec: the statement of the behaviour (the interface section is added after it). */
export type Phrasing<P> = (p: P, t: Text) => string;

/** Difficulty on the builtin suite's 1-4 scale. */
export type Difficulty = 1 | 2 | 3 | 4;

/**
 * A parameterised task family. The two reference writers (`a`, `b`) are written independently (different style,
 * no shared code beyond the module header), so a bug in one shows up as a disagreement with the other; `wrong` is a
 * plausible wrong design (off by one, wrong polarity, ...) that verification must reject.
 */
export interface Family<P extends Params = Params> {
  name: string;
  /** One line for `rtlgym tasks families`. */
  summary: string;
  tags: readonly string[];
  sequential: boolean;
  /** A composition of families: only ever in the `heldout-families` split. */
  composite?: boolean;
  /**
   * Held-out parameters change the body's shape (case arms, constants, slices, state counts), not only a port
   * width: such tasks carry the tag `param-dependent`, so bench reports their pass@k apart.
   */
  structural?: boolean;
  difficulty(p: P): Difficulty;
  /** Draws parameters (uniformly over the family's space; the split decides which are kept). */
  sample(rng: Rng): P;
  /** Parameter combinations reserved for `heldout-params`: never drawn for training. */
  heldout(p: P): boolean;
  ports(p: P): Port[];
  /** At least 3 wordings; the last one is reserved for `heldout-phrasing`. */
  phrasings: readonly Phrasing<P>[];
  /** Module bodies (between the header and `endmodule`). */
  a(p: P): string;
  b(p: P): string;
  wrong(p: P): string;
}

/** Erases a family's parameter type for the registry (its methods only ever see its own parameters). */
export function family<P extends Params>(f: Family<P>): Family {
  return f as unknown as Family;
}

/** Bits needed to hold values 0..n-1 (at least 1). */
export function clog2(n: number): number {
  let w = 0;
  while (1 << w < n) w++;
  return Math.max(w, 1);
}

/** Bits needed to hold the value n itself. */
export function bitsFor(n: number): number {
  return Math.max(1, Math.floor(Math.log2(Math.max(n, 1))) + 1);
}

/** `[w-1:0] ` or empty for 1 bit. */
export function range(w: number): string {
  return w > 1 ? `[${w - 1}:0] ` : "";
}

/** The module header every task shows and every reference starts with. */
export function moduleHeader(ports: readonly Port[], top = "TopModule"): string {
  const decls = ports.map((p) => {
    const kind = p.dir === "input" ? "input " : p.reg ? "output reg " : "output ";
    return `  ${kind}${p.signed ? "signed " : ""}${range(p.width)}${p.name}`.trimEnd();
  });
  return `module ${top} (\n${decls.join(",\n")}\n);`;
}

/** Header + body + endmodule. */
export function assemble(ports: readonly Port[], body: string, top = "TopModule"): string {
  return `${moduleHeader(ports, top)}\n${body.replace(/\n*$/, "\n")}endmodule\n`;
}

/** Settings shared by sequential families: how the design is reset. */
export type ResetParams = { asyncReset: boolean; activeLow: boolean };

/** The reset port of a sequential family. */
export function resetPort(p: ResetParams): Port {
  return {
    name: p.activeLow ? "rst_n" : "reset",
    dir: "input",
    width: 1,
    desc: `${p.asyncReset ? "asynchronous" : "synchronous"} reset, active ${p.activeLow ? "low" : "high"}`,
  };
}

export function clockPort(): Port {
  return { name: "clk", dir: "input", width: 1, desc: "clock (rising edge)" };
}

/** How a spec states the reset, in a few wordings. */
export function resetSentence(p: ResetParams, variant: number): string {
  const name = p.activeLow ? "rst_n" : "reset";
  const kind = p.asyncReset ? "asynchronous" : "synchronous";
  const level = p.activeLow ? "low" : "high";
  switch (variant % 3) {
    case 0:
      return `The reset \`${name}\` is ${kind} and active ${level}.`;
    case 1:
      return `\`${name}\` is an active-${level} ${kind} reset${p.asyncReset ? " (it acts immediately, without waiting for a clock edge)" : " (sampled on the rising clock edge)"}.`;
    default:
      return `Reset is ${p.asyncReset ? "asynchronous" : "synchronous to clk"}; it is asserted when \`${name}\` is ${p.activeLow ? "0" : "1"}.`;
  }
}

export function drawReset(rng: Rng): ResetParams {
  return { asyncReset: rng.chance(0.5), activeLow: rng.chance(0.5) };
}

/** Writer A's reset idiom: sensitivity list and reset condition. */
export function seqA(p: ResetParams): { sens: string; cond: string } {
  const r = p.activeLow ? "rst_n" : "reset";
  return {
    sens: p.asyncReset ? `posedge clk or ${p.activeLow ? "negedge" : "posedge"} ${r}` : "posedge clk",
    cond: p.activeLow ? "!rst_n" : "reset",
  };
}

/** Writer B's reset idiom, written separately from writer A's: a whole clocked block around two statement lists. */
export function seqB(p: ResetParams, onReset: string, otherwise: string): string {
  let edges = "posedge clk";
  if (p.asyncReset && p.activeLow) edges += " or negedge rst_n";
  if (p.asyncReset && !p.activeLow) edges += " or posedge reset";
  const test = p.activeLow ? "rst_n == 1'b0" : "reset == 1'b1";
  return `  always @(${edges}) begin\n    if (${test}) begin\n${onReset}\n    end else begin\n${otherwise}\n    end\n  end\n`;
}

/** `w'd<v>` */
export function lit(v: number, w: number): string {
  return `${w}'d${v}`;
}
