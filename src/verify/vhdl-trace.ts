import { randomBytes } from "node:crypto";
import type { Counterexample, DesignInterface, Port } from "../contracts/index.js";
import { ghdlSimulator, inSimulationDir, iverilogSimulator } from "../tools/simulator.js";
import type { VhdlPort } from "../vhdl/index.js";

/**
 * Trace simulation: one design at a time, in its own simulator (GHDL for VHDL, iverilog for a Verilog netlist),
 * driven by a stimulus fixed in advance and printing every output at every sample on lines that start with a
 * per-run nonce. Two traces of the same stimulus are then compared in TypeScript, output by output. This is how a
 * GHDL translation is validated (native VHDL against its own netlist) and how two VHDL designs are compared
 * natively when a translation cannot be trusted.
 */
export interface TraceStimulus {
  /** Non-clock inputs in a fixed order, with widths; each step packs them MSB-first in this order. */
  inputs: Port[];
  clock: string | null;
  /** Edge the design samples on. */
  edge: "pos" | "neg";
  /** One bit string per step (inputs concatenated). */
  steps: string[];
}

export interface Trace {
  /** outputs in order */
  outputs: string[];
  /** samples[i][j]: output j at sample i as 0/1/x/z characters, MSB first. */
  samples: string[][];
}

export type TraceOutcome =
  | { kind: "ok"; trace: Trace; durationMs: number }
  | { kind: "compile_error"; log: string; durationMs: number }
  | { kind: "timeout"; durationMs: number }
  /** The run stopped before the last sample (a bound error, a fatal assertion in the reference). */
  | { kind: "error"; reason: string; log: string; partial: Trace; durationMs: number };

/** Deterministic 32-bit PRNG (mulberry32): the same seed gives both simulators the same stimulus. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EXHAUSTIVE_BITS = 10;

/**
 * Stimulus for a design interface: combinational designs with few input bits are enumerated; otherwise random
 * values, with every reset asserted for the first two cycles and again now and then (1 cycle in 16).
 */
export function makeStimulus(
  iface: DesignInterface,
  seed: number,
  count: number,
  exhaustiveBits = EXHAUSTIVE_BITS,
  undriven?: ReadonlySet<string>,
): TraceStimulus {
  const inputs = iface.ports.filter((p) => p.direction === "input" && p.name !== iface.clock);
  const total = inputs.reduce((s, p) => s + p.width, 0);
  const rand = prng(seed);
  const bits = (w: number) => {
    let s = "";
    for (let i = 0; i < w; i++) s += rand() < 0.5 ? "0" : "1";
    return s;
  };
  const steps: string[] = [];
  if (!iface.sequential && total <= exhaustiveBits) {
    for (let v = 0; v < 2 ** total; v++) steps.push(total === 0 ? "" : v.toString(2).padStart(total, "0"));
  } else {
    const resets = new Map(iface.resets.map((r) => [r.name, r.activeHigh]));
    // As the Verilog engine starts (src/verify/testbench.ts): two cycles with the resets released and the data
    // inputs undriven ('U' in VHDL, x in Verilog; ports whose VHDL type has no 'U' get 0).
    if (undriven && iface.sequential) {
      for (let k = 0; k < 2; k++) {
        let step = "";
        for (const p of inputs) {
          const active = resets.get(p.name);
          if (active !== undefined) step += active ? "0" : "1";
          else step += (undriven.has(p.name) ? "u" : "0").repeat(p.width);
        }
        steps.push(step);
      }
    }
    for (let k = 0; k < count; k++) {
      let step = "";
      for (const p of inputs) {
        const active = resets.get(p.name);
        if (active === undefined) step += bits(p.width);
        else {
          const on = k < 2 || rand() < 1 / 16;
          step += on === active ? "1" : "0";
        }
      }
      steps.push(step);
    }
  }
  return {
    inputs,
    clock: iface.sequential ? iface.clock : null,
    edge: iface.clockEdges[0] === "neg" ? "neg" : "pos",
    steps,
  };
}

/** Samples per step: before and after the active edge (sequential), or one (combinational). */
const samplesPerStep = (s: TraceStimulus) => (s.clock ? 2 : 1);

