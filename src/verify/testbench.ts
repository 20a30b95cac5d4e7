import type { DesignInterface, Port } from "../contracts/index.js";
import { renderAssumption } from "./assume.js";
import type { CoverageProbes, FsmProbe } from "./coverage.js";
import { displayVerdict } from "./verdict-lines.js";

/** One input assignment per step: input name -> Verilog literal (e.g. "4'b1010"). */
export type Stimulus = Array<Record<string, string>>;

export interface TestbenchSpec {
  /** Per-run random token: in every name the candidate could reach and in every verdict line. */
  nonce: string;
  reference: { module: string; iface: DesignInterface };
  /** Candidate top modules (already renamed), each instantiated with the reference's port names. */
  candidates: string[];
  seed: number;
  /** Random clock cycles for sequential designs. */
  cycles: number;
  /** Random vectors for combinational designs too wide to enumerate. */
  vectors: number;
  /** Combinational designs with at most this many input bits are checked exhaustively. */
  exhaustiveBits: number;
  /** Replay exactly these input steps instead of the generated stimulus (formal counterexamples). */
  replay?: Stimulus;
  /**
   * Input constraint over the reference's inputs (checked beforehand, see assume.ts): random draws are retried
   * until it holds, a tick whose inputs break it draws new ones, and samples are compared only where it holds
   * (sequential: and no edge has seen it broken since the last reset).
   */
  assume?: string;
  /** The reference's state to sample for coverage (sequential designs; ignored on replays). */
  coverage?: CoverageProbes;
}

export interface Testbench {
  top: string;
  source: string;
  /** Comparisons per candidate the run must report; fewer means the simulation was cut short. */
  samples: number;
  /** Clock cycles (sequential) or vectors (combinational) the stimulus applies. */
  steps: number;
  exhaustive: boolean;
  /** Inputs the testbench drives (all but the clock), in the order of the verdict lines. */
  inputs: Port[];
  outputs: Port[];
  /** What the run reports of the reference's coverage (`C` and `F` lines), when it samples any. */
  coverage?: { bits: number; unobserved: number; fsms: FsmProbe[]; transitions: boolean };
}

const MAX_WALKING_BITS = 64;

/** Steps between progress lines: about the same wall time whatever the design's size and the group's. */
function heartbeatEvery(cells: number, candidates: number): number {
  return Math.min(64, Math.max(1, Math.floor((64 * 400) / (Math.max(cells, 1) * Math.max(candidates, 1)))));
}
const RESET_CYCLES = 2;

const range = (w: number) => (w > 1 ? `[${w - 1}:0] ` : "");
const ones = (w: number) => `{${w}{1'b1}}`;

/** Longest hold a deep phase draws, whatever the reference's constants say. */
const MAX_HOLD = 4096;
/** The deep phase gets at most this multiple of the random budget on top of it. */
const DEEP_BUDGET_FACTOR = 1;
/**
 * The longest single run after a reset, when the reference's largest threshold is beyond MAX_HOLD (a clock counting
 * to 11:59:59 needs 43,200 cycles). Such references are rare (one of VerilogEval's 156), and a run of this length
 * costs about a second of simulation for a small design.
 */
const LONG_RUN = 1 << 16;
/** The exact-length sweep tries every value of the data inputs up to this many bits, random ones beyond. */
const SWEEP_ENUMERATED_BITS = 4;
const SWEEP_RANDOM_ROUNDS = 8;

export interface DeepPlan {
  /** Cycles the deep phase runs (the sweep, then the random holds; `long` comes on top). */
  cycles: number;
  /** Holds are drawn uniformly in 1..hold, or near one of `near` (a threshold itself, give or take one). */
  hold: number;
  near: number[];
  /**
   * Run first, on top of the random holds' cycles: for each of these hold lengths n (a threshold minus one, smallest
   * first, while they fit in half the random phase's cycles), pulses of exactly n..n+3 cycles framed by one cycle of
   * the complement on both sides, then the complement pulsed the same way. A press of exactly a threshold's length,
   * which random holds draw about once in a hundred episodes, is then always simulated.
   */
  sweep: number[];
  /**
   * Input values per length: every value of the data inputs (V and ~V of each of 2^(bits-1) values) when they have
   * at most 4 bits, else 8 random draws.
   */
  sweepValues: { enumerate: boolean; rounds: number };
  sweepCycles: number;
  /**
   * Cycles of one more run, from a reset with every data input held high (enables on), when a threshold is too far
   * for the random holds to reach: state that only changes after tens of thousands of enabled cycles.
   */
  long?: number;
}

