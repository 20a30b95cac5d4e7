import { z } from "zod";

/** Every verdict rtlgym can give a candidate. Only `pass` means equivalent. */
export const VerifyStatus = z.enum([
  "pass",
  "fail",
  "compile_error",
  "interface_mismatch",
  "timeout",
  "unsupported",
  "infra_error",
]);
export type VerifyStatus = z.infer<typeof VerifyStatus>;

export const Port = z.object({
  name: z.string(),
  direction: z.enum(["input", "output", "inout"]),
  width: z.number().int().positive(),
  signed: z.boolean(),
});
export type Port = z.infer<typeof Port>;

export const Reset = z.object({
  name: z.string(),
  activeHigh: z.boolean(),
  kind: z.enum(["sync", "async"]),
});
export type Reset = z.infer<typeof Reset>;

/** What the reference (or candidate) looks like from outside, read from Yosys JSON. */
export const DesignInterface = z.object({
  top: z.string(),
  ports: z.array(Port),
  parameters: z.record(z.string(), z.string()),
  clock: z.string().nullable(),
  clockEdges: z.array(z.enum(["pos", "neg"])),
  resets: z.array(Reset),
  sequential: z.boolean(),
  hasLatches: z.boolean(),
  /** Netlist cells after proc and flatten: a deterministic proxy for what one simulated cycle costs. */
  cells: z.number().int().nonnegative(),
  /** Flip-flop bits (memories excluded): how much state the design holds. */
  stateBits: z.number().int().nonnegative().optional(),
  /**
   * The largest constant an equality or ordering comparison holds against something other than the inputs alone
   * (a counter's threshold, a timeout): how deep in time the design's behaviour can change.
   */
  maxStateConstant: z.number().int().nonnegative().optional(),
  /** The largest such constants (distinct, at most 8, largest first): the run lengths worth holding inputs for. */
  stateConstants: z.array(z.number().int().nonnegative()).optional(),
  /**
   * Per data input, the constants the reference compares a slice of it against (a case item on a 16-bit scancode):
   * values random stimulus would draw once in 2^width, and that a candidate can get wrong alone. At most 16 per input.
   */
  inputConstants: z
    .record(
      z.string(),
      z.array(
        z.object({
          lo: z.number().int().nonnegative(),
          width: z.number().int().positive(),
          value: z.number().int().nonnegative(),
        }),
      ),
    )
    .optional(),
  /** Why the design cannot be checked (several clocks, inout ports, ...), when it cannot. */
  unsupported: z.string().nullable(),
});
export type DesignInterface = z.infer<typeof DesignInterface>;

export const Engine = z.enum(["sim", "formal"]);
export type Engine = z.infer<typeof Engine>;

/** The engines a check may run: simulation, formal equivalence, or both (the default). */
export const EngineChoice = z.enum(["sim", "formal", "both"]);
export type EngineChoice = z.infer<typeof EngineChoice>;

export const SignalVerdict = z.object({
  name: z.string(),
  ok: z.boolean(),
  /** Mismatching samples seen by simulation (absent when simulation did not compare this signal). */
  mismatches: z.number().int().nonnegative().optional(),
  /** Samples where the reference drove a defined (0/1) value: a signal with none is only weakly tested. */
  definedSamples: z.number().int().nonnegative().optional(),
  decidedBy: Engine.optional(),
});
export type SignalVerdict = z.infer<typeof SignalVerdict>;

export const Counterexample = z.object({
  engine: Engine,
  signal: z.string(),
  /** Clock cycle (sequential) or vector index (combinational), from 0. */
  cycle: z.number().int().nonnegative(),
  /** `pre`: before the active clock edge; `post`: after it. Combinational designs use `pre`. */
  phase: z.enum(["pre", "post"]),
  inputs: z.record(z.string(), z.string()),
  expected: z.string(),
  got: z.string(),
  /** Input values per cycle from the start, when the engine knows them (formal traces). */
  trace: z.array(z.record(z.string(), z.string())).optional(),
});
export type Counterexample = z.infer<typeof Counterexample>;

