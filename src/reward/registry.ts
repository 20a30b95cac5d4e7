import type { HdlLanguage, VerifyStatus } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import { listModules } from "../verilog/index.js";
import { listEntities } from "../vhdl/index.js";
import { codevFormatError } from "./format.js";
import { codeTokens, rougeL } from "./rouge.js";
import type { RewardFunction, RewardInput, RewardScore } from "./types.js";

/** 1 iff equivalent; the format gate (when on) is checked before verification, so a failing response never gets here. */
function codev(format: boolean): RewardFunction {
  return {
    name: format ? "codev" : "codev-noformat",
    description: format
      ? "CodeV-R1: 1 iff the response is <think>...</think><answer>...</answer> and its last ```verilog (```vhdl) block is equivalent, else 0"
      : "CodeV-R1 without the format gate: 1 iff the extracted Verilog (VHDL) is equivalent, else 0",
    range: [0, 1],
    formatErrorReward: 0,
    ...(format && {
      formatError: (response: string, _code: string, language?: HdlLanguage) => codevFormatError(response, language),
    }),
    score: ({ result }) => ({ reward: result.status === "pass" ? 1 : 0, details: { formatGate: format } }),
  };
}

const signal: RewardFunction = {
  name: "signal",
  description:
    "SALV-style dense reward: the fraction of reference outputs that match (1 on pass; 0 on compile_error, interface_mismatch, timeout)",
  range: [0, 1],
  formatErrorReward: 0,
  score: ({ result }) => {
    const total = result.signals.length;
    const correct = result.signals.filter((s) => s.ok).length;
    const graded = result.status === "pass" || result.status === "fail";
    const reward = result.status === "pass" ? 1 : graded && total > 0 ? correct / total : 0;
    return { reward, details: { correctSignals: graded ? correct : 0, totalSignals: total } };
  },
};

/** Design units a text declares: Verilog modules, or VHDL entities. */
const designUnits = (code: string, language: HdlLanguage | undefined): number =>
  language === "vhdl" ? listEntities(code).length : listModules(code).length;

/** A compile error is the only verdict that says the syntax is wrong: every other status got past the compilers. */
const SYNTAX_FAILURES: ReadonlySet<VerifyStatus> = new Set(["compile_error"]);

function itertl(functional: boolean): RewardFunction {
  return {
    name: functional ? "itertl-functional" : "itertl",
    description: functional
      ? "ITERTL with a functional term: (1 if equivalent) + Rouge-L to the reference; -1 for a response with several modules (VHDL: entities)"
      : "ITERTL surrogate: (1 if the code compiles) + Rouge-L to the reference; -1 for a response with several modules (VHDL: entities)",
    range: [-1, 2],
    formatErrorReward: 0,
    score: ({ result, code, reference, language }: RewardInput): RewardScore => {
      const modules = designUnits(code, language);
      const referenceModules = designUnits(reference, language);
      if (modules > 1) return { reward: -1, details: { modules, referenceModules, penalty: "several modules" } };
      const toolTerm = functional ? (result.status === "pass" ? 1 : 0) : SYNTAX_FAILURES.has(result.status) ? 0 : 1;
      const rouge = rougeL(codeTokens(code, language), codeTokens(reference, language));
      return {
        reward: toolTerm + rouge,
        details: { [functional ? "functional" : "syntax"]: toolTerm, rougeL: rouge, modules, referenceModules },
      };
    },
  };
}

const REWARDS = new Map<string, RewardFunction>(
  [codev(true), codev(false), signal, itertl(false), itertl(true)].map((r) => [r.name, r]),
);

/** The reward used when a request names none. */
export const DEFAULT_REWARD = "codev";

/** Every registered reward, by name. */
export function listRewards(): RewardFunction[] {
  return [...REWARDS.values()];
}

/** The reward named `name`; BadInputError listing the known names otherwise. */
export function getReward(name: string): RewardFunction {
  const fn = REWARDS.get(name);
  if (!fn) throw new BadInputError(`unknown reward "${name}"; known rewards: ${[...REWARDS.keys()].join(", ")}`);
  return fn;
}

/** Adds a reward under its name (replacing one of the same name): the extension point for new methods. */
export function registerReward(fn: RewardFunction): void {
  REWARDS.set(fn.name, fn);
}
