import type { DesignInterface } from "../contracts/index.js";
import { yosysBackend } from "../tools/yosys.js";
import { yosysCompatible } from "../verilog/index.js";
import { portList, renderAssumption } from "./assume.js";
import type { Stimulus } from "./testbench.js";

export interface FormalJob {
  /** File name -> source, modules already renamed so reference and candidate do not clash. */
  sources: Record<string, string>;
  gold: string;
  gate: string;
  iface: DesignInterface;
  /** Bound of the bounded (BMC) proof from reset: what a sequential check guarantees at least when time allows. */
  depth: number;
  /**
   * Deepest bound worth searching for a difference (at least `depth`): about twice the largest constant the
   * reference compares its state against, so a threshold off by one is within reach.
   */
  deepDepth?: number;
  timeoutMs: number;
  /** Prove these outputs one by one (per-signal verdicts) instead of all at once. */
  perSignal?: string[];
  /** The reference writes x/z literals: model undef bits so its X matches anything (2-5x slower SAT). */
  modelX: boolean;
  /** Input constraint (checked beforehand, see assume.ts), assumed at every step of every proof. */
  assume?: string;
  signal?: AbortSignal;
}

/** How a sequential verdict was reached: temporal induction (unbounded), or a bounded model check. */
export type FormalMethod = "sat" | "induction" | "bmc";

export type FormalProof =
  | {
      kind: "equivalent";
      mode: "combinational" | "sequential";
      /** Cycles from reset covered; for an unbounded proof, the induction length that closed it. */
      depth: number;
      /** Proven at any depth: combinational SAT, or a temporal induction that succeeded. */
      unbounded: boolean;
      method: FormalMethod;
    }
  | { kind: "different"; signal?: string; trace: Stimulus; method: FormalMethod }
  | {
      kind: "per_signal";
      differing: Map<string, Stimulus>;
      equivalent: string[];
      /** Cycles from reset every equivalent signal is covered to (sequential). */
      depth: number;
      /** Every equivalent signal was proven at any depth. */
      unbounded: boolean;
      method: FormalMethod;
    };

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
 * Time the first induction run may use. It closes early on most designs (VerilogEval references: 0.03-0.4 s); where it
 * cannot close, its induction steps cost many times its base case, so the bounded check carries on alone.
 */
const FIRST_SHARE = 0.4;
const FIRST_MAX_MS = 500;
/** Share of what is left the deep bounded check may use when induction over it follows. */
const DEEP_SHARE = 0.6;
/**
 * The second induction run gets this multiple of the deep check's time, within INDUCTION_MIN_MS..INDUCTION_MAX_MS
 * (and what is left). Measured on the deep-state pairs: an induction that closes at all closes within about that
 * (a 41-cycle watchdog in ~1 s), while one that cannot close would otherwise eat the whole budget of every
 * equivalent candidate (3 s where the 20-cycle check took 0.2 s).
 */
const INDUCTION_FACTOR = 2;
const INDUCTION_MIN_MS = 300;
const INDUCTION_MAX_MS = 1500;
/** Below this much time left, another yosys run is not started (it could not finish). */
const RUN_FLOOR_MS = 150;

/** What one proof log says: a full proof, a difference (base case model), or only a bound reached. */
export type ProofLogVerdict =
  | { kind: "proved"; length: number }
  | { kind: "different"; trace: Stimulus }
  | { kind: "open"; depth: number; timedOut: boolean };

interface Proof {
  log: string;
  prove: string;
  signal: string | undefined;
}

/**
 * Equivalence with Yosys SAT on a miter of reference (gold) and candidate (gate): a full proof for combinational
 * logic. For sequential logic, from reset (the reference's first reset asserted in cycle 1, all state zero before it):
 * temporal induction to the usual bound, then, where the reference's thresholds ask for more, a bounded check
 * deepened one cycle at a time up to `deepDepth` (a difference at any depth it reaches is found) and induction over
 * that deeper base case. A closed induction step proves equality at every depth; a failed one is not a difference (it
 * may start from an unreachable state), and the verdict stays bounded by the depth reached. X in the reference
 * matches anything (-ignore_gold_x). A difference found here is only a lead: the caller replays it in simulation.
 */