/** The VHDL testbench driving entity `entity` of library work with the stimulus; port types from the entity. */
export function vhdlTraceBench(
  entity: string,
  ports: VhdlPort[],
  widths: Map<string, number>,
  stim: TraceStimulus,
  nonce: string,
  generics: Record<string, string> = {},
): string {
  const byName = new Map(ports.map((p) => [p.name, p]));
  const width = (p: VhdlPort) => widths.get(p.name) ?? p.width ?? 1;
  const sig = (name: string) => `s_${name}`;
  const decl = (p: VhdlPort) => {
    const w = width(p);
    if (p.kind === "bit") return p.typeMark;
    if (p.kind === "bool") return "boolean";
    // The port's own range: an unconstrained integer starts at integer'low, out of a ranged input port's bounds
    // (GHDL stops at time 0 with a bound error before any stimulus).
    if (p.kind === "integer")
      return p.range
        ? `integer range ${p.range.lo} to ${p.range.hi}`
        : p.typeMark === "positive"
          ? "positive"
          : p.typeMark === "natural"
            ? "natural"
            : "integer";
    return `${p.typeMark}(${w - 1} downto 0)`;
  };
  const total = stim.inputs.reduce((s, p) => s + p.width, 0);
  const lines: string[] = [
    "library ieee;",
    "use ieee.std_logic_1164.all;",
    "use ieee.numeric_std.all;",
    "use std.textio.all;",
    "entity rtlgym_trace_tb is end entity;",
    "architecture sim of rtlgym_trace_tb is",
  ];
  for (const p of ports) lines.push(`  signal ${sig(p.name)} : ${decl(p)};`);
  const n = Math.max(stim.steps.length, 1);
  lines.push(`  type rtlgym_stim_t is array (0 to ${n - 1}) of std_logic_vector(${Math.max(total, 1) - 1} downto 0);`);
  const rows = stim.steps.length > 0 ? stim.steps : [""];
  const row = (s: string) => `"${(s || "0").padStart(Math.max(total, 1), "0").replace(/u/g, "U")}"`;
  lines.push(
    `  constant rtlgym_stim : rtlgym_stim_t := (${rows.length === 1 ? `0 => ${row(rows[0] ?? "")}` : rows.map(row).join(",\n    ")});`,
  );
  lines.push("begin");
  const gmap = Object.entries(generics).map(([k, v]) => `${k} => ${v}`);
  lines.push(
    `  dut: entity work.${entity}${gmap.length ? ` generic map (${gmap.join(", ")})` : ""} port map (${ports.map((p) => `${p.name} => ${sig(p.name)}`).join(", ")});`,
  );
  lines.push("  rtlgym_drive: process");
  lines.push("    variable l : line;");
  lines.push("    variable v : std_logic_vector(rtlgym_stim(0)'range);");
  lines.push("  begin");
  const clock = stim.clock ? byName.get(stim.clock) : undefined;
  const level = (on: boolean) => {
    if (!clock) return "";
    const one = stim.edge === "pos" ? on : !on;
    return clock.kind === "bool" ? (one ? "true" : "false") : one ? "'1'" : "'0'";
  };
  if (clock) lines.push(`    ${sig(clock.name)} <= ${level(false)};`);
  lines.push(`    for k in rtlgym_stim'range loop`);
  lines.push("      v := rtlgym_stim(k);");
  let hi = total - 1;
  for (const q of stim.inputs) {
    const p = byName.get(q.name);
    if (!p) continue;
    const lo = hi - q.width + 1;
    const slice = `v(${hi} downto ${lo})`;
    const bit = `v(${hi})`;
    let value: string;
    if (p.kind === "bit") value = p.typeMark === "bit" ? `to_bit(${bit})` : bit;
    else if (p.kind === "bool") value = `${bit} = '1'`;
    else if (p.kind === "integer") value = p.signed ? `to_integer(signed(${slice}))` : `to_integer(unsigned(${slice}))`;
    else if (p.typeMark === "bit_vector") value = `to_bitvector(${slice})`;
    else value = `${p.typeMark}(${slice})`;
    lines.push(`      ${sig(p.name)} <= ${value};`);
    hi = lo - 1;
  }
  const outputs = ports.filter((p) => p.direction === "output");
  const show = (p: VhdlPort) => {
    const s = sig(p.name);
    if (p.kind === "integer")
      return `to_string(std_logic_vector(${p.signed ? "to_signed" : "to_unsigned"}(${s}, ${width(p)})))`;
    if (p.kind === "bool") return `rtlgym_b(${s})`;
    return `to_string(${s})`;
  };
  const sample = (index: string) => {
    lines.push(`      write(l, string'("${nonce} ") & integer'image(${index}));`);
    for (const p of outputs) lines.push(`      write(l, string'(" ") & ${show(p)});`);
    lines.push("      writeline(output, l);");
  };
  lines.push("      wait for 1 ns;");
  if (clock) {
    sample("2 * k");
    lines.push(`      ${sig(clock.name)} <= ${level(true)};`);
    lines.push("      wait for 1 ns;");
    sample("2 * k + 1");
    lines.push(`      ${sig(clock.name)} <= ${level(false)};`);
    lines.push("      wait for 1 ns;");
  } else sample("k");
  lines.push("    end loop;");
  lines.push("    wait;");
  lines.push("  end process;");
  lines.push("end architecture;");
  // boolean outputs print as one bit like every other output
  const helper = [
    "library ieee;",
    "use ieee.std_logic_1164.all;",
    "package rtlgym_trace_pkg is",
    "  function rtlgym_b(b : boolean) return string;",
    "end package;",
    "package body rtlgym_trace_pkg is",
    "  function rtlgym_b(b : boolean) return string is",
    "  begin",
    `    if b then return "1"; else return "0"; end if;`,
    "  end function;",
    "end package body;",
    "",
  ];
  lines.splice(4, 0, "use work.rtlgym_trace_pkg.all;");
  return `${helper.join("\n")}\n${lines.join("\n")}\n`;
}

