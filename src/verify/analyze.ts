import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import pLimit from "p-limit";
import type { DesignInterface } from "../contracts/index.js";
import { BadInputError, tail } from "../core/errors.js";
import { translateToVerilog95 } from "../tools/iverilog.js";
import { yosysBackend } from "../tools/yosys.js";
import { findTop, listModules, yosysCompatible } from "../verilog/index.js";
import { type CoverageProbes, coverageProbes, withFsmProbes } from "./coverage.js";
import { interfaceFromYosys, YosysJson } from "./interface.js";
import { SharedRuns } from "./shared-runs.js";

export interface ReferenceAnalysis {
  top: string;
  iface: DesignInterface;
  /** Set when yosys could not read the reference itself: formal cannot run, simulation decides. */
  formalBlocked?: string;
  /** Content hash of source + top: the key for caches of anything derived from the reference. */
  key: string;
  /** The reference's state bits and FSMs by name, for the coverage its simulation reaches. */
  probes?: CoverageProbes;
}

const ANALYSIS_CACHE_LIMIT = 512;
/** Below this much time left, FSM extraction (a second, optional Yosys run) is not started. */
const FSM_MIN_MS = 300;
const cache = new SharedRuns<ReferenceAnalysis>(ANALYSIS_CACHE_LIMIT);

/**
 * Reads the reference with Yosys once (cached by content): ports, parameters, clock and resets.
 * Throws BadInputError when the reference has no module or cannot be read. `signal` kills its Yosys (and iverilog)
 * processes; a shared run another caller cancelled is run again for a caller whose own signal has not aborted.
 */