export async function runFormal(job: FormalJob): Promise<FormalOutcome> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const limitation = formalLimitation(job.iface);
  if (limitation) return { kind: "skipped", reason: limitation, durationMs: 0 };
  const { iface } = job;
  const files = Object.fromEntries(Object.entries(job.sources).map(([k, v]) => [k, yosysCompatible(v)]));
  // A constraint: the gold side becomes a wrapper with the same ports that assumes it (sat -set-assumes).
  let gold = job.gold;
  if (job.assume !== undefined) {
    gold = `${job.gold}_assumed`;
    const body = renderAssumption(job.assume, iface, (p) => p.name);
    const conns = iface.ports.map((p) => `.${p.name}(${p.name})`).join(", ");
    files["rtlgym_assume.v"] =
      `module ${gold}(${portList(iface)});\n  ${job.gold} rtlgym_u (${conns});\n  always @* assume (${body});\nendmodule\n`;
  }
  // `-ignore_gold_x` needs undef modelling: without it the miter is blind to real differences. A reference
  // with no x/z literal never drives X here (state starts at zero), so two-valued SAT is enough and faster.
  const common: string[] = job.modelX ? ["-show-inputs", "-enable_undef", "-set-def-inputs"] : ["-show-inputs"];
  if (job.assume !== undefined) common.push("-set-assumes");
  const proofs: Proof[] = job.perSignal
    ? job.perSignal.map((s, i) => ({
        log: `sat_${i}.log`,
        prove: `${job.modelX ? "-prove-x" : "-prove"} gold_${s} gate_${s}`,
        signal: s,
      }))
    : [{ log: "sat.log", prove: "-prove trigger 0", signal: undefined }];
  const prelude = [
    ...Object.keys(files).map((f) => `read_verilog -sv ${f}`),
    "hierarchy -check",
    "proc -norom",
    "async2sync",
    "memory",
    `miter -equiv -flatten -make_outputs${job.modelX ? " -ignore_gold_x" : ""} ${gold} ${job.gate} rtlgym_miter`,
    "hierarchy -top rtlgym_miter",
    // Cells the two sides share (most of a near-copy) merge, so SAT sees only what differs.
    "opt_expr",
    "opt_merge -share_all",
    "opt_clean",
  ];
  const yosys = await yosysBackend();
  const runSat = (which: Proof[], args: string[], timeoutMs: number) =>
    yosys.run({
      files,
      commands: [...prelude, ...which.map((p) => `tee -q -o ${p.log} sat ${p.prove} ${args.join(" ")} rtlgym_miter`)],
      outputs: which.map((p) => p.log),
      timeoutMs,
      ...(job.signal && { signal: job.signal }),
    });

  if (!iface.sequential) {
    const run = await runSat(proofs, common, job.timeoutMs);
    if (run.timedOut) return { kind: "timeout", durationMs: elapsed() };
    if (!run.ok) return { kind: "error", reason: run.error ?? "yosys failed", durationMs: elapsed() };
    const verdicts = new Map<Proof, ProofLogVerdict>();
    for (const p of proofs) {
      const log = run.outputs[p.log];
      if (log === undefined) return { kind: "error", reason: `yosys wrote no ${p.log}`, durationMs: elapsed() };
      if (/no model found: SUCCESS/.test(log)) verdicts.set(p, { kind: "proved", length: 0 });
      else if (/model found: FAIL/.test(log)) verdicts.set(p, { kind: "different", trace: parseTrace(log, iface) });
      else return { kind: "error", reason: "yosys sat gave no verdict", durationMs: elapsed() };
    }
    return { kind: "done", proof: assemble(job, proofs, verdicts, "sat", "combinational"), durationMs: elapsed() };
  }

  // Sequential. Step 1 is the reset cycle: with a reset, the outputs are compared from step 2 on.
  const reset = iface.resets[0];
  const skip = reset ? 1 : 0;
  const resetArgs = reset ? ["-set-at", "1", `in_${reset.name}`, reset.activeHigh ? "1" : "0"] : [];
  const depth = Math.max(job.depth, 2);
  const deep = Math.max(job.deepDepth ?? depth, depth);
  const verdicts = new Map<Proof, ProofLogVerdict>();
  const fail = (run: { error?: string }): FormalOutcome => ({
    kind: "error",
    reason: run.error ?? "yosys failed",
    durationMs: elapsed(),
  });
  const depthOf = (p: Proof) => {
    const v = verdicts.get(p);
    return v?.kind === "open" ? v.depth : 0;
  };
  // 1. Temporal induction to the usual bound: its base case is the bounded check from reset (solved one cycle at a
  //    time, so a run cut short at its time limit still tells how deep it got), and its induction step, over every
  //    state with no reset assumed, closes early on most designs (VerilogEval references: faster than the 20-cycle
  //    bounded check alone, e.g. Prob141 count_clock 0.4 s against 2.2 s). A failed induction step is no difference.
  const first = await runSat(
    proofs,
    [...common, "-tempinduct", "-seq", String(skip), "-maxsteps", String(depth - skip), "-set-init-zero", ...resetArgs],
    Math.max(Math.min(Math.floor(job.timeoutMs * FIRST_SHARE), FIRST_MAX_MS), 1),
  );
  if (!first.ok && !first.timedOut) return fail(first);
  for (const p of proofs) verdicts.set(p, parseInductionLog(first.outputs[p.log] ?? "", iface, skip));
  // Induction lengths step 1 already tried, per proof: its base case depth less the reset cycle.
  const tried = new Map(proofs.map((p) => [p, Math.max(depthOf(p) - skip, 0)]));
  let method: FormalMethod = proofs.some((p) => verdicts.get(p)?.kind === "proved") ? "induction" : "bmc";
  // 2. Deeper, where the reference's thresholds ask for it, or to the usual bound where step 1 was cut short (its
  //    induction steps can be far costlier than its base case): the bounded check alone (`-tempinduct-baseonly`),
  //    which finds a difference at any depth it reaches (an equivalent pair to 50 cycles in 0.6 s, where one
  //    52-cycle instance, `-seq 52`, took 2.5 s).
  const deeper = proofs.filter((p) => verdicts.get(p)?.kind === "open" && deep > depthOf(p));
  const deepStarted = performance.now();
  if (deeper.length > 0 && job.timeoutMs - elapsed() >= RUN_FLOOR_MS) {
    const base = await runSat(
      deeper,
      [
        ...common,
        "-tempinduct-baseonly",
        "-seq",
        String(skip),
        "-maxsteps",
        String(deep - skip),
        "-set-init-zero",
      ].concat(resetArgs),
      Math.max(Math.floor((job.timeoutMs - elapsed()) * (deep > depth ? DEEP_SHARE : 1)), 1),
    );
    if (!base.ok && !base.timedOut) return fail(base);
    for (const p of deeper) {
      const v = parseBaseLog(base.outputs[p.log] ?? "", iface, skip);
      if (v.kind === "different" || (v.kind === "open" && v.depth > depthOf(p))) verdicts.set(p, v);
    }
  }
  const deepMs = performance.now() - deepStarted;
  // 3. Induction again over the deeper base case, solving only the lengths step 1 did not try (`-initsteps`). Its time is measured
  //    against the deep check's, so designs induction cannot close pay little for trying.
  const longer = deeper.filter((p) => depthOf(p) - skip > (tried.get(p) ?? 0));
  const budget = Math.min(
    job.timeoutMs - elapsed(),
    INDUCTION_MAX_MS,
    Math.max(INDUCTION_FACTOR * deepMs, INDUCTION_MIN_MS),
  );
  if (longer.length > 0 && budget >= RUN_FLOOR_MS) {
    const bound = Math.min(...longer.map(depthOf));
    const induction = await runSat(
      longer,
      [...common, "-tempinduct-inductonly", "-seq", String(skip), "-maxsteps", String(bound - skip)].concat(
        "-initsteps",
        String(Math.min(...longer.map((p) => tried.get(p) ?? 0))),
      ),
      budget,
    );
    if (!induction.ok && !induction.timedOut) return fail(induction);
    for (const p of longer) {
      const log = induction.outputs[p.log] ?? "";
      if (/Induction step proven: SUCCESS!/.test(log)) {
        verdicts.set(p, { kind: "proved", length: inductionLength(log) });
        method = "induction";
      }
    }
  }
  // Nothing decided and no bound of even two cycles: that is a timeout, as before.
  const all = [...verdicts.values()];
  if (all.every((v) => v.kind === "open" && v.depth < 2)) return { kind: "timeout", durationMs: elapsed() };
  return { kind: "done", proof: assemble(job, proofs, verdicts, method, "sequential"), durationMs: elapsed() };
}