/**
 * The deep-state phase of a sequential testbench, sized by the reference's state: inputs held for random lengths up
 * to twice the largest constant the reference compares its state against (or near that constant exactly), per-bit
 * sticky inputs, and a reset followed by a long hold. Counters, timeouts and debouncers only change behaviour
 * after such runs, which independent random inputs almost never produce. Null when there is nothing to hold.
 */
export function deepPlan(iface: DesignInterface, cycles: number, dataInputs: number): DeepPlan | null {
  if (iface.clock === null || dataInputs === 0) return null;
  const threshold = iface.maxStateConstant ?? 0;
  const stateBits = iface.stateBits ?? 0;
  if (threshold === 0 && stateBits === 0) return null;
  const hold = Math.min(Math.max(2 * threshold + 2, 16), MAX_HOLD);
  // Enough cycles for a dozen holds of the longest kind, more for more state; never more than the random budget.
  const wanted = Math.max(12 * hold, 32 * stateBits, 64);
  const budget = Math.min(wanted, Math.max(Math.floor(cycles * DEEP_BUDGET_FACTOR), 64));
  const constants = iface.stateConstants?.length ? iface.stateConstants : [threshold];
  const near = [...new Set(constants.map((c) => Math.min(Math.max(c - 1, 1), MAX_HOLD)))];
  const bits = iface.ports
    .filter((p) => p.direction === "input" && p.name !== iface.clock && !iface.resets.some((r) => r.name === p.name))
    .reduce((s, p) => s + p.width, 0);
  const enumerate = bits <= SWEEP_ENUMERATED_BITS;
  const rounds = enumerate ? 2 ** Math.max(bits - 1, 0) : SWEEP_RANDOM_ROUNDS;
  const sweep: number[] = [];
  let sweepCycles = 0;
  for (const n of [...near].sort((a, b) => a - b)) {
    if (sweepCycles + rounds * sweepCost(n) > Math.floor(cycles / 2)) break;
    sweep.push(n);
    sweepCycles += rounds * sweepCost(n);
  }
  const plan: DeepPlan = {
    cycles: budget + sweepCycles,
    hold,
    near,
    sweep,
    sweepValues: { enumerate, rounds },
    sweepCycles,
  };
  if (2 * threshold + 2 > MAX_HOLD) plan.long = Math.min(2 * threshold + 2, LONG_RUN);
  return plan;
}

/** Cycles of the exact-length sweep for hold length n, one value: four lengths, a framed pulse of V and one of ~V. */
const sweepCost = (n: number): number => [0, 1, 2, 3].reduce((s, d) => s + 2 * (n + d + 2), 0);

