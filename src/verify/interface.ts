import { z } from "zod";
import type { DesignInterface, Port, Reset } from "../contracts/index.js";

// The parts of `yosys write_json` rtlgym reads; everything else passes through.
export const Bits = z.array(z.union([z.number(), z.string()]));
/** A module's cells: what the interface, reset and coverage readers look at. */
export const YosysCells = z.record(
  z.string(),
  z.object({
    type: z.string(),
    parameters: z.record(z.string(), z.unknown()).default({}),
    connections: z.record(z.string(), Bits).default({}),
  }),
);
const YosysModule = z.object({
  attributes: z.record(z.string(), z.unknown()).default({}),
  parameter_default_values: z.record(z.string(), z.unknown()).optional(),
  ports: z.record(
    z.string(),
    z.object({ direction: z.enum(["input", "output", "inout"]), bits: Bits, signed: z.number().optional() }),
  ),
  cells: YosysCells,
});
export const YosysJson = z.object({ modules: z.record(z.string(), YosysModule) });
type YosysModule = z.infer<typeof YosysModule>;

const FLOP_CLOCKED = /^\$(dff|dffe|adff|adffe|sdff|sdffe|sdffce|dffsr|dffsre|aldff|aldffe)$/;
const LATCH = /^\$(dlatch|adlatch|dlatchsr|sr)$/;
const MEMORY = /^\$mem(_v2)?$/;
const RESET_NAME = /^(a|s)?(rst|reset)(_?n|_b)?$|^n(rst|reset)$|^(clr|clear)(_?n)?$/i;
/^(a?rst|a?reset|clr|clear|a?resetn|a?rstn|reset_n|rst_n|areset_n|arst_n|nrst|nreset|rst_b|reset_b)$/i;
const ACTIVE_LOW_NAME = /(_n|n|_b)$|^n(rst|reset)$/i;

/** A parameter value from Yosys JSON: binary strings become decimal, other strings stay. */
function paramValue(v: unknown): string {
  if (typeof v === "number") return String(v);
  if (typeof v === "string" && /^[01]+$/.test(v)) return BigInt(`0b${v}`).toString();
  return String(v);
}

function paramBit(v: unknown): boolean {
  return paramValue(v) !== "0";
}

/**
 * The interface of module `top` from `yosys ... proc; flatten; opt_dff -nodffe; write_json`: ports,
 * parameters, the clock (the input port that drives flip-flop clocks), resets (ports driving the async or
 * sync reset of a flop, directly or through an inverter, with polarity), and whether it can be checked.
 */
export function interfaceFromYosys(json: unknown, top: string): DesignInterface {
  const parsed = YosysJson.parse(json);
  const mod = parsed.modules[top];
  if (!mod) throw new Error(`module ${top} missing from yosys JSON (have: ${Object.keys(parsed.modules).join(", ")})`);
  return analyseModule(mod, top);
}

