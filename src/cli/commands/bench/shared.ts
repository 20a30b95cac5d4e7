import { join } from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import { selectProblems } from "../../../bench/select.js";
import { loadSuite } from "../../../bench/suites/registry.js";
import type { EngineChoice, LoadedSuite, Problem, StrengthBar } from "../../../contracts/index.js";
import { BadInputError } from "../../../core/errors.js";
import type { VerifyOptions } from "../../../verify/index.js";
import { engineOption, intOption, strengthOption } from "../../options.js";

/** Flags every bench command that loads a suite shares. */
export interface SuiteFlags {
  suite: string;
  data?: string;
  problems?: string[];
  tags?: string[];
  limit?: number;
  /** Answers in this language: vhdl picks the suite's VHDL track (builtin -> builtin-vhdl). */
  lang?: string;
}

/** Verification flags shared by run, eval and audit. */
export interface VerifyFlags {
  engine: EngineChoice;
  seed: number;
  timeoutMs?: number;
  official: boolean;
  officialTimeoutMs: number;
}

/** Commander parser for comma-separated positive integers (`--k 1,5,10`). */
export function intList(value: string): number[] {
  const parts = value.split(",").map((s) => s.trim());
  if (parts.some((p) => !/^[1-9]\d*$/.test(p))) {
    throw new InvalidArgumentError(`expected positive integers separated by commas, got "${value}"`);
  }
  return parts.map(Number);
}

/** Commander parser for a number (temperature, top_p). */
export function numberOption(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
  return n;
}

/** Commander collector for repeatable flags. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The suite that asks for answers in `lang`: only the builtin suite has a VHDL track so far. */
function trackOf(suite: string, lang: string | undefined): string {
  if (lang === undefined || lang === "verilog") return suite;
  if (lang !== "vhdl") throw new BadInputError(`--lang must be verilog or vhdl (got ${lang})`);
  if (suite === "builtin" || suite === "builtin-vhdl") return "builtin-vhdl";
  throw new BadInputError(`suite ${suite} has no VHDL track (use --suite builtin --lang vhdl)`);
}

/** Loads the suite and applies --problems/--tags/--limit. */
export async function loadSelection(flags: SuiteFlags): Promise<{ suite: LoadedSuite; problems: Problem[] }> {
  const suite = await loadSuite(trackOf(flags.suite, flags.lang), flags.data);
  const problems = selectProblems(suite.problems, {
    ...(flags.problems && { problems: flags.problems }),
    ...(flags.tags && { tags: flags.tags }),
    ...(flags.limit !== undefined && { limit: flags.limit }),
  });
  return { suite, problems };
}

export function verifyOptions(flags: VerifyFlags): Omit<VerifyOptions, "refTop" | "candTop"> {
  return {
    engine: flags.engine,
    seed: flags.seed,
    ...(flags.timeoutMs !== undefined && { timeoutMs: flags.timeoutMs }),
  };
}

/** Report flags shared by run and eval. */
export interface ReportFlags {
  k?: number[];
  out?: string;
  db?: string;
  json?: boolean;
  quiet?: boolean;
  minStrength?: StrengthBar;
}

/** Fractions as percentages for the terminal. */
export function pct(x: number | undefined): string {
  return x === undefined ? "-" : `${(100 * x).toFixed(1)}%`;
}

/** Flags of the commands that load a suite (run, eval, audit). */
export function addSuiteFlags(cmd: Command): Command {
  return cmd
    .requiredOption(
      "--suite <name>",
      "suite: builtin, builtin-vhdl, verilog-eval-v2, verilog-eval-v2-cc, verilog-eval-v1-human, verilog-eval-v1-machine, rtllm-v1.1, rtllm-v2.0",
    )
    .option("--data <dir>", "upstream benchmark data (default: $RTLGYM_BENCHMARKS); not needed for builtin")
    .option("--problems <ids>", "only these problem ids or globs (comma-separated, repeatable)", collect)
    .option("--tags <tags>", "only problems with one of these tags (comma-separated)", collect)
    .option("--limit <n>", "only the first n selected problems", intOption)
    .option("--lang <lang>", "answer language: verilog | vhdl (the builtin suite's VHDL track, builtin-vhdl)");
}

/** Verification flags shared by run, eval and audit. */
export function addVerifyFlags(cmd: Command): Command {
  return cmd
    .option("--engine <engine>", "rtlgym equivalence engine: sim | formal | both", engineOption, "both")
    .option("--seed <n>", "stimulus and sampling seed", intOption, 1)
    .option("--timeout-ms <n>", "wall-clock limit of one rtlgym check", intOption)
    .option("--no-official", "skip the suite's own testbench")
    .option("--official-timeout-ms <n>", "wall-clock limit of one official testbench run", intOption, 30_000);
}

/** Report flags shared by run and eval. */
export function addReportFlags(cmd: Command): Command {
  return cmd
    .option("--k <list>", "k values for pass@k (default: every k up to n)", intList)
    .option(
      "--min-strength <level[:toggle]>",
      "evidence a pass needs to count toward pass@k: simulated < bounded < proved, optionally with the share of the reference's state bits the simulation must toggle (simulated:0.9); passes below it are reported and counted apart",
      strengthOption,
    )
    .option("--out <dir>", "write summary.json, report.md and report.html here")
    .option("--db <path>", "run store (default: $RTLGYM_HOME/rtlgym.db or ~/.rtlgym/rtlgym.db)")
    .option("--json", "print one summary object on stdout")
    .option("--quiet", "no progress output");
}

/** Where reports go when --out is not given: ./rtlgym-runs/<run id>. */
export function defaultOutDir(runId: string): string {
  return join(process.cwd(), "rtlgym-runs", runId);
}
