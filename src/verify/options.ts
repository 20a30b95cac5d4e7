import { z } from "zod";
import { EngineChoice, type VerifyResult } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";

/** Options every check accepts; all optional, resolved against DEFAULT_VERIFY_OPTIONS. */
export const VerifyOptionsSchema = z.object({
  refTop: z.string().min(1).optional(),
  candTop: z.string().min(1).optional(),
  engine: EngineChoice.optional(),
  seed: z.number().int().nonnegative().optional(),
  /** Random clock cycles for sequential designs (split across reset variants). */
  cycles: z.number().int().positive().max(10_000_000).optional(),
  /** Random vectors for combinational designs that are too wide to enumerate. */
  vectors: z.number().int().positive().max(10_000_000).optional(),
  /** Combinational designs with at most this many input bits are simulated exhaustively. */
  exhaustiveBits: z.number().int().min(0).max(24).optional(),
  /** Bound of the sequential formal check, in clock cycles from reset. */
  formalDepth: z.number().int().min(2).max(200).optional(),
  /** Time formal may take within the check; past it the verdict rests on simulation (formal: timeout). */
  formalTimeoutMs: z.number().int().positive().max(3_600_000).optional(),
  /** Wall-clock limit of one check (each candidate of a group gets its own). */
  timeoutMs: z.number().int().positive().max(3_600_000).optional(),
  /** Address-space cap of each simulator and compiler process. */
  memoryLimitMb: z.number().int().min(64).max(65_536).optional(),
  /**
   * Input constraint (a spec's don't-care): a Verilog expression over the reference's inputs that legal inputs
   * satisfy. Simulation drives and compares only inputs that satisfy it; formal assumes it (see assume.ts).
   */
  assume: z.string().trim().min(1).max(4000).optional(),
});
export type VerifyOptions = z.infer<typeof VerifyOptionsSchema>;
type Tunables = Omit<VerifyOptions, "refTop" | "candTop" | "assume">;
export type ResolvedVerifyOptions = { [K in keyof Tunables]-?: NonNullable<Tunables[K]> } & {
  refTop?: string;
  candTop?: string;
  assume?: string;
};

export const DEFAULT_VERIFY_OPTIONS = {
  engine: "both",
  seed: 1,
  cycles: 2000,
  vectors: 1000,
  exhaustiveBits: 12,
  formalDepth: 20,
  formalTimeoutMs: 3_000,
  timeoutMs: 10_000,
  memoryLimitMb: 1024,
} as const satisfies ResolvedVerifyOptions;

/** Fills in the defaults; throws BadInputError naming the first invalid option. */
export function resolveOptions(options: VerifyOptions = {}): ResolvedVerifyOptions {
  const result = VerifyOptionsSchema.safeParse(options);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new BadInputError(`invalid option ${issue?.path.join(".") ?? ""}: ${issue?.message ?? result.error.message}`);
  }
  const parsed = result.data;
  const defined = Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined));
  return { ...DEFAULT_VERIFY_OPTIONS, ...defined } as ResolvedVerifyOptions;
}

/** The options a VerifyResult records: the budgets that decide what a verdict means (not the tops or memory cap). */
export function reportedOptions(o: ResolvedVerifyOptions): VerifyResult["options"] {
  return {
    engine: o.engine,
    seed: o.seed,
    cycles: o.cycles,
    vectors: o.vectors,
    exhaustiveBits: o.exhaustiveBits,
    formalDepth: o.formalDepth,
    formalTimeoutMs: o.formalTimeoutMs,
    timeoutMs: o.timeoutMs,
  };
}
