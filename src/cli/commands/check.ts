import type { Command, CommanderError } from "commander";
import type { StrengthBar } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { verifyAny } from "../../verify/index.js";
import { formatResult } from "../format.js";
import { engineOption, intOption, strengthOption } from "../options.js";
import { runBatch } from "./check-batch.js";
import {
  checkErrorOf,
  exitCodeFor,
  extractCandidate,
  languageFor,
  type OptionFlags,
  optionsFromFlags,
  readSource,
  resolveProblem,
  strengthVerdict,
} from "./check-input.js";

interface CheckFlags extends OptionFlags {
  refTop?: string;
  candTop?: string;
  problem?: string;
  data?: string;
  batch?: string;
  workers?: number;
  extract: boolean;
  json?: boolean;
  lang?: string;
  refLang?: string;
  candLang?: string;
  vhdlRoute: string;
  generic: string[];
  minStrength?: StrengthBar;
}

export { exitCodeFor } from "./check-input.js";

export function registerCheck(program: Command): void {
  const command = program
    .command("check")
    .description(
      "check a candidate module against a reference (simulation + formal equivalence)\n" +
        "  rtlgym check REF CAND | rtlgym check --problem SUITE/ID CAND | rtlgym check --batch FILE.jsonl",
    )
    .argument("[files...]", "reference and candidate files (with --problem: the candidate only; with --batch: none)")
    .option(
      "--problem <suite/id>",
      "check against a suite problem's reference and tops, e.g. verilog-eval-v2/Prob001_zero",
    )
    .option(
      "--data <dir>",
      "upstream benchmark data for --problem (default: $RTLGYM_BENCHMARKS); not needed for builtin",
    )
    .option("--batch <file>", "JSONL of pairs (- for stdin): one JSON result line per input line, in input order")
    .option("--workers <n>", "--batch: simultaneous engine calls (default 2)", intOption)
    .option("--ref-top <name>", "top module (or VHDL entity) of the reference (default: the one nothing instantiates)")
    .option(
      "--cand-top <name>",
      "top module (or entity) of the candidate (default: the reference's top name, else inferred)",
    )
    .option("--lang <lang>", "verilog | vhdl for both files (default: by extension, else by content)")
    .option("--ref-lang <lang>", "language of the reference only")
    .option("--cand-lang <lang>", "language of the candidate only")
    .option(
      "--generic <name=value>",
      "value of a VHDL top-entity generic (repeatable; integers, true/false, '0'/'1')",
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option(
      "--vhdl-route <route>",
      "auto (validated GHDL translation, else native) | native (GHDL simulation only)",
      "auto",
    )
    .option("--engine <engine>", "sim | formal | both (default both)", engineOption)
    .option("--seed <n>", "random stimulus seed", intOption)
    .option("--timeout-ms <n>", "wall-clock limit of the check", intOption)
    .option("--cycles <n>", "random clock cycles for sequential designs", intOption)
    .option("--vectors <n>", "random vectors for wide combinational designs", intOption)
    .option("--exhaustive-bits <n>", "enumerate combinational designs with at most this many input bits", intOption)
    .option("--depth <n>", "bound of the sequential formal check, in cycles", intOption)
    .option("--formal-timeout-ms <n>", "time formal may take before simulation alone decides", intOption)
    .option("--memory-mb <n>", "memory cap of each simulator and compiler process", intOption)
    .option(
      "--assume <expr>",
      "input constraint (a spec's don't-care), a Verilog expression over the inputs, e.g. '!(s1 && s2)': only inputs that satisfy it are driven and compared; formal assumes it",
    )
    .option(
      "--min-strength <level[:toggle]>",
      "evidence a pass needs to count (exit 0): simulated | bounded | proved, optionally with the share of the reference's state bits toggled (simulated:0.9); a pass below it exits 1 and says why (belowMinStrength)",
      strengthOption,
    )
    .option("--no-extract", "do not extract code from model output (fences, <answer> tags)")
    .option("--json", "print one JSON object (a VerifyResult, or {status, code, message, exitCode} on error)")
    .action(async (files: string[], flags: CheckFlags) => {
      try {
        await runCheck(files, flags);
      } catch (e) {
        if (!flags.json) throw e;
        const error = checkErrorOf(e);
        process.stdout.write(`${JSON.stringify(error)}\n`);
        process.exitCode = error.exitCode;
      }
    });
  // A flag commander itself rejects (unknown option, bad integer) is an error like any other under --json.
  command.exitOverride((err: CommanderError) => {
    const argv = (command.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
    if (err.exitCode !== 0 && argv.includes("--json")) {
      const error = { status: "bad_input", code: "USAGE", message: err.message.replace(/^error: /, ""), exitCode: 2 };
      process.stdout.write(`${JSON.stringify(error)}\n`);
    }
    throw err;
  });
}

async function runCheck(files: string[], flags: CheckFlags): Promise<void> {
  if (!["auto", "native"].includes(flags.vhdlRoute))
    throw new BadInputError(`--vhdl-route must be auto or native (got ${flags.vhdlRoute})`);
  const options = optionsFromFlags(flags);
  if (flags.batch !== undefined) {
    if (files.length > 0) throw new BadInputError("--batch takes no file arguments (the pairs are in the JSONL)");
    if (flags.problem !== undefined)
      throw new BadInputError("--batch and --problem do not mix (put problem in a line)");
    process.exitCode = await runBatch(flags.batch, {
      options,
      ...(flags.data !== undefined && { dataDir: flags.data }),
      ...(flags.workers !== undefined && { workers: flags.workers }),
      ...(flags.minStrength && { minStrength: flags.minStrength }),
      extract: flags.extract,
    });
    return;
  }
  if (flags.workers !== undefined) throw new BadInputError("--workers applies to --batch only");
  const wanted = flags.problem !== undefined ? 1 : 2;
  if (files.length !== wanted)
    throw new BadInputError(
      flags.problem !== undefined
        ? `--problem takes one file argument, the candidate (got ${files.length})`
        : `check takes a reference and a candidate file (got ${files.length}); or --problem SUITE/ID CAND, or --batch FILE`,
    );
  let reference: string;
  let refPath: string | undefined;
  let refTop = flags.refTop;
  let candTop = flags.candTop;
  let problemLang: "verilog" | "vhdl" | undefined;
  if (flags.problem !== undefined) {
    const problem = await resolveProblem(flags.problem, flags.data);
    if (problem.excluded)
      process.stderr.write(`rtlgym: note: ${flags.problem} is excluded from scoring: ${problem.excluded}\n`);
    reference = problem.reference;
    refTop ??= problem.refTop;
    candTop ??= problem.candTop;
    problemLang = problem.language ?? "verilog";
    const stated = problem.assume;
    if (stated !== undefined && options.assume === undefined) {
      options.assume = stated;
      process.stderr.write(`rtlgym: note: the spec of ${flags.problem} states an input constraint: ${stated}\n`);
    }
  } else {
    if (flags.data !== undefined) throw new BadInputError("--data applies to --problem and --batch only");
    refPath = files[0] as string;
    reference = await readSource(refPath, "reference");
  }
  const candPath = files[files.length - 1] as string;
  let candidate = await readSource(candPath, "candidate");
  const refLang = problemLang ?? languageFor(flags.refLang, flags.lang, refPath);
  let candLang = languageFor(flags.candLang, flags.lang, candPath);
  if (flags.extract) ({ code: candidate, lang: candLang } = extractCandidate(candidate, candLang, refLang));
  const result = await verifyAny({
    reference,
    candidate,
    ...options,
    ...(refTop !== undefined && { refTop }),
    ...(candTop !== undefined && { candTop }),
    ...(refLang && { referenceLanguage: refLang }),
    ...(candLang && { candidateLanguage: candLang }),
    vhdlRoute: flags.vhdlRoute === "native" ? "native" : "auto",
    generics: Object.fromEntries(
      flags.generic.map((g) => {
        const eq = g.indexOf("=");
        if (eq <= 0) throw new BadInputError(`--generic must look like NAME=VALUE (got ${g})`);
        return [g.slice(0, eq), g.slice(eq + 1)];
      }),
    ),
  });
  const strength = strengthVerdict(result, flags.minStrength);
  if (flags.json) process.stdout.write(`${JSON.stringify({ ...result, ...strength })}\n`);
  else {
    process.stdout.write(formatResult(result));
    if (strength.belowMinStrength !== undefined)
      process.stdout.write(`not accepted: below --min-strength: ${strength.belowMinStrength}\n`);
  }
  process.exitCode = exitCodeFor(result, flags.minStrength);
}
