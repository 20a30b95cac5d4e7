import { z } from "zod";
import { Bits, YosysCells } from "./interface.js";

/**
 * What simulation can observe of the reference's state, read from its Yosys netlist: every flip-flop (and latch)
 * bit by its hierarchical name in the source, and the FSMs `fsm_detect` finds with their encoded states and
 * the state-to-state transitions of their transition table. The testbench samples these through the reference
 * instance, so the coverage is the reference's, whatever the candidates are.
 */
export interface CoverageProbes {
  /**
   * The observable state bits as expressions below the reference instance (`cnt`, `u1.q`, `r[3]`), each `width`
   * bits wide; together they are the state vector, in no particular order.
   */
  signals: Array<{ expr: string; width: number }>;
  /** Bits in `signals`. */
  bits: number;
  /** State bits with no name the testbench can reach (Yosys-internal nets, escaped identifiers). */
  unobserved: number;
  fsms: FsmProbe[];
}

export interface FsmProbe {
  path: string;
  width: number;
  /** The encoded state values, as binary strings MSB first. */
  states: string[];
  /** Distinct (from, to) state index pairs the transition table holds. */
  transitions: Array<[number, number]>;
}

const Netlist = z.object({
  modules: z.record(
    z.string(),
    z.object({
      netnames: z
        .record(
          z.string(),
          z.object({
            hide_name: z.number().optional(),
            bits: Bits,
            offset: z.number().optional(),
            upto: z.number().optional(),
            attributes: z.record(z.string(), z.unknown()).default({}),
          }),
        )
        .default({}),
      cells: YosysCells,
    }),
  ),
});
type Netname = z.infer<typeof Netlist>["modules"][string]["netnames"][string];

const STATE_CELL = /^\$(dff|dffe|adff|adffe|sdff|sdffe|sdffce|dffsr|dffsre|aldff|aldffe|dlatch|adlatch|dlatchsr|sr)$/;
/** One path component the testbench can name: an identifier, or a generate-block instance `name[3]`. */
const COMPONENT = /^[A-Za-z_][A-Za-z0-9_$]*(\[\d+\])?$/;
/** Beyond these the per-sample vector operations and the verdict lines would cost more than they tell. */
const MAX_STATE_BITS = 16384;
const MAX_FSM_STATES = 64;

/** The hierarchical path of a netname (`u1.q` from `hdlname "u1 q"`), or null when it cannot be named. */
function pathOf(name: string, net: Netname): string | null {
  if (net.hide_name === 1 || name.startsWith("$")) return null;
  const hdl = net.attributes.hdlname;
  const parts = typeof hdl === "string" ? hdl.split(" ") : [name];
  return parts.every((p) => COMPONENT.test(p)) ? parts.join(".") : null;
}

/** The source index of bit `i` of a net (Yosys lists bits LSB first; `upto` nets count the other way). */
function indexOf(net: Netname, i: number): number {
  const offset = net.offset ?? 0;
  return net.upto ? offset + net.bits.length - 1 - i : offset + i;
}

const binary = (v: unknown): string => (typeof v === "number" ? v.toString(2) : String(v));
const int = (v: unknown): number => (typeof v === "number" ? v : Number.parseInt(String(v), 2));

/**
 * Probes from `ref.json` (proc, flatten, opt_dff: the netlist the interface is read from) and, when Yosys found
 * any, the `$fsm` cells of `fsm.json` (`fsm -nomap -norecode`: states keep the reference's own encoding).
 */