export const SimReport = z.object({
  status: z.enum(["pass", "fail", "timeout", "error", "skipped"]),
  seed: z.number().int(),
  /** Clock cycles (sequential) or input vectors (combinational) simulated. */
  cycles: z.number().int().nonnegative(),
  /** Comparisons per output: two per cycle for sequential designs (before and after the edge). */
  samples: z.number().int().nonnegative(),
  exhaustive: z.boolean(),
  /** Wall time of the testbench's compile and run. */
  durationMs: z.number(),
  /**
   * CPU time of the run (vvp) as the stall watchdog last sampled it: a lower bound, short by at most 250 ms. Far
   * below `durationMs`, it says the simulator waited for a core (a loaded machine), not that the design is slow.
   */
  cpuMs: z.number().optional(),
  reason: z.string().optional(),
});
export type SimReport = z.infer<typeof SimReport>;

export const FormalReport = z.object({
  /** proved: full proof (combinational SAT, or sequential temporal induction: equal at every depth from reset);
   * bounded: no difference within `depth` cycles; fail: a difference confirmed in simulation;
   * unconfirmed: a formal difference simulation could not reproduce (a modelling gap, not a failure). */
  status: z.enum(["proved", "bounded", "fail", "unconfirmed", "skipped", "timeout", "error"]),
  mode: z.enum(["combinational", "sequential"]).optional(),
  /** bounded: cycles from reset covered; proved sequential: the induction length that closed the proof. */
  depth: z.number().int().nonnegative().optional(),
  /** sat: combinational proof; induction: `sat -tempinduct` decided (or its base case set the bound); bmc: a
   * bounded check of fixed depth set the bound after induction did not finish. */
  method: z.enum(["sat", "induction", "bmc"]).optional(),
  durationMs: z.number(),
  reason: z.string().optional(),
});
export type FormalReport = z.infer<typeof FormalReport>;

export const ToolVersions = z.object({
  iverilog: z.string().nullable(),
  yosys: z.string().nullable(),
  yosysBackend: z.enum(["native", "wasm"]).nullable(),
  /** Set when a VHDL design took part in the check. */
  ghdl: z.string().nullable().optional(),
  /** Set when Verilator was asked about a compile error (the second opinion). */
  verilator: z.string().nullable().optional(),
});
export type ToolVersions = z.infer<typeof ToolVersions>;

/**
 * What the stimulus reached in the reference's state (sequential designs): flip-flop and latch bits seen to rise
 * and to fall, and, for the FSMs Yosys finds in the reference (`fsm_detect`), encoded states held and
 * state-to-state transitions of its transition table taken (summed over the FSMs).
 */
export const Coverage = z.object({
  stateBits: z.number().int().nonnegative(),
  /** State bits seen both to rise and to fall between samples (before each active edge and around resets). */
  toggled: z.number().int().nonnegative(),
  /** State bits the testbench could not name (Yosys-internal nets): counted in stateBits, never as toggled. */
  unobserved: z.number().int().nonnegative().optional(),
  fsms: z.number().int().nonnegative().optional(),
  fsmStates: z.number().int().nonnegative().optional(),
  fsmStatesVisited: z.number().int().nonnegative().optional(),
  /** Distinct (from, to) state pairs in the transition tables; absent for FSMs clocked on both edges. */
  fsmTransitions: z.number().int().nonnegative().optional(),
  fsmTransitionsSeen: z.number().int().nonnegative().optional(),
});
export type Coverage = z.infer<typeof Coverage>;

/**
 * The evidence behind a pass, weakest first. proved: equal at every depth (a formal proof, or exhaustive simulation
 * of a combinational design); bounded: formal found no difference within its depth; simulated: simulation alone.
 */
export const Strength = z.enum(["simulated", "bounded", "proved"]);
export type Strength = z.infer<typeof Strength>;

/**
 * How strong a verdict's evidence is. A pass by simulation alone is weaker than one formal also proved; when formal
 * could not run, `formalMissingBecause` says who made it so: a candidate that Yosys cannot read chose its own judge,
 * which rewards may discount (the reward service's `--sim-only-scale`).
 */
export const Assurance = z.object({
  /** proved: at every depth (combinational SAT, or sequential induction from reset); bounded: to `depth` cycles. */
  formal: z.enum(["proved", "bounded", "none"]),
  /** Cycles from reset the bounded proof covers. */
  depth: z.number().int().nonnegative().optional(),
  /** Simulated cycles (sequential) or vectors (combinational); exhaustive when every input was enumerated. */
  simulated: z.number().int().nonnegative(),
  exhaustive: z.boolean(),
  formalMissingBecause: z.enum(["candidate", "reference", "design", "budget", "options"]).optional(),
  reason: z.string().optional(),
  /** The strength of the evidence (results from before it was recorded: see passStrength). */
  strength: Strength.optional(),
  /** What the simulated stimulus reached in the reference's state; absent for combinational designs. */
  coverage: Coverage.optional(),
});
export type Assurance = z.infer<typeof Assurance>;

