import { createHash, randomBytes } from "node:crypto";
import type { OfficialTestbench, OfficialVerdict, Problem } from "../contracts/index.js";
import { applyEdits } from "../core/edits.js";
import { BadInputError, tail } from "../core/errors.js";
import { elaborateSources } from "../tools/iverilog.js";
import type { RunResult } from "../tools/process.js";
import { inSimulationDir, iverilogSimulator } from "../tools/simulator.js";
import {
  closingIndex,
  isPunct,
  isWord,
  listModules,
  renameModules,
  sanitizeCandidate,
  sealDirectives,
  type Token,
  tokenize,
} from "../verilog/index.js";

/** Options of one official run. */
export interface OfficialOptions {
  /** Hard wall-clock budget for compile plus simulation (upstream VerilogEval uses 30 s). */
  timeoutMs: number;
  /** Per-run secret that marks the testbench's own output; random unless given (tests pin it). */
  nonce?: string;
}

const COMPILE_OUTPUT_BYTES = 256 << 10;
const SIM_OUTPUT_BYTES = 1 << 20;
const MEMORY_LIMIT_MB = 2048;
const DETAIL_LINES = 30;
const DETAIL_CHARS = 4000;

/** Output tasks whose first argument is a format: the nonce goes in as an extra first string. */
const PRINT_TASKS = new Set(
  ["$display", "$write", "$strobe", "$monitor"].flatMap((t) => [t, `${t}b`, `${t}h`, `${t}o`]),
);
/** File variants: the nonce goes in after the descriptor. */
const FILE_PRINT_TASKS = new Set([...PRINT_TASKS].map((t) => `$f${t.slice(1)}`));
/** Waveform dumping changes nothing in the verdict and only costs disk writes. */
const DUMP_TASKS = new Set(["$dumpfile", "$dumpvars", "$dumpon", "$dumpoff", "$dumpall", "$dumpflush", "$dumplimit"]);

/** The testbench (and reference) rewritten so only the harness can produce or reach the verdict. */
export interface HardenedTestbench {
  /** Testbench source: its modules, instances, block labels and tasks renamed with the nonce, prints marked. */
  testbench: string;
  /** Reference with its modules renamed the same way (when the testbench includes it). */
  reference?: string;
  /** Renamed testbench top, for `iverilog -s`. */
  top: string;
  /** Prefix every line the testbench prints starts with. */
  mark: string;
}

/** Identifiers declared inside the testbench that a candidate could reach by an upward hierarchical name. */
function scopeNames(tokens: readonly Token[], cells: ReadonlySet<string>): Set<string> {
  const names = new Set<string>();
  const ident = (t: Token | undefined) => (t?.kind === "ident" ? t.text : undefined);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind !== "ident") continue;
    if (cells.has(t.text)) {
      // `cell [#(...)|#N] instance [range] (`: the instance name.
      let j = i + 1;
      if (isPunct(tokens[j], "#")) {
        if (isPunct(tokens[j + 1], "(")) {
          const close = closingIndex(tokens, j + 1);
          if (close < 0) continue;
          j = close + 1;
        } else {
          j += 2;
        }
      }
      const inst = ident(tokens[j]);
      if (inst !== undefined && (isPunct(tokens[j + 1], "(") || isPunct(tokens[j + 1], "["))) names.add(inst);
    } else if ((t.text === "begin" || t.text === "fork") && isPunct(tokens[i + 1], ":")) {
      const label = ident(tokens[i + 2]);
      if (label !== undefined) names.add(label);
    } else if (t.text === "task") {
      let j = i + 1;
      if (isWord(tokens[j], "automatic") || isWord(tokens[j], "static")) j++;
      const name = ident(tokens[j]);
      if (name !== undefined) names.add(name);
    } else if (t.text === "function") {
      let j = i + 1;
      let last: string | undefined;
      while (j < tokens.length && !isPunct(tokens[j], "(") && !isPunct(tokens[j], ";")) {
        if (isPunct(tokens[j], "[")) {
          const close = closingIndex(tokens, j);
          if (close < 0) break;
          j = close + 1;
          continue;
        }
        last = ident(tokens[j]) ?? last;
        j++;
      }
      if (last !== undefined) names.add(last);
    }
  }
  return names;
}

