import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import pLimit from "p-limit";
import type {
  Assurance,
  Counterexample,
  DesignInterface,
  FormalReport,
  SignalVerdict,
  SimReport,
  ToolVersions,
  VerifyResult,
  VerifyStatus,
} from "../contracts/index.js";
import { BadInputError, tail } from "../core/errors.js";
import { elaborateSources, iverilogVersion, preprocess } from "../tools/iverilog.js";
import { yosysBackend } from "../tools/yosys.js";
import {
  findTop,
  hasUnknownLiterals,
  listModules,
  normaliseLineEndings,
  sanitizeCandidate,
  sealDirectives,
  suffixModules,
} from "../verilog/index.js";
import { analyseReference, type ReferenceAnalysis, readCandidateInterfaces } from "./analyze.js";
import { checkAssumption } from "./assume.js";
import { type FormalOutcome, formalLimitation, runFormal } from "./formal.js";
import { compareInterfaces, describeDiff } from "./interface.js";
import { type ResolvedVerifyOptions, reportedOptions, resolveOptions, type VerifyOptions } from "./options.js";
import { runSimulation, type SimCandidateResult, type SimOutcome } from "./simulate.js";
import type { Stimulus, TestbenchSpec } from "./testbench.js";

export interface VerifyInput extends VerifyOptions {
  reference: string;
  candidate: string;
}

export interface VerifyGroupInput extends VerifyOptions {
  reference: string;
  candidates: string[];
  /** Cancels the check: every tool process it started is killed. */
  signal?: AbortSignal;
}

/** Checks one candidate against the reference. Candidate failures are results; only bad input or broken tools throw. */
export async function verify(input: VerifyInput): Promise<VerifyResult> {
  const { reference, candidate, ...options } = input;
  const [result] = await verifyGroup({ reference, candidates: [candidate], ...options });
  return result as VerifyResult;
}

const FRONTEND_LIMIT_MS = 3000;
/** Marks an elaboration that was killed at its time limit rather than one that failed. */
const TIMED_OUT = "\u0000timeout";
const REPLAY_FLOOR_MS = 2000;
/**
 * A shared run is only a shortcut: when it stalls, every candidate is re-run alone with its own full limit and
 * stall window (SOLO_STALL_MS), so ending it early can never change a verdict, only cost those solo re-runs. The
 * testbench prints a progress line every few milliseconds whatever the design's size (see heartbeatEvery), so a
 * shared run silent this long is stuck on a candidate, and the core it spins on is freed sooner.
 */
const SHARED_STALL_MS = 400;
/**
 * Any other run (a candidate alone, a replay, the reference against itself) that prints no progress line while
 * it uses this much CPU time is finished as a timeout: it is stuck in a zero-delay loop. CPU time, not wall-clock
 * silence (see runProcess stallMs): a correct but slow design sharing its core with other checks is not cut. The testbench prints a progress line
 * at least every 64 steps (every ~25,600 cell-steps for bigger designs), dozens per run of the default budget,
 * so a design whose progress lines are this far apart could not finish within any usual limit anyway; the
 * window only spares waiting for that limit.
 */
const SOLO_STALL_MS = 1000;
/** References up to this many cells get the full cycle budget; bigger ones proportionally less. */
const COST_CELLS = 400;
const MIN_CYCLES = 200;
const parallel = pLimit(Math.max(availableParallelism(), 1));

/**
 * Checks many candidates of one problem (an RL group): the reference is analysed once, identical candidates
 * are checked once, and the candidates that compile share one simulation. A candidate that breaks or hangs
 * the shared run is isolated by re-running the others alone, so it never spoils their verdicts.
 */
