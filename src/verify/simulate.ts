import type { Counterexample, Coverage, Port } from "../contracts/index.js";
import type { RunResult } from "../tools/process.js";
import { inSimulationDir, iverilogSimulator } from "../tools/simulator.js";
import { generateTestbench, type Testbench, type TestbenchSpec } from "./testbench.js";
import { lastProgress, readVerdictLines } from "./verdict-lines.js";

export interface SimSignal {
  name: string;
  mismatches: number;
  definedSamples: number;
}

export interface SimCandidateResult {
  signals: SimSignal[];
  counterexample?: Counterexample;
}

export type SimOutcome =
  | {
      kind: "ok";
      results: SimCandidateResult[];
      durationMs: number;
      /** The simulator's CPU time as the stall watchdog last sampled it (RunResult.cpuMs), when it was sampled. */
      cpuMs?: number;
      exhaustive: boolean;
      steps: number;
      samples: number;
      /** What the stimulus reached in the reference's state, when the testbench sampled it. */
      coverage?: Coverage;
    }
  | { kind: "compile_error"; log: string; durationMs: number }
  | {
      kind: "timeout";
      durationMs: number;
      /**
       * Set when the run was ended by the stall watchdog (no progress line while it used `afterMs` of CPU time, or
       * of wall-clock time where CPU time cannot be read: `clock`), not by the time limit.
       */
      stalled?: { afterMs: number; clock: "cpu" | "wall"; lastCycle?: number };
    }
  | { kind: "error"; reason: string; log: string; durationMs: number };

export interface SimFiles {
  /** File name -> source (reference and candidate files, modules already renamed and sanitised). */
  sources: Record<string, string>;
}

export interface SimLimits {
  timeoutMs: number;
  memoryLimitMb: number;
  /** End the run early when its progress lines stop (see runProcess stallMs). */
  stallMs?: number;
  signal?: AbortSignal;
}

const SIM_OUTPUT_CAP = 4 << 20;
const simulator = iverilogSimulator();

/** Compiles the generated testbench with the given sources and runs it (iverilog, then vvp). */
export async function runSimulation(spec: TestbenchSpec, files: SimFiles, limits: SimLimits): Promise<SimOutcome> {
  const outcome = await simulateOnce(spec, files, limits);
  if (outcome.kind !== "compile_error") return outcome;
  const { coverageFailed, ...failed } = outcome;
  // Coverage names the reference's registers from its netlist; should iverilog not bind one (a name a translation
  // changed), the error is the testbench's own: run again without coverage rather than blame a candidate.
  if (coverageFailed) {
    const { coverage: _dropped, ...plain } = spec;
    return simulateOnce(plain, files, limits);
  }
  return failed;
}

async function simulateOnce(
  spec: TestbenchSpec,
  files: SimFiles,
  limits: SimLimits,
): Promise<SimOutcome & { coverageFailed?: boolean }> {
  const tb = generateTestbench(spec);
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const sources = Object.keys(files.sources);
  return inSimulationDir("sim", { ...files.sources, "tb.v": tb.source }, async (cwd) => {
    const deadline = started + limits.timeoutMs;
    const build = { cwd, files: ["tb.v", ...sources], top: tb.top };
    const signal = limits.signal && { signal: limits.signal };
    const compiled = await simulator.compile(build, {
      timeoutMs: limits.timeoutMs,
      memoryLimitMb: limits.memoryLimitMb,
      ...signal,
    });
    if (compiled.timedOut) return { kind: "timeout", durationMs: elapsed() };
    if (compiled.exitCode !== 0) {
      if (compiled.spawnError)
        return { kind: "error", reason: compiled.spawnError.message, log: "", durationMs: elapsed() };
      const log = compileLog(compiled);
      return {
        kind: "compile_error",
        log,
        durationMs: elapsed(),
        ...(tb.coverage && { coverageFailed: log.includes("tb.v:") }),
      };
    }
    const ran = await simulator.run(build, {
      timeoutMs: Math.max(deadline - performance.now(), 1),
      memoryLimitMb: limits.memoryLimitMb,
      maxOutputBytes: SIM_OUTPUT_CAP,
      ...(limits.stallMs !== undefined && { stallMs: limits.stallMs }),
      ...signal,
    });
    if (ran.timedOut) {
      if (ran.stalled && limits.stallMs !== undefined) {
        const cycle = lastProgress(ran.stdout, spec.nonce);
        return {
          kind: "timeout",
          durationMs: elapsed(),
          stalled: {
            afterMs: limits.stallMs,
            clock: ran.stallClock ?? "wall",
            ...(cycle !== undefined && { lastCycle: cycle }),
          },
        };
      }
      return { kind: "timeout", durationMs: elapsed() };
    }
    return parseRun(ran, tb, spec, elapsed());
  });
}

