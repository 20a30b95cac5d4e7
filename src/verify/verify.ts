import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import pLimit from "p-limit";
import type {
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
import { iverilogVersion } from "../tools/iverilog.js";
import { yosysBackend } from "../tools/yosys.js";
import {
  findTop,
  hasUnknownLiterals,
  listModules,
  normaliseForCache,
  sanitizeCandidate,
  sealDirectives,
  suffixModules,
} from "../verilog/index.js";
import { analyseReference, type ReferenceAnalysis, readCandidateInterfaces } from "./analyze.js";
import { type FormalOutcome, formalLimitation, runFormal } from "./formal.js";
import { compareInterfaces, describeDiff } from "./interface.js";
import { type ResolvedVerifyOptions, reportedOptions, resolveOptions, type VerifyOptions } from "./options.js";
import { compileOnly, runSimulation, type SimCandidateResult, type SimOutcome } from "./simulate.js";
import type { Stimulus, TestbenchSpec } from "./testbench.js";

export interface VerifyInput extends VerifyOptions {
  reference: string;
  candidate: string;
}

export interface VerifyGroupInput extends VerifyOptions {
  reference: string;
  candidates: string[];
}

/** Checks one candidate against the reference. Candidate failures are results; only bad input or broken tools throw. */
export async function verify(input: VerifyInput): Promise<VerifyResult> {
  const { reference, candidate, ...options } = input;
  const [result] = await verifyGroup({ reference, candidates: [candidate], ...options });
  return result as VerifyResult;
}

const FRONTEND_LIMIT_MS = 3000;
const REPLAY_FLOOR_MS = 2000;
/**
 * A shared run is only a shortcut: when it stalls, every candidate is re-run alone with its own full limit and
 * stall window (SOLO_STALL_MS), so ending it early can never change a verdict, only cost those solo re-runs. The
 * testbench prints a progress line every few milliseconds whatever the design's size (see heartbeatEvery), so a
 * shared run silent this long is stuck on a candidate, and the core it spins on is freed sooner.
 */
const SHARED_STALL_MS = 400;
/**
 * Any other run (a candidate alone, a replay, the reference against itself) that prints no progress line for
 * this long is finished as a timeout: it is stuck in a zero-delay loop. The testbench prints a progress line
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
  const { reference, candidates, ...rest } = input;
  if (typeof reference !== "string" || reference.trim() === "") throw new BadInputError("the reference is empty");
  if (!Array.isArray(candidates) || candidates.some((c) => typeof c !== "string")) {
    throw new BadInputError("candidates must be an array of strings");
  }
  const options = resolveOptions(rest);
  const started = performance.now();
  const versions = await toolVersions();
  const ref = await analyseReference(reference, options.refTop, options.timeoutMs);
  const frontendStarted = performance.now();

  // Identical candidates (RL groups repeat completions) are checked once.
  const unique = new Map<string, number>();
  const sources: string[] = [];
  const slotOf = candidates.map((c) => {
    const norm = normaliseForCache(c);
    let slot = unique.get(norm);
    if (slot === undefined) {
      slot = sources.push(c) - 1;
      unique.set(norm, slot);
    }
    return slot;
  });
  const ctx = new CheckContext(ref, reference, options, versions, started);
  const verdicts = await ctx.run(sources, frontendStarted);
  return slotOf.map((slot) => structuredClone(verdicts[slot] as VerifyResult));
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
  groupSize = 1;

  constructor(
    readonly ref: ReferenceAnalysis,
    reference: string,
    readonly options: ResolvedVerifyOptions,
    readonly versions: ToolVersions,
    readonly started: number,
  ) {
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

    // Front end: sanitise, find the top, rename, read the interface with yosys.
    const prepared: Prepared[] = [];
    sources.forEach((source, slot) => {
      const s = sanitizeCandidate(source);
      if (s.rejected.length > 0) {
        results[slot] = this.result({
          status: "compile_error",
          decidedBy: "frontend",
          message: `candidate uses forbidden constructs: ${[...new Set(s.rejected)].join(", ")}`,
          diagnostics: [`rejected: ${[...new Set(s.rejected)].join(", ")}`],
        });
        return;
      }
      const modules = listModules(s.code);
      const names = new Set(modules.map((m) => m.name));
      const top = this.options.candTop ?? (names.has(this.ref.top) ? this.ref.top : findTop(s.code));
      if (!top || !names.has(top)) {
        results[slot] = this.result({
          status: "compile_error",
          decidedBy: "frontend",
          message: top ? `candidate has no module named ${top}` : "candidate contains no module",
        });
        return;
      }
      const renamed = suffixModules(s.code, `_rgc${slot}_${this.nonce}`);
      prepared.push({
        slot,
        file: `c${slot}.v`,
        top: renamed.names.get(top) as string,
        source: sealDirectives(renamed.code),
      });
    });
    // One iverilog compile of every candidate first (the shared run would compile them anyway): the files it
    // blames are read by yosys alone, so they do not break the batch read of the others and force re-reads.
    const precompiled =
      prepared.length > 1 && this.options.engine !== "formal" ? await this.compileAll(prepared) : undefined;
    const blamedEarly = new Map<number, string>();
    if (precompiled?.kind === "compile_error") {
      for (const p of prepared) {
        const mine = precompiled.log
          .split("\n")
          .filter((l) => l.startsWith(`${p.file}:`))
          .join("\n");
        if (mine !== "") blamedEarly.set(p.slot, mine);
      }
    }
    // Reading an interface takes milliseconds; a candidate that makes yosys loop (a `for` without a step)
    // must not eat the time its simulation needs.
    const frontend = await readCandidateInterfaces(
      prepared.map((p) => ({ key: String(p.slot), file: p.file, source: p.source, top: p.top })),
      Math.min(this.remaining(), FRONTEND_LIMIT_MS),
      new Set([...blamedEarly.keys()].map(String)),
      // iverilog's parser is the same whatever the target: a file with a syntax error cannot be translated either.
      new Set(
        [...blamedEarly]
          .filter(([, log]) => log.split("\n").some((l) => /^[^:]+:\d+: syntax error$/.test(l)))
          .map(([slot]) => String(slot)),
      ),
    );
    const yosysErrors = new Map<number, string>();
    const live: Prepared[] = [];
    for (const p of prepared) {
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
    if (live.length > 0 && this.options.engine !== "formal") {
      const known = precompiled === undefined ? undefined : { log: blamedEarly, durationMs: precompiled.durationMs };
      await this.simulateShared(live, sim, known);
    }

    // Formal, per candidate, for those still in the running.
    const checks = live.map((p) =>
      parallel(async () => {
        const s = sim.get(p.slot);
        if (s && s.outcome.kind === "compile_error") {
          results[p.slot] = this.result({
            status: "compile_error",
            decidedBy: "sim",
            message: "candidate does not compile",
            diagnostics: [tail(s.outcome.log, 30)],
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
      { timeoutMs, memoryLimitMb: this.options.memoryLimitMb, stallMs },
    );
  }

  /** Compiles the testbench with every candidate, without simulating: which files break the compile. */
  compileAll(candidates: Prepared[]) {
    const files: Record<string, string> = { "ref.v": this.refSource };
    for (const c of candidates) files[c.file] = c.source;
    return compileOnly(
      this.spec(candidates.map((c) => c.top)),
      { sources: files },
      { timeoutMs: Math.min(this.remaining(), FRONTEND_LIMIT_MS), memoryLimitMb: this.options.memoryLimitMb },
    );
  }

  async simulateShared(
    live: Prepared[],
    out: Map<number, { outcome: SimOutcome; result?: SimCandidateResult }>,
    known?: { log: Map<number, string>; durationMs: number },
  ): Promise<void> {
    let group = [...live];
    // Files an earlier compile of the same sources already blamed: the loop below would blame them again.
    if (known && group.length > 1) {
      const blamed = group.filter((c) => known.log.has(c.slot));
      for (const c of blamed) {
        out.set(c.slot, {
          outcome: { kind: "compile_error", log: known.log.get(c.slot) as string, durationMs: known.durationMs },
        });
      }
      group = group.filter((c) => !known.log.has(c.slot));
    }
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
        const mine = outcome.log
          .split("\n")
          .filter((l) => l.startsWith(`${c.file}:`))
          .join("\n");
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
        simReport.reason = stall
          ? `no simulation progress for ${stall.afterMs} ms${at}`
          : `no verdict within ${this.options.timeoutMs} ms`;
        return this.result({
          status: "timeout",
          decidedBy: "sim",
          message: stall
            ? `no simulation progress for ${stall.afterMs} ms${at}: the design does not advance time (zero-delay loop?)`
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
    if (this.options.engine !== "sim") {
      const limitation = formalLimitation(iface);
      if (this.ref.formalBlocked) formalReport = { status: "skipped", durationMs: 0, reason: this.ref.formalBlocked };
      else if (simReport.exhaustive && failing.size === 0 && p.stateless)
        formalReport = { status: "skipped", durationMs: 0, reason: "exhaustive simulation already covers every input" };
      else if (!iface.sequential && p.stateless === false)
        formalReport = {
          status: "skipped",
          durationMs: 0,
          reason: "the candidate holds state (latches) where the reference has none",
        };
      else if (yosysError)
        formalReport = { status: "skipped", durationMs: 0, reason: `yosys cannot read the candidate: ${yosysError}` };
      else if (limitation) formalReport = { status: "skipped", durationMs: 0, reason: limitation };
      else {
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
    const r = this.result({
      status: bad.length > 0 ? "fail" : "pass",
      decidedBy,
      message,
      signals,
      sim: simReport,
      formal: formalReport,
      ...base,
    });
    if (counterexample) r.counterexample = counterexample;
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
      modelX: this.refHasUnknowns,
      timeoutMs: Math.min(this.candidateTimeLeft(), this.options.formalTimeoutMs),
    };
    const outcome: FormalOutcome = await runFormal(perSignal ? { ...job, perSignal: open } : job);
    const report = formalReportOf(outcome, this.ref.iface, this.options.formalDepth);
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

function formalReportOf(outcome: FormalOutcome, iface: DesignInterface, depth: number): FormalReport {
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
      // A difference sets the status to fail or unconfirmed after replay; the bound is the same either way.
      const bound = outcome.proof.kind === "equivalent" ? outcome.proof.depth : depth;
      return iface.sequential
        ? { status: "bounded", mode, depth: bound, durationMs }
        : { status: "proved", mode, depth: 0, durationMs };
    }
  }
}

function describeEvidence(sim: SimReport, formal: FormalReport): string {
  const parts: string[] = [];
  if (sim.status === "pass")
    parts.push(
      `${sim.exhaustive ? "exhaustive" : "random+directed"} simulation, ${sim.cycles} ${sim.samples > sim.cycles ? "cycles" : "vectors"}`,
    );
  if (formal.status === "proved") parts.push("formal proof");
  if (formal.status === "bounded") parts.push(`formal, bounded to ${formal.depth} cycles`);
  if (formal.status === "unconfirmed") parts.push("formal lead not reproducible");
  if (formal.status === "timeout" || formal.status === "error" || formal.status === "skipped")
    parts.push(`formal ${formal.status}${formal.reason ? `: ${formal.reason}` : ""}`);
  return parts.join("; ");
}

const round = (ms: number) => Math.round(ms * 10) / 10;
