import type { SecondOpinionReport, VerifyResult, VerifyStatus } from "../contracts/index.js";
import { tail } from "../core/errors.js";
import { elaborateSources, preprocess } from "../tools/iverilog.js";
import { verilatorVersion } from "../tools/verilator.js";
import type { ElaboratedRoot } from "../tools/vvp-scopes.js";
import { findTop, listModules, sanitizeCandidate, sealDirectives, suffixModules } from "../verilog/index.js";
import { type CandidateRead, readCandidateInterfaces } from "./analyze.js";
import {
  type CheckContext,
  DESIGN_PREAMBLE,
  FRONTEND_LIMIT_MS,
  type Prepared,
  parallel,
  REFERENCE_FILE,
} from "./check-context.js";
import { compareInterfaces, describeDiff } from "./interface.js";
import { secondOpinion } from "./second-opinion.js";
import { enumeratesInputs } from "./testbench.js";

/**
 * The front end of a check, before any simulation: one canonical text per candidate (line endings, the
 * preprocessor's single expansion, the sanitiser over exactly the text the tools will read), then its top and
 * per-run names, elaboration alone, and the interface Yosys reads, compared with the reference's.
 */

/**
 * The compiler's lines about `file`, as the user wrote it: "candidate:LINE: ..." with the preamble's line taken
 * off. `all` keeps the lines about other files too: the testbench's as they are, the reference's with the preamble's
 * line taken off as well (it starts with the same preamble).
 */
export function linesOf(log: string, file: string, all = false): string {
  const unshift = (l: string, as: string) =>
    l.replace(/^[^:]+:(\d+):/, (_m, n: string) => `${as}:${Math.max(Number(n) - 1, 1)}:`);
  return log
    .split("\n")
    .filter((l) => all || l.startsWith(`${file}:`))
    .map((l) =>
      l.startsWith(`${file}:`)
        ? unshift(l, "candidate")
        : l.startsWith(`${REFERENCE_FILE}:`)
          ? unshift(l, REFERENCE_FILE)
          : l,
    )
    .join("\n")
    .trim();
}

/** Marks an elaboration that was killed at its time limit rather than one that failed. */
const TIMED_OUT = "\u0000timeout";

export interface FrontEndOutcome {
  /** The candidates still in the running, in slot order. */
  live: Prepared[];
  /** Slot -> why Yosys could not read the candidate (simulation still decides; formal skips it). */
  yosysErrors: Map<number, string>;
  /**
   * The Yosys read of the live candidates whose ports the elaboration already gave, for formal or (without it)
   * for whether an exhaustive pass is a proof: it runs beside the simulation, which does not need it, and fills
   * `stateless` and `yosysErrors`; await it before deciding.
   */
  yosysRead: Promise<void>;
}

/**
 * Every candidate's canonical text, top and per-run names (`prepare`); those it rejects get their result in
 * `results[slot]`.
 */
export async function prepareCandidates(
  ctx: CheckContext,
  sources: string[],
  results: Array<VerifyResult | undefined>,
): Promise<Prepared[]> {
  const all = await Promise.all(sources.map((source, slot) => parallel(() => prepare(ctx, source, slot, results))));
  return all.filter((p) => p !== undefined);
}

