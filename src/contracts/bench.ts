import { z } from "zod";
import { StrengthBar, VerifyResult, VerifyStatus } from "./verify.js";

/** What the model is asked to do: write a module from a spec, or complete a given module header. */
export const Task = z.enum(["spec-to-rtl", "code-complete"]);
export type Task = z.infer<typeof Task>;

/** A suite's own testbench, run the way upstream runs it (but with the verdict read through a nonce). */
export const OfficialTestbench = z.object({
  /** Which upstream convention the testbench follows; decides how its output is read. */
  kind: z.enum(["verilog-eval", "rtllm"]),
  /** Testbench source. */
  source: z.string(),
  /** Top module of the testbench (`tb` for VerilogEval; RTLLM's testbench module name). */
  top: z.string(),
  /** Auxiliary files the testbench reads at run time (file name -> content), e.g. RTLLM `.dat` files. */
  files: z.record(z.string(), z.string()),
  /** VerilogEval testbenches instantiate the reference module, so it is compiled beside the candidate. */
  includeReference: z.boolean(),
});
export type OfficialTestbench = z.infer<typeof OfficialTestbench>;

/** One benchmark problem, whatever its suite; everything scoring and prompting needs. */
export const Problem = z.object({
  suite: z.string(),
  /** Unique within the suite; `<suite>/<id>` names it globally. */
  id: z.string(),
  task: Task,
  /** The natural-language statement as the suite words it (spec, description, or completion prompt text). */
  prompt: z.string(),
  /** The module header a code-completion model continues (VerilogEval ifc.txt / v1 prompt). */
  header: z.string().optional(),
  /** Reference design, possibly several modules. */
  reference: z.string(),
  /** Top module of the reference. */
  refTop: z.string(),
  /** Module name the candidate must declare. */
  candTop: z.string(),
  tags: z.array(z.string()),
  difficulty: z.number().int().min(1).max(4).optional(),
  testbench: OfficialTestbench.optional(),
  /** Why the problem is excluded from scoring (a known-broken upstream problem), when it is. */
  excluded: z.string().optional(),
  /** Language of the reference and of the expected answer; Verilog when absent. */
  language: z.enum(["verilog", "vhdl"]).optional(),
  /**
   * The input constraint the spec states ("both control inputs are never 1"), a Verilog expression over the inputs:
   * checks drive and compare only inputs that satisfy it, and formal assumes it (VerifyOptions.assume).
   */
  assume: z.string().optional(),
});
export type Problem = z.infer<typeof Problem>;

/** A suite loaded from disk: its problems (excluded ones included, marked) and where they came from. */
export const LoadedSuite = z.object({
  name: z.string(),
  /** Content hash of the problem files, plus the upstream commit when SOURCE.txt names one. */
  revision: z.string(),
  dataDir: z.string().nullable(),
  problems: z.array(Problem),
});
export type LoadedSuite = z.infer<typeof LoadedSuite>;

/** The suite's own testbench verdict on one sample. */
export const OfficialVerdict = z.object({
  verdict: z.enum(["pass", "fail", "compile_error", "timeout", "inconclusive", "infra_error"]),
  /** Mismatch or failure count the testbench reported, when it reported one. */
  mismatches: z.number().int().nullable(),
  /** Tail of the compiler/simulator output: the evidence. */
  detail: z.string(),
  durationMs: z.number(),
});
export type OfficialVerdict = z.infer<typeof OfficialVerdict>;

/** One scored sample: rtlgym's equivalence verdict and, for upstream suites, the suite's testbench verdict. */
export const SampleScore = z.object({
  problem: z.string(),
  sample: z.number().int().nonnegative(),
  status: VerifyStatus,
  /** Outputs that differ from the reference (empty unless status is fail). */
  failingSignals: z.array(z.string()),
  official: OfficialVerdict.optional(),
  /** The two verdicts disagree (official pass vs rtlgym not-pass, or the reverse). */
  disagreement: z.boolean(),
  result: VerifyResult,
});
export type SampleScore = z.infer<typeof SampleScore>;

/** Per-problem row of a report. */
export const ProblemSummary = z.object({
  id: z.string(),
  tags: z.array(z.string()),
  /** Samples scored, and samples rtlgym passed. */
  n: z.number().int().nonnegative(),
  c: z.number().int().nonnegative(),
  /** Samples the official testbench passed, for upstream suites. */
  officialC: z.number().int().nonnegative().optional(),
  passAtK: z.record(z.string(), z.number()),
  /** Count per status over the samples. */
  statuses: z.record(z.string(), z.number().int()),
  /** Output name -> samples in which it was wrong. */
  failingSignals: z.record(z.string(), z.number().int()),
  disagreements: z.number().int().nonnegative(),
  /** Passes per strength of their evidence (simulated, bounded, proved). */
  strengths: z.record(z.string(), z.number().int()).optional(),
  /** Passes below the run's minimum strength: not counted in c. */
  belowMinStrength: z.number().int().nonnegative().optional(),
});
export type ProblemSummary = z.infer<typeof ProblemSummary>;

/** The summary object `bench run/eval --json` prints and every report renders. Fractions are in 0..1. */
export const BenchSummary = z.object({
  suite: z.string(),
  suiteRevision: z.string(),
  runId: z.string().optional(),
  model: z.string().optional(),
  attempted: z.number().int().nonnegative(),
  scored: z.number().int().nonnegative(),
  excluded: z.array(z.object({ id: z.string(), reason: z.string() })),
  passAtK: z.record(z.string(), z.number()),
  officialPassAtK: z.record(z.string(), z.number()).optional(),
  passAtKByTag: z.record(z.string(), z.record(z.string(), z.number())),
  statuses: z.record(z.string(), z.number().int()),
  disagreements: z.array(
    z.object({
      problem: z.string(),
      sample: z.number().int(),
      rtlgym: VerifyStatus,
      official: z.string(),
      evidence: z.string(),
    }),
  ),
  problems: z.array(ProblemSummary),
  /** The strength of the passes' evidence, and the bar a pass had to clear to count toward pass@k. */
  strength: z
    .object({
      /** Passes per strength, over all samples. */
      counts: z.record(z.string(), z.number().int()),
      min: StrengthBar.optional(),
      /** Passes that fell below `min` (reported as passes in statuses, not counted in pass@k). */
      belowMin: z.number().int().nonnegative().optional(),
    })
    .optional(),
  toolVersions: z.record(z.string(), z.string().nullable()),
  seed: z.number().int(),
  createdAt: z.string(),
});
export type BenchSummary = z.infer<typeof BenchSummary>;