/** Index of the first top-level `,` inside the parentheses opened at `open`, or of the closing `)`. */
function firstArgEnd(tokens: readonly Token[], open: number, close: number): number {
  let depth = 0;
  for (let k = open + 1; k < close; k++) {
    const t = tokens[k] as Token;
    if (t.kind !== "punct") continue;
    if (t.text === "(" || t.text === "[" || t.text === "{") depth++;
    else if (t.text === ")" || t.text === "]" || t.text === "}") depth--;
    else if (t.text === "," && depth === 0) return k;
  }
  return close;
}

/**
 * Rewrites a testbench so that a candidate can neither forge nor reach its verdict: every module it declares (and
 * those of the reference it compiles with), every instance name, block label, task and function it declares get the
 * nonce appended, so no upward hierarchical name, module of the same name or `-s` top in the candidate can touch
 * them; and every line it prints starts with `<nonce>|`, which the candidate (whose output tasks are removed anyway)
 * cannot know. The candidate's own module `candTop` keeps its name. Waveform dumps are dropped.
 */
export function hardenTestbench(
  tb: Pick<OfficialTestbench, "source" | "top">,
  reference: string | undefined,
  candTop: string,
  nonce: string,
): HardenedTestbench {
  const suffix = `_${nonce}`;
  const mark = `${nonce}|`;
  const tbModules = listModules(tb.source);
  const refModules = reference === undefined ? [] : listModules(reference);
  const declared = new Set([...tbModules, ...refModules].map((m) => m.name).filter((n) => n !== candTop));
  const cells = new Set([...declared, candTop, ...tbModules.flatMap((m) => m.instantiates)]);
  const tokens = tokenize(tb.source);
  const renames = new Map<string, string>();
  for (const name of [...declared, ...scopeNames(tokens, cells)]) {
    if (name !== candTop) renames.set(name, name + suffix);
  }

  const edits: Array<[number, number, string]> = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === "ident") {
      const to = renames.get(t.text);
      // `.name(` after `(` or `,` is a named port connection: the callee's port, not one of ours.
      const portConnection =
        isPunct(tokens[i - 1], ".") && (isPunct(tokens[i - 2], "(") || isPunct(tokens[i - 2], ","));
      if (to !== undefined && !portConnection) edits.push([t.start, t.end, to]);
      continue;
    }
    if (t.kind !== "system") continue;
    const open = isPunct(tokens[i + 1], "(") ? i + 1 : -1;
    const close = open < 0 ? -1 : closingIndex(tokens, open);
    if (DUMP_TASKS.has(t.text)) {
      const last = close >= 0 ? close : i;
      const end = isPunct(tokens[last + 1], ";") ? last + 1 : last;
      edits.push([t.start, (tokens[end] as Token).end, ";"]);
      i = end;
    } else if (PRINT_TASKS.has(t.text)) {
      if (open < 0) edits.push([t.end, t.end, `("${mark}")`]);
      else if (close === open + 1) edits.push([(tokens[open] as Token).end, (tokens[open] as Token).end, `"${mark}"`]);
      else if (close > open) edits.push([(tokens[open] as Token).end, (tokens[open] as Token).end, `"${mark}", `]);
    } else if (FILE_PRINT_TASKS.has(t.text) && close > open + 1) {
      const at = firstArgEnd(tokens, open, close);
      const after = (tokens[at - 1] as Token).end;
      edits.push([after, after, `, "${mark}"`]);
    }
  }
  const testbench = applyEdits(tb.source, edits);

  const hardened: HardenedTestbench = { testbench, top: renames.get(tb.top) ?? tb.top, mark };
  if (reference !== undefined) {
    hardened.reference = renameModules(reference, (n) => (declared.has(n) ? n + suffix : undefined));
  }
  return hardened;
}