/** Emits the deep phase; returns the clock steps it takes. */
function emitDeepPhase(
  emit: (s: string) => void,
  draw: string,
  plan: DeepPlan,
  vars: string[],
  widths: number[],
  resets: number,
): number {
  // The sweep first (its cycles are counted up front); then every episode ticks exactly rg_len cycles and the last one
  // is cut to fit, so the total is plan.cycles.
  emit(`    rg_deep = ${plan.sweepCycles}; rg_held = 0;`);
  if (resets) emit("    rg_reset(-1);");
  // The sweep: ~V for one cycle, V for exactly n + j cycles, ~V for one; then the same with V and ~V swapped, so
  // every input bit is pulsed high and low for each length, with an edge on both sides of the pulse.
  const save = vars.map((v, j) => `rg_o${j} = ${v};`).join(" ");
  const flip = vars.map((v) => `${v} = ~${v};`).join(" ");
  const restore = vars.map((v, j) => `${v} = rg_o${j};`).join(" ");
  const restoreFlipped = vars.map((v, j) => `${v} = ~rg_o${j};`).join(" ");
  const value = plan.sweepValues.enumerate ? `{${vars.join(", ")}} = rg_v;` : "rg_random_inputs(0);";
  for (const n of plan.sweep) {
    emit(`    for (rg_v = 0; rg_v < ${plan.sweepValues.rounds}; rg_v = rg_v + 1)`);
    emit("    for (rg_j = 0; rg_j < 4; rg_j = rg_j + 1) begin");
    emit(`      ${value} ${save}`);
    emit(`      ${flip} rg_tick; ${restore} repeat (${n} + rg_j) rg_tick; ${flip} rg_tick;`);
    emit(`      ${restore} rg_tick; ${restoreFlipped} repeat (${n} + rg_j) rg_tick; ${restore} rg_tick;`);
    emit("    end");
  }
  emit(`    while (rg_deep < ${plan.cycles}) begin`);
  emit(`      ${draw}`);
  emit("      rg_kind = rg_s[63:62];");
  // Half the holds uniform up to twice the largest threshold, half within a cycle or two of one of the thresholds
  // (a flag set after an exact run length needs that length exactly).
  emit(`      if (rg_s[61]) rg_len = 1 + rg_s[59:32] % ${plan.hold};`);
  emit(`      else case (rg_s[52:32] % ${plan.near.length})`);
  for (const [i, c] of plan.near.entries()) emit(`        ${i}: rg_len = ${c} + rg_s[60:59];`);
  emit("        default: rg_len = 1;");
  emit("      endcase");
  emit(`      if (rg_len > ${plan.cycles} - rg_deep) rg_len = ${plan.cycles} - rg_deep;`);
  emit("      rg_deep = rg_deep + rg_len;");
  emit("      rg_random_inputs(0);");
  if (resets) {
    // A reset, then the inputs held from it: the longest undisturbed runs from a known state.
    emit("      if (rg_kind == 0) begin");
    emit(`        ${draw}`);
    emit(`        rg_reset(rg_s[57:40] % ${resets}); rg_probe; rg_tick; rg_reset(-1); rg_probe; rg_len = rg_len - 1;`);
    emit("      end");
  }
  emit("      if (rg_kind == 3) begin");
  // Per-bit sticky: a random mask per input keeps some bits (an enable, a mode) while the rest change each cycle.
  widths.forEach((w, j) => {
    emit(`        ${draw} rg_k${j} = rg_s[${32 + Math.min(w, 32) - 1}:32];`);
    if (w > 32) emit(`        rg_k${j} = {${Math.ceil(w / 32)}{rg_s[63:32]}};`);
  });
  emit("        while (rg_len > 0) begin");
  emit(`          ${vars.map((v, j) => `rg_o${j} = ${v};`).join(" ")}`);
  emit("          rg_random_inputs(0);");
  emit(`          ${vars.map((v, j) => `${v} = (rg_o${j} & rg_k${j}) | (${v} & ~rg_k${j});`).join(" ")}`);
  emit("          rg_tick; rg_len = rg_len - 1;");
  emit("        end");
  emit("      end else begin");
  emit("        while (rg_len > 0) begin rg_tick; rg_len = rg_len - 1; end");
  emit("      end");
  emit("    end");
  if (plan.long !== undefined) {
    // From a reset (when there is one), every data input high for the whole run, probed every cycle as usual.
    if (resets) emit("    rg_reset(0); rg_probe; rg_tick; rg_reset(-1); rg_probe;");
    emit(`    ${vars.map((v, j) => `${v} = ${ones(widths[j] ?? 1)};`).join(" ")}`);
    emit(`    repeat (${plan.long}) rg_tick;`);
    return plan.cycles + plan.long + (resets ? 1 : 0);
  }
  return plan.cycles;
}

/** Whether the testbench enumerates every input vector of this reference (a combinational one with few input bits). */
export function enumeratesInputs(iface: DesignInterface, exhaustiveBits: number): boolean {
  const inputs = iface.ports.filter((p) => p.direction === "input" && p.name !== iface.clock);
  return iface.clock === null && inputs.reduce((s, p) => s + p.width, 0) <= exhaustiveBits;
}

/**
 * Generates the self-checking testbench: reference and candidates side by side on the same stimulus, every
 * output compared with the X rule (`ref !== (ref ^ cand ^ ref)`: an X in the reference matches anything, an X
 * from the candidate does not) before and after every clock edge, counts kept per candidate and output, and
 * the verdict printed only in lines that carry the nonce. Random values come from a 64-bit LCG
 * inside the testbench (simulator `$random` differs across tools and is weak in some).
 */
