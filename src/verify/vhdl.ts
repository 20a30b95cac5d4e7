import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import pLimit from "p-limit";
import type {
  DesignInterface,
  FormalReport,
  HdlLanguage,
  Port,
  RouteReport,
  SignalVerdict,
  SimReport,
  TranslationCheck,
  VerifyResult,
  VerifyStatus,
} from "../contracts/index.js";
import { BadInputError, tail } from "../core/errors.js";
import { ghdlAnalyse, ghdlElaborate, ghdlVersion, synthesizeVhdl } from "../tools/ghdl.js";
import { withTempDir } from "../tools/process.js";
import { sanitizeCandidate } from "../verilog/index.js";
import {
  findTopEntity,
  incompleteCases,
  listEntities,
  normaliseVhdl,
  repairCases,
  sanitizeVhdl,
  type VhdlEntity,
  vhdlConditions,
} from "../vhdl/index.js";
import { analyseReference } from "./analyze.js";
import { compareInterfaces, describeDiff } from "./interface.js";
import { type ResolvedVerifyOptions, reportedOptions, resolveOptions, type VerifyOptions } from "./options.js";
import { SharedRuns } from "./shared-runs.js";
import { cancelledResult, toolVersions, verifyGroup } from "./verify.js";
import {
  compareTraces,
  makeStimulus,
  sampleCount,
  type TraceOutcome,
  type TraceStimulus,
  traceVerilog,
  traceVhdl,
} from "./vhdl-trace.js";

export interface AnyVerifyInput extends VerifyOptions {
  reference: string;
  candidate: string;
  /** Language of each side; guessed from the text when absent (see detectLanguage). */
  referenceLanguage?: HdlLanguage;
  candidateLanguage?: HdlLanguage;
  /**
   * auto: validated translations go through the Verilog engines (with formal), else native GHDL traces decide;
   * native: VHDL vs VHDL by native GHDL simulation only (no translation, no formal).
   */
  vhdlRoute?: "auto" | "native";
  /** Generic values for the VHDL sides' top entities (name -> VHDL literal: 8, true, '1', "0101"). */
  generics?: Record<string, string>;
  /**
   * Cancels the check: every tool process it started (GHDL, Yosys, iverilog, vvp) is killed, none is started after,
   * and the answer is a `timeout` verdict per candidate, as for a cancelled Verilog check.
   */
  signal?: AbortSignal;
}

/** Thrown between steps once the check's signal has aborted: no further tool process is started. */
class CheckCancelled extends Error {}
function stopIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CheckCancelled("the check was cancelled");
}

/** The language a file name says (.vhd/.vhdl, .v/.sv/.vh/.svh), else undefined. */
export function languageOfPath(path: string): HdlLanguage | undefined {
  if (/\.(vhd|vhdl)$/i.test(path)) return "vhdl";
  if (/\.(v|sv|vh|svh)$/i.test(path)) return "verilog";
  return undefined;
}

/** VHDL when the text declares an entity and no Verilog module; Verilog otherwise. */
export function detectLanguage(text: string): HdlLanguage {
  return listEntities(text).length > 0 && !/^\s*module\s/m.test(text) ? "vhdl" : "verilog";
}

/** A VHDL design, filtered, synthesized by GHDL and its netlist read by Yosys. */
interface VhdlSide {
  role: "reference" | "candidate";
  code: string;
  entity: VhdlEntity;
  /** Generic values given by the user that this entity declares (GHDL -g, the testbench's generic map). */
  generics: Record<string, string>;
  /** GHDL's Verilog netlist (filtered, `when others` restored); absent when GHDL cannot synthesize the design. */
  netlist?: string;
  /** Why there is no netlist. */
  synthError?: string;
  iface: DesignInterface;
  /** A construct in the netlist that GHDL 2.0 is known to mistranslate, and rtlgym could not repair. */
  defect?: string;
  /** `when others` defaults restored from GHDL's VHDL netlist (validation still decides whether it may stand in). */
  repaired?: number;
  synthMs: number;
}

type Prepared =
  | { kind: "ok"; side: VhdlSide }
  | { kind: "verdict"; status: VerifyStatus; message: string; diagnostics: string[] };

