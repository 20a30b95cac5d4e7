import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { VerifyResult } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { languageOfPath, verifyAny } from "../../verify/index.js";
import { extractVerilog } from "../../verilog/index.js";
import { extractVhdl } from "../../vhdl/index.js";
import { EXIT } from "../exit.js";
import { formatResult } from "../format.js";
import { intOption } from "../options.js";

interface CheckFlags {
  refTop?: string;
  candTop?: string;
  engine: "sim" | "formal" | "both";
  seed?: number;
  timeoutMs?: number;
  cycles?: number;
  vectors?: number;
  exhaustiveBits?: number;
  depth?: number;
  formalTimeoutMs?: number;
  memoryMb?: number;
  extract: boolean;
  json?: boolean;
  lang?: string;
  refLang?: string;
  candLang?: string;
  vhdlRoute: string;
  generic: string[];
}

type Lang = "verilog" | "vhdl";

/** --ref-lang/--cand-lang, else --lang, else the file extension, else the text (an entity and no module: VHDL). */
function languageFor(which: string | undefined, all: string | undefined, path: string): Lang | undefined {
  const chosen = which ?? all;
  if (chosen !== undefined) {
    if (chosen !== "verilog" && chosen !== "vhdl")
      throw new BadInputError(`--lang must be verilog or vhdl (got ${chosen})`);
    return chosen;
  }
  return languageOfPath(path);
}

/** Model output (fences, <answer> tags, [BEGIN]/[DONE]) is reduced to its Verilog; plain files pass through. */
const LOOKS_LIKE_MODEL_OUTPUT = /```|\[BEGIN\]|<answer>|<think>/;

async function readSource(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new BadInputError(
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("check a candidate module against a reference (simulation + formal equivalence)")
    .argument("<reference>", "reference Verilog or VHDL file (.v/.sv, .vhd/.vhdl)")
    .argument("<candidate>", "candidate Verilog or VHDL file (or raw model output)")
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
    .option("--engine <engine>", "sim | formal | both", "both")
    .option("--seed <n>", "random stimulus seed", intOption)
    .option("--timeout-ms <n>", "wall-clock limit of the check", intOption)
    .option("--cycles <n>", "random clock cycles for sequential designs", intOption)
    .option("--vectors <n>", "random vectors for wide combinational designs", intOption)
    .option("--exhaustive-bits <n>", "enumerate combinational designs with at most this many input bits", intOption)
    .option("--depth <n>", "bound of the sequential formal check, in cycles", intOption)
    .option("--formal-timeout-ms <n>", "time formal may take before simulation alone decides", intOption)
    .option("--memory-mb <n>", "memory cap of each simulator and compiler process", intOption)
    .option("--no-extract", "do not extract code from model output (fences, <answer> tags)")
    .option("--json", "print the result as one JSON object")
    .action(async (refPath: string, candPath: string, flags: CheckFlags) => {
      if (!["sim", "formal", "both"].includes(flags.engine)) {
        throw new BadInputError(`--engine must be sim, formal or both (got ${flags.engine})`);
      }
      if (!["auto", "native"].includes(flags.vhdlRoute))
        throw new BadInputError(`--vhdl-route must be auto or native (got ${flags.vhdlRoute})`);
      const reference = await readSource(refPath, "reference");
      let candidate = await readSource(candPath, "candidate");
      const refLang = languageFor(flags.refLang, flags.lang, refPath);
      let candLang = languageFor(flags.candLang, flags.lang, candPath);
      if (flags.extract && LOOKS_LIKE_MODEL_OUTPUT.test(candidate)) {
        // Model output: a ```vhdl fence (or the reference's language) means VHDL.
        const vhdl = candLang !== "verilog" ? extractVhdl(candidate) : undefined;
        const wantVhdl =
          candLang === "vhdl" || vhdl?.method === "fence-vhdl" || (candLang === undefined && refLang === "vhdl");
        if (vhdl && wantVhdl && vhdl.method !== "none") {
          candidate = vhdl.code;
          candLang = "vhdl";
        } else candidate = extractVerilog(candidate).code;
      }
      const options = {
        engine: flags.engine,
        ...(flags.refTop !== undefined && { refTop: flags.refTop }),
        ...(flags.candTop !== undefined && { candTop: flags.candTop }),
        ...(flags.seed !== undefined && { seed: flags.seed }),
        ...(flags.timeoutMs !== undefined && { timeoutMs: flags.timeoutMs }),
        ...(flags.cycles !== undefined && { cycles: flags.cycles }),
        ...(flags.vectors !== undefined && { vectors: flags.vectors }),
        ...(flags.exhaustiveBits !== undefined && { exhaustiveBits: flags.exhaustiveBits }),
        ...(flags.depth !== undefined && { formalDepth: flags.depth }),
        ...(flags.formalTimeoutMs !== undefined && { formalTimeoutMs: flags.formalTimeoutMs }),
        ...(flags.memoryMb !== undefined && { memoryLimitMb: flags.memoryMb }),
      };
      const result = await verifyAny({
        reference,
        candidate,
        ...options,
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
      if (flags.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(formatResult(result));
      process.exitCode = exitCodeFor(result);
    });
}

export function exitCodeFor(result: VerifyResult): number {
  if (result.status === "pass") return EXIT.ok;
  if (result.status === "infra_error") return EXIT.usage;
  return EXIT.notEquivalent;
}