function analyseModule(mod: YosysModule, top: string): DesignInterface {
  const ports: Port[] = Object.entries(mod.ports).map(([name, p]) => ({
    name,
    direction: p.direction,
    width: p.bits.length,
    signed: p.signed === 1,
  }));
  const parameters: Record<string, string> = {};
  for (const [k, v] of Object.entries(mod.parameter_default_values ?? {})) parameters[k] = paramValue(v);

  // bit id -> input port name (only 1-bit inputs can be clocks or resets)
  const inputBit = new Map<number | string, string>();
  for (const [name, p] of Object.entries(mod.ports)) {
    if (p.direction === "input" && p.bits.length === 1 && p.bits[0] !== undefined) inputBit.set(p.bits[0], name);
  }
  // bit driven by an inverter of an input: inverted bit -> input name
  const invertedInput = new Map<number | string, string>();
  for (const cell of Object.values(mod.cells)) {
    if (cell.type === "$not" || cell.type === "$logic_not") {
      const a = cell.connections.A;
      const y = cell.connections.Y;
      if (a?.length === 1 && y?.length === 1 && a[0] !== undefined && y[0] !== undefined) {
        const name = inputBit.get(a[0]);
        if (name) invertedInput.set(y[0], name);
      }
    }
  }

  const clocks = new Map<string, Set<"pos" | "neg">>();
  const internalClocks = new Set<string>();
  const resets = new Map<string, Reset>();
  let hasLatches = false;

  const addReset = (bit: number | string | undefined, polarityHigh: boolean, kind: "sync" | "async") => {
    if (bit === undefined) return;
    let name = inputBit.get(bit);
    let activeHigh = polarityHigh;
    if (!name) {
      name = invertedInput.get(bit);
      activeHigh = !polarityHigh;
    }
    if (!name) return;
    // A synchronous "reset" that is really a data input (load, clear-on-match) keeps its data role.
    if (kind === "sync" && !RESET_NAME.test(name)) return;
    const prev = resets.get(name);
    if (!prev || (prev.kind === "sync" && kind === "async")) resets.set(name, { name, activeHigh, kind });
  };

  for (const [cellName, cell] of Object.entries(mod.cells)) {
    const t = cell.type;
    if (LATCH.test(t)) hasLatches = true;
    const clockPins: Array<[string, boolean]> = [];
    if (FLOP_CLOCKED.test(t)) {
      clockPins.push(["CLK", paramBit(cell.parameters.CLK_POLARITY ?? "1")]);
      if (cell.connections.ARST) addReset(cell.connections.ARST[0], paramBit(cell.parameters.ARST_POLARITY), "async");
      if (cell.connections.SRST) addReset(cell.connections.SRST[0], paramBit(cell.parameters.SRST_POLARITY), "sync");
      if (cell.connections.CLR) addReset(cell.connections.CLR[0], paramBit(cell.parameters.CLR_POLARITY), "async");
      if (cell.connections.SET) addReset(cell.connections.SET[0], paramBit(cell.parameters.SET_POLARITY), "async");
    } else if (MEMORY.test(t)) {
      for (const pin of ["RD_CLK", "WR_CLK"]) {
        const bits = cell.connections[pin] ?? [];
        if (bits.some((b) => typeof b === "number")) {
          const polarity = String(cell.parameters[`${pin}_POLARITY`] ?? "1");
          clockPins.push([pin, polarity.includes("1")]);
        }
      }
    }
    for (const [pin, pos] of clockPins) {
      for (const bit of cell.connections[pin] ?? []) {
        if (typeof bit !== "number") continue;
        const name = inputBit.get(bit);
        if (name) {
          const edges = clocks.get(name) ?? new Set();
          edges.add(pos ? "pos" : "neg");
          clocks.set(name, edges);
        } else internalClocks.add(cellName);
      }
    }
  }

  let unsupported: string | null = null;
  if (ports.some((p) => p.direction === "inout")) unsupported = "inout ports are not supported";
  if (clocks.size > 1) unsupported = `several clocks (${[...clocks.keys()].join(", ")}) are not supported`;
  const [clockEntry] = clocks.entries();
  let clock = clockEntry?.[0] ?? null;
  let clockEdges: Array<"pos" | "neg"> = clockEntry ? [...clockEntry[1]].sort() : [];
  if (!clock && internalClocks.size > 0) {
    // Flops clocked only by internal nets (ripple counters): drive the input named like a clock.
    const named = ports.find((p) => p.direction === "input" && p.width === 1 && /^(clk|clock)$/i.test(p.name));
    if (named) {
      clock = named.name;
      clockEdges = ["pos"];
    } else unsupported ??= "flip-flops are clocked by internal signals and no clock input was found";
  }
  if (clock) resets.delete(clock);
  // Resets gated with other logic (`reset || q == 10`) reach no flop pin directly: go by the name.
  if (clock) {
    for (const p of ports) {
      if (p.direction !== "input" || p.width !== 1 || p.name === clock || resets.has(p.name)) continue;
      if (RESET_NAME.test(p.name))
        resets.set(p.name, { name: p.name, activeHigh: !ACTIVE_LOW_NAME.test(p.name), kind: "sync" });
    }
  }
  const state = stateFacts(mod);
  return {
    top,
    ports,
    parameters,
    clock,
    clockEdges,
    resets: [...resets.values()],
    sequential: clock !== null,
    hasLatches,
    cells: Object.keys(mod.cells).length,
    stateBits: state.bits,
    maxStateConstant: state.constants[0] ?? 0,
    stateConstants: state.constants,
    ...(Object.keys(state.inputConstants).length > 0 && { inputConstants: state.inputConstants }),
    unsupported,
  };
}

const COMPARE = /^\$(eq|ne|lt|le|gt|ge|eqx|nex)$/;
/** Constants wider than this are not thresholds a run could reach (a 64-bit compare against all ones). */
const MAX_CONSTANT_BITS = 24;
const MAX_CONSTANTS = 8;
/** Input constants: slices up to 32 bits (a testbench literal), at most this many per input. */
const MAX_INPUT_CONSTANT_BITS = 32;
const MAX_INPUT_CONSTANTS = 16;
const ORDERING = /^\$(lt|le|gt|ge)$/;

type InputConstant = { lo: number; width: number; value: number };

/**
 * Flip-flop bits, and the largest constant a comparison holds against a signal that is not made of input bits
 * alone (so it depends on state): counters compared with thresholds, timeouts, FSM step counts.
 */