async function prepareVhdl(
  source: string,
  role: "reference" | "candidate",
  top: string | undefined,
  options: ResolvedVerifyOptions,
  given: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Prepared> {
  stopIfCancelled(signal);
  const who = role === "reference" ? "the reference" : "candidate";
  const refuse = (status: VerifyStatus, message: string, diagnostics: string[] = []): Prepared => {
    if (role === "reference" && status !== "unsupported")
      throw new BadInputError(`${message}${diagnostics.length ? `\n${diagnostics.join("\n")}` : ""}`);
    return { kind: "verdict", status, message, diagnostics };
  };
  const s = sanitizeVhdl(source, { role });
  if (s.rejected.length > 0)
    return refuse("compile_error", `${who} uses forbidden constructs: ${s.rejected.join(", ")}`, [
      `rejected: ${s.rejected.join(", ")}`,
    ]);
  const entities = listEntities(s.code, given);
  const generics: Record<string, string> = {};
  const name = (top ?? findTopEntity(s.code))?.toLowerCase();
  const entity = entities.find((e) => e.name.toLowerCase() === name);
  if (entity) {
    // Only the generics this entity declares reach GHDL (-gNAME applies to the top; unknown names are an error).
    for (const [k, v] of Object.entries(given)) if (entity.generics.some((g) => g.name === k)) generics[k] = v;
  }
  if (!name || !entity) {
    const have = entities.map((e) => e.name).join(", ") || "none";
    return refuse(
      "compile_error",
      name
        ? `${who} has no entity named ${name} (entities: ${have})`
        : `${who}: no top entity found (entities: ${have}); name one`,
    );
  }
  if (s.unsupported.length > 0) return refuse("unsupported", `${who} uses ${s.unsupported.join(", ")}`);
  if (entity.unsupported.length > 0)
    return refuse("unsupported", `${who}'s interface cannot be mapped: ${entity.unsupported.join("; ")}`);
  const synth = await synthesizeVhdl(
    s.code,
    name,
    { timeoutMs: options.timeoutMs, memoryLimitMb: options.memoryLimitMb, ...(signal && { signal }) },
    (verilog) => incompleteCases(verilog).length > 0,
    generics,
  );
  // A killed GHDL says nothing about the design.
  stopIfCancelled(signal);
  if (synth.kind === "timeout") return refuse("timeout", `GHDL did not analyse ${who} in time`);
  if (synth.kind !== "ok") {
    if (synth.kind === "analyse_error")
      return refuse("compile_error", `${who} does not compile`, [tail(synth.log, 30)]);
    const unsupported = /unsupported|not supported|unhandled|not handled|not synthesizable/i.test(synth.log);
    // Legal VHDL that GHDL cannot synthesize (a loop with a dynamic bound, a wait in a process) can still be
    // simulated natively against a VHDL reference, when its port widths are known without a netlist.
    const native = role === "candidate" && (await elaboratesNatively(s.code, name, options, generics, signal));
    stopIfCancelled(signal);
    const iface = native ? interfaceFromEntity(entity) : undefined;
    if (native && iface)
      return {
        kind: "ok",
        side: {
          role,
          code: s.code,
          entity,
          generics,
          iface,
          synthMs: synth.durationMs,
          synthError: firstLine(synth.log),
        },
      };
    return refuse(
      unsupported || native ? "unsupported" : "compile_error",
      native
        ? `GHDL cannot synthesize ${who} and its port widths depend on values rtlgym cannot evaluate`
        : unsupported
          ? `GHDL cannot synthesize ${who}`
          : `${who} does not elaborate`,
      [tail(synth.log, 30)],
    );
  }
  // The netlist is GHDL's text, but made of the design's names: it passes the Verilog filter like any candidate.
  // GHDL 2.0 drops `when others` defaults from its Verilog (issue 2041): put them back from its VHDL netlist.
  let verilog = synth.verilog;
  let defect: string | undefined;
  let repaired = 0;
  const broken = incompleteCases(verilog);
  if (broken.length > 0) {
    const fix = synth.vhdl === undefined ? undefined : repairCases(verilog, synth.vhdl);
    if (fix) {
      verilog = fix.code;
      repaired = fix.repaired;
    }
    const left = fix ? fix.unrepaired : broken;
    if (left.length > 0)
      defect = `GHDL 2.0 drops 'when others' from its Verilog (GHDL issue 2041) and rtlgym could not restore it: ${left
        .slice(0, 3)
        .map((b) => `case (${b.selector}) covers ${b.choices} of ${2 ** b.width} values`)
        .join("; ")}`;
  }
  // A candidate's netlist takes VHDL's branch on a 'U' condition (as its native simulation does); a reference's
  // keeps Verilog's x there, which matches anything: VHDL's FALSE from comparing an uninitialised 'U' vector is a
  // simulation artefact no candidate should be failed on.
  const filtered = sanitizeCandidate(role === "candidate" ? vhdlConditions(verilog) : verilog);
  if (filtered.rejected.length > 0 || filtered.neutralised.length > 0)
    return refuse("unsupported", `GHDL's netlist of ${who} does not pass the Verilog filter`);
  let iface: DesignInterface;
  try {
    iface = (await analyseReference(filtered.code, entity.name, options.timeoutMs, signal)).iface;
  } catch (e) {
    stopIfCancelled(signal);
    return refuse("unsupported", `Yosys cannot read GHDL's netlist of ${who}: ${(e as Error).message}`);
  }
  for (const p of entity.ports) {
    const q = iface.ports.find((x) => x.name === p.name);
    if (!q) return refuse("unsupported", `port ${p.name} of ${who} is missing from GHDL's netlist`);
  }
  stopIfCancelled(signal);
  if (iface.unsupported) return refuse("unsupported", `${who}: ${iface.unsupported}`);
  const side: VhdlSide = {
    role,
    code: s.code,
    entity,
    generics,
    netlist: filtered.code,
    iface,
    synthMs: synth.durationMs,
  };
  if (defect) side.defect = defect;
  if (repaired > 0) side.repaired = repaired;
  return { kind: "ok", side };
}

const GENERIC_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** Integer, boolean, character or bit-string literals: what a command line can give safely as `-gNAME=VALUE`. */
const GENERIC_VALUE = /^(-?\d+|true|false|'[01]'|"[01]*")$/i;

/** Generic names lower-cased (VHDL ignores case); BadInputError for a name or value outside the simple forms. */
function checkGenerics(generics: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(generics)) {
    if (!GENERIC_NAME.test(k)) throw new BadInputError(`generic name ${JSON.stringify(k)} is not a VHDL identifier`);
    if (!GENERIC_VALUE.test(v))
      throw new BadInputError(`generic ${k}=${v}: give an integer, true/false, '0'/'1' or a "0101" bit string`);
    out[k.toLowerCase()] = v;
  }
  return out;
}