function compileLog(r: RunResult): string {
  return `${r.stderr}${r.stdout}`.trim();
}

const bitsLiteral = (width: number, bits: string) => `${width}'b${bits}`;

/** The run's verdict (verdict-lines.ts reads the lines that carry the nonce; anything else printed is ignored). */
function parseRun(ran: RunResult, tb: Testbench, spec: TestbenchSpec, durationMs: number): SimOutcome {
  const K = spec.candidates.length;
  const {
    defined,
    mismatches: mismatch,
    first,
    toggles,
    fsms: fsmSeen,
    samples,
  } = readVerdictLines(ran.stdout, spec.nonce);
  if (samples === undefined || samples !== tb.samples) {
    const why = ran.outputCapped
      ? "simulation output exceeded its cap"
      : ran.signal
        ? `simulator killed by ${ran.signal} (memory limit?)`
        : samples === undefined
          ? `simulation ended without a verdict (exit ${ran.exitCode})`
          : `simulation stopped after ${samples} of ${tb.samples} samples`;
    return { kind: "error", reason: why, log: `${ran.stderr}${ran.stdout}`.slice(-4000), durationMs };
  }
  const results: SimCandidateResult[] = [];
  for (let k = 0; k < K; k++) {
    const signals = tb.outputs.map((p, o) => ({
      name: p.name,
      mismatches: mismatch.get(`${k}:${o}`)?.count ?? 0,
      definedSamples: defined.get(o) ?? 0,
    }));
    const result: SimCandidateResult = { signals };
    const at = first.get(k);
    if (at) {
      // The first signal that mismatched at that very sample is the one the counterexample shows.
      const o = tb.outputs.findIndex((_p, i) => {
        const m = mismatch.get(`${k}:${i}`);
        return m !== undefined && m.count > 0 && m.cycle === at.cycle && m.phase === at.phase;
      });
      const m = mismatch.get(`${k}:${o}`);
      const port = tb.outputs[o] as Port | undefined;
      if (m && port) {
        const inputs: Record<string, string> = {};
        tb.inputs.forEach((p, i) => {
          inputs[p.name] = bitsLiteral(p.width, at.values.get(i) ?? "");
        });
        result.counterexample = {
          engine: "sim",
          signal: port.name,
          cycle: at.cycle,
          phase: at.phase === 0 ? "pre" : "post",
          inputs,
          expected: bitsLiteral(port.width, m.expected),
          got: bitsLiteral(port.width, m.got),
        };
      }
    }
    results.push(result);
  }
  const ok: Extract<SimOutcome, { kind: "ok" }> = {
    kind: "ok",
    results,
    durationMs,
    exhaustive: tb.exhaustive,
    steps: tb.steps,
    samples: tb.samples,
  };
  if (ran.cpuMs !== undefined) ok.cpuMs = ran.cpuMs;
  if (tb.coverage) ok.coverage = coverageOf(tb.coverage, toggles, fsmSeen);
  return ok;
}

/**
 * Counts the coverage lines: a bit toggled when both its rose and its fell flag printed as 1 (an x means only
 * transitions through X were seen). Flags print MSB first; bit i of a vector is character (length - 1 - i).
 */
function coverageOf(
  plan: NonNullable<Testbench["coverage"]>,
  toggles: readonly string[] | undefined,
  fsmSeen: ReadonlyMap<number, readonly string[]>,
): Coverage {
  const [rose = "", fell = ""] = toggles ?? [];
  let toggled = 0;
  if (rose.length === plan.bits && fell.length === plan.bits)
    for (let i = 0; i < plan.bits; i++) if (rose[i] === "1" && fell[i] === "1") toggled++;
  const coverage: Coverage = { stateBits: plan.bits + plan.unobserved, toggled };
  if (plan.unobserved > 0) coverage.unobserved = plan.unobserved;
  if (plan.fsms.length === 0) return coverage;
  let states = 0;
  let visited = 0;
  let transitions = 0;
  let seen = 0;
  plan.fsms.forEach((f, i) => {
    const n = f.states.length;
    const [v = "", t = ""] = fsmSeen.get(i) ?? [];
    states += n;
    for (let j = 0; j < n; j++) if (v[n - 1 - j] === "1") visited++;
    transitions += f.transitions.length;
    for (const [from, to] of f.transitions) if (t[n * n - 1 - (from * n + to)] === "1") seen++;
  });
  Object.assign(coverage, { fsms: plan.fsms.length, fsmStates: states, fsmStatesVisited: visited });
  if (plan.transitions) Object.assign(coverage, { fsmTransitions: transitions, fsmTransitionsSeen: seen });
  return coverage;
}
