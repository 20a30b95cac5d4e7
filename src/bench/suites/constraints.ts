import type { LoadedSuite } from "../../contracts/index.js";

/**
 * Input constraints the specs of suite problems state in words ("the full system doesn't ever use shift_ena and
 * count_ena together", "assume a one-hot code"), as suite data: `loadSuite` sets them as the problems' `assume`,
 * which `bench`, `serve` (problems by name), `check --problem` and `--batch` problem lines apply unless the caller
 * gives its own. Keyed by problem id, per suite. Don't-cares on outputs are not here:
 * the VerilogEval references already write them as x, which matches anything.
 * Read from the VerilogEval v2 prompts (all 156 searched for "don't care", "does not matter", "never", "one-hot",
 * "assume"); the two spec-to-rtl and code-complete tracks share ids and specs.
 */
const ONE_HOT = (name: string, width: number) =>
  `${name} != ${width}'d0 && (${name} & (${name} - ${width}'d1)) == ${width}'d0`;

const VERILOG_EVAL_V2: Readonly<Record<string, string>> = {
  // "it does not matter what your circuit does if both control inputs are 1"
  Prob063_review2015_shiftcount: "!(shift_ena && count_ena)",
  // "The input conditions for the numbers 3, 8, 11, and 12 never occur in this system."
  Prob070_ece241_2013_q2: "!({a,b,c,d} == 4'd3 || {a,b,c,d} == 4'd8 || {a,b,c,d} == 4'd11 || {a,b,c,d} == 4'd12)",
  // "Derive ... by inspection assuming the one-hot encoding": the state input is one-hot.
  Prob079_fsm3onehot: ONE_HOT("state", 4),
  Prob091_2012_q2b: ONE_HOT("y", 6),
  Prob099_m2014_q6c: ONE_HOT("y", 6),
  Prob143_fsm_onehot: ONE_HOT("state", 10),
  Prob150_review2015_fsmonehot: ONE_HOT("state", 10),
};

const BY_SUITE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "verilog-eval-v2": VERILOG_EVAL_V2,
  "verilog-eval-v2-cc": VERILOG_EVAL_V2,
};

/** Every known constraint, as `suite/id` -> expression (for docs and tests). */
export function knownConstraints(): Array<{ problem: string; assume: string }> {
  return Object.entries(BY_SUITE).flatMap(([suite, table]) =>
    Object.entries(table).map(([id, assume]) => ({ problem: `${suite}/${id}`, assume })),
  );
}

/** The suite with each problem's stated constraint as its `assume` (a problem that has its own keeps it). */
export function withStatedConstraints(suite: LoadedSuite): LoadedSuite {
  const table = BY_SUITE[suite.name];
  if (!table) return suite;
  return {
    ...suite,
    problems: suite.problems.map((p) => {
      const assume = table[p.id];
      return assume === undefined || p.assume !== undefined ? p : { ...p, assume };
    }),
  };
}