const firstLine = (log: string) => log.trim().split("\n")[0] ?? "";

/** `ghdl -a` then `ghdl -e` in a temp dir of its own: legal, elaborating VHDL (runtime checks aside). */
async function elaboratesNatively(
  code: string,
  top: string,
  options: ResolvedVerifyOptions,
  generics: Record<string, string>,
  signal?: AbortSignal,
): Promise<boolean> {
  return withTempDir("ghdl-elab", async (cwd) => {
    await writeFile(join(cwd, "design.vhd"), code);
    const limits = { timeoutMs: options.timeoutMs, memoryLimitMb: options.memoryLimitMb, ...(signal && { signal }) };
    const a = await ghdlAnalyse(cwd, ["design.vhd"], "work", limits);
    if (a.exitCode !== 0 || a.timedOut || signal?.aborted) return false;
    const e = await ghdlElaborate(cwd, top, "work", limits, generics);
    return e.exitCode === 0 && !e.timedOut;
  });
}

/** An interface from the entity alone (no netlist): every port width must be known from the source. */
function interfaceFromEntity(entity: VhdlEntity): DesignInterface | undefined {
  if (entity.ports.some((p) => p.width === undefined)) return undefined;
  return {
    top: entity.name,
    ports: entity.ports.map((p) => ({ name: p.name, direction: p.direction, width: p.width ?? 1, signed: p.signed })),
    parameters: Object.fromEntries(entity.generics.map((g) => [g.name, g.default ?? ""])),
    clock: null,
    clockEdges: [],
    resets: [],
    sequential: false,
    hasLatches: false,
    cells: 0,
    unsupported: null,
  };
}

const widthsOf = (iface: DesignInterface) => new Map(iface.ports.map((p) => [p.name, p.width]));
const outputsOf = (iface: DesignInterface) => iface.ports.filter((p) => p.direction === "output");