/** The Verilog testbench driving module `top` (a netlist) with the stimulus. */
export function verilogTraceBench(top: string, outputs: Port[], stim: TraceStimulus, nonce: string): string {
  const total = Math.max(
    stim.inputs.reduce((s, p) => s + p.width, 0),
    1,
  );
  const range = (w: number) => (w > 1 ? `[${w - 1}:0] ` : "");
  const lines = ["`timescale 1ns/1ps", "module rtlgym_trace_tb;"];
  if (stim.clock) lines.push(`  reg ${stim.clock};`);
  for (const p of stim.inputs) lines.push(`  reg ${range(p.width)}${p.name};`);
  for (const p of outputs) lines.push(`  wire ${range(p.width)}${p.name};`);
  const conns = [...(stim.clock ? [stim.clock] : []), ...stim.inputs.map((p) => p.name), ...outputs.map((p) => p.name)];
  lines.push(`  ${top} dut (${conns.map((c) => `.${c}(${c})`).join(", ")});`);
  const n = Math.max(stim.steps.length, 1);
  lines.push(`  reg [${total - 1}:0] rtlgym_stim [0:${n - 1}];`);
  lines.push(`  reg [${total - 1}:0] rtlgym_v;`);
  lines.push("  integer rtlgym_k;");
  lines.push("  initial begin");
  stim.steps.forEach((s, k) => {
    lines.push(`    rtlgym_stim[${k}] = ${total}'b${(s || "0").padStart(total, "0").replace(/u/g, "x")}`.concat(";"));
  });
  const idle = stim.edge === "pos" ? "0" : "1";
  const active = stim.edge === "pos" ? "1" : "0";
  if (stim.clock) lines.push(`    ${stim.clock} = 1'b${idle};`);
  const fmt = outputs.map(() => " %b").join("");
  const args = outputs.map((p) => `, ${p.name}`).join("");
  lines.push(`    for (rtlgym_k = 0; rtlgym_k < ${stim.steps.length}; rtlgym_k = rtlgym_k + 1) begin`);
  lines.push("      rtlgym_v = rtlgym_stim[rtlgym_k];");
  let hi = total - 1;
  for (const p of stim.inputs) {
    const lo = hi - p.width + 1;
    lines.push(`      ${p.name} = rtlgym_v[${hi}:${lo}];`);
    hi = lo - 1;
  }
  lines.push("      #1;");
  if (stim.clock) {
    lines.push(`      $display("${nonce} %0d${fmt}", 2 * rtlgym_k${args});`);
    lines.push(`      ${stim.clock} = 1'b${active};`);
    lines.push("      #1;");
    lines.push(`      $display("${nonce} %0d${fmt}", 2 * rtlgym_k + 1${args});`);
    lines.push(`      ${stim.clock} = 1'b${idle};`);
    lines.push("      #1;");
  } else lines.push(`      $display("${nonce} %0d${fmt}", rtlgym_k${args});`);
  lines.push("    end");
  lines.push("    $finish;");
  lines.push("  end");
  lines.push("endmodule");
  return `${lines.join("\n")}\n`;
}