/** The testbench's own output lines (marked with the nonce), mark removed; everything else is ignored. */
export function testbenchLines(stdout: string, mark: string): string[] {
  return stdout
    .split(/\r?\n/)
    .filter((l) => l.startsWith(mark))
    .map((l) => l.split(mark).join("").trim());
}

const MISMATCHES = /^Mismatches:\s*(\d+)\s+in\s+(\d+)\s+samples$/;
const RTLLM_PASS = /your\s*design\s*passed/i;
const RTLLM_FAIL = /error|fail/i;
/** `with 3 failures`, `with 3/20 failures`, `3 errors`, or a count printed after a `Failed`/`Error` banner. */
const RTLLM_COUNT = /(\d+)\s*(?:\/\s*\d+\s*)?(?:failures|errors)|^=*\s*(?:failed|error)\s*=*\s*(\d+)$/i;

/** What a testbench's marked lines say, before timeouts and compile results are taken into account. */
export type OfficialReading = Pick<OfficialVerdict, "verdict" | "mismatches"> & { note?: string };

/** VerilogEval: `Mismatches: N in M samples` decides; the testbench's own TIMEOUT with no mismatch is inconclusive. */
export function readVerilogEval(lines: readonly string[]): OfficialReading {
  let mismatches: number | null = null;
  let samples = 0;
  for (const line of lines) {
    const m = line.match(MISMATCHES);
    if (m) {
      mismatches = Number(m[1]);
      samples = Number(m[2]);
    }
  }
  const tbTimeout = lines.some((l) => l === "TIMEOUT");
  if (mismatches === null) return { verdict: "fail", mismatches, note: "the testbench printed no Mismatches line" };
  if (mismatches > 0) return { verdict: "fail", mismatches };
  if (tbTimeout) return { verdict: "inconclusive", mismatches, note: "the testbench reached its own TIMEOUT" };
  if (samples === 0) return { verdict: "inconclusive", mismatches, note: "the testbench compared no samples" };
  return { verdict: "pass", mismatches };
}

/** RTLLM: a "Your Design Passed" line and no error/failure line (a count of 0 failures is not one). */
export function readRtllm(lines: readonly string[]): OfficialReading {
  const passed = lines.some((l) => RTLLM_PASS.test(l));
  let count: number | null = null;
  let failed = false;
  for (const line of lines) {
    if (RTLLM_PASS.test(line) || !RTLLM_FAIL.test(line)) continue;
    const n = line.match(RTLLM_COUNT);
    const reported = n ? Number(n[1] ?? n[2]) : undefined;
    if (reported === 0) continue;
    failed = true;
    if (reported !== undefined) count = Math.max(count ?? 0, reported);
  }
  if (failed) return { verdict: "fail", mismatches: count };
  if (passed) return { verdict: "pass", mismatches: 0 };
  return { verdict: "fail", mismatches: null, note: "the testbench printed no verdict" };
}

interface Layout {
  files: Record<string, string>;
  /** iverilog flags before `-s TOP -o bin SOURCES`. */
  flags: string[];
  /** The files compiled, in order. */
  sources: string[];
  /** The renamed testbench top. */
  top: string;
}

const SOURCE_NAMES = new Set(["sample.sv", "test.sv", "ref.sv", "bin"]);

/** Files and iverilog arguments of one run, the upstream way for each testbench convention. */
function layout(problem: Problem, tb: OfficialTestbench, candidate: string, nonce: string): Layout {
  const hardened = hardenTestbench(tb, tb.includeReference ? problem.reference : undefined, problem.candTop, nonce);
  for (const name of Object.keys(tb.files)) {
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith(".") || SOURCE_NAMES.has(name)) {
      throw new BadInputError(`problem ${problem.id}: testbench data file name not allowed: ${name}`, {
        id: problem.id,
      });
    }
  }
  const files: Record<string, string> = { ...tb.files, "sample.sv": candidate, "test.sv": hardened.testbench };
  const sources = ["sample.sv", "test.sv"];
  if (hardened.reference !== undefined) {
    files["ref.sv"] = hardened.reference;
    sources.push("ref.sv");
  }
  const flags = tb.kind === "verilog-eval" ? ["-Wall", "-Winfloop", "-Wno-timescale", "-g2012"] : ["-g2012"];
  return { files, flags, sources, top: hardened.top };
}