export async function verifyGroup(input: VerifyGroupInput): Promise<VerifyResult[]> {
  const { reference, candidates, signal, ...rest } = input;
  if (typeof reference !== "string" || reference.trim() === "") throw new BadInputError("the reference is empty");
  if (!Array.isArray(candidates) || candidates.some((c) => typeof c !== "string")) {
    throw new BadInputError("candidates must be an array of strings");
  }
  const options = resolveOptions(rest);
  const started = performance.now();
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal?.addEventListener("abort", abort, { once: true });
  // A single check holds its wall-clock limit as a whole, front end and reference analysis included: at the
  // deadline every process it started is killed and the answer is a timeout, whatever phase it was in.
  // (A group gives each candidate the full limit for its own phases; the service's watchdog bounds the group.)
  let timer: NodeJS.Timeout | undefined;
  const deadline =
    candidates.length === 1
      ? new Promise<"deadline">((resolve) => {
          timer = setTimeout(() => resolve("deadline"), options.timeoutMs + DEADLINE_GRACE_MS);
        })
      : undefined;
  const work = (async () => {
    const versions = await toolVersions();
    const ref = await analyseReference(reference, options.refTop, options.timeoutMs);
    if (options.assume !== undefined)
      await checkAssumption(options.assume, ref.iface, Math.min(options.timeoutMs, FRONTEND_LIMIT_MS));
    const frontendStarted = performance.now();
    // Identical candidates (RL groups repeat completions) are checked once. Only byte-identical text (line endings
    // aside, which every tool sees normalised) counts as identical: whitespace can change what a macro expands to.
    const unique = new Map<string, number>();
    const sources: string[] = [];
    const slotOf = candidates.map((c) => {
      const norm = normaliseLineEndings(c);
      let slot = unique.get(norm);
      if (slot === undefined) {
        slot = sources.push(norm) - 1;
        unique.set(norm, slot);
      }
      return slot;
    });
    const ctx = new CheckContext(ref, reference, options, versions, started, controller.signal);
    const verdicts = await ctx.run(sources, frontendStarted);
    return { ctx, verdicts, slotOf };
  })();
  try {
    const first = deadline ? await Promise.race([work, deadline]) : await work;
    if (first === "deadline") {
      controller.abort();
      // Every process of the check is being killed: wait (briefly) until they are reaped, so none outlives it.
      await Promise.race([work.catch(() => {}), new Promise((r) => setTimeout(r, REAP_WAIT_MS))]);
      const versions = await toolVersions();
      return [deadlineResult(options, versions, performance.now() - started)];
    }
    return first.slotOf.map((slot) => structuredClone(first.verdicts[slot] as VerifyResult));
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", abort);
    if (deadline) work.catch(() => {}); // settled or abandoned at the deadline: its processes are already killed
  }
}

/**
 * What every candidate file starts with: the testbench's timescale, since each file is its own compilation unit
 * (a `q <= #1 d` must mean the same in the candidate as in the reference). One line, taken off again in the line
 * numbers of compiler messages.
 */
const CANDIDATE_PREAMBLE = "`timescale 1ns/1ps\n";

/**
 * The compiler's lines about `file`, as the user wrote it: "candidate:LINE: ..." with the preamble's line taken
 * off. `all` keeps the lines about other files (the testbench) too.
 */
function linesOf(log: string, file: string, all = false): string {
  return log
    .split("\n")
    .filter((l) => all || l.startsWith(`${file}:`))
    .map((l) =>
      l.startsWith(`${file}:`)
        ? l.replace(/^[^:]+:(\d+):/, (_m, n: string) => `candidate:${Math.max(Number(n) - 1, 1)}:`)
        : l,
    )
    .join("\n")
    .trim();
}

/** How long a check past its deadline waits for its killed processes to be reaped. */
const REAP_WAIT_MS = 1000;

/** Reporting slack past the limit; the processes themselves are killed at the limit. */
const DEADLINE_GRACE_MS = 50;

function deadlineResult(options: ResolvedVerifyOptions, versions: ToolVersions, elapsedMs: number): VerifyResult {
  const ms = round(elapsedMs);
  return {
    status: "timeout",
    decidedBy: "frontend",
    message: `the check did not finish within its ${options.timeoutMs} ms limit`,
    signals: [],
    engines: {
      sim: {
        status: "skipped",
        seed: options.seed,
        cycles: 0,
        samples: 0,
        exhaustive: false,
        durationMs: 0,
        reason: "check deadline",
      },
      formal: { status: "skipped", durationMs: 0, reason: "check deadline" },
    },
    diagnostics: [],
    toolVersions: versions,
    timings: { totalMs: ms, frontendMs: ms, simMs: 0, formalMs: 0 },
    options: reportedOptions(options),
  };
}