/** std_logic characters as the comparison sees them: weak values count as strong, the rest as x. */
function normaliseBits(text: string): string {
  let out = "";
  for (const ch of text.toLowerCase()) {
    if (ch === "0" || ch === "l") out += "0";
    else if (ch === "1" || ch === "h") out += "1";
    else if (ch === "z") out += "z";
    else out += "x";
  }
  return out;
}

/** Reads the nonce-tagged lines of a run: anything else on stdout (or any stderr) is ignored. */
export function parseTrace(stdout: string, nonce: string, outputs: string[], expected: number): Trace {
  const samples: string[][] = [];
  for (const line of stdout.split("\n")) {
    if (!line.startsWith(`${nonce} `)) continue;
    const parts = line.trim().split(/\s+/).slice(1);
    const index = Number(parts[0]);
    // Samples must arrive in order and complete; a line out of place ends the trace (it cannot be ours).
    if (index !== samples.length || parts.length !== outputs.length + 1 || samples.length >= expected) break;
    samples.push(parts.slice(1).map((v) => (v === "true" ? "1" : v === "false" ? "0" : normaliseBits(v))));
  }
  return { outputs, samples };
}

const STALL_MS = 1000;
const iverilog = iverilogSimulator();

export const newNonce = () => `RTLGYM_${randomBytes(12).toString("hex")}`;

export interface TraceLimits {
  timeoutMs: number;
  memoryLimitMb: number;
  signal?: AbortSignal;
}

/** Expected number of samples of a stimulus. */
export const sampleCount = (stim: TraceStimulus) => stim.steps.length * samplesPerStep(stim);

/** Simulates VHDL entity `entity` (source already sanitised) natively with GHDL. */
export async function traceVhdl(
  source: string,
  entity: string,
  ports: VhdlPort[],
  widths: Map<string, number>,
  stim: TraceStimulus,
  limits: TraceLimits,
  generics: Record<string, string> = {},
): Promise<TraceOutcome> {
  const started = performance.now();
  const ms = () => performance.now() - started;
  const nonce = newNonce();
  const outputs = ports.filter((p) => p.direction === "output").map((p) => p.name);
  const bench = vhdlTraceBench(entity, ports, widths, stim, nonce, generics);
  // GHDL runs until a set simulated time: a design with its own free-running process never drains the queue.
  const ghdl = ghdlSimulator({ stopTime: `${stim.steps.length * 3 + 10}ns` });
  return inSimulationDir("ghdl-trace", { "design.vhd": source, "tb.vhd": bench }, async (cwd) => {
    const build = { cwd, files: ["design.vhd", "tb.vhd"], top: "rtlgym_trace_tb" };
    const lim = {
      timeoutMs: limits.timeoutMs,
      memoryLimitMb: limits.memoryLimitMb,
      ...(limits.signal && { signal: limits.signal }),
    };
    const a = await ghdl.compile(build, lim);
    if (a.timedOut) return { kind: "timeout", durationMs: ms() };
    if (a.exitCode !== 0) return { kind: "compile_error", log: `${a.stderr}${a.stdout}`.trim(), durationMs: ms() };
    const expected = sampleCount(stim);
    const r = await ghdl.run(build, {
      ...lim,
      timeoutMs: Math.max(limits.timeoutMs - ms(), 1),
      maxOutputBytes: 64 * expected * (outputs.length + 2) + (1 << 20),
    });
    if (r.timedOut) return { kind: "timeout", durationMs: ms() };
    const trace = parseTrace(r.stdout, nonce, outputs, expected);
    if (trace.samples.length < expected) {
      const reason =
        r.exitCode !== 0
          ? `GHDL stopped with exit code ${r.exitCode} at sample ${trace.samples.length}`
          : `the run ended at sample ${trace.samples.length} of ${expected}`;
      return { kind: "error", reason, log: r.stderr.trim(), partial: trace, durationMs: ms() };
    }
    return { kind: "ok", trace, durationMs: ms() };
  });
}

