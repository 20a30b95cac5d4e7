import type { DesignInterface } from "../contracts/index.js";
import { yosysBackend } from "../tools/yosys.js";
import { yosysCompatible } from "../verilog/index.js";
import type { Stimulus } from "./testbench.js";

export interface FormalJob {
  /** File name -> source, modules already renamed so reference and candidate do not clash. */
  sources: Record<string, string>;
  gold: string;
  gate: string;
  iface: DesignInterface;
  depth: number;
  timeoutMs: number;
  /** Prove these outputs one by one (per-signal verdicts) instead of all at once. */
  perSignal?: string[];
  /** The reference writes x/z literals: model undef bits so its X matches anything (2-5x slower SAT). */
  modelX: boolean;
  signal?: AbortSignal;
}

export type FormalProof =
  | { kind: "equivalent"; mode: "combinational" | "sequential"; depth: number }
  | { kind: "different"; signal?: string; trace: Stimulus }
  | { kind: "per_signal"; differing: Map<string, Stimulus>; equivalent: string[] };

export type FormalOutcome =
  | { kind: "done"; proof: FormalProof; durationMs: number }
  | { kind: "skipped"; reason: string; durationMs: number }
  | { kind: "timeout"; durationMs: number }
  | { kind: "error"; reason: string; durationMs: number };

/** Why formal cannot model this design faithfully, or null when it can. */
export function formalLimitation(iface: DesignInterface): string | null {
  if (iface.unsupported) return iface.unsupported;
  if (iface.clockEdges.length > 1) return "flip-flops on both clock edges";
  if (!iface.sequential && iface.hasLatches) return "latches without a clock";
  return null;
}

/**
 * Bounded equivalence with Yosys SAT on a miter of reference (gold) and candidate (gate): a full proof for
 * combinational logic; for sequential logic, every input sequence of `depth` cycles from reset (the
 * reference's first reset asserted in cycle 1, all state zero before it). X in the reference matches
 * anything (-ignore_gold_x). A difference found here is only a lead: the caller replays it in simulation.
 */
export async function runFormal(job: FormalJob): Promise<FormalOutcome> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const limitation = formalLimitation(job.iface);
  if (limitation) return { kind: "skipped", reason: limitation, durationMs: 0 };
  const { iface } = job;
  const files = Object.fromEntries(Object.entries(job.sources).map(([k, v]) => [k, yosysCompatible(v)]));
  // `-ignore_gold_x` needs undef modelling: without it the miter is blind to real differences. A reference
  // with no x/z literal never drives X here (state starts at zero), so two-valued SAT is enough and faster.
  const satArgs: string[] = job.modelX ? ["-show-inputs", "-enable_undef", "-set-def-inputs"] : ["-show-inputs"];
  const sequential = iface.sequential;
  const depth = Math.max(job.depth, 2);
  if (sequential) {
    satArgs.push("-seq", String(depth), "-set-init-zero");
    const reset = iface.resets[0];
    if (reset) satArgs.push("-set-at", "1", `in_${reset.name}`, reset.activeHigh ? "1" : "0", "-prove-skip", "1");
  }
  const proofs = job.perSignal
    ? job.perSignal.map((s, i) => ({
        log: `sat_${i}.log`,
        prove: `${job.modelX ? "-prove-x" : "-prove"} gold_${s} gate_${s}`,
        signal: s,
      }))
    : [{ log: "sat.log", prove: "-prove trigger 0", signal: undefined }];
  const commands = [
    ...Object.keys(files).map((f) => `read_verilog -sv ${f}`),
    "hierarchy -check",
    "proc -norom",
    "async2sync",
    "memory",
    `miter -equiv -flatten -make_outputs${job.modelX ? " -ignore_gold_x" : ""} ${job.gold} ${job.gate} rtlgym_miter`,
    "hierarchy -top rtlgym_miter",
    // Cells the two sides share (most of a near-copy) merge, so SAT sees only what differs.
    "opt_expr",
    "opt_merge -share_all",
    "opt_clean",
    ...proofs.map((p) => `tee -q -o ${p.log} sat ${p.prove} ${satArgs.join(" ")} rtlgym_miter`),
  ];
  const yosys = await yosysBackend();
  const run = await yosys.run({
    files,
    commands,
    outputs: proofs.map((p) => p.log),
    timeoutMs: job.timeoutMs,
    ...(job.signal && { signal: job.signal }),
  });
  if (run.timedOut) return { kind: "timeout", durationMs: elapsed() };
  if (!run.ok) return { kind: "error", reason: run.error ?? "yosys failed", durationMs: elapsed() };

  const mode = sequential ? "sequential" : "combinational";
  const results: Array<{ signal: string | undefined; trace: Stimulus | null }> = [];
  for (const p of proofs) {
    const log = run.outputs[p.log];
    if (log === undefined) return { kind: "error", reason: `yosys wrote no ${p.log}`, durationMs: elapsed() };
    if (/no model found: SUCCESS/.test(log)) results.push({ signal: p.signal, trace: null });
    else if (/model found: FAIL/.test(log)) results.push({ signal: p.signal, trace: parseTrace(log, iface) });
    else return { kind: "error", reason: "yosys sat gave no verdict", durationMs: elapsed() };
  }
  if (job.perSignal) {
    const differing = new Map<string, Stimulus>();
    const equivalent: string[] = [];
    for (const r of results) {
      if (r.signal === undefined) continue;
      if (r.trace) differing.set(r.signal, r.trace);
      else equivalent.push(r.signal);
    }
    return { kind: "done", proof: { kind: "per_signal", differing, equivalent }, durationMs: elapsed() };
  }
  const [only] = results;
  const proof: FormalProof = only?.trace
    ? { kind: "different", trace: only.trace }
    : { kind: "equivalent", mode, depth: sequential ? depth : 0 };
  return { kind: "done", proof, durationMs: elapsed() };
}

/** Input values per time step from `sat -show-inputs` output (the Bin column). */
export function parseTrace(log: string, iface: DesignInterface): Stimulus {
  const widths = new Map(iface.ports.map((p) => [p.name, p.width]));
  const steps = new Map<number, Record<string, string>>();
  const row = /^\s*(\d+)?\s*\\in_(\S+)\s+\S+\s+\S+\s+([01xz]+)\s*$/;
  for (const line of log.split("\n")) {
    const m = row.exec(line);
    if (!m) continue;
    const step = m[1] ? Number(m[1]) : 1;
    const name = m[2] as string;
    const width = widths.get(name);
    if (width === undefined || name === iface.clock) continue;
    const bits = (m[3] as string).replace(/[xz]/g, "0").padStart(width, "0").slice(-width);
    const values = steps.get(step) ?? {};
    values[name] = `${width}'b${bits}`;
    steps.set(step, values);
  }
  return [...steps.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}
