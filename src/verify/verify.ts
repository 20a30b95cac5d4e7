import type { ToolVersions, VerifyResult } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import { iverilogSimulator } from "../tools/simulator.js";
import { yosysBackend } from "../tools/yosys.js";
import { normaliseLineEndings } from "../verilog/index.js";
import { analyseReference } from "./analyze.js";
import { checkAssumption } from "./assume.js";
import { CheckContext, FRONTEND_LIMIT_MS, round } from "./check-context.js";
import { checkCandidates } from "./check-pipeline.js";
import { type ResolvedVerifyOptions, reportedOptions, resolveOptions, type VerifyOptions } from "./options.js";

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
    const ref = await analyseReference(reference, options.refTop, options.timeoutMs, controller.signal);
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
    const verdicts = await checkCandidates(ctx, sources, frontendStarted);
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
  } catch (error) {
    // Cancelled by the caller: a killed tool's failure (the reference "cannot be read") is no answer; the check
    // answers timeout for every candidate, as a cancel during the candidates' own phases does.
    if (!signal?.aborted) throw error;
    const versions = await toolVersions();
    return candidates.map(() => cancelledResult(options, versions, started));
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", abort);
    if (deadline) work.catch(() => {}); // settled or abandoned at the deadline: its processes are already killed
  }
}

/** How long a check past its deadline waits for its killed processes to be reaped. */
const REAP_WAIT_MS = 1000;

/** Reporting slack past the limit; the processes themselves are killed at the limit. */
const DEADLINE_GRACE_MS = 50;

function deadlineResult(options: ResolvedVerifyOptions, versions: ToolVersions, elapsedMs: number): VerifyResult {
  const message = `the check did not finish within its ${options.timeoutMs} ms limit`;
  return undecidedResult(options, versions, "timeout", message, "check deadline", round(elapsedMs));
}

/** The answer for every candidate of a check its caller cancelled (Verilog or VHDL route): a `timeout`. */
export function cancelledResult(options: ResolvedVerifyOptions, versions: ToolVersions, started: number): VerifyResult {
  const elapsed = round(performance.now() - started);
  return undecidedResult(options, versions, "timeout", "the check was cancelled", "cancelled", elapsed);
}

/**
 * A result no engine decided (the check's deadline, the service's watchdog, a crash): both engines skipped with
 * `reason`, and no signal counted correct.
 */
export function undecidedResult(
  options: ResolvedVerifyOptions,
  versions: ToolVersions,
  status: "timeout" | "infra_error",
  message: string,
  reason: string,
  elapsedMs = 0,
): VerifyResult {
  return {
    status,
    decidedBy: "frontend",
    message,
    signals: [],
    engines: {
      sim: { status: "skipped", seed: options.seed, cycles: 0, samples: 0, exhaustive: false, durationMs: 0, reason },
      formal: { status: "skipped", durationMs: 0, reason },
    },
    diagnostics: [],
    toolVersions: versions,
    timings: { totalMs: elapsedMs, frontendMs: elapsedMs, simMs: 0, formalMs: 0 },
    options: reportedOptions(options),
  };
}

let versionsPromise: Promise<ToolVersions> | undefined;

/** Versions of the tools in use, recorded with every result. */
export function toolVersions(): Promise<ToolVersions> {
  versionsPromise ??= (async () => {
    const yosys = await yosysBackend();
    const [iverilog, yosysVersion] = await Promise.all([iverilogSimulator().version(), yosys.version()]);
    return { iverilog, yosys: yosysVersion, yosysBackend: yosys.name };
  })();
  versionsPromise.catch(() => {
    versionsPromise = undefined;
  });
  return versionsPromise;
}