export function coverageProbes(refJson: unknown, top: string, fsmJson?: unknown): CoverageProbes {
  const mod = Netlist.parse(refJson).modules[top];
  if (!mod) return { signals: [], bits: 0, unobserved: 0, fsms: [] };
  // bit id -> its best name: the shortest path (a port or top-level reg before a flattened submodule's alias).
  const named = new Map<number, { path: string; net: Netname; position: number; depth: number }>();
  for (const [name, net] of Object.entries(mod.netnames)) {
    const path = pathOf(name, net);
    if (path === null) continue;
    const depth = path.split(".").length;
    net.bits.forEach((bit, position) => {
      if (typeof bit !== "number") return;
      const prev = named.get(bit);
      if (!prev || prev.depth > depth) named.set(bit, { path, net, position, depth });
    });
  }
  const seen = new Set<number>();
  // path -> the net and the positions of its bits that are state
  const nets = new Map<string, { net: Netname; positions: number[] }>();
  let bits = 0;
  let unobserved = 0;
  for (const cell of Object.values(mod.cells)) {
    if (!STATE_CELL.test(cell.type)) continue;
    for (const bit of cell.connections.Q ?? []) {
      if (typeof bit !== "number" || seen.has(bit)) continue;
      seen.add(bit);
      const n = named.get(bit);
      if (!n || bits >= MAX_STATE_BITS) {
        unobserved++;
        continue;
      }
      const entry = nets.get(n.path) ?? { net: n.net, positions: [] };
      entry.positions.push(n.position);
      nets.set(n.path, entry);
      bits++;
    }
  }
  const signals: CoverageProbes["signals"] = [];
  for (const [path, { net, positions }] of nets) {
    // A net that is state throughout is read whole; otherwise bit by bit, by its source index.
    if (positions.length === net.bits.length) signals.push({ expr: path, width: positions.length });
    else
      for (const i of positions.sort((a, b) => a - b)) signals.push({ expr: `${path}[${indexOf(net, i)}]`, width: 1 });
  }
  return { signals, bits, unobserved, fsms: fsmJson === undefined ? [] : fsmProbes(fsmJson, top, mod.netnames) };
}

/** `probes` (from `coverageProbes(refJson, top)`) with the FSMs of `fsmJson`, without walking the state bits again. */
export function withFsmProbes(probes: CoverageProbes, refJson: unknown, top: string, fsmJson: unknown): CoverageProbes {
  const mod = Netlist.parse(refJson).modules[top];
  return mod ? { ...probes, fsms: fsmProbes(fsmJson, top, mod.netnames) } : probes;
}

function fsmProbes(json: unknown, top: string, netnames: Record<string, Netname>): FsmProbe[] {
  const mod = Netlist.parse(json).modules[top];
  if (!mod) return [];
  const out: FsmProbe[] = [];
  for (const cell of Object.values(mod.cells)) {
    if (cell.type !== "$fsm") continue;
    const p = cell.parameters;
    const name = String(p.NAME ?? "").replace(/^\\/, "");
    const net = netnames[name];
    const path = net ? pathOf(name, net) : null;
    const width = int(p.STATE_BITS);
    const count = int(p.STATE_NUM);
    // Only a whole state register, unshifted, is compared value for value.
    if (!net || path === null || net.bits.length !== width || net.offset || net.upto) continue;
    if (!(count >= 2 && count <= MAX_FSM_STATES && width > 0)) continue;
    // Yosys packs tables LSB first: entry i holds bits [i*w, (i+1)*w).
    const table = binary(p.STATE_TABLE).padStart(count * width, "0");
    const states: string[] = [];
    for (let i = 0; i < count; i++) states.push(table.slice(table.length - (i + 1) * width, table.length - i * width));
    if (states.some((s) => !/^[01]+$/.test(s)) || new Set(states).size !== count) continue;
    const log2 = int(p.STATE_NUM_LOG2);
    const ctrlIn = int(p.CTRL_IN_WIDTH);
    const ctrlOut = int(p.CTRL_OUT_WIDTH);
    const entry = 2 * log2 + ctrlIn + ctrlOut;
    const trans = int(p.TRANS_NUM);
    const bitsLsb = [...binary(p.TRANS_TABLE).padStart(trans * entry, "0")].reverse().join("");
    const pairs = new Set<string>();
    const transitions: Array<[number, number]> = [];
    // Within an entry, LSB first: ctrl_out, state_out, ctrl_in, state_in.
    const field = (from: number, len: number) =>
      Number.parseInt([...bitsLsb.slice(from, from + len)].reverse().join(""), 2);
    for (let t = 0; t < trans; t++) {
      const base = t * entry;
      const to = field(base + ctrlOut, log2);
      const from = field(base + ctrlOut + log2 + ctrlIn, log2);
      const key = `${from}:${to}`;
      if (from < count && to < count && !pairs.has(key)) {
        pairs.add(key);
        transitions.push([from, to]);
      }
    }
    out.push({ path, width, states, transitions });
  }
  return out;
}