/** Native GHDL simulation against the netlist in iverilog, on the same stimulus: may the netlist stand in? */
async function validate(
  side: VhdlSide,
  options: ResolvedVerifyOptions,
  signal?: AbortSignal,
): Promise<TranslationCheck & { native?: TraceOutcome }> {
  stopIfCancelled(signal);
  const started = performance.now();
  const base = { design: side.role, samples: 0 } as const;
  if (side.defect) return { ...base, status: "defect", durationMs: 0, reason: side.defect };
  if (side.netlist === undefined)
    return { ...base, status: "error", durationMs: 0, reason: `GHDL cannot synthesize it: ${side.synthError ?? "?"}` };
  // As long as the engines' own random run (--cycles / --vectors): GHDL and iverilog add ~30 ms per 1000 cycles.
  const count = side.iface.sequential ? options.cycles : options.vectors;
  // Ports of types with a 'U' (std_logic and its vectors) start undriven, as in the engines.
  const undriven = new Set(
    side.entity.ports
      .filter(
        (p) =>
          p.direction === "input" &&
          (p.kind === "vector" ? p.typeMark !== "bit_vector" : p.kind === "bit" && p.typeMark !== "bit"),
      )
      .map((p) => p.name),
  );
  const stim = makeStimulus(side.iface, options.seed ^ 0x5a5a, count, options.exhaustiveBits, undriven);
  // Both at once; when the native run fails (a delta-cycle loop GHDL stops at once), the netlist run that may
  // spin in iverilog until its limit is not worth waiting for. The check's cancellation stops both.
  const stop = new AbortController();
  const cancel = () => stop.abort();
  signal?.addEventListener("abort", cancel, { once: true });
  const limits = { timeoutMs: options.timeoutMs, memoryLimitMb: options.memoryLimitMb };
  const nativeLimits = { ...limits, ...(signal && { signal }) };
  const [native, net] = await Promise.all([
    traceVhdl(
      side.code,
      side.entity.name,
      side.entity.ports,
      widthsOf(side.iface),
      stim,
      nativeLimits,
      side.generics,
    ).then((o) => {
      if (o.kind !== "ok") stop.abort();
      return o;
    }),
    traceVerilog(side.netlist, side.entity.name, outputsOf(side.iface), stim, { ...limits, signal: stop.signal }),
  ]).finally(() => signal?.removeEventListener("abort", cancel));
  stopIfCancelled(signal);
  const durationMs = performance.now() - started;
  if (native.kind !== "ok")
    return { ...base, status: "error", durationMs, reason: `native simulation: ${traceError(native)}`, native };
  if (net.kind !== "ok")
    return { ...base, status: "error", durationMs, reason: `netlist simulation: ${traceError(net)}`, native };
  // A reference's netlist may be LESS defined than GHDL's simulation (x where VHDL compared a 'U' register as
  // FALSE, see prepareVhdl), never differently defined: an x in a reference matches anything. A candidate's netlist
  // must match GHDL exactly wherever GHDL is defined.
  const cmp = compareTraces(native.trace, net.trace, stim, side.role === "reference" ? Number.POSITIVE_INFINITY : 0);
  const bad = cmp.signals.filter((s) => s.mismatches > 0);
  if (bad.length > 0)
    return {
      ...base,
      samples: cmp.samples,
      status: "mismatch",
      durationMs,
      reason: `the netlist differs from GHDL's simulation on ${bad.map((s) => s.name).join(", ")}`,
      native,
    };
  const notes = [
    ...(side.repaired ? [`${side.repaired} 'when others' default(s) restored (GHDL issue 2041)`] : []),
    ...(cmp.lenient
      ? [`netlist x where GHDL is defined on ${cmp.lenient} output bit-samples (accepted: reference x)`]
      : []),
  ];
  const note = notes.length ? { reason: notes.join("; ") } : {};
  return { ...base, samples: cmp.samples, status: "validated", durationMs, native, ...note };
}

type Validated = TranslationCheck & { native?: TraceOutcome };
const REFERENCE_CACHE_LIMIT = 256;
const referenceCache = new SharedRuns<{ prep: Prepared; check?: Validated }>(REFERENCE_CACHE_LIMIT);

/**
 * A VHDL reference prepared and its translation validated once per content and options (an RL group, a benchmark
 * sample set and a reward service check the same reference many times). Failures, unfinished validations and
 * cancelled runs are not kept; a shared run another caller cancelled is run again for a caller still waiting.
 */
function referenceSide(
  reference: string,
  options: ResolvedVerifyOptions,
  given: Record<string, string>,
  signal?: AbortSignal,
): Promise<{ prep: Prepared; check?: Validated }> {
  const key = createHash("sha256")
    .update(
      JSON.stringify([
        reference,
        options.refTop ?? "",
        options.seed,
        options.exhaustiveBits,
        options.cycles,
        options.vectors,
        options.memoryLimitMb,
        given,
      ]),
    )
    .digest("hex");
  // An unfinished validation (status error) is not kept either: the next caller tries again.
  return referenceCache.get(
    key,
    async () => {
      const prep = await prepareVhdl(reference, "reference", options.refTop, options, given, signal);
      if (prep.kind !== "ok") return { prep };
      return { prep, check: await validate(prep.side, options, signal) };
    },
    signal,
    (side) => side.check?.status !== "error",
  );
}