/** Runs the front end over the prepared candidates; those it decides get their result in `results[slot]`. */
export async function frontEnd(
  ctx: CheckContext,
  prepared: Prepared[],
  results: Array<VerifyResult | undefined>,
): Promise<FrontEndOutcome> {
  const { iface } = ctx.ref;
  // Every candidate must elaborate with nothing above it before it meets the testbench: a name it cannot
  // resolve alone (a testbench task, a signal up the hierarchy) would otherwise resolve upward. The same process
  // gives each candidate's ports, read from the assembly it generates (vvp-scopes.ts).
  const { failed: rejected, roots } = await elaborateAlone(ctx, prepared, true);
  await Promise.all(
    [...rejected].map(([slot, log]) =>
      parallel(async () => {
        if (log === TIMED_OUT) {
          results[slot] = ctx.result({
            status: "timeout",
            decidedBy: "frontend",
            message: "elaboration did not finish in time",
          });
          return;
        }
        const verdict = await askSecondOpinion(ctx, prepared.find((p) => p.slot === slot) as Prepared, log);
        if (verdict !== undefined) results[slot] = verdict;
      }),
    ),
  );
  const standing = prepared.filter((p) => results[p.slot] === undefined);
  // The interface is compared on the elaboration's ports, so Yosys is off the path to simulation: it reads the
  // candidates beside it (yosysRead). Yosys reads here, before simulation, only the candidates whose ports the
  // elaboration did not give (a candidate simulated as Yosys's netlist was elaborated again without them).
  const fromElaboration = new Map<number, ElaboratedRoot>();
  for (const p of standing) {
    const root = p.secondOpinion === undefined ? roots.get(p.top) : undefined;
    if (root) fromElaboration.set(p.slot, root);
  }
  const yosysErrors = new Map<number, string>();
  const readByYosys = (candidates: Prepared[]) =>
    // Reading an interface takes milliseconds; a candidate that makes yosys loop (a `for` without a step)
    // must not eat the time its simulation needs.
    candidates.length === 0
      ? Promise.resolve(new Map<string, CandidateRead>())
      : readCandidateInterfaces(
          candidates.map((p) => ({ key: String(p.slot), file: p.file, source: p.source, top: p.top })),
          Math.min(ctx.remaining(), FRONTEND_LIMIT_MS),
          undefined,
          undefined,
          ctx.signal,
        );
  const noteRead = (p: Prepared, read: CandidateRead | undefined) => {
    if (read?.ok) p.stateless = !read.iface.sequential && !read.iface.hasLatches;
    if (!read?.ok || read.translated) yosysErrors.set(p.slot, read?.error ?? "yosys could not read the candidate");
  };
  const before = await readByYosys(standing.filter((p) => !fromElaboration.has(p.slot)));
  const live: Prepared[] = [];
  for (const p of standing) {
    const root = fromElaboration.get(p.slot);
    const read = before.get(String(p.slot));
    if (root?.stateless) p.stateless = true;
    if (!root) noteRead(p, read);
    const ports = root?.ports ?? (read?.ok ? read.iface.ports : undefined);
    const diff = ports && compareInterfaces(iface.ports, ports);
    if (diff) {
      results[p.slot] = ctx.result({
        status: "interface_mismatch",
        decidedBy: "frontend",
        message: describeDiff(diff),
      });
      continue;
    }
    live.push(p);
  }
  // Without formal, Yosys matters only where an exhaustive pass may become a proof: the candidates vvp could not
  // call stateless, when the testbench will enumerate every input.
  const enumerated = enumeratesInputs(iface, ctx.options.exhaustiveBits);
  const deferred = live.filter(
    (p) => fromElaboration.has(p.slot) && (ctx.options.engine !== "sim" || (enumerated && p.stateless !== true)),
  );
  const yosysRead = readByYosys(deferred).then((reads) => {
    for (const p of deferred) noteRead(p, reads.get(String(p.slot)));
  });
  return { live, yosysErrors, yosysRead };
}

/**
 * iverilog would not elaborate `p` alone: Verilator is asked (second-opinion.ts). When it accepts a design iverilog
 * rejected for one of iverilog's own gaps, `p.source` becomes Yosys's netlist of it and the check goes on (undefined
 * is returned); otherwise the verdict, with the second opinion recorded on it.
 */
async function askSecondOpinion(ctx: CheckContext, p: Prepared, log: string): Promise<VerifyResult | undefined> {
  const limits = { timeoutMs: Math.min(ctx.remaining(), FRONTEND_LIMIT_MS), signal: ctx.signal };
  const second = await secondOpinion(p.source, p.top, log, limits);
  const own = tail(log, 30);
  const compileError = (report: SecondOpinionReport, diagnostics: string[]) =>
    withSecondOpinion(
      ctx.result({
        status: "compile_error",
        decidedBy: "frontend",
        message: "candidate does not compile on its own (every name it uses must be declared inside it)",
        diagnostics,
      }),
      report,
    );
  switch (second.kind) {
    case "confirmed":
      return compileError({ verilator: "rejects" }, [own, `Verilator rejects it too:\n${tail(second.log, 15)}`]);
    case "unconfirmed":
      return compileError({ verilator: "unavailable", reason: second.reason }, [own]);
    case "disputed":
      return compileError({ verilator: "accepts", reason: second.reason }, [own]);
    case "unreadable":
      return unsupported(ctx, second.reason, own);
    case "translated": {
      const netlist = { ...p, source: sealDirectives(`${DESIGN_PREAMBLE}${second.source}`) };
      const again = await elaborateAlone(ctx, [netlist]);
      if (again.failed.size > 0)
        return unsupported(ctx, "Verilator accepts it, and iverilog rejects Yosys's netlist of it too", own);
      p.source = netlist.source;
      p.secondOpinion = { verilator: "accepts", simulatedAs: "yosys-netlist" };
      return undefined;
    }
  }
}