function assemble(
  job: FormalJob,
  proofs: Proof[],
  verdicts: Map<Proof, ProofLogVerdict>,
  method: FormalMethod,
  mode: "combinational" | "sequential",
): FormalProof {
  const open = [...verdicts.values()].filter((v) => v.kind === "open");
  const depth = mode === "combinational" ? 0 : Math.min(...open.map((v) => v.depth), Number.POSITIVE_INFINITY);
  const lengths = [...verdicts.values()].map((v) => (v.kind === "proved" ? v.length : 0));
  const unbounded = open.length === 0;
  const bound = unbounded ? (mode === "combinational" ? 0 : Math.max(...lengths, 0)) : depth;
  const via = (v: ProofLogVerdict | undefined): FormalMethod =>
    v?.kind === "proved" ? (mode === "combinational" ? "sat" : "induction") : method;
  if (job.perSignal) {
    const differing = new Map<string, Stimulus>();
    const equivalent: string[] = [];
    for (const p of proofs) {
      const v = verdicts.get(p);
      if (p.signal === undefined || !v) continue;
      if (v.kind === "different") differing.set(p.signal, v.trace);
      else equivalent.push(p.signal);
    }
    const anyOpen = open.length > 0;
    return {
      kind: "per_signal",
      differing,
      equivalent,
      depth: bound,
      unbounded,
      method: anyOpen ? method : via(verdicts.get(proofs[0] as Proof)),
    };
  }
  const only = verdicts.get(proofs[0] as Proof);
  if (only?.kind === "different") return { kind: "different", trace: only.trace, method };
  return { kind: "equivalent", mode, depth: bound, unbounded, method: via(only) };
}