/**
 * Checks a candidate against a reference where either may be VHDL (both Verilog: {@link verify}). Same statuses,
 * JSON and exit codes as Verilog checks; `route` says which route decided. See docs/vhdl.md.
 */
export async function verifyAny(input: AnyVerifyInput): Promise<VerifyResult> {
  const {
    reference,
    candidate,
    referenceLanguage,
    candidateLanguage,
    vhdlRoute = "auto",
    generics = {},
    signal,
    ...rest
  } = input;
  const given = checkGenerics(generics);
  if (typeof reference !== "string" || reference.trim() === "") throw new BadInputError("the reference is empty");
  const refLang = referenceLanguage ?? detectLanguage(reference);
  const candLang = candidateLanguage ?? detectLanguage(candidate);
  if (refLang === "verilog" && candLang === "verilog")
    return (
      await verifyGroup({ reference, candidates: [candidate], ...rest, ...(signal && { signal }) })
    )[0] as VerifyResult;
  const options = resolveOptions(rest);
  const started = performance.now();
  const versions = { ...(await toolVersions()), ghdl: await ghdlVersion() };
  try {
    const result = await (async (): Promise<VerifyResult> => {
      const route: RouteReport = { reference: refLang, candidate: candLang, kind: "frontend", translations: [] };

      const refEntry = refLang === "vhdl" ? await referenceSide(reference, options, given, signal) : undefined;
      const refPrep = refEntry?.prep;
      if (refPrep?.kind === "verdict") {
        // Only `unsupported` comes back for a reference (the rest throw): nothing about the candidate can be judged.
        return frontendResult(options, versions, started, route, refPrep.status, refPrep.message, refPrep.diagnostics);
      }
      const refSide = refPrep?.side;
      const refTop = refSide?.entity.name ?? options.refTop;
      let candTop = options.candTop;
      if (
        candLang === "vhdl" &&
        candTop === undefined &&
        refTop !== undefined &&
        listEntities(candidate).some((e) => e.name.toLowerCase() === refTop.toLowerCase())
      )
        candTop = refTop;
      const candPrep =
        candLang === "vhdl" ? await prepareVhdl(candidate, "candidate", candTop, options, given, signal) : undefined;
      if (candPrep?.kind === "verdict")
        return frontendResult(
          options,
          versions,
          started,
          route,
          candPrep.status,
          candPrep.message,
          candPrep.diagnostics,
          refSide?.iface,
        );
      const candSide = candPrep?.kind === "ok" ? candPrep.side : undefined;

      if (vhdlRoute === "native") {
        if (!refSide || !candSide) throw new BadInputError("--vhdl-route native needs VHDL on both sides");
        route.kind = "native";
        route.reason = "native route requested";
        return nativeCheck(refSide, candSide, options, versions, started, route, signal);
      }
      const checks = [
        ...(refEntry?.check ? [refEntry.check] : []),
        ...(candSide ? [await validate(candSide, options, signal)] : []),
      ];
      route.translations = checks.map(({ native: _n, ...c }) => c);
      const prepMs = performance.now() - started;
      const refCheck = checks.find((c) => c.design === "reference");
      if (refSide && refCheck?.status === "error" && refCheck.native?.kind !== "ok")
        throw new BadInputError(`the reference does not simulate under GHDL: ${describeOutcome(refCheck.native)}`);

      if (checks.every((c) => c.status === "validated")) {
        route.kind = "translated";
        stopIfCancelled(signal);
        const [result] = (await verifyGroup({
          ...rest,
          reference: refSide?.netlist ?? reference,
          candidates: [candSide?.netlist ?? candidate],
          ...(refTop !== undefined && { refTop }),
          ...(candSide && { candTop: candSide.entity.name }),
          ...(!candSide && candTop !== undefined && { candTop }),
          timeoutMs: Math.max(options.timeoutMs - Math.round(prepMs), 1000),
          ...(signal && { signal }),
        })) as [VerifyResult];
        result.toolVersions = { ...result.toolVersions, ghdl: versions.ghdl };
        result.route = route;
        result.timings.frontendMs = round(result.timings.frontendMs + prepMs);
        result.timings.totalMs = round(performance.now() - started);
        return result;
      }
      const why = checks
        .filter((c) => c.status !== "validated")
        .map((c) => `${c.design}: ${c.reason ?? c.status}`)
        .join("; ");
      route.reason = `translation not trusted (${why})`;
      if (refSide && candSide) {
        route.kind = "native";
        return nativeCheck(refSide, candSide, options, versions, started, route, signal);
      }
      return frontendResult(
        options,
        versions,
        started,
        route,
        "unsupported",
        `a mixed VHDL/Verilog check needs a validated GHDL translation of the VHDL design: ${why}`,
        [],
        refSide?.iface,
      );
    })();
    // Once cancelled, a verdict may rest on a killed tool's output: it is not given.
    return signal?.aborted ? cancelledResult(options, versions, started) : result;
  } catch (e) {
    if (signal?.aborted) return cancelledResult(options, versions, started);
    throw e;
  }
}

