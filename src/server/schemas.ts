import { z } from "zod";
import { VerifyOptionsSchema } from "../verify/index.js";

/** Longest text field (a reference, candidate or model response), in characters. */
export const MAX_TEXT_CHARS = 1_000_000;

const text = z.string().max(MAX_TEXT_CHARS, `at most ${MAX_TEXT_CHARS} characters`);
const name = z.string().min(1).max(256);

/**
 * The verification options a client may set per request: the check's own schema (one definition), less the memory
 * cap, with tighter bounds on the work one request may ask for; the server caps timeouts at its own limit.
 */
export const ClientOptions = VerifyOptionsSchema.pick({
  engine: true,
  seed: true,
  formalDepth: true,
  formalTimeoutMs: true,
  timeoutMs: true,
  assume: true,
}).extend({
  cycles: z.number().int().positive().max(200_000).optional(),
  vectors: z.number().int().positive().max(200_000).optional(),
  exhaustiveBits: z.number().int().min(0).max(20).optional(),
  /** VHDL vs VHDL: auto (validated GHDL translations through the Verilog engines) or native (GHDL simulation only). */
  vhdlRoute: z.enum(["auto", "native"]).optional(),
});
export type ClientOptions = z.infer<typeof ClientOptions>;

/** An HDL: the language of an answer or a reference. */
const language = z.enum(["verilog", "vhdl"]);

const exactlyOne = (v: { reference?: string | undefined; problem?: string | undefined }) =>
  (v.reference === undefined) !== (v.problem === undefined);
const EXACTLY_ONE = { message: 'give exactly one of "reference" and "problem"', path: ["reference"] };

/** POST /v1/verify */
export const VerifyBody = z
  .object({
    reference: text.min(1).optional(),
    problem: name.optional(),
    candidate: text,
    refTop: name.optional(),
    candTop: name.optional(),
    /** The candidate's language (else detected from its text). */
    language: language.optional(),
    /** The inline reference's language (else detected from its text); a problem's is the problem's. */
    referenceLanguage: language.optional(),
    options: ClientOptions.optional(),
  })
  .refine(exactlyOne, EXACTLY_ONE);
export type VerifyBody = z.infer<typeof VerifyBody>;

export const RewardItem = z
  .object({
    id: z.string().max(1024).optional(),
    problem: name.optional(),
    reference: text.min(1).optional(),
    refTop: name.optional(),
    response: text,
    reward: name.optional(),
    /** The answer's language: else the problem's, else the inline reference's (detected from its text). */
    language: language.optional(),
    /** The inline reference's language (else detected from its text). */
    referenceLanguage: language.optional(),
  })
  .refine(exactlyOne, EXACTLY_ONE);
export type RewardItem = z.infer<typeof RewardItem>;

/** POST /v1/rewards; `maxItems` comes from the server's settings. */
export const rewardsBody = (maxItems: number) =>
  z.object({
    items: z.array(RewardItem).min(1).max(maxItems, `at most ${maxItems} items per request`),
    reward: name.optional(),
    options: ClientOptions.optional(),
  });
export type RewardsBody = z.infer<ReturnType<typeof rewardsBody>>;

/** One string or a list of them (OpenRLHF sends lists; a single sample may come unwrapped). */
const listOf = (maxItems: number) =>
  z
    .union([text, z.array(text).max(maxItems, `at most ${maxItems} samples per request`)])
    .transform((v) => (typeof v === "string" ? [v] : v));

/** POST /get_reward (OpenRLHF remote reward model protocol). */
export const getRewardBody = (maxItems: number) =>
  z
    .object({ query: listOf(maxItems), prompts: listOf(maxItems), labels: listOf(maxItems) })
    .refine((v) => v.query.length === v.prompts.length && v.query.length === v.labels.length, {
      message: "query, prompts and labels must have the same length",
      path: ["labels"],
    });

/** An inline ground truth given as an OpenRLHF label (a JSON string). */
export const InlineLabel = z.object({
  reference: text.min(1),
  refTop: name.optional(),
  candTop: name.optional(),
  /** The answer's language: else the reference's (given, or detected from its text). */
  language: language.optional(),
  referenceLanguage: language.optional(),
});