/** Reads a `sat -tempinduct` log, complete or cut short: a closed induction step is a proof, else as the base case. */
export function parseInductionLog(log: string, iface: DesignInterface, skip: number): ProofLogVerdict {
  if (/Induction step proven: SUCCESS!/.test(log)) return { kind: "proved", length: inductionLength(log) };
  return parseBaseLog(log, iface, skip);
}

/**
 * Reads a `sat -tempinduct-baseonly` log, complete or cut short by a kill: a model for a base case is a difference
 * (kept only when printed whole: one row per step up to that base case); otherwise the depth from reset proven.
 */
export function parseBaseLog(log: string, iface: DesignInterface, skip: number): ProofLogVerdict {
  let proven = 0;
  for (const m of log.matchAll(/Base case for induction length (\d+) proven\./g))
    proven = Math.max(proven, Number(m[1]));
  const fail = log.indexOf("model found for base case: FAIL!");
  if (fail >= 0) {
    const trace = parseTrace(log.slice(fail), iface);
    if (trace.length >= skip + proven + 1) return { kind: "different", trace };
  }
  const done = /Reached maximum number of time steps/.test(log);
  return { kind: "open", depth: proven > 0 ? skip + proven : 0, timedOut: !done };
}

/** The induction length at which `sat -tempinduct` closed its proof. */
export function inductionLength(log: string): number {
  const tried = [...log.matchAll(/\*\* Trying induction with length (\d+) \*\*/g)].map((m) => Number(m[1]));
  return Math.max(...tried, 1);
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