function describeOutcome(o: TraceOutcome | undefined): string {
  if (!o) return "no run";
  if (o.kind === "ok") return "ok";
  if (o.kind === "timeout") return "timeout";
  if (o.kind === "compile_error") return `testbench does not compile: ${tail(o.log, 8)}`;
  return `${o.reason}${o.log ? `: ${tail(o.log, 8)}` : ""}`;
}

/** VHDL against VHDL, both simulated by GHDL on the reference's stimulus; traces compared output by output. */
async function nativeCheck(
  ref: VhdlSide,
  cand: VhdlSide,
  options: ResolvedVerifyOptions,
  versions: VerifyResult["toolVersions"],
  started: number,
  route: RouteReport,
  signal?: AbortSignal,
): Promise<VerifyResult> {
  stopIfCancelled(signal);
  const frontendMs = performance.now() - started;
  const diff = compareInterfaces(ref.iface.ports, cand.iface.ports);
  if (diff)
    return frontendResult(options, versions, started, route, "interface_mismatch", describeDiff(diff), [], ref.iface);
  const count = ref.iface.sequential ? options.cycles : options.vectors;
  const stim = makeStimulus(ref.iface, options.seed, count, options.exhaustiveBits);
  // The check's limit holds for the whole check: the native runs get what the front end left.
  const left = Math.max(options.timeoutMs - (performance.now() - started), 500);
  const limits = { timeoutMs: left, memoryLimitMb: options.memoryLimitMb, ...(signal && { signal }) };
  const simStart = performance.now();
  const [r, c] = await Promise.all([
    traceVhdl(ref.code, ref.entity.name, ref.entity.ports, widthsOf(ref.iface), stim, limits, ref.generics),
    traceVhdl(cand.code, cand.entity.name, cand.entity.ports, widthsOf(cand.iface), stim, limits, cand.generics),
  ]);
  const simMs = performance.now() - simStart;
  stopIfCancelled(signal);
  if (r.kind !== "ok") throw new BadInputError(`the reference does not simulate under GHDL: ${describeOutcome(r)}`);
  const sim: SimReport = {
    status: "skipped",
    seed: options.seed,
    cycles: stim.steps.length,
    samples: sampleCount(stim),
    exhaustive: !ref.iface.sequential && stim.steps.length === 2 ** stim.inputs.reduce((s, p) => s + p.width, 0),
    durationMs: round(simMs),
  };
  const formal: FormalReport = { status: "skipped", durationMs: 0, reason: route.reason ?? "native route" };
  const at = { frontendMs, simMs };
  if (c.kind === "timeout") {
    sim.status = "timeout";
    return frontendResult(
      options,
      versions,
      started,
      route,
      "timeout",
      "the candidate did not finish its GHDL simulation in time",
      [],
      ref.iface,
      { sim, formal, decidedBy: "sim", ...at },
    );
  }
  if (c.kind === "compile_error")
    return frontendResult(
      options,
      versions,
      started,
      route,
      "unsupported",
      "the trace testbench cannot drive the candidate's ports",
      [tail(c.log, 20)],
      ref.iface,
      { sim, formal, decidedBy: "sim", ...at },
    );
  const trace = c.kind === "ok" ? c.trace : c.partial;
  const cmp = compareTraces(r.trace, trace, stim);
  const signals: SignalVerdict[] = cmp.signals.map((s) => {
    // A candidate that stops the simulation early fails every output it did not finish.
    const ok = s.mismatches === 0 && c.kind === "ok";
    return {
      name: s.name,
      ok,
      mismatches: s.mismatches,
      definedSamples: s.definedSamples,
      ...(!ok && { decidedBy: "sim" as const }),
    };
  });
  const bad = signals.filter((s) => !s.ok).map((s) => s.name);
  sim.status = bad.length > 0 ? "fail" : "pass";
  const message =
    c.kind === "error"
      ? `candidate stopped the simulation: ${c.reason}`
      : bad.length > 0
        ? `not equivalent: ${bad.join(", ")} ${bad.length === 1 ? "differs" : "differ"}`
        : `equivalent (native GHDL simulation, ${sim.exhaustive ? "exhaustive, " : ""}${stim.steps.length} ${ref.iface.sequential ? "cycles" : "vectors"}; no formal: ${route.reason})`;
  const result = frontendResult(
    options,
    versions,
    started,
    route,
    bad.length > 0 ? "fail" : "pass",
    message,
    c.kind === "error" && c.log ? [tail(c.log, 10)] : [],
    ref.iface,
    {
      sim,
      formal,
      decidedBy: "sim",
      signals,
      ...at,
    },
  );
  if (cmp.counterexample) result.counterexample = cmp.counterexample;
  result.assurance = {
    formal: "none",
    simulated: stim.steps.length,
    exhaustive: sim.exhaustive,
    // Two GHDL simulations compared, no formal: even an exhaustive run does not rule out a latch in the candidate.
    strength: "simulated",
    ...(!sim.exhaustive && { formalMissingBecause: "design" as const, reason: formal.reason }),
  };
  return result;
}

