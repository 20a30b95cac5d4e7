import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import pLimit from "p-limit";
import type {
  FormalReport,
  SecondOpinionReport,
  SignalVerdict,
  SimReport,
  ToolVersions,
  VerifyResult,
  VerifyStatus,
} from "../contracts/index.js";
import { hasUnknownLiterals, sealDirectives, suffixModules } from "../verilog/index.js";
import type { ReferenceAnalysis } from "./analyze.js";
import { type ResolvedVerifyOptions, reportedOptions } from "./options.js";
import { runSimulation, type SimOutcome } from "./simulate.js";
import type { Stimulus, TestbenchSpec } from "./testbench.js";

/**
 * What one group check knows and the helpers every stage shares: the reference under its per-run names, the
 * options, the deadline and cancellation signal, the testbench spec, a simulation of some candidates against the
 * reference, and the shape of a result. The stages themselves live beside it: check-frontend.ts (canonical text,
 * elaboration alone, interfaces), check-sim.ts (the shared simulation), check-decide.ts (the verdict per
 * candidate) and check-formal.ts (formal leads replayed in simulation); check-pipeline.ts runs them in order.
 */

/** Time the front end's tools (preprocessor, elaboration, interface read) may take per call. */
export const FRONTEND_LIMIT_MS = 3000;

/**
 * A run other than a shared one (see SHARED_STALL_MS in check-sim.ts: a candidate alone, a replay, the reference
 * against itself) that prints no progress line while it uses this much CPU time is finished as a timeout: it is
 * stuck in a zero-delay loop. CPU time, not wall-clock silence (see runProcess stallMs): a correct but slow design
 * sharing its core with other checks is not cut. The testbench prints a progress line at least every 64 steps
 * (every ~25,600 cell-steps for bigger designs), dozens per run of the default budget, so a design whose progress
 * lines are this far apart could not finish within any usual limit anyway; the window only spares waiting for that
 * limit.
 */
const SOLO_STALL_MS = 1000;
/** References up to this many cells get the full cycle budget; bigger ones proportionally less. */
const COST_CELLS = 400;
const MIN_CYCLES = 200;
/** Tool processes a check runs at once. */
export const parallel = pLimit(Math.max(availableParallelism(), 1));

/** One candidate after the front end: its file, renamed top and the text every tool reads. */
export interface Prepared {
  slot: number;
  file: string;
  top: string;
  source: string;
  /**
   * The candidate holds no state (Yosys saw no flip-flop or latch, or its elaboration has nothing but nets):
   * exhaustive simulation of its inputs is a proof.
   */
  stateless?: boolean;
  /** iverilog rejected it and Verilator accepted it: `source` is Yosys's netlist of it (check-frontend.ts). */
  secondOpinion?: SecondOpinionReport;
}

/**
 * What the reference's and every candidate's file start with: the testbench's timescale. Each file is its own
 * compilation unit (`-u`), so without it a file's delays would use the simulator's default unit (1 s), and a
 * `q <= #1 d` would mean one thing in the candidate and another in the reference. A file's own `timescale, later
 * in it, still wins. One line, taken off again in the line numbers of compiler messages (linesOf).
 */
export const DESIGN_PREAMBLE = "`timescale 1ns/1ps\n";

/** The reference's file in every simulation and formal run (its compiler lines are mapped back like a candidate's). */
export const REFERENCE_FILE = "ref.v";

/** Everything one group check knows; one instance per verifyGroup call. */
export class CheckContext {
  readonly nonce = randomBytes(8).toString("hex");
  readonly refModule: string;
  readonly refSource: string;
  readonly deadline: number;
  readonly refHasUnknowns: boolean;
  /** Aborts every tool process of this check (its hard deadline, or the caller's cancellation). */
  readonly signal: AbortSignal;
  groupSize = 1;

  constructor(
    readonly ref: ReferenceAnalysis,
    reference: string,
    readonly options: ResolvedVerifyOptions,
    readonly versions: ToolVersions,
    readonly started: number,
    signal: AbortSignal,
  ) {
    this.signal = signal;
    // Per-run names: a candidate can neither instantiate the reference nor reach the testbench by name.
    const renamed = suffixModules(reference, `_rgref_${this.nonce}`);
    this.refSource = sealDirectives(`${DESIGN_PREAMBLE}${renamed.code}`);
    this.refHasUnknowns = hasUnknownLiterals(reference);
    this.refModule = renamed.names.get(ref.top) as string;
    this.deadline = started + options.timeoutMs;
  }