function stateFacts(mod: YosysModule): {
  bits: number;
  constants: number[];
  inputConstants: Record<string, InputConstant[]>;
} {
  // Input bit -> (port, bit index): a comparison against a contiguous slice of one input is an input constant.
  const bitOf = new Map<number | string, { port: string; index: number }>();
  for (const [name, p] of Object.entries(mod.ports)) {
    if (p.direction !== "input") continue;
    p.bits.forEach((b, index) => {
      if (typeof b === "number") bitOf.set(b, { port: name, index });
    });
  }
  const inputConstants = new Map<string, Map<string, InputConstant>>();
  const addInputConstant = (
    other: ReadonlyArray<number | string>,
    constant: ReadonlyArray<number | string>,
    cellType: string,
  ) => {
    const first = bitOf.get(other[0] ?? "");
    if (!first || other.length > MAX_INPUT_CONSTANT_BITS) return;
    // The compared bits must be one input's bits lo..lo+width-1, in order (Yosys lists bits LSB first).
    for (const [i, b] of other.entries()) {
      const at = bitOf.get(b);
      if (!at || at.port !== first.port || at.index !== first.index + i) return;
    }
    const value = bitsValue(constant, Math.min(constant.length, other.length));
    const width = other.length;
    const values = ORDERING.test(cellType) ? [value - 1, value, value + 1] : [value];
    const slot = inputConstants.get(first.port) ?? new Map<string, InputConstant>();
    for (const v of values) {
      if (v < 0 || v >= 2 ** width || slot.size >= MAX_INPUT_CONSTANTS) continue;
      slot.set(`${first.index}:${width}:${v}`, { lo: first.index, width, value: v });
    }
    inputConstants.set(first.port, slot);
  };
  let bits = 0;
  const constants = new Set<number>();
  for (const cell of Object.values(mod.cells)) {
    if (FLOP_CLOCKED.test(cell.type) || LATCH.test(cell.type)) bits += cell.connections.Q?.length ?? 0;
    if (!COMPARE.test(cell.type)) continue;
    const a = cell.connections.A ?? [];
    const b = cell.connections.B ?? [];
    for (const [constant, other] of [
      [a, b],
      [b, a],
    ] as const) {
      if (constant.length === 0 || !constant.every((x) => x === "0" || x === "1")) continue;
      if (other.length > 0 && other.every((x) => bitOf.has(x))) addInputConstant(other, constant, cell.type);
      if (other.length === 0 || other.every((x) => typeof x === "string" || bitOf.has(x))) continue;
      // Yosys lists bits LSB first; only the significant bits count against the width limit.
      const msb = constant.lastIndexOf("1");
      if (msb < 0 || msb >= MAX_CONSTANT_BITS) continue;
      const value = bitsValue(constant, msb + 1);
      if (value > 0) constants.add(value);
    }
  }
  return {
    bits,
    constants: [...constants].sort((x, y) => y - x).slice(0, MAX_CONSTANTS),
    inputConstants: Object.fromEntries(
      [...inputConstants].filter(([, m]) => m.size > 0).map(([port, m]) => [port, [...m.values()]]),
    ),
  };
}

/** The value of a constant's first `count` bits (Yosys lists bits LSB first). */
function bitsValue(bits: ReadonlyArray<number | string>, count: number): number {
  let value = 0;
  for (let i = count - 1; i >= 0; i--) value = value * 2 + (bits[i] === "1" ? 1 : 0);
  return value;
}

export interface InterfaceDiff {
  missing: string[];
  extra: string[];
  /** "name: reference 8 bits, candidate 4" and direction changes. */
  changed: string[];
}

/** Ports are matched by name; a missing or extra port, a width or direction change is a mismatch. */
export function compareInterfaces(reference: Port[], candidate: Port[]): InterfaceDiff | null {
  const cand = new Map(candidate.map((p) => [p.name, p]));
  const ref = new Map(reference.map((p) => [p.name, p]));
  const missing = reference.filter((p) => !cand.has(p.name)).map((p) => `${p.direction} ${p.name}`);
  const extra = candidate.filter((p) => !ref.has(p.name)).map((p) => `${p.direction} ${p.name}`);
  const changed: string[] = [];
  for (const r of reference) {
    const c = cand.get(r.name);
    if (!c) continue;
    if (c.direction !== r.direction) changed.push(`${r.name}: reference ${r.direction}, candidate ${c.direction}`);
    else if (c.width !== r.width) changed.push(`${r.name}: reference ${r.width} bits, candidate ${c.width}`);
  }
  return missing.length || extra.length || changed.length ? { missing, extra, changed } : null;
}

export function describeDiff(diff: InterfaceDiff): string {
  const parts: string[] = [];
  if (diff.missing.length) parts.push(`missing ${diff.missing.join(", ")}`);
  if (diff.extra.length) parts.push(`extra ${diff.extra.join(", ")}`);
  if (diff.changed.length) parts.push(diff.changed.join("; "));
  return `interface differs from the reference: ${parts.join("; ")}`;
}