function frontendResult(
  options: ResolvedVerifyOptions,
  versions: VerifyResult["toolVersions"],
  started: number,
  route: RouteReport,
  status: VerifyStatus,
  message: string,
  diagnostics: string[],
  iface?: DesignInterface,
  engines?: {
    sim: SimReport;
    formal: FormalReport;
    decidedBy: VerifyResult["decidedBy"];
    signals?: SignalVerdict[];
    frontendMs: number;
    simMs: number;
  },
): VerifyResult {
  const skipped = { status: "skipped" as const, durationMs: 0, reason: `not reached (${status})` };
  const outputs: Port[] = iface?.ports.filter((p) => p.direction === "output") ?? [];
  const result: VerifyResult = {
    status,
    decidedBy: engines?.decidedBy ?? "frontend",
    message,
    signals: engines?.signals ?? outputs.map((p) => ({ name: p.name, ok: false })),
    engines: {
      sim: engines?.sim ?? { ...skipped, seed: options.seed, cycles: 0, samples: 0, exhaustive: false },
      formal: engines?.formal ?? skipped,
    },
    diagnostics,
    toolVersions: versions,
    route,
    timings: {
      totalMs: round(performance.now() - started),
      frontendMs: round(engines?.frontendMs ?? performance.now() - started),
      simMs: round(engines?.simMs ?? 0),
      formalMs: 0,
    },
    options: reportedOptions(options),
  };
  if (iface) result.interface = iface;
  return result;
}