/** Simulates Verilog module `top` (a GHDL netlist, already sanitised) with iverilog. */
export async function traceVerilog(
  source: string,
  top: string,
  outputs: Port[],
  stim: TraceStimulus,
  limits: TraceLimits,
): Promise<TraceOutcome> {
  const started = performance.now();
  const ms = () => performance.now() - started;
  const nonce = newNonce();
  const bench = verilogTraceBench(top, outputs, stim, nonce);
  return inSimulationDir("nl-trace", { "design.v": source, "tb.v": bench }, async (cwd) => {
    const build = { cwd, files: ["design.v", "tb.v"], top: "rtlgym_trace_tb" };
    const signal = limits.signal && { signal: limits.signal };
    const c = await iverilog.compile(build, {
      timeoutMs: limits.timeoutMs,
      memoryLimitMb: limits.memoryLimitMb,
      ...signal,
    });
    if (c.timedOut) return { kind: "timeout", durationMs: ms() };
    if (c.exitCode !== 0) return { kind: "compile_error", log: `${c.stderr}${c.stdout}`.trim(), durationMs: ms() };
    const expected = sampleCount(stim);
    const r = await iverilog.run(build, {
      timeoutMs: Math.max(limits.timeoutMs - ms(), 1),
      memoryLimitMb: limits.memoryLimitMb,
      maxOutputBytes: 64 * expected * (outputs.length + 2) + (1 << 20),
      // every sample prints a line: a run silent this long is stuck in a zero-delay loop
      stallMs: STALL_MS,
      ...signal,
    });
    if (r.timedOut) return { kind: "timeout", durationMs: ms() };
    const names = outputs.map((p) => p.name);
    const trace = parseTrace(r.stdout, nonce, names, expected);
    if (trace.samples.length < expected)
      return {
        kind: "error",
        reason: `the netlist simulation ended at sample ${trace.samples.length} of ${expected}`,
        log: r.stderr.trim(),
        partial: trace,
        durationMs: ms(),
      };
    return { kind: "ok", trace, durationMs: ms() };
  });
}

export interface TraceComparison {
  signals: { name: string; mismatches: number; definedSamples: number }[];
  counterexample?: Counterexample;
  samples: number;
  /** Bits accepted as x where the reference was defined (before `lenientUntil`). */
  lenient: number;
}

/**
 * Output by output, sample by sample: where the reference is 0 or 1 the candidate must equal it (an x or z from
 * the candidate there is a mismatch); where the reference is x anything matches (the VerilogEval rule).
 * Before sample `lenientUntil` an x from the candidate is accepted too (a reference netlist's start, see validate).
 */
export function compareTraces(ref: Trace, cand: Trace, stim: TraceStimulus, lenientUntil = 0): TraceComparison {
  const per = samplesPerStep(stim);
  const signals = ref.outputs.map((name) => ({ name, mismatches: 0, definedSamples: 0 }));
  const candIndex = new Map(cand.outputs.map((n, j) => [n, j]));
  let counterexample: Counterexample | undefined;
  let lenient = 0;
  const n = Math.min(ref.samples.length, cand.samples.length);
  for (let i = 0; i < n; i++) {
    const r = ref.samples[i] as string[];
    const c = cand.samples[i] as string[];
    ref.outputs.forEach((name, j) => {
      const expected = r[j] ?? "";
      const got = c[candIndex.get(name) ?? -1] ?? "";
      const s = signals[j] as { mismatches: number; definedSamples: number };
      if (/[01]/.test(expected)) s.definedSamples++;
      let bad = expected.length !== got.length;
      for (let b = 0; b < expected.length && !bad; b++) {
        const e = expected[b];
        if ((e === "0" || e === "1") && got[b] !== e) {
          if (i < lenientUntil && got[b] === "x") lenient++;
          else bad = true;
        }
      }
      if (!bad) return;
      s.mismatches++;
      if (counterexample) return;
      const step = Math.floor(i / per);
      const inputs: Record<string, string> = {};
      let hi = 0;
      for (const p of stim.inputs) {
        inputs[p.name] = `${p.width}'b${(stim.steps[step] ?? "").slice(hi, hi + p.width).replace(/u/g, "x")}`;
        hi += p.width;
      }
      counterexample = {
        engine: "sim",
        signal: name,
        cycle: step,
        phase: per === 2 && i % 2 === 1 ? "post" : "pre",
        inputs,
        expected: `${expected.length}'b${expected}`,
        got: `${got.length}'b${got}`,
      };
    });
  }
  const result: TraceComparison = { signals, samples: n, lenient };
  if (counterexample) result.counterexample = counterexample;
  return result;
}