/** Legal by Verilator, yet no tool here can simulate it: no verdict (rewards mask it, never score it 0). */
async function unsupported(ctx: CheckContext, reason: string, log: string): Promise<VerifyResult> {
  return withSecondOpinion(
    ctx.result({
      status: "unsupported",
      decidedBy: "frontend",
      message: `cannot check this candidate: iverilog rejects it (${reason})`,
      diagnostics: [log],
    }),
    { verilator: "accepts", reason },
  );
}

/** A result with the second opinion behind it and the Verilator version among its tools. */
export async function withSecondOpinion(result: VerifyResult, report: SecondOpinionReport): Promise<VerifyResult> {
  const verilator = (await verilatorVersion()) ?? null;
  return { ...result, secondOpinion: report, toolVersions: { ...result.toolVersions, verilator } };
}

/** The canonical text, top and per-run names of one candidate; undefined once `results[slot]` holds its verdict. */
async function prepare(
  ctx: CheckContext,
  source: string,
  slot: number,
  results: Array<VerifyResult | undefined>,
): Promise<Prepared | undefined> {
  const text = await canonical(ctx, source);
  if (text.kind === "rejected") {
    results[slot] = ctx.result({
      status: text.status,
      decidedBy: "frontend",
      message: text.message,
      diagnostics: text.diagnostics,
    });
    return undefined;
  }
  const code = text.code;
  const modules = listModules(code);
  const names = new Set(modules.map((m) => m.name));
  const top = ctx.options.candTop ?? (names.has(ctx.ref.top) ? ctx.ref.top : findTop(code));
  if (!top || !names.has(top)) {
    results[slot] = ctx.result({
      status: "compile_error",
      decidedBy: "frontend",
      message: top ? `candidate has no module named ${top}` : "candidate contains no module",
    });
    return undefined;
  }
  const renamed = suffixModules(code, `_rgc${slot}_${ctx.nonce}`);
  return {
    slot,
    file: `c${slot}.v`,
    top: renamed.names.get(top) as string,
    source: sealDirectives(`${DESIGN_PREAMBLE}${renamed.code}`),
  };
}

/**
 * The one text every tool, the sanitiser and the verdict see: line endings normalised, the candidate's own
 * filter pass, iverilog's preprocessor with no predefined macro (no tool can be told apart), and the sanitiser
 * again over the expansion, with comments and attributes blanked (Yosys reads pragmas the simulator ignores).
 */
async function canonical(
  ctx: CheckContext,
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
    ? await preprocess(raw.code, Math.min(ctx.remaining(), FRONTEND_LIMIT_MS), ctx.signal)
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

/**
 * The candidates that do not elaborate alone (slot -> compiler log, {@link TIMED_OUT} when it hung) and, when
 * `readRoots`, what the elaboration of the others says about their tops (by per-run top name).
 */
async function elaborateAlone(
  ctx: CheckContext,
  candidates: Prepared[],
  readRoots = false,
): Promise<{ failed: Map<number, string>; roots: Map<string, ElaboratedRoot> }> {
  const failed = new Map<number, string>();
  const roots = new Map<string, ElaboratedRoot>();
  let group = [...candidates];
  // One compile for all (each its own root and compilation unit); files it blames are dropped and the rest
  // compiled again, so a verdict here never depends on the neighbours. No file named: each alone.
  while (group.length > 0) {
    const run = await elaborateSources(
      Object.fromEntries(group.map((c) => [c.file, c.source])),
      group.map((c) => c.top),
      {
        timeoutMs: Math.min(ctx.candidateTimeLeft(), FRONTEND_LIMIT_MS),
        memoryLimitMb: ctx.options.memoryLimitMb,
        signal: ctx.signal,
      },
      readRoots,
    );
    if (run.ok) {
      for (const [top, root] of run.roots ?? []) roots.set(top, root);
      break;
    }
    const log = run.log;
    if (group.length === 1) {
      const only = group[0] as Prepared;
      failed.set(only.slot, run.timedOut ? TIMED_OUT : linesOf(log, only.file, true));
      break;
    }
    const blamed = run.timedOut ? [] : group.filter((c) => log.includes(`${c.file}:`));
    if (blamed.length === 0) {
      const singles = await Promise.all(group.map((c) => parallel(() => elaborateAlone(ctx, [c], readRoots))));
      for (const one of singles) {
        for (const [k, v] of one.failed) failed.set(k, v);
        for (const [k, v] of one.roots) roots.set(k, v);
      }
      break;
    }
    for (const c of blamed) failed.set(c.slot, linesOf(log, c.file));
    group = group.filter((c) => !blamed.includes(c));
  }
  return { failed, roots };
}