  /** Time left before the check's own deadline (at least 1 ms). */
  remaining(): number {
    return Math.max(this.deadline - performance.now(), 1);
  }

  /** A single check lives within its deadline; each candidate of a group gets the full limit for its own phases. */
  candidateTimeLeft(): number {
    return this.groupSize > 1 ? this.options.timeoutMs : this.remaining();
  }

  /** The testbench of these candidate tops against the reference: random and directed stimulus, or a replay. */
  spec(candidates: string[], replay?: Stimulus): TestbenchSpec {
    // Big netlists cost more per simulated cycle: scale the budget down with the reference's size so one
    // Game-of-Life grid does not cost as much as a hundred counters. Deterministic: same design, same budget.
    const scale = COST_CELLS / Math.max(this.ref.iface.cells, COST_CELLS);
    const spec: TestbenchSpec = {
      nonce: this.nonce,
      reference: { module: this.refModule, iface: this.ref.iface },
      candidates,
      seed: this.options.seed,
      cycles: Math.max(Math.floor(this.options.cycles * scale), Math.min(MIN_CYCLES, this.options.cycles)),
      vectors: Math.max(Math.floor(this.options.vectors * scale), Math.min(MIN_CYCLES, this.options.vectors)),
      exhaustiveBits: this.options.exhaustiveBits,
    };
    if (replay) spec.replay = replay;
    else if (this.ref.probes) spec.coverage = this.ref.probes;
    if (this.options.assume !== undefined) spec.assume = this.options.assume;
    return spec;
  }

  /** One simulation of `candidates` side by side with the reference. */
  simulate(
    candidates: Prepared[],
    timeoutMs: number,
    replay?: Stimulus,
    stallMs: number = SOLO_STALL_MS,
    /** Ends this run early as well as the check's own signal does (a speculative run the front end overtook). */
    signal?: AbortSignal,
  ): Promise<SimOutcome> {
    const files: Record<string, string> = { [REFERENCE_FILE]: this.refSource };
    for (const c of candidates) files[c.file] = c.source;
    return runSimulation(
      this.spec(
        candidates.map((c) => c.top),
        replay,
      ),
      { sources: files },
      {
        timeoutMs,
        memoryLimitMb: this.options.memoryLimitMb,
        stallMs,
        signal: signal ? AbortSignal.any([this.signal, signal]) : this.signal,
      },
    );
  }

  #refAlone: Promise<boolean> | undefined;

  /** Whether the reference simulates cleanly against itself (to tell a broken candidate from broken tools). */
  referenceSimulates(): Promise<boolean> {
    this.#refAlone ??= (async () => {
      const self: Prepared = {
        slot: -1,
        file: "self.v",
        top: `${this.refModule}_self`,
        source: suffixModules(this.refSource, "_self").code,
      };
      const o = await this.simulate([self], this.options.timeoutMs);
      return o.kind === "ok";
    })();
    return this.#refAlone;
  }

  /** A result of this check, with the parts every result carries (interface, versions, timings, options). */
  result(parts: {
    status: VerifyStatus;
    decidedBy: VerifyResult["decidedBy"];
    message: string;
    signals?: SignalVerdict[];
    diagnostics?: string[];
    sim?: SimReport;
    formal?: FormalReport;
    frontendMs?: number;
    simMs?: number;
  }): VerifyResult {
    const { iface } = this.ref;
    const o = this.options;
    const formal = parts.formal ?? { status: "skipped", durationMs: 0, reason: `not reached (${parts.status})` };
    return {
      status: parts.status,
      decidedBy: parts.decidedBy,
      message: parts.message,
      signals:
        parts.signals ?? iface.ports.filter((p) => p.direction === "output").map((p) => ({ name: p.name, ok: false })),
      engines: {
        sim: parts.sim ?? {
          status: "skipped",
          seed: o.seed,
          cycles: 0,
          samples: 0,
          exhaustive: false,
          durationMs: 0,
          reason: `not reached (${parts.status})`,
        },
        formal,
      },
      diagnostics: parts.diagnostics ?? [],
      interface: iface,
      toolVersions: this.versions,
      timings: {
        totalMs: round(performance.now() - this.started),
        frontendMs: round(parts.frontendMs ?? 0),
        simMs: round(parts.simMs ?? parts.sim?.durationMs ?? 0),
        formalMs: round(formal.durationMs),
      },
      options: reportedOptions(o),
    };
  }
}

export const round = (ms: number) => Math.round(ms * 10) / 10;