let versionsPromise: Promise<ToolVersions> | undefined;

/** Versions of the tools in use, recorded with every result. */
export function toolVersions(): Promise<ToolVersions> {
  versionsPromise ??= (async () => {
    const yosys = await yosysBackend();
    const [iverilog, yosysVersion] = await Promise.all([iverilogVersion(), yosys.version()]);
    return { iverilog, yosys: yosysVersion, yosysBackend: yosys.name };
  })();
  versionsPromise.catch(() => {
    versionsPromise = undefined;
  });
  return versionsPromise;
}

interface Prepared {
  slot: number;
  file: string;
  top: string;
  source: string;
  /** Yosys saw no flip-flop or latch in the candidate: exhaustive simulation of its inputs is a proof. */
  stateless?: boolean;
}

/** Everything one group check knows; one instance per verifyGroup call. */
class CheckContext {
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
    this.refSource = sealDirectives(renamed.code);
    this.refHasUnknowns = hasUnknownLiterals(reference);
    this.refModule = renamed.names.get(ref.top) as string;
    this.deadline = started + options.timeoutMs;
  }

  async run(sources: string[], frontendStarted: number): Promise<VerifyResult[]> {
    this.groupSize = sources.length;
    const results: Array<VerifyResult | undefined> = sources.map(() => undefined);
    const { iface } = this.ref;
    if (iface.unsupported) {
      return sources.map(() =>
        this.result({
          status: "unsupported",
          decidedBy: "frontend",
          message: `cannot check this design: ${iface.unsupported}`,
        }),
      );
    }

    // Front end: one canonical text per candidate (line endings, the preprocessor's single expansion, the
    // sanitiser over exactly the text the tools will read), then the top, per-run names, and elaboration alone.
    const prepared: Prepared[] = [];
    await Promise.all(
      sources.map((source, slot) =>
        parallel(async () => {
          const canonical = await this.canonical(source);
          if (canonical.kind === "rejected") {
            results[slot] = this.result({
              status: canonical.status,
              decidedBy: "frontend",
              message: canonical.message,
              diagnostics: canonical.diagnostics,
            });
            return;
          }
          const code = canonical.code;
          const modules = listModules(code);
          const names = new Set(modules.map((m) => m.name));
          const top = this.options.candTop ?? (names.has(this.ref.top) ? this.ref.top : findTop(code));
          if (!top || !names.has(top)) {
            results[slot] = this.result({
              status: "compile_error",
              decidedBy: "frontend",
              message: top ? `candidate has no module named ${top}` : "candidate contains no module",
            });
            return;
          }
          const renamed = suffixModules(code, `_rgc${slot}_${this.nonce}`);
          prepared.push({
            slot,
            file: `c${slot}.v`,
            top: renamed.names.get(top) as string,
            source: sealDirectives(`${CANDIDATE_PREAMBLE}${renamed.code}`),
          });
        }),
      ),
    );
    prepared.sort((a, b) => a.slot - b.slot);
    // Every candidate must elaborate with nothing above it before it meets the testbench: a name it cannot
    // resolve alone (a testbench task, a signal up the hierarchy) would otherwise resolve upward.
    for (const [slot, log] of await this.elaborateAlone(prepared)) {
      results[slot] = this.result({
        status: log === TIMED_OUT ? "timeout" : "compile_error",
        decidedBy: "frontend",
        message:
          log === TIMED_OUT
            ? "elaboration did not finish in time"
            : "candidate does not compile on its own (every name it uses must be declared inside it)",
        diagnostics: log === TIMED_OUT ? [] : [tail(log, 30)],
      });
    }
    const standing = prepared.filter((p) => results[p.slot] === undefined);
    // Reading an interface takes milliseconds; a candidate that makes yosys loop (a `for` without a step)
    // must not eat the time its simulation needs.
    const frontend = await readCandidateInterfaces(
      standing.map((p) => ({ key: String(p.slot), file: p.file, source: p.source, top: p.top })),
      Math.min(this.remaining(), FRONTEND_LIMIT_MS),
      undefined,
      undefined,
      this.signal,
    );
    const yosysErrors = new Map<number, string>();
    const live: Prepared[] = [];
    for (const p of standing) {
      const read = frontend.get(String(p.slot));
      if (read?.ok) {
        p.stateless = !read.iface.sequential && !read.iface.hasLatches;
        const diff = compareInterfaces(iface.ports, read.iface.ports);
        if (diff) {
          results[p.slot] = this.result({
            status: "interface_mismatch",
            decidedBy: "frontend",
            message: describeDiff(diff),
          });
          continue;
        }
      }
      if (!read?.ok || read.translated) yosysErrors.set(p.slot, read?.error ?? "yosys could not read the candidate");
      live.push(p);
    }
    const frontendMs = performance.now() - frontendStarted;

    // Simulation: one shared run, splitting off candidates that do not compile or break it.
    const sim = new Map<number, { outcome: SimOutcome; result?: SimCandidateResult }>();
    if (live.length > 0 && this.options.engine !== "formal") await this.simulateShared(live, sim);

    // Formal, per candidate, for those still in the running.
    const checks = live.map((p) =>
      parallel(async () => {
        const s = sim.get(p.slot);
        if (s && s.outcome.kind === "compile_error") {
          results[p.slot] = this.result({
            status: "compile_error",
            decidedBy: "sim",
            message: "candidate does not compile",
            diagnostics: [tail(linesOf(s.outcome.log, p.file, true), 30)],
            frontendMs,
            simMs: s.outcome.durationMs,
          });
          return;
        }
        results[p.slot] = await this.decide(p, s, yosysErrors.get(p.slot), frontendMs);
      }),
    );
    await Promise.all(checks);
    return results.map(
      (r) => r ?? this.result({ status: "infra_error", decidedBy: "frontend", message: "no verdict was produced" }),
    );
  }

  remaining(): number {
    return Math.max(this.deadline - performance.now(), 1);
  }

  /**
   * The one text every tool, the sanitiser and the verdict see: line endings normalised, the candidate's own
   * filter pass, iverilog's preprocessor with no predefined macro (no tool can be told apart), and the sanitiser
   * again over the expansion, with comments and attributes blanked (Yosys reads pragmas the simulator ignores).
   */
  async canonical(
    source: string,
  ): Promise<
    { kind: "ok"; code: string } | { kind: "rejected"; status: VerifyStatus; message: string; diagnostics: string[] }
  > {
    const refuse = (what: string[]) => ({
      kind: "rejected" as const,
      status: "compile_error" as const,
      message: `candidate uses forbidden constructs: ${[...new Set(what)].join(", ")}`,
      diagnostics: [`rejected: ${[...new Set(what)].join(", ")}`],
    });
    const raw = sanitizeCandidate(source);
    if (raw.rejected.length > 0) return refuse(raw.rejected);
    // Text without a backtick has no directive or macro: the preprocessor would return it unchanged (checked on
    // every reference of the public benchmarks), so most candidates skip that process.
    const pp = raw.code.includes("`")
      ? await preprocess(raw.code, Math.min(this.remaining(), FRONTEND_LIMIT_MS), this.signal)
      : { kind: "ok" as const, code: raw.code };
    if (pp.kind === "timeout")
      return { kind: "rejected", status: "timeout", message: "preprocessing did not finish in time", diagnostics: [] };
    if (pp.kind === "include") return refuse([`\`include (${pp.file})`]);
    if (pp.kind === "error")
      return {
        kind: "rejected",
        status: "compile_error",
        message: "candidate does not preprocess",
        diagnostics: [tail(pp.log, 20)],
      };
    const expanded = sanitizeCandidate(pp.code, { preprocessed: true });
    if (expanded.rejected.length > 0) return refuse(expanded.rejected);
    return { kind: "ok", code: expanded.code };
  }

  /** Slot -> compiler log of the candidates that do not elaborate alone ({@link TIMED_OUT} when it hung). */
  async elaborateAlone(candidates: Prepared[]): Promise<Map<number, string>> {
    const failed = new Map<number, string>();
    let group = [...candidates];
    // One compile for all (each its own root and compilation unit); files it blames are dropped and the rest
    // compiled again, so a verdict here never depends on the neighbours. No file named: each alone.
    while (group.length > 0) {
      const run = await elaborateSources(
        Object.fromEntries(group.map((c) => [c.file, c.source])),
        group.map((c) => c.top),
        {
          timeoutMs: Math.min(this.candidateTimeLeft(), FRONTEND_LIMIT_MS),
          memoryLimitMb: this.options.memoryLimitMb,
          signal: this.signal,
        },
      );
      if (run.ok) break;
      const log = run.log;
      if (group.length === 1) {
        const only = group[0] as Prepared;
        failed.set(only.slot, run.timedOut ? TIMED_OUT : linesOf(log, only.file, true));
        break;
      }
      const blamed = run.timedOut ? [] : group.filter((c) => log.includes(`${c.file}:`));
      if (blamed.length === 0) {
        const singles = await Promise.all(group.map((c) => parallel(() => this.elaborateAlone([c]))));
        for (const m of singles) for (const [k, v] of m) failed.set(k, v);
        break;
      }
      for (const c of blamed) failed.set(c.slot, linesOf(log, c.file));
      group = group.filter((c) => !blamed.includes(c));
    }
    return failed;
  }

  /** A single check lives within its deadline; each candidate of a group gets the full limit for its own phases. */
  candidateTimeLeft(): number {
    return this.groupSize > 1 ? this.options.timeoutMs : this.remaining();
  }

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

  simulate(
    candidates: Prepared[],
    timeoutMs: number,
    replay?: Stimulus,
    stallMs: number = SOLO_STALL_MS,
  ): Promise<SimOutcome> {
    const files: Record<string, string> = { "ref.v": this.refSource };
    for (const c of candidates) files[c.file] = c.source;
    return runSimulation(
      this.spec(
        candidates.map((c) => c.top),
        replay,
      ),
      { sources: files },
      { timeoutMs, memoryLimitMb: this.options.memoryLimitMb, stallMs, signal: this.signal },
    );
  }

  async simulateShared(
    live: Prepared[],
    out: Map<number, { outcome: SimOutcome; result?: SimCandidateResult }>,
  ): Promise<void> {
    let group = [...live];
    // Compile errors name their file: drop those candidates and compile the rest again.
    while (group.length > 1) {
      // A shared run that stops printing progress is stuck on some candidate: give up on it early, since
      // every candidate is re-run alone (with its full limit, and a stall window of its own) anyway.
      const outcome = await this.simulate(group, this.candidateTimeLeft(), undefined, SHARED_STALL_MS);
      if (outcome.kind === "ok") {
        for (const [k, c] of group.entries())
          out.set(c.slot, { outcome, result: outcome.results[k] as SimCandidateResult });
        return;
      }
      if (outcome.kind !== "compile_error") break;
      const blamed = group.filter((c) => outcome.log.includes(`${c.file}:`));
      if (blamed.length === 0) break;
      for (const c of blamed) {
        const mine = linesOf(outcome.log, c.file);
        out.set(c.slot, { outcome: { kind: "compile_error", log: mine, durationMs: outcome.durationMs } });
      }
      group = group.filter((c) => !blamed.includes(c));
    }
    // One candidate, or a shared run that hung or crashed: every candidate alone, in parallel.
    await Promise.all(
      group.map((c) =>
        parallel(async () => {
          const outcome = await this.simulate([c], this.options.timeoutMs);
          out.set(
            c.slot,
            outcome.kind === "ok" ? { outcome, result: outcome.results[0] as SimCandidateResult } : { outcome },
          );
        }),
      ),
    );
  }

  async decide(
    p: Prepared,
    sim: { outcome: SimOutcome; result?: SimCandidateResult } | undefined,
    yosysError: string | undefined,
    frontendMs: number,
  ): Promise<VerifyResult> {
    const { iface } = this.ref;
    const outputs = iface.ports.filter((q) => q.direction === "output").map((q) => q.name);
    const simMs = sim?.outcome.durationMs ?? 0;
    const simReport: SimReport = {
      status: "skipped",
      seed: this.options.seed,
      cycles: 0,
      samples: 0,
      exhaustive: false,
      durationMs: simMs,
    };
    if (!sim) simReport.reason = `engine=${this.options.engine}`;
    const base = { frontendMs, simMs };
    if (sim) {
      const o = sim.outcome;
      if (o.kind === "timeout") {
        simReport.status = "timeout";
        const stall = o.stalled;
        const at = stall?.lastCycle !== undefined ? ` after cycle ${stall.lastCycle}` : "";
        const span = stall ? `${stall.afterMs} ms${stall.clock === "cpu" ? " of CPU time" : ""}` : "";
        simReport.reason = stall
          ? `no simulation progress for ${span}${at}`
          : `no verdict within ${this.options.timeoutMs} ms`;
        return this.result({
          status: "timeout",
          decidedBy: "sim",
          message: stall
            ? `no simulation progress for ${span}${at}: the design does not advance time (zero-delay loop?)`
            : `simulation did not finish within ${this.options.timeoutMs} ms (a loop without timing control?)`,
          sim: simReport,
          ...base,
        });
      }
      if (o.kind === "error") {
        simReport.status = "error";
        simReport.reason = o.reason;
        // The candidate broke the simulator (memory cap, crash) if the reference alone runs fine.
        const refAlone = await this.referenceSimulates();
        return this.result({
          status: refAlone ? "fail" : "infra_error",
          decidedBy: "sim",
          message: refAlone ? `candidate broke the simulation: ${o.reason}` : `simulation failed: ${o.reason}`,
          diagnostics: o.log ? [tail(o.log, 20)] : [],
          sim: simReport,
          ...base,
        });
      }
      if (o.kind === "ok") {
        simReport.cycles = o.steps;
        simReport.samples = o.samples;
        simReport.exhaustive = o.exhaustive;
      }
    }
    const simSignals = sim?.result?.signals;
    const failing = new Map<string, "sim" | "formal">();
    for (const s of simSignals ?? []) if (s.mismatches > 0) failing.set(s.name, "sim");
    if (simSignals) simReport.status = failing.size > 0 ? "fail" : "pass";
    let counterexample: Counterexample | undefined = sim?.result?.counterexample;

    // Formal: look for what simulation missed; every difference it finds is replayed in simulation.
    let formalReport: FormalReport = { status: "skipped", durationMs: 0, reason: "engine=sim" };
    let missing: Assurance["formalMissingBecause"] = this.options.engine === "sim" ? "options" : undefined;
    if (this.options.engine !== "sim") {
      const limitation = formalLimitation(iface);
      if (this.ref.formalBlocked) {
        formalReport = { status: "skipped", durationMs: 0, reason: this.ref.formalBlocked };
        missing = "reference";
      } else if (simReport.exhaustive && failing.size === 0 && p.stateless)
        formalReport = { status: "skipped", durationMs: 0, reason: "exhaustive simulation already covers every input" };
      else if (!iface.sequential && p.stateless === false)
        formalReport = {
          status: "skipped",
          durationMs: 0,
          reason: "the candidate holds state (latches) where the reference has none",
        };
      else if (yosysError) {
        formalReport = { status: "skipped", durationMs: 0, reason: `yosys cannot read the candidate: ${yosysError}` };
        missing = "candidate";
      } else if (limitation) {
        formalReport = { status: "skipped", durationMs: 0, reason: limitation };
        missing = "design";
      } else {
        const open = outputs.filter((o) => !failing.has(o));
        if (open.length === 0)
          formalReport = { status: "skipped", durationMs: 0, reason: "simulation already failed every output" };
        else {
          const found = await this.formal(p, open, failing.size > 0);
          formalReport = found.report;
          for (const [name, cx] of found.confirmed) {
            failing.set(name, "formal");
            counterexample ??= cx;
          }
          if (found.confirmed.size > 0) formalReport.status = "fail";
        }
      }
    }

    const signals: SignalVerdict[] = outputs.map((name) => {
      const s = simSignals?.find((x) => x.name === name);
      const v: SignalVerdict = { name, ok: !failing.has(name) };
      if (s) {
        v.mismatches = s.mismatches;
        v.definedSamples = s.definedSamples;
      }
      const by = failing.get(name);
      if (by) v.decidedBy = by;
      return v;
    });
    const ran = (simSignals ? 1 : 0) + (["proved", "bounded", "fail"].includes(formalReport.status) ? 1 : 0);
    const decidedBy =
      failing.size > 0
        ? [...failing.values()].includes("sim")
          ? "sim"
          : "formal"
        : ran === 2
          ? "sim+formal"
          : simSignals
            ? "sim"
            : "formal";
    if (failing.size === 0 && !simSignals && !["proved", "bounded"].includes(formalReport.status)) {
      const status: VerifyStatus =
        formalReport.status === "timeout"
          ? "timeout"
          : formalReport.status === "skipped"
            ? "unsupported"
            : "infra_error";
      return this.result({
        status,
        decidedBy: "formal",
        message: `formal check gave no verdict: ${formalReport.reason ?? formalReport.status}`,
        sim: simReport,
        formal: formalReport,
        ...base,
      });
    }
    const bad = signals.filter((s) => !s.ok).map((s) => s.name);
    const message =
      bad.length > 0
        ? `not equivalent: ${bad.join(", ")} ${bad.length === 1 ? "differs" : "differ"}`
        : `equivalent (${describeEvidence(simReport, formalReport)})${simSignals ? "" : "; formal only: oscillation and combinational loops are not checked"}`;
    const under = this.options.assume === undefined ? "" : ` under the input constraint ${this.options.assume}`;
    const r = this.result({
      status: bad.length > 0 ? "fail" : "pass",
      decidedBy,
      message: `${message}${under}`,
      signals,
      sim: simReport,
      formal: formalReport,
      ...base,
    });
    if (counterexample) r.counterexample = counterexample;
    const formalKind =
      formalReport.status === "proved" ? "proved" : formalReport.status === "bounded" ? "bounded" : "none";
    if (formalKind === "none" && missing === undefined && ["timeout", "error"].includes(formalReport.status))
      missing = "budget";
    // Exhaustive simulation proves a combinational candidate only when it holds no state (formal then skips).
    const enumerated = simReport.exhaustive && p.stateless === true;
    const assurance: Assurance = {
      formal: formalKind,
      simulated: simReport.cycles,
      exhaustive: simReport.exhaustive,
      strength: formalKind === "proved" || enumerated ? "proved" : formalKind === "bounded" ? "bounded" : "simulated",
    };
    if (formalKind === "bounded" && formalReport.depth !== undefined) assurance.depth = formalReport.depth;
    if (sim?.outcome.kind === "ok" && sim.outcome.coverage) assurance.coverage = sim.outcome.coverage;
    if (formalKind === "none" && !simReport.exhaustive) {
      if (missing !== undefined) assurance.formalMissingBecause = missing;
      if (formalReport.reason !== undefined) assurance.reason = formalReport.reason;
    }
    r.assurance = assurance;
    return r;
  }

  /** Runs formal on the still-open outputs; returns the differences simulation confirmed. */
  async formal(
    p: Prepared,
    open: string[],
    perSignal: boolean,
  ): Promise<{ report: FormalReport; confirmed: Map<string, Counterexample> }> {
    const confirmed = new Map<string, Counterexample>();
    const job = {
      sources: { "ref.v": this.refSource, [p.file]: p.source },
      gold: this.refModule,
      gate: p.top,
      iface: this.ref.iface,
      depth: this.options.formalDepth,
      deepDepth: deepFormalDepth(this.ref.iface, this.options.formalDepth),
      modelX: this.refHasUnknowns,
      ...(this.options.assume !== undefined && { assume: this.options.assume }),
      timeoutMs: formalBudget(this.candidateTimeLeft(), this.options.formalTimeoutMs),
      signal: this.signal,
    };
    const outcome: FormalOutcome = await runFormal(perSignal ? { ...job, perSignal: open } : job);
    const report = formalReportOf(outcome, this.ref.iface);
    if (outcome.kind !== "done") return { report, confirmed };
    const leads: Stimulus[] = [];
    if (outcome.proof.kind === "different") leads.push(outcome.proof.trace);
    if (outcome.proof.kind === "per_signal") leads.push(...outcome.proof.differing.values());
    let unconfirmed = 0;
    for (const trace of leads) {
      // A replay is a few cycles; it gets a floor so a lead found late is still confirmed or dismissed.
      const replay = await this.simulate([p], Math.max(this.candidateTimeLeft(), REPLAY_FLOOR_MS), trace);
      const result = replay.kind === "ok" ? replay.results[0] : undefined;
      const seen = result?.signals.filter((s) => s.mismatches > 0) ?? [];
      if (seen.length === 0) unconfirmed++;
      for (const s of seen) {
        if (confirmed.has(s.name) || !open.includes(s.name)) continue;
        const cx = result?.counterexample;
        confirmed.set(
          s.name,
          cx
            ? { ...cx, engine: "formal", trace }
            : { engine: "formal", signal: s.name, cycle: 0, phase: "pre", inputs: {}, expected: "", got: "", trace },
        );
      }
    }
    // A whole-design difference that replay confirmed: find which other outputs differ too, signal by signal.
    if (!perSignal && confirmed.size > 0) {
      const rest = open.filter((o) => !confirmed.has(o));
      if (rest.length > 0) {
        const more = await this.formal(p, rest, true);
        for (const [k, v] of more.confirmed) confirmed.set(k, v);
      }
    }
    if (confirmed.size === 0 && unconfirmed > 0) {
      report.status = "unconfirmed";
      report.reason =
        "formal found a difference that simulation does not reproduce (X or initial-value modelling); not counted";
    }
    return { report, confirmed };
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

function formalReportOf(outcome: FormalOutcome, iface: DesignInterface): FormalReport {
  const mode = iface.sequential ? "sequential" : "combinational";
  const durationMs = round(outcome.durationMs);
  switch (outcome.kind) {
    case "skipped":
      return { status: "skipped", durationMs, reason: outcome.reason };
    case "timeout":
      return { status: "timeout", mode, durationMs, reason: "yosys did not finish within the time limit" };
    case "error":
      return { status: "error", mode, durationMs, reason: outcome.reason };
    case "done": {
      const { proof } = outcome;
      if (!iface.sequential) return { status: "proved", mode, depth: 0, durationMs, method: "sat" };
      // A difference sets the status to fail or unconfirmed after replay; the bound is the one reached either way.
      if (proof.kind === "different")
        return { status: "bounded", mode, depth: proof.trace.length, durationMs, method: proof.method };
      // Induction closed: equal at every depth from reset (depth is the induction length that closed it).
      if (proof.unbounded && (proof.kind === "equivalent" || proof.differing.size === 0))
        return { status: "proved", mode, depth: proof.depth, durationMs, method: "induction" };
      return { status: "bounded", mode, depth: proof.depth, durationMs, method: proof.method };
    }
  }
}

/**
 * Time formal may take: its own limit, less a reserve within the check's limit for replaying what it finds (a deep
 * search now often uses its whole limit, and a difference found at the deadline would otherwise end as a timeout).
 */
const REPLAY_RESERVE_MS = 800;
function formalBudget(left: number, formalTimeoutMs: number): number {
  return Math.max(Math.min(formalTimeoutMs, left - Math.min(REPLAY_RESERVE_MS, left / 3)), 1);
}

/** Deepest formal bound worth searching: twice the reference's largest state threshold, within a cap. */
const DEEP_FORMAL_CAP = 64;
function deepFormalDepth(iface: DesignInterface, depth: number): number {
  const threshold = iface.maxStateConstant ?? 0;
  return Math.max(depth, Math.min(2 * threshold + 4, DEEP_FORMAL_CAP));
}

function describeEvidence(sim: SimReport, formal: FormalReport): string {
  const parts: string[] = [];
  if (sim.status === "pass")
    parts.push(
      `${sim.exhaustive ? "exhaustive" : "random+directed"} simulation, ${sim.cycles} ${sim.samples > sim.cycles ? "cycles" : "vectors"}`,
    );
  if (formal.status === "proved")
    parts.push(formal.mode === "sequential" ? "formal proof at every depth from reset (induction)" : "formal proof");
  if (formal.status === "bounded") parts.push(`formal, bounded to ${formal.depth} cycles`);
  if (formal.status === "unconfirmed") parts.push("formal lead not reproducible");
  if (formal.status === "timeout" || formal.status === "error" || formal.status === "skipped")
    parts.push(`formal ${formal.status}${formal.reason ? `: ${formal.reason}` : ""}`);
  return parts.join("; ");
}

const round = (ms: number) => Math.round(ms * 10) / 10;