export function analyseReference(
  source: string,
  preferredTop: string | undefined,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ReferenceAnalysis> {
  const top = preferredTop ?? findTop(source);
  if (!top) throw new BadInputError("the reference contains no module");
  if (!listModules(source).some((m) => m.name === top))
    throw new BadInputError(`the reference has no module named ${top}`);
  const key = createHash("sha256").update(top).update("\0").update(source).digest("hex").slice(0, 32);
  return cache.get(
    key,
    () => readInterface(source, top, timeoutMs, signal).then((read) => ({ top, key, ...read })),
    signal,
  );
}

async function readInterface(
  source: string,
  top: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ iface: DesignInterface; formalBlocked?: string; probes?: CoverageProbes }> {
  const direct = await yosysInterface(source, top, timeoutMs, true, signal);
  if (direct.iface) return { iface: direct.iface, ...(direct.probes && { probes: direct.probes }) };
  // Cancelled: no fallback run (translateToVerilog95 takes no signal).
  if (signal?.aborted) throw new BadInputError(`yosys cannot read the reference: cancelled`);
  // SystemVerilog yosys lacks (packed-array ports, ...): read iverilog's Verilog-95 elaboration instead.
  const translated = await translateToVerilog95(source, timeoutMs);
  const fallback =
    translated === undefined || signal?.aborted
      ? undefined
      : await yosysInterface(translated, top, timeoutMs, true, signal);
  if (fallback?.iface) {
    return {
      iface: fallback.iface,
      ...(fallback.probes && { probes: fallback.probes }),
      formalBlocked: `yosys cannot read the reference (${direct.error}); simulation decides`,
    };
  }
  throw new BadInputError(`yosys cannot read the reference: ${direct.error}`, { stderrTail: direct.log });
}

async function yosysInterface(
  source: string,
  top: string,
  timeoutMs: number,
  probe = false,
  signal?: AbortSignal,
): Promise<{ iface?: DesignInterface; probes?: CoverageProbes; error: string; log: string }> {
  const started = performance.now();
  const yosys = await yosysBackend();
  const files = { "ref.v": yosysCompatible(source) };
  const read = ["read_verilog -sv ref.v", `hierarchy -check -top ${top}`, "proc -norom", "flatten"];
  const ran = await yosys.run({
    files,
    commands: [...read, "opt_dff -nodffe", "write_json ref.json"],
    outputs: ["ref.json"],
    timeoutMs,
    ...(signal && { signal }),
  });
  const json = ran.outputs["ref.json"];
  const error = ran.timedOut ? "timed out" : (ran.error ?? "failed");
  if (!ran.ok || json === undefined) return { error, log: tail(ran.log) };
  const netlist: unknown = JSON.parse(json);
  const iface = interfaceFromYosys(netlist, top);
  if (!probe) return { iface, error, log: "" };
  const plain = coverageProbes(netlist, top);
  // FSM extraction is an extra for coverage, run only for references that hold state and only in the time this step
  // has left (the check's wall-clock limit covers it), on the flattened design before opt_dff folds sync resets into
  // the flops (fsm_detect wants them); -norecode keeps the reference's own state encoding. If it fails or runs out
  // of time, the coverage has no FSM figures and the interface stands.
  const left = timeoutMs - (performance.now() - started);
  if (plain.bits === 0 && plain.unobserved === 0) return { iface, probes: plain, error, log: "" };
  if (left < FSM_MIN_MS || signal?.aborted) return { iface, probes: plain, error, log: "" };
  const fsm = await yosys.run({
    files,
    commands: [...read, "opt -nodffe -nosdff", "fsm -nomap -norecode", "write_json fsm.json"],
    outputs: ["fsm.json"],
    timeoutMs: left,
    ...(signal && { signal }),
  });
  const fsmJson = fsm.ok ? fsm.outputs["fsm.json"] : undefined;
  const probes = fsmJson === undefined ? plain : withFsmProbes(plain, netlist, top, JSON.parse(fsmJson));
  return { iface, probes, error, log: "" };
}

/** What yosys read of one candidate: its interface (through iverilog's elaboration when `translated`), or why not. */
export type CandidateRead =
  | { ok: true; iface: DesignInterface; translated?: true; error?: string }
  | { ok: false; error: string };

/**
 * Reads many candidates' interfaces in one yosys process (a spawn per candidate would cost more than the
 * check). A candidate yosys rejects is dropped from the batch and the rest are read again.
 */
export async function readCandidateInterfaces(
  candidates: Array<{ key: string; file: string; source: string; top: string }>,
  timeoutMs: number,
  suspects?: ReadonlySet<string>,
  /** Candidates iverilog cannot parse (a syntax error in their file): its Verilog-95 translation would fail too. */
  unparsable?: ReadonlySet<string>,
  signal?: AbortSignal,
): Promise<Map<string, CandidateRead>> {
  if (suspects && suspects.size > 0 && candidates.length > 1) {
    // Candidates another tool already failed to compile would make the batch fail and be re-read, each failure
    // one more read of every file: read them alone, beside the batch of the others. Same reads, same results.
    const limit = pLimit(Math.max(availableParallelism(), 1));
    const alone = candidates.filter((c) => suspects.has(c.key));
    const rest = candidates.filter((c) => !suspects.has(c.key));
    const parts = await Promise.all([
      ...(rest.length > 0
        ? [limit(() => readCandidateInterfaces(rest, timeoutMs, undefined, unparsable, signal))]
        : []),
      ...alone.map((c) => limit(() => readCandidateInterfaces([c], timeoutMs, undefined, unparsable, signal))),
    ]);
    const merged = new Map<string, CandidateRead>();
    for (const m of parts) for (const [k, v] of m) merged.set(k, v);
    return merged;
  }
  const result = new Map<string, CandidateRead>();
  let pending = [...candidates];
  const yosys = await yosysBackend();
  while (pending.length > 0) {
    const files = Object.fromEntries(pending.map((c) => [c.file, yosysCompatible(c.source)]));
    const run = await yosys.run({
      files,
      commands: [
        ...pending.map((c) => `read_verilog -sv ${c.file}`),
        "hierarchy -check",
        "proc -norom",
        "write_json cand.json",
      ],
      outputs: ["cand.json"],
      timeoutMs,
      ...(signal && { signal }),
    });
    const json = run.outputs["cand.json"];
    if (run.ok && json !== undefined) {
      const parsed = YosysJson.parse(JSON.parse(json));
      for (const c of pending) {
        if (parsed.modules[c.top]) result.set(c.key, { ok: true, iface: interfaceFromYosys(parsed, c.top) });
        else result.set(c.key, { ok: false, error: `module ${c.top} not found after elaboration` });
      }
      break;
    }
    const message = run.timedOut ? "yosys timed out reading the candidate" : (run.error ?? "yosys failed");
    // Blame the candidate the error names (by file or by module suffix); if none is named, each is read alone.
    const culprit =
      pending.length === 1
        ? pending[0]
        : pending.find((c) => run.log.includes(`${c.file}:`) || message.includes(c.top));
    if (culprit) {
      result.set(
        culprit.key,
        unparsable?.has(culprit.key)
          ? { ok: false, error: message }
          : await translatedInterface(culprit, message, timeoutMs),
      );
      pending = pending.filter((c) => c !== culprit);
    } else {
      const limit = pLimit(Math.max(availableParallelism(), 1));
      const singles = await Promise.all(
        pending.map((c) => limit(() => readCandidateInterfaces([c], timeoutMs, undefined, unparsable, signal))),
      );
      for (const m of singles) for (const [k, v] of m) result.set(k, v);
      break;
    }
  }
  return result;
}

/** A candidate yosys cannot read keeps its interface check through iverilog's Verilog-95 elaboration. */
async function translatedInterface(
  c: { file: string; source: string; top: string },
  error: string,
  timeoutMs: number,
): Promise<CandidateRead> {
  if (error.includes("timed out")) return { ok: false, error };
  const translated = await translateToVerilog95(c.source, timeoutMs);
  const read = translated === undefined ? undefined : await yosysInterface(translated, c.top, timeoutMs);
  return read?.iface ? { ok: true, iface: read.iface, translated: true, error } : { ok: false, error };
}
