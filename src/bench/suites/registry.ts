import type { LoadedSuite, Problem } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { tasksSuite } from "../../tasks/index.js";
import { builtinSuite } from "./builtin.js";
import { builtinVhdlSuite } from "./builtin-vhdl.js";
import { withStatedConstraints } from "./constraints.js";
import { rtllmV11, rtllmV20 } from "./rtllm.js";
import { verilogEvalV1Human, verilogEvalV1Machine, verilogEvalV2, verilogEvalV2CodeComplete } from "./verilog-eval.js";

/** A benchmark suite rtlgym knows how to load from its upstream layout (or from the package, for builtin). */
export interface SuiteDefinition {
  name: string;
  description: string;
  /** Shipped inside rtlgym: loads without a data directory. */
  embedded: boolean;
  /** What `--data` should point at, for error messages and `--help`. */
  dataHint: string;
  /**
   * Loads every problem, excluded ones included (marked with `excluded`). `dataDir` may be the upstream
   * repository root, the benchmarks folder that holds it, or the task folder itself; loaders look for their layout.
   */
  load(dataDir: string | undefined): Promise<LoadedSuite>;
}

const SUITES: readonly SuiteDefinition[] = [
  builtinSuite,
  builtinVhdlSuite,
  verilogEvalV2,
  verilogEvalV2CodeComplete,
  verilogEvalV1Human,
  verilogEvalV1Machine,
  rtllmV11,
  rtllmV20,
  tasksSuite,
];

/** Every registered suite, in display order. */
export function listSuites(): readonly SuiteDefinition[] {
  return SUITES;
}

/** The suite named `name`; BadInputError listing the known names otherwise. */
export function getSuite(name: string): SuiteDefinition {
  const suite = SUITES.find((s) => s.name === name);
  if (!suite) {
    throw new BadInputError(`unknown suite "${name}"; known suites: ${SUITES.map((s) => s.name).join(", ")}`, {
      suite: name,
    });
  }
  return suite;
}

/**
 * Where upstream data lives when `--data` is not given: `RTLGYM_BENCHMARKS` (a folder holding verilog-eval/ and
 * rtllm/ as cloned upstream). Undefined when unset.
 */
export function defaultDataDir(): string | undefined {
  const dir = process.env.RTLGYM_BENCHMARKS;
  return dir && dir.length > 0 ? dir : undefined;
}

/** Loads suite `name` from `dataDir` (or the default data directory). */
export async function loadSuite(name: string, dataDir?: string): Promise<LoadedSuite> {
  const suite = getSuite(name);
  return withStatedConstraints(await suite.load(dataDir ?? defaultDataDir()));
}

/** Finds problem `id` in a loaded suite; BadInputError when absent. */
export function findProblem(suite: LoadedSuite, id: string): Problem {
  const problem = suite.problems.find((p) => p.id === id);
  if (!problem) throw new BadInputError(`suite ${suite.name} has no problem "${id}"`, { suite: suite.name, id });
  return problem;
}
