import { readFile } from "node:fs/promises";
import { z } from "zod";
import { findProblem, loadSuite } from "../../bench/suites/registry.js";
import type { EngineChoice, LoadedSuite, Problem, StrengthBar, VerifyResult } from "../../contracts/index.js";
import { BadInputError, RtlgymError } from "../../core/errors.js";
import { belowBar, languageOfPath, type VerifyOptions } from "../../verify/index.js";
import { extractVerilog } from "../../verilog/index.js";
import { extractVhdl } from "../../vhdl/index.js";
import { EXIT } from "../exit.js";

/** What `rtlgym check` reads, shared by the single check, `--problem` and `--batch`. */
export type Lang = "verilog" | "vhdl";

/** --ref-lang/--cand-lang, else --lang, else the file extension, else the text (an entity and no module: VHDL). */
export function languageFor(which: string | undefined, all: string | undefined, path?: string): Lang | undefined {
  const chosen = which ?? all;
  if (chosen !== undefined) {
    if (chosen !== "verilog" && chosen !== "vhdl")
      throw new BadInputError(`--lang must be verilog or vhdl (got ${chosen})`);
    return chosen;
  }
  return path === undefined ? undefined : languageOfPath(path);
}

/** Model output (fences, <answer> tags, [BEGIN]/[DONE]) is reduced to its Verilog; plain files pass through. */
const LOOKS_LIKE_MODEL_OUTPUT = /```|\[BEGIN\]|<answer>|<think>/;

/** The candidate's code and language after extraction from model output (a ```vhdl fence means VHDL). */
export function extractCandidate(
  text: string,
  candLang: Lang | undefined,
  refLang: Lang | undefined,
): { code: string; lang: Lang | undefined } {
  if (!LOOKS_LIKE_MODEL_OUTPUT.test(text)) return { code: text, lang: candLang };
  const vhdl = candLang !== "verilog" ? extractVhdl(text) : undefined;
  const wantVhdl =
    candLang === "vhdl" || vhdl?.method === "fence-vhdl" || (candLang === undefined && refLang === "vhdl");
  if (vhdl && wantVhdl && vhdl.method !== "none") return { code: vhdl.code, lang: "vhdl" };
  return { code: extractVerilog(text).code, lang: candLang };
}

export async function readSource(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new BadInputError(
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { path },
    );
  }
}

/** Suite loads are slow (hundreds of files): one per suite and data folder per process. */
const suites = new Map<string, Promise<LoadedSuite>>();

/** The problem `SUITE/ID` (the id may itself contain slashes), loaded from `dataDir` as `bench` would. */
export async function resolveProblem(name: string, dataDir: string | undefined): Promise<Problem> {
  const slash = name.indexOf("/");
  if (slash <= 0 || slash === name.length - 1)
    throw new BadInputError(`--problem must look like SUITE/ID, e.g. verilog-eval-v2/Prob001_zero (got ${name})`);
  const suiteName = name.slice(0, slash);
  const key = `${suiteName}\u0000${dataDir ?? ""}`;
  let suite = suites.get(key);
  if (suite === undefined) {
    suite = loadSuite(suiteName, dataDir);
    suites.set(key, suite);
    suite.catch(() => suites.delete(key));
  }
  return findProblem(await suite, name.slice(slash + 1));
}

/** The one JSON object `--json` prints when no verdict could be produced (bad input, missing tool, crash). */
export const CheckError = z.object({
  status: z.enum(["bad_input", "tool_missing", "tool_crashed", "internal_error"]),
  /** The RtlgymError code, or INTERNAL. */
  code: z.string(),
  message: z.string(),
  exitCode: z.number().int(),
});
export type CheckError = z.infer<typeof CheckError>;

/** Any thrown error as a typed CheckError (usage errors and bad input alike: exit 2). */
export function checkErrorOf(e: unknown): CheckError {
  if (e instanceof RtlgymError) {
    const status =
      e.code === "TOOL_MISSING"
        ? "tool_missing"
        : e.code === "TOOL_CRASHED"
          ? "tool_crashed"
          : e.code === "INTERNAL"
            ? "internal_error"
            : "bad_input";
    return { status, code: e.code, message: e.message, exitCode: EXIT.usage };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { status: "internal_error", code: "INTERNAL", message, exitCode: EXIT.usage };
}

/**
 * 0 equivalent, 1 not equivalent (fail, compile error, timeout...) or a pass whose evidence is below `bar`
 * (`--min-strength`), 2 the check itself could not run.
 */
export function exitCodeFor(result: VerifyResult, bar?: StrengthBar): number {
  if (result.status === "pass") return bar && belowBar(result, bar) !== null ? EXIT.notEquivalent : EXIT.ok;
  if (result.status === "infra_error") return EXIT.usage;
  return EXIT.notEquivalent;
}

/**
 * With a `--min-strength` bar: `{belowMinStrength: why}` for a pass whose evidence falls below it (the output carries
 * it beside the verdict, which stays `pass`); nothing otherwise.
 */
export function strengthVerdict(result: VerifyResult, bar?: StrengthBar): { belowMinStrength?: string } {
  const below = bar ? belowBar(result, bar) : null;
  return below === null ? {} : { belowMinStrength: below };
}

/** The verify options the check flags set (undefined ones left to the defaults). */
export interface OptionFlags {
  engine?: EngineChoice;
  seed?: number;
  timeoutMs?: number;
  cycles?: number;
  vectors?: number;
  exhaustiveBits?: number;
  depth?: number;
  formalTimeoutMs?: number;
  memoryMb?: number;
  assume?: string;
}

export function optionsFromFlags(flags: OptionFlags): VerifyOptions {
  return {
    ...(flags.engine !== undefined && { engine: flags.engine }),
    ...(flags.seed !== undefined && { seed: flags.seed }),
    ...(flags.timeoutMs !== undefined && { timeoutMs: flags.timeoutMs }),
    ...(flags.cycles !== undefined && { cycles: flags.cycles }),
    ...(flags.vectors !== undefined && { vectors: flags.vectors }),
    ...(flags.exhaustiveBits !== undefined && { exhaustiveBits: flags.exhaustiveBits }),
    ...(flags.depth !== undefined && { formalDepth: flags.depth }),
    ...(flags.formalTimeoutMs !== undefined && { formalTimeoutMs: flags.formalTimeoutMs }),
    ...(flags.memoryMb !== undefined && { memoryLimitMb: flags.memoryMb }),
    ...(flags.assume !== undefined && { assume: flags.assume }),
  };
}