export function generateTestbench(spec: TestbenchSpec): Testbench {
  const { iface } = spec.reference;
  const n = spec.nonce;
  const top = `rtlgym_tb_${n}`;
  const clock = iface.clock;
  const inputs = iface.ports.filter((p) => p.direction === "input" && p.name !== clock);
  const outputs = iface.ports.filter((p) => p.direction === "output");
  const resetIndex = new Map(iface.resets.map((r, i) => [r.name, i]));
  const dataInputs = inputs.filter((p) => !resetIndex.has(p.name));
  const inputBits = inputs.reduce((s, p) => s + p.width, 0);
  const sequential = clock !== null;
  const exhaustive = !spec.replay && enumeratesInputs(iface, spec.exhaustiveBits);
  const K = spec.candidates.length;
  const inVar = (i: number) => `rg_i${i}`;
  const inIdx = new Map(inputs.map((p, i) => [p.name, i]));
  const varOf = (p: Port) => inVar(inIdx.get(p.name) ?? -1);
  const assumed = spec.assume === undefined ? undefined : renderAssumption(spec.assume, iface, varOf);
  const L: string[] = [];
  const emit = (s: string): void => {
    L.push(s);
  };

  emit("`timescale 1ns/1ps");
  emit(`module ${top};`);
  if (clock) emit(`  reg rg_clk = 1'b0;`);
  // No initialiser: the first assignment must be an event, or `always @(*)` blocks never run at time 0.
  for (const [i, p] of inputs.entries()) emit(`  reg ${range(p.width)}${inVar(i)};`);
  outputs.forEach((p, o) => {
    emit(`  wire ${range(p.width)}rg_r${o};`);
    for (let k = 0; k < K; k++) emit(`  wire ${range(p.width)}rg_c${k}_${o};`);
  });
  const connect = (out: (o: number) => string) =>
    iface.ports
      .map((p) => {
        if (p.name === clock) return `.${p.name}(rg_clk)`;
        if (p.direction === "input") return `.${p.name}(${varOf(p)})`;
        return `.${p.name}(${out(outputs.indexOf(p))})`;
      })
      .join(", ");
  emit(`  ${spec.reference.module} ref_${n} (${connect((o) => `rg_r${o}`)});`);
  for (const [k, m] of spec.candidates.entries()) emit(`  ${m} cand${k}_${n} (${connect((o) => `rg_c${k}_${o}`)});`);

  emit("  reg [63:0] rg_s;");
  emit("  reg [63:0] rg_m;");
  emit("  integer rg_cyc, rg_samples, rg_r, rg_j, rg_v, rg_held, rg_deep, rg_len, rg_kind;");
  if (assumed !== undefined) {
    emit("  integer rg_ok, rg_t, rg_taint;");
    // An if treats X as false: inputs that leave the constraint undefined do not satisfy it.
    emit(`  task rg_eval; begin if (${assumed}) rg_ok = 1; else rg_ok = 0; end endtask`);
  }
  outputs.forEach((p, o) => {
    emit(`  integer rg_d${o};`);
    for (let k = 0; k < K; k++) {
      emit(`  integer rg_m${k}_${o}, rg_fc${k}_${o}, rg_fp${k}_${o};`);
      emit(`  reg ${range(p.width)}rg_fe${k}_${o}, rg_fg${k}_${o};`);
    }
  });
  // Per-bit sticky phases: the bits set in rg_k<j> keep their value, the others are drawn anew every cycle.
  for (const [j, p] of dataInputs.entries()) emit(`  reg ${range(p.width)}rg_k${j}, rg_o${j};`);
  for (let k = 0; k < K; k++) {
    emit(`  integer rg_any${k}, rg_ac${k}, rg_ap${k};`);
    for (const [i, p] of inputs.entries()) emit(`  reg ${range(p.width)}rg_a${k}_${i};`);
  }

  const probes = sequential && !spec.replay ? spec.coverage : undefined;
  const coverage = probes && (probes.bits > 0 || probes.fsms.length > 0) ? probes : undefined;
  // FSM transitions pair the states of consecutive pre-edge samples: one active edge apart, unless flops use both.
  const transitions = iface.clockEdges.length === 1;
  const covered: string[] = [];
  if (coverage) {
    const w = coverage.bits;
    if (w > 0) {
      emit(`  reg ${range(w)}rg_cov_s, rg_cov_p, rg_cov_r, rg_cov_f;`);
      // Sampled before each edge and at every probe: a bit rose (fell) when a sample after a defined 0 (1) holds a
      // defined 1 (0). X operands leave an X in rg_cov_r/f that a defined toggle later turns into 1; X is not counted.
      covered.push(
        `if (ph != 1) begin rg_cov_s = @@RGSTATE@@; rg_cov_r = rg_cov_r | (~rg_cov_p & rg_cov_s); rg_cov_f = rg_cov_f | (rg_cov_p & ~rg_cov_s); rg_cov_p = rg_cov_s; end`,
      );
    }
    if (coverage.fsms.length > 0) emit("  integer rg_fsm_b;");
    coverage.fsms.forEach((f, i) => {
      const n = f.states.length;
      emit(`  reg ${range(f.width)}rg_fsm_q${i};`);
      emit(`  integer rg_fsm_l${i};`);
      emit(`  reg ${range(n)}rg_fsm_v${i};`);
      emit(`  reg ${range(n * n)}rg_fsm_t${i};`);
      const index = (v: string, into: string) =>
        `case (${v}) ${f.states.map((st, j) => `${f.width}'b${st}: ${into} = ${j};`).join(" ")} default: ${into} = -1; endcase`;
      const step = [
        `if (ph != 1) begin ${index(`@@RGFSM${i}@@`, "rg_fsm_b")} if (rg_fsm_b >= 0) rg_fsm_v${i}[rg_fsm_b] = 1'b1; end`,
      ];
      if (transitions)
        step.push(
          `if (ph == 0) begin ${index(`@@RGFSM${i}@@`, "rg_fsm_b")} if (rg_fsm_l${i} >= 0 && rg_fsm_b >= 0) rg_fsm_t${i}[rg_fsm_l${i} * ${n} + rg_fsm_b] = 1'b1; rg_fsm_l${i} = rg_fsm_b; end`,
        );
      covered.push(...step);
    });
  }

  // 64-bit LCG (Knuth's MMIX constants): one statement per draw, several times cheaper in vvp than a
  // shift-register generator. Its low bits are weak, so values are taken from the high 32 bits only.
  const DRAW = "rg_s = rg_s * 64'h5851f42d4c957f2d + 64'h14057b7ef767814f;";
  // Phases: 0 before the active edge, 1 after it, 2 a probe between edges right after a reset changed (reported
  // as "pre"; not counted in `samples`, since how many probes run depends on the random draws).
  emit("  task rg_check(input integer ph); begin");
  emit("    if (ph != 2) rg_samples = rg_samples + 1;");
  for (const line of covered) emit(`    ${line}`);
  if (assumed !== undefined) emit("    rg_eval; if (rg_ok != 0 && rg_taint == 0) begin");
  outputs.forEach((_p, o) => {
    emit(`    if (^rg_r${o} !== 1'bx) rg_d${o} = rg_d${o} + 1;`);
    for (let k = 0; k < K; k++) {
      // Identical values always match (a Z the reference drives is matched by the same Z); otherwise the X rule.
      emit(`    if (rg_r${o} !== rg_c${k}_${o} && rg_r${o} !== (rg_r${o} ^ rg_c${k}_${o} ^ rg_r${o})) begin`);
      emit(
        `      if (rg_m${k}_${o} == 0) begin rg_fc${k}_${o} = rg_cyc; rg_fp${k}_${o} = ph % 2; rg_fe${k}_${o} = rg_r${o}; rg_fg${k}_${o} = rg_c${k}_${o}; end`,
      );
      emit(`      rg_m${k}_${o} = rg_m${k}_${o} + 1;`);
      const capture = inputs.map((_q, i) => `rg_a${k}_${i} = ${inVar(i)};`).join(" ");
      emit(`      if (rg_any${k} == 0) begin rg_any${k} = 1; rg_ac${k} = rg_cyc; rg_ap${k} = ph % 2; ${capture} end`);
      emit("    end");
    }
  });
  if (assumed !== undefined) emit("    end");
  emit("  end endtask");

  // New values for the data inputs. Each input draws a mode: zeros, ones, hold, one-hot, sign boundary, or
  // uniform. `sticky` (1) keeps an input unchanged with probability 15/16, for long runs that reach deep states.
  emit(`  task ${assumed === undefined ? "rg_random_inputs" : "rg_draw"}(input integer sticky); begin`);
  dataInputs.forEach((p, j) => {
    const v = varOf(p);
    const w = p.width;
    const slot = j % 8; // one draw gives the mode bits of eight inputs
    if (slot === 0) emit(`    ${DRAW} rg_m = rg_s;`);
    const hi = 63 - slot * 4;
    const mode = `rg_m[${hi}:${hi - 2}]`;
    const hold = `sticky != 0 && (${mode} != 3'd7 || rg_m[${hi - 3}] == 1'b0)`;
    const uniform: string[] = [];
    for (let lo = 0; lo < w; lo += 32) {
      const top = Math.min(w - 1, lo + 31);
      uniform.push(`${DRAW} ${w > 1 ? `${v}[${top}:${lo}]` : v} = rg_s[${63 - (31 - (top - lo))}:32];`);
    }
    emit(`    if (!(${hold})) begin`);
    if (w === 1) {
      emit(`      ${DRAW} ${v} = rg_s[63];`);
    } else {
      const shiftBits = Math.max(Math.ceil(Math.log2(w)), 1);
      emit(`      ${DRAW}`);
      emit(`      case (rg_s[63:61])`);
      emit(`        3'd0: ${v} = 0;`);
      emit(`        3'd1: ${v} = ${ones(w)};`);
      emit(`        3'd2: ${v} = ${v};`);
      emit(`        3'd3: ${v} = ${w}'d1 << rg_s[${59}:${60 - shiftBits}];`);
      emit(`        3'd4: begin ${v} = rg_s[58] ? ${ones(w)} : 0; ${v}[${w - 1}] = ~${v}[${w - 1}]; end`);
      const known = iface.inputConstants?.[p.name] ?? [];
      if (known.length > 0) {
        // Half of mode 7: uniform, then a slice set to a constant the reference compares it against (a case item
        // on a wide input is drawn once in 2^width otherwise). The pick reuses bits of the last draw that the
        // uniform value does not, so the random stream, and every other input's values, stay as they were.
        emit(`        3'd7: begin ${uniform.join(" ")}`);
        emit(`          if (rg_s[31]) case (rg_s[30:16] % ${known.length})`);
        for (const [k, c] of known.entries()) {
          const slice = c.width === w ? v : c.width === 1 ? `${v}[${c.lo}]` : `${v}[${c.lo + c.width - 1}:${c.lo}]`;
          emit(`            ${k}: ${slice} = ${c.width}'d${c.value};`);
        }
        emit("            default: ;");
        emit("          endcase");
        emit("        end");
      }
      emit(`        default: begin ${uniform.join(" ")} end`);
      emit("      endcase");
    }
    emit("    end");
  });
  emit("  end endtask");
  if (assumed !== undefined) {
    // Draws until the constraint holds (a few dozen tries; a tick still breaking it taints the state).
    emit("  task rg_random_inputs(input integer sticky); begin");
    emit("    rg_draw(sticky); rg_eval; rg_t = 0;");
    emit("    while (rg_ok == 0 && rg_t < 64) begin rg_draw(0); rg_eval; rg_t = rg_t + 1; end");
    emit("  end endtask");
  }

  const resets = iface.resets;
  emit("  task rg_reset(input integer which); begin");
  resets.forEach((r, i) => {
    const v = varOf(inputs[inIdx.get(r.name) ?? 0] as Port);
    const on = r.activeHigh ? "1'b1" : "1'b0";
    const off = r.activeHigh ? "1'b0" : "1'b1";
    emit(`    ${v} = (which == ${i}) ? ${on} : ${off};`);
  });
  emit("  end endtask");
  // Right after a reset is asserted or released between clock edges: compare at once, then with every data
  // input bit inverted, then with random ones (still no edge). An output the reference masks for some inputs
  // (an X unless some `valid` bit is set) thus shows the reset state whichever value that bit had. An
  // asynchronous reset acts here; a synchronous one, one on the wrong edge, or a block that runs its clocked
  // branch when the reset is released shows a difference before the next clock edge.
  const invert = dataInputs.map((p) => `${varOf(p)} = ~${varOf(p)};`).join(" ");
  emit(
    `  task rg_probe; begin #1 rg_check(2); ${invert} #1 rg_check(2); rg_random_inputs(0); #1 rg_check(2); end endtask`,
  );

  // Progress lines let the runner tell a slow simulation from a stuck one (a zero-delay loop prints nothing).
  const heartbeat = `if (rg_cyc % ${heartbeatEvery(iface.cells, K)} == 0) begin ${displayVerdict(n, "P", "%0d", ["rg_cyc"])} $fflush; end`;
  // With a constraint: inputs that break it (directed vectors, held bits) are redrawn before the tick, and an edge
  // that still sees them broken taints the state until an edge with a reset asserted.
  const anyReset = resets
    .map((r) => `${varOf(inputs[inIdx.get(r.name) ?? 0] as Port)} == ${r.activeHigh ? "1'b1" : "1'b0"}`)
    .join(" || ");
  const fix = assumed === undefined ? "" : "rg_eval; if (rg_ok == 0) rg_random_inputs(0); ";
  const edge =
    assumed === undefined
      ? ""
      : `rg_eval; if (${anyReset || "1'b0"}) rg_taint = 0; else if (rg_ok == 0) rg_taint = 1; `;
  if (sequential) {
    emit(
      iface.clockEdges.length > 1
        ? // Flops on both edges: data inputs also change between the rising and the falling edge (mostly held, as
          // sticky draws), or a design that samples only one edge would look the same as one sampling both.
          `  task rg_tick; begin ${fix}#2 rg_check(0); #1 ${edge}rg_clk = 1'b1; #2 rg_check(1); rg_random_inputs(1); #1 rg_check(2); #2 ${edge}rg_clk = 1'b0; #1 rg_check(2); #1 rg_cyc = rg_cyc + 1; ${heartbeat} end endtask`
        : `  task rg_tick; begin ${fix}#2 rg_check(0); #1 ${edge}rg_clk = 1'b1; #2 rg_check(1); #3 ${edge}rg_clk = 1'b0; #2 rg_cyc = rg_cyc + 1; ${heartbeat} end endtask`,
    );
  } else {
    emit(`  task rg_tick; begin #1 rg_check(0); #1 rg_cyc = rg_cyc + 1; ${heartbeat} end endtask`);
  }

  emit("  initial begin");
  const seed = BigInt.asUintN(64, (BigInt(spec.seed) + 1n) * 0x9e3779b97f4a7c15n).toString(16);
  emit(`    rg_s = 64'h${seed}; rg_cyc = 0; rg_samples = 0; rg_held = 0;`);
  if (assumed !== undefined) emit("    rg_ok = 0; rg_t = 0; rg_taint = 0;");
  outputs.forEach((_p, o) => {
    emit(`    rg_d${o} = 0;`);
    for (let k = 0; k < K; k++) emit(`    rg_m${k}_${o} = 0; rg_fc${k}_${o} = 0; rg_fp${k}_${o} = 0;`);
  });
  for (let k = 0; k < K; k++) emit(`    rg_any${k} = 0; rg_ac${k} = 0; rg_ap${k} = 0;`);
  if (coverage) {
    if (coverage.bits > 0) emit(`    rg_cov_p = {${coverage.bits}{1'bx}}; rg_cov_r = 0; rg_cov_f = 0;`);
    coverage.fsms.forEach((_f, i) => {
      emit(`    rg_fsm_l${i} = -1; rg_fsm_v${i} = 0; rg_fsm_t${i} = 0;`);
    });
  }
  if (sequential) emit("    #2;");

  let steps = 0;
  const tick = (count: number) => {
    steps += count;
  };
  if (spec.replay) {
    for (const step of spec.replay) {
      for (const [name, literal] of Object.entries(step)) {
        const i = inIdx.get(name);
        if (i !== undefined) emit(`    ${inVar(i)} = ${literal};`);
      }
      emit("    rg_tick;");
      tick(1);
    }
  } else if (inputs.length === 0) {
    // Nothing to drive (constant outputs): a few samples show the values.
    emit("    repeat (4) rg_tick;");
    tick(4);
  } else if (exhaustive) {
    const total = 2 ** inputBits;
    const concat = inputs.map((_p, i) => inVar(i)).join(", ");
    emit(
      `    for (rg_m = 0; rg_m < ${total}; rg_m = rg_m + 1) begin {${concat}} = rg_m[${Math.max(inputBits - 1, 0)}:0]; rg_tick; end`,
    );
    // Then in random order: a candidate that latches state shows it only when the order changes.
    const shuffled = Math.min(spec.vectors, Math.max(4 * total, 256));
    emit(`    repeat (${shuffled}) begin rg_random_inputs(0); rg_tick; end`);
    tick(total + shuffled);
  } else if (!sequential) {
    // Directed vectors first: all zeros, all ones, walking one and walking zero over the concatenated inputs.
    const concat = `{${inputs.map((_p, i) => inVar(i)).join(", ")}}`;
    emit(`    ${concat} = 0; rg_tick;`);
    emit(`    ${concat} = ${ones(inputBits)}; rg_tick;`);
    tick(2);
    const walk = Math.min(inputBits, MAX_WALKING_BITS);
    if (inputBits > 0) {
      emit(
        `    for (rg_j = 0; rg_j < ${walk}; rg_j = rg_j + 1) begin ${concat} = 0; ${concat} = ${concat} | (${inputBits}'d1 << rg_j); rg_tick; end`,
      );
      emit(
        `    for (rg_j = 0; rg_j < ${walk}; rg_j = rg_j + 1) begin ${concat} = ~(${inputBits}'d1 << rg_j); rg_tick; end`,
      );
      tick(2 * walk);
    }
    emit(`    repeat (${spec.vectors}) begin rg_random_inputs(0); rg_tick; end`);
    tick(spec.vectors);
  } else {
    // From time 0 with no reset: initial values count where the reference defines them.
    emit("    rg_reset(-1); rg_tick; rg_tick;");
    tick(2);
    const variants = Math.max(resets.length, 1);
    const perVariant = Math.max(Math.floor(spec.cycles / variants), 16);
    for (let v = 0; v < variants; v++) {
      if (resets.length) {
        // Every change between edges and probed before the next edge: a pulse with no edge in it, then the
        // reset held across two edges and released.
        emit(`    rg_held = 0; rg_random_inputs(0); rg_reset(${v}); rg_probe; rg_reset(-1); rg_probe;`);
        emit(
          `    rg_random_inputs(0); rg_reset(${v}); rg_probe; rg_tick; rg_random_inputs(0); rg_tick; rg_random_inputs(0); rg_reset(-1); rg_probe;`,
        );
        tick(RESET_CYCLES);
      }
      if (v === 0) {
        // Directed: zeros, ones, walking one over the data inputs, with resets released.
        const data = dataInputs.map(varOf);
        if (data.length) {
          const concat = `{${data.join(", ")}}`;
          const bits = dataInputs.reduce((s, p) => s + p.width, 0);
          const walk = Math.min(bits, MAX_WALKING_BITS);
          emit(`    ${concat} = 0; rg_tick; rg_tick; ${concat} = ${ones(bits)}; rg_tick; rg_tick;`);
          emit(
            `    for (rg_j = 0; rg_j < ${walk}; rg_j = rg_j + 1) begin ${concat} = ${bits}'d1 << rg_j; rg_tick; end`,
          );
          tick(4 + walk);
        }
      }
      // Long runs without reset reach deep states (counters near wrap, long input streaks): first with
      // sticky inputs, then changing every cycle; last, a run with some reset pulsed now and then (1 cycle in 8),
      // always between edges and probed: half the pulses end before the next edge, half are held across it.
      const sticky = Math.floor(perVariant * 0.4);
      const free = Math.floor(perVariant * 0.3);
      const pulsed = perVariant - sticky - free;
      emit(`    repeat (${sticky}) begin rg_random_inputs(1); rg_tick; end`);
      emit(`    repeat (${free}) begin rg_random_inputs(0); rg_tick; end`);
      emit(`    repeat (${pulsed}) begin`);
      emit("      rg_random_inputs(0);");
      if (resets.length) {
        emit(`      ${DRAW}`);
        emit(`      if (rg_s[63:61] == 3'd0) begin`);
        emit(`        rg_reset(rg_s[57:40] % ${resets.length}); rg_probe;`);
        emit("        if (rg_s[59]) begin rg_reset(-1); rg_probe; rg_held = 0; end else rg_held = 1;");
        emit("      end else if (rg_held != 0) begin rg_reset(-1); rg_probe; rg_held = 0; end");
      }
      emit("      rg_tick;");
      emit("    end");
      tick(perVariant);
    }
    const deep = deepPlan(iface, spec.cycles, dataInputs.length);
    if (deep) {
      tick(
        emitDeepPhase(
          emit,
          DRAW,
          deep,
          dataInputs.map(varOf),
          dataInputs.map((p) => p.width),
          resets.length,
        ),
      );
    }
  }

  outputs.forEach((_p, o) => {
    emit(`    ${displayVerdict(n, "D", `${o} %0d`, [`rg_d${o}`])}`);
    for (let k = 0; k < K; k++) {
      const fields = ["m", "fc", "fp", "fe", "fg"].map((r) => `rg_${r}${k}_${o}`);
      emit(`    ${displayVerdict(n, "M", `${k} ${o} %0d %0d %0d %b %b`, fields)}`);
    }
  });
  for (let k = 0; k < K; k++) {
    emit(`    if (rg_any${k}) begin`);
    emit(`      ${displayVerdict(n, "A", `${k} %0d %0d`, [`rg_ac${k}`, `rg_ap${k}`])}`);
    for (const [i, _p] of inputs.entries()) emit(`      ${displayVerdict(n, "V", `${k} ${i} %b`, [`rg_a${k}_${i}`])}`);
    emit("    end");
  }
  if (coverage) {
    if (coverage.bits > 0) emit(`    ${displayVerdict(n, "C", "%b %b", ["rg_cov_r", "rg_cov_f"])}`);
    coverage.fsms.forEach((_f, i) => {
      emit(`    ${displayVerdict(n, "F", `${i} %b %b`, [`rg_fsm_v${i}`, `rg_fsm_t${i}`])}`);
    });
  }
  emit(`    ${displayVerdict(n, "END", "%0d", ["rg_samples"])}`);
  emit("    $finish;");
  emit("  end");
  emit("endmodule");
  const samples = steps * (sequential ? 2 : 1);
  // Every testbench name (tasks, registers, counters) carries the nonce too, so none can be named from a design
  // even if one got past the front end's check that candidates elaborate alone.
  let source = `${L.join("\n")}\n`.replace(/\brg_/g, `rg${n}_`);
  if (coverage) {
    // The reference's own names go in after the renaming: a reference reg may itself start with rg_.
    const ref = `ref_${n}`;
    const state = `{${[...coverage.signals]
      .reverse()
      .map((x) => `${ref}.${x.expr}`)
      .join(", ")}}`;
    source = source.replaceAll("@@RGSTATE@@", state);
    coverage.fsms.forEach((f, i) => {
      source = source.replaceAll(`@@RGFSM${i}@@`, `${ref}.${f.path}`);
    });
  }
  const tb: Testbench = { top, source, samples, steps, exhaustive, inputs, outputs };
  if (coverage)
    tb.coverage = { bits: coverage.bits, unobserved: coverage.unobserved, fsms: coverage.fsms, transitions };
  return tb;
}