function makeNonce(given: string | undefined): string {
  if (given === undefined) return `n${randomBytes(8).toString("hex")}`;
  if (!/^[A-Za-z][A-Za-z0-9]{5,63}$/.test(given)) {
    throw new BadInputError("nonce must be 6-64 letters and digits, starting with a letter", { nonce: given });
  }
  return given;
}

/** Compiler and simulator output with the nonce taken out, last lines only: the evidence of a verdict. */
function evidence(runs: readonly RunResult[], nonce: string, note?: string): string {
  const text = runs
    .map((r) => `${r.stdout}${r.stderr}`)
    .join("")
    .split(`${nonce}|`)
    .join("")
    .split(`_${nonce}`)
    .join("");
  const lines = text.trimEnd().split("\n").slice(-DETAIL_LINES).join("\n");
  const body = lines.length > DETAIL_CHARS ? lines.slice(-DETAIL_CHARS) : lines;
  return note === undefined ? body : `${note}\n${body}`.trim();
}

/** Compiles and simulates one prepared run in a fresh directory; the verdict reading is left to the caller. */
async function compileAndRun(
  run: Layout,
  timeoutMs: number,
  compileOnly: boolean,
): Promise<{ compile: RunResult; sim?: RunResult }> {
  // Upstream's command lines: `iverilog FLAGS -s TOP -o bin SOURCES`, then `vvp -n bin` beside the data files.
  const simulator = iverilogSimulator({ flags: run.flags, program: "bin" });
  const started = performance.now();
  return inSimulationDir("official", run.files, async (cwd) => {
    const build = { cwd, files: run.sources, top: run.top };
    const compile = await simulator.compile(build, {
      timeoutMs,
      maxOutputBytes: COMPILE_OUTPUT_BYTES,
      memoryLimitMb: MEMORY_LIMIT_MB,
    });
    if (compileOnly || compile.timedOut || compile.exitCode !== 0) return { compile };
    const sim = await simulator.run(build, {
      timeoutMs: Math.max(timeoutMs - (performance.now() - started), 1),
      maxOutputBytes: SIM_OUTPUT_BYTES,
      memoryLimitMb: MEMORY_LIMIT_MB,
    });
    return { compile, sim };
  });
}

/** The reference renamed to the candidate's top: what a correct candidate looks like. */
function referenceAsCandidateSource(problem: Problem): string {
  return problem.refTop === problem.candTop
    ? problem.reference
    : renameModules(problem.reference, (n) => (n === problem.refTop ? problem.candTop : undefined));
}

const referenceChecks = new Map<string, Promise<string | undefined>>();

/**
 * Whether the reference itself compiles with the testbench (as a candidate would be compiled): undefined when it
 * does, else the compiler output. Cached per problem content, so only the first failing candidate pays for it.
 */
function referenceCompileError(
  problem: Problem,
  tb: OfficialTestbench,
  timeoutMs: number,
): Promise<string | undefined> {
  const key = createHash("sha256")
    .update(JSON.stringify([tb, problem.reference, problem.refTop, problem.candTop]))
    .digest("hex");
  let check = referenceChecks.get(key);
  if (check === undefined) {
    const nonce = makeNonce(undefined);
    const source = sealDirectives(referenceAsCandidateSource(problem));
    check = compileAndRun(layout(problem, tb, source, nonce), timeoutMs, true).then(({ compile }) =>
      compile.exitCode === 0 && !compile.timedOut ? undefined : evidence([compile], nonce),
    );
    if (referenceChecks.size >= 1000) referenceChecks.clear();
    referenceChecks.set(key, check);
    check.catch(() => referenceChecks.delete(key));
  }
  return check;
}