/** What went wrong in a trace run, with the simulator's last message line (a bound error names the signal). */
function traceError(o: TraceOutcome): string {
  if (o.kind === "error") {
    const last = tail(o.log, 1).trim();
    return `${o.reason}${last ? ` (${last.slice(0, 300)})` : ""}`;
  }
  return o.kind;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export type { TraceStimulus };

/** `signal` (see {@link AnyVerifyInput}) reaches every step: GHDL, the Yosys reads, the traces and the Verilog engine. */
export interface AnyVerifyGroupInput extends Omit<AnyVerifyInput, "candidate"> {
  candidates: string[];
}

/**
 * {@link verifyAny} for many candidates of one problem (an RL group, a benchmark's samples). Both Verilog: the
 * Verilog group engine. Otherwise the VHDL reference is prepared and validated once (see referenceSide), each
 * distinct VHDL candidate is synthesized and validated on its own, and every candidate that has a trusted Verilog
 * form (validated netlists, Verilog candidates) goes through ONE Verilog group check, which shares its simulation.
 * The rest (a frontend verdict, a translation not trusted) take {@link verifyAny}'s single route.
 */
export async function verifyGroupAny(input: AnyVerifyGroupInput): Promise<VerifyResult[]> {
  const { candidates, signal, ...rest } = input;
  const refLang = rest.referenceLanguage ?? detectLanguage(rest.reference);
  const langs = candidates.map((c) => rest.candidateLanguage ?? detectLanguage(c));
  const { referenceLanguage: _r, candidateLanguage: _c, vhdlRoute, generics = {}, ...verilogOptions } = rest;
  if (refLang === "verilog" && langs.every((l) => l === "verilog"))
    return verifyGroup({ ...verilogOptions, candidates, ...(signal && { signal }) });
  const started = performance.now();
  const options = resolveOptions(verilogOptions);
  const given = checkGenerics(generics);
  const versions = { ...(await toolVersions()), ghdl: await ghdlVersion() };
  try {
    const results = await groupAny();
    // Once cancelled, a verdict may rest on a killed tool's output: none is given.
    return signal?.aborted ? candidates.map(() => cancelledResult(options, versions, started)) : results;
  } catch (e) {
    if (signal?.aborted) return candidates.map(() => cancelledResult(options, versions, started));
    throw e;
  }

  async function groupAny(): Promise<VerifyResult[]> {
    const limit = pLimit(Math.max(availableParallelism(), 1));
    const single = (i: number) =>
      limit(() =>
        verifyAny({
          ...rest,
          candidate: candidates[i] as string,
          candidateLanguage: langs[i] as HdlLanguage,
          ...(signal && { signal }),
        }),
      );

    // The reference's trusted Verilog form; without one (or for the native route) every candidate goes alone.
    const ref = refLang === "vhdl" ? await referenceSide(rest.reference, options, given, signal) : undefined;
    const refSide = ref?.prep.kind === "ok" ? ref.prep.side : undefined;
    const refVerilog =
      refLang === "verilog" ? rest.reference : ref?.check?.status === "validated" ? refSide?.netlist : undefined;
    const refTop = refSide?.entity.name ?? options.refTop;
    if (refVerilog === undefined || vhdlRoute === "native") return dedupe(candidates, langs, (i) => single(i));

    // Each distinct candidate: its Verilog form and translation check, or undefined (then it goes alone).
    type Form = { verilog: string; top?: string; check?: Validated };
    const forms = new Map<string, Promise<Form | undefined>>();
    const formOf = (i: number): Promise<Form | undefined> => {
      const key = `${langs[i]}\u0000${normaliseVhdl(candidates[i] as string)}`;
      let f = forms.get(key);
      if (!f) {
        const candidate = candidates[i] as string;
        f =
          langs[i] === "verilog"
            ? Promise.resolve({ verilog: candidate })
            : limit(async () => {
                const top =
                  options.candTop ??
                  listEntities(candidate).find((e) => e.name.toLowerCase() === refTop?.toLowerCase())?.name;
                const prep = await prepareVhdl(candidate, "candidate", top, options, given, signal);
                if (prep.kind !== "ok" || prep.side.netlist === undefined) return undefined;
                const check = await validate(prep.side, options, signal);
                return check.status === "validated"
                  ? { verilog: prep.side.netlist, top: prep.side.entity.name, check }
                  : undefined;
              });
        forms.set(key, f);
      }
      return f;
    };
    const all = await Promise.all(candidates.map((_, i) => formOf(i)));
    stopIfCancelled(signal);
    const grouped = all.flatMap((f, i) => (f ? [i] : []));
    // verifyGroup takes one candTop: one group check per top name (in practice one: the problem's module name).
    const byTop = new Map<string | undefined, number[]>();
    for (const i of grouped) {
      const top = all[i]?.top ?? options.candTop;
      byTop.set(top, [...(byTop.get(top) ?? []), i]);
    }
    const results = new Map<number, VerifyResult>();
    const prepMs = performance.now() - started;
    for (const [candTop, together] of byTop) {
      const verdicts = await verifyGroup({
        ...verilogOptions,
        reference: refVerilog,
        ...(refTop !== undefined && { refTop }),
        ...(candTop !== undefined && { candTop }),
        candidates: together.map((i) => all[i]?.verilog as string),
        ...(signal && { signal }),
      });
      together.forEach((i, k) => {
        const r = verdicts[k] as VerifyResult;
        const check = all[i]?.check;
        r.toolVersions = { ...r.toolVersions, ghdl: versions.ghdl };
        r.route = {
          reference: refLang,
          candidate: langs[i] as HdlLanguage,
          kind: "translated",
          translations: [...(ref?.check ? [strip(ref.check)] : []), ...(check ? [strip(check)] : [])],
        };
        r.timings.frontendMs = round(r.timings.frontendMs + prepMs);
        r.timings.totalMs = round(r.timings.totalMs + prepMs);
        results.set(i, r);
      });
    }
    return dedupe(candidates, langs, (i) => {
      const r = results.get(i);
      return r ? Promise.resolve(r) : single(i);
    });
  }
}

function strip(c: Validated): TranslationCheck {
  const { native: _n, ...check } = c;
  return check;
}

/** Identical candidates (same language, same text) share one verdict; each caller gets its own copy. */
async function dedupe(
  candidates: readonly string[],
  langs: readonly HdlLanguage[],
  run: (i: number) => Promise<VerifyResult>,
): Promise<VerifyResult[]> {
  const jobs = new Map<string, Promise<VerifyResult>>();
  return Promise.all(
    candidates.map(async (c, i) => {
      const key = `${langs[i]}\u0000${normaliseVhdl(c)}`;
      let job = jobs.get(key);
      if (!job) {
        job = run(i);
        jobs.set(key, job);
      }
      return structuredClone(await job);
    }),
  );
}