/** A bar a pass must clear to count: a strength, and optionally the share of the reference's state bits toggled. */
export const StrengthBar = z.object({
  level: Strength,
  /** 0..1; applies to passes short of `proved` on designs with state. */
  toggle: z.number().min(0).max(1).optional(),
});
export type StrengthBar = z.infer<typeof StrengthBar>;

export const HdlLanguage = z.enum(["verilog", "vhdl"]);
export type HdlLanguage = z.infer<typeof HdlLanguage>;

/** How a GHDL translation of a VHDL design was checked against the design's native GHDL simulation. */
export const TranslationCheck = z.object({
  design: z.enum(["reference", "candidate"]),
  /** validated: the netlist reproduced every defined output sample; defect: a construct GHDL 2.0 mistranslates. */
  status: z.enum(["validated", "mismatch", "defect", "error"]),
  samples: z.number().int().nonnegative(),
  durationMs: z.number(),
  reason: z.string().optional(),
});
export type TranslationCheck = z.infer<typeof TranslationCheck>;

/**
 * Which route decided a check with a VHDL side. translated: GHDL's Verilog netlists, each validated against the
 * design's native simulation, went through the Verilog engines (simulation and formal); native: both VHDL designs
 * were simulated by GHDL on the same stimulus and their output traces compared (no formal).
 */
export const RouteReport = z.object({
  reference: HdlLanguage,
  candidate: HdlLanguage,
  kind: z.enum(["translated", "native", "frontend"]),
  translations: z.array(TranslationCheck),
  reason: z.string().optional(),
});
export type RouteReport = z.infer<typeof RouteReport>;

/**
 * Set when iverilog rejected the candidate and Verilator, a second front end, was asked (src/verify/second-opinion.ts):
 * a compile error counts only when both reject, and a design Verilator accepts is simulated as Yosys's netlist of it.
 */
export const SecondOpinionReport = z.object({
  /**
   * `rejects`: the compile error stands. `accepts`: checked as Yosys's netlist when iverilog's error is one of its
   * admitted gaps (`simulatedAs`), else the compile error stands (see reason). `unavailable`: not asked (reason).
   */
  verilator: z.enum(["rejects", "accepts", "unavailable"]),
  /** The candidate was simulated and checked as the netlist Yosys wrote of it. */
  simulatedAs: z.literal("yosys-netlist").optional(),
  reason: z.string().optional(),
});
export type SecondOpinionReport = z.infer<typeof SecondOpinionReport>;

export const VerifyResult = z.object({
  status: VerifyStatus,
  /** Which engine (or front end) produced the verdict. */
  decidedBy: z.enum(["sim", "formal", "sim+formal", "frontend"]),
  message: z.string(),
  signals: z.array(SignalVerdict),
  engines: z.object({ sim: SimReport, formal: FormalReport }),
  counterexample: Counterexample.optional(),
  /** The evidence behind a pass or fail decided by the engines (absent for front-end verdicts). */
  assurance: Assurance.optional(),
  /** Compiler or tool messages that explain a compile_error, interface_mismatch or infra_error. */
  diagnostics: z.array(z.string()),
  interface: DesignInterface.optional(),
  toolVersions: ToolVersions,
  /** Set when a VHDL design took part: the route that decided and how each translation was validated. */
  route: RouteReport.optional(),
  secondOpinion: SecondOpinionReport.optional(),
  timings: z.object({ totalMs: z.number(), frontendMs: z.number(), simMs: z.number(), formalMs: z.number() }),
  options: z.object({
    engine: EngineChoice,
    seed: z.number().int(),
    cycles: z.number().int(),
    vectors: z.number().int(),
    exhaustiveBits: z.number().int(),
    formalDepth: z.number().int(),
    formalTimeoutMs: z.number().int(),
    timeoutMs: z.number().int(),
  }),
});
export type VerifyResult = z.infer<typeof VerifyResult>;