/**
 * Runs the suite's own testbench on a candidate the upstream way (VerilogEval: `iverilog -Wall -Winfloop
 * -Wno-timescale -g2012 -s tb` on sample.sv, test.sv, ref.sv then `vvp -n`; RTLLM: `iverilog -g2012` on the design
 * and testbench.v, `vvp` beside its data files), but unforgeably: the candidate is sanitised (output, `$finish` and
 * file tasks removed; rejected constructs give compile_error), the testbench and reference are renamed with a
 * per-run nonce the candidate cannot know, and the verdict is read only from lines carrying that nonce.
 * Verdicts: pass, fail, compile_error, timeout (our wall-clock kill), inconclusive (VerilogEval's own TIMEOUT with no
 * mismatch), infra_error (the reference itself does not compile with the testbench). Throws only for a problem
 * without a testbench, bad options or a missing iverilog.
 */
export async function runOfficial(
  problem: Problem,
  candidate: string,
  options: OfficialOptions,
): Promise<OfficialVerdict> {
  const tb = problem.testbench;
  if (tb === undefined) {
    throw new BadInputError(`problem ${problem.suite}/${problem.id} has no official testbench`, { id: problem.id });
  }
  if (typeof candidate !== "string") throw new BadInputError("the candidate must be a string");
  if (!(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    throw new BadInputError("timeoutMs must be a positive number", { timeoutMs: options.timeoutMs });
  }
  const nonce = makeNonce(options.nonce);
  const started = performance.now();
  const done = (reading: OfficialReading, detail: string): OfficialVerdict => ({
    verdict: reading.verdict,
    mismatches: reading.mismatches,
    detail,
    durationMs: performance.now() - started,
  });

  const sanitized = sanitizeCandidate(candidate);
  if (sanitized.rejected.length > 0) {
    return done(
      { verdict: "compile_error", mismatches: null },
      `candidate rejected: it uses ${sanitized.rejected.join(", ")} (files, commands or hierarchy outside the design)`,
    );
  }
  // Every name the candidate uses must resolve inside it: Verilog resolves names up the hierarchy, so a
  // candidate under the testbench could otherwise call its tasks or drive its signals.
  const alone = await elaborateSources({ "design.sv": sanitized.code }, [problem.candTop], {
    timeoutMs: options.timeoutMs,
  });
  if (alone.timedOut) return done({ verdict: "timeout", mismatches: null }, "elaboration timed out");
  if (!alone.ok) {
    return done(
      { verdict: "compile_error", mismatches: null },
      `the candidate does not elaborate on its own (names outside the design?):\n${tail(alone.log, 20)}`,
    );
  }
  const run = layout(problem, tb, sealDirectives(sanitized.code), nonce);
  const { compile, sim } = await compileAndRun(run, options.timeoutMs, false);
  if (compile.timedOut)
    return done({ verdict: "timeout", mismatches: null }, evidence([compile], nonce, "compile timed out"));
  if (compile.exitCode !== 0 || sim === undefined) {
    const refError = await referenceCompileError(problem, tb, Math.max(options.timeoutMs, 10_000));
    if (refError !== undefined) {
      return done(
        { verdict: "infra_error", mismatches: null },
        `the reference itself does not compile with this testbench:\n${refError}`,
      );
    }
    return done({ verdict: "compile_error", mismatches: null }, evidence([compile], nonce));
  }
  if (sim.timedOut) {
    return done(
      { verdict: "timeout", mismatches: null },
      evidence([compile, sim], nonce, `simulation killed after ${Math.round(options.timeoutMs)} ms`),
    );
  }
  const lines = testbenchLines(sim.stdout, `${nonce}|`);
  const reading = tb.kind === "verilog-eval" ? readVerilogEval(lines) : readRtllm(lines);
  const notes = [
    reading.note,
    sim.outputCapped ? "simulation output capped" : undefined,
    sim.exitCode !== 0 ? `vvp exited with ${sim.exitCode ?? sim.signal}` : undefined,
  ].filter((n) => n !== undefined);
  return done(reading, evidence([compile, sim], nonce, notes.length > 0 ? notes.join("; ") : undefined));
}
