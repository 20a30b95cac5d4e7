import { z } from "zod";

/** The interface and structure Yosys read from a unit. */
export const UnitSynth = z.object({
  ok: z.boolean(),
  error: z.string().optional(),
  clock: z.string().nullable().optional(),
  clocked: z.boolean().optional(),
  resetStyle: z.enum(["none", "sync", "async", "mixed"]).optional(),
  resets: z.array(z.object({ name: z.string(), activeHigh: z.boolean(), kind: z.enum(["sync", "async"]) })).optional(),
  latches: z.boolean().optional(),
  cells: z.number().optional(),
  stateBits: z.number().optional(),
  inputBits: z.number().optional(),
  outputBits: z.number().optional(),
  ports: z
    .array(z.object({ name: z.string(), direction: z.string(), width: z.number(), signed: z.boolean() }))
    .optional(),
  unsupported: z.string().nullable().optional(),
});
export type UnitSynth = z.infer<typeof UnitSynth>;

/** One unit of the dataset (records.jsonl and duplicates.jsonl). */
export const DataRecord = z.object({
  id: z.string(),
  source: z.string(),
  repository: z.string().nullable(),
  commit: z.string().nullable(),
  licence: z.string().nullable(),
  path: z.string(),
  files: z.array(z.string()),
  top: z.string(),
  modules: z.array(z.string()),
  kind: z.enum(["design", "testbench"]),
  /** The unit's language; Verilog when absent. VHDL units: `modules` are entities, synthesis is GHDL's then Yosys'. */
  language: z.enum(["verilog", "vhdl"]).optional(),
  missing: z.array(z.string()),
  unresolvedIncludes: z.array(z.string()),
  undefinedMacros: z.array(z.string()),
  importedMacros: z.array(z.string()),
  encoding: z.array(z.string()),
  stats: z.object({ lines: z.number(), bytes: z.number(), tokens: z.number(), modules: z.number(), ports: z.number() }),
  synth: UnitSynth.nullable(),
  /** Whether the unit is a synthesizable design (what exports use). */
  synthesizable: z.boolean(),
  hash: z.string(),
  code: z.string(),
  /** A natural-language specification, when one was written (round-trip synthesis). */
  spec: z.string().optional(),
  /** Round-trip synthesis (`rtlgym data synthesize`): regenerations from the spec, how many were equivalent. */
  roundtrip: z
    .object({
      n: z.number().int().positive(),
      passes: z.number().int().nonnegative(),
      /** passes / n: the difficulty label (low = hard). */
      passRate: z.number().min(0).max(1),
      model: z.string(),
      templates: z.object({ spec: z.string(), code: z.string() }),
      runId: z.string(),
    })
    .optional(),
  duplicateOf: z.string().optional(),
  duplicateKind: z.enum(["exact", "near"]).optional(),
  similarity: z.number().optional(),
});
export type DataRecord = z.infer<typeof DataRecord>;

export const Reject = z.object({ path: z.string(), source: z.string(), stage: z.string(), reason: z.string() });
export type Reject = z.infer<typeof Reject>;

export const DATASET_VERSION = 1;

export const Manifest = z.object({
  kind: z.literal("rtlgym-dataset"),
  version: z.number(),
  created: z.string(),
  inputs: z.array(z.string()),
  sources: z.array(
    z.object({
      name: z.string(),
      root: z.string(),
      repository: z.string().nullable(),
      commit: z.string().nullable(),
      commitFrom: z.string().nullable(),
      licence: z.string().nullable(),
      licenceFrom: z.string().nullable(),
      files: z.number(),
      units: z.number(),
      rejected: z.number(),
      duplicates: z.number(),
    }),
  ),
  counts: z.record(z.string(), z.number()),
  options: z.record(z.string(), z.unknown()),
  toolVersions: z.record(z.string(), z.string()),
  durationMs: z.number(),
  decontamination: z.unknown().optional(),
});
export type Manifest = z.infer<typeof Manifest>;
