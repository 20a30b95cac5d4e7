import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { bandIds, DifficultyFilter } from "../bench/difficulty.js";
import type { Problem } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import { getReward, scoreVerdict } from "../reward/index.js";
import type { StoredSample } from "../runs/index.js";
import { Rng } from "../tasks/index.js";
import { sampleTasks } from "./evaluate.js";
import { HELDOUT_PASS_AT_1, heldoutPassAt1, minutesSince, openRecipeDir, withTrainRun } from "./recipe-run.js";
import { type ChatMessage, storedChat } from "./stored-chat.js";
import { eventParser, runTrainer } from "./trainer.js";

/** Ranking losses of the Python round trainer (adapters/python/rtlgym_train/itertl.py). */
export const ITERTL_LOSSES = ["itertl", "rrhf", "rtlcoder"] as const;

/**
 * What the cross-entropy term trains on: `reference`, the task's reference answer, ranked above every sample (the
 * paper); `verified`, the best-scored sample that passed verification, with the reference left out of the round;
 * `verified-all`, the mean over every distinct sample that passed (rejection sampling's data, with the ranking term);
 * `verified-each`, every sample that passed with a repeated answer counted each time (rejection sampling's weighting).
 */
export const ITERTL_TARGETS = ["reference", "verified", "verified-all", "verified-each"] as const;

/** A round's learning rate: cosine decay to 0 over the round (a fresh AdamW each round), or constant after warm-up. */
export const ITERTL_SCHEDULES = ["cosine", "constant"] as const;

const Sampling = z.strictObject({
  temperature: z.number().min(0).max(2).default(1),
  topP: z.number().gt(0).max(1).default(0.95),
  maxTokens: z.number().int().positive().default(384),
});

const Eval = z.strictObject({
  split: z.string().default("heldout-params"),
  n: z.number().int().positive().default(5),
  limit: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).default(0.2),
  /** Tokens per held-out answer; unset, the rounds' `sampling.maxTokens` (set it to keep the SFT model's evaluation). */
  maxTokens: z.number().int().positive().optional(),
  /** Held-out pass@1 after every round (else only before the first and after the last). */
  everyRound: z.boolean().default(false),
});

/** `rtlgym train itertl --config FILE`: the recipe's settings (YAML or JSON). */
export const ItertlConfig = z.strictObject({
  recipe: z.literal("itertl").default("itertl"),
  /** The model the first round samples from and trains (a Hugging Face directory: the testbed's SFT model). */
  model: z.string(),
  /** A `rtlgym tasks generate` folder: prompts and references from its train split, evaluation on a held-out one. */
  tasks: z.string(),
  /** The run folder: one model per round (`round-1/`...), the ranked data, the state that makes a rerun resume. */
  out: z.string(),
  seed: z.number().int().default(1),
  /** The paper runs 7 rounds. */
  rounds: z.number().int().min(1).max(7).default(3),
  /** Training prompts drawn per round (a fresh seeded draw each round). */
  prompts: z.number().int().positive().default(200),
  /** Draw prompts only from the problems the start model solves sometimes (a `rtlgym data difficulty` report). */
  difficulty: DifficultyFilter.optional(),
  /** Samples per prompt (the paper's K - 1: the reference is the K-th candidate). */
  samples: z.number().int().min(1).default(4),
  sampling: Sampling.default(Sampling.parse({})),
  /**
   * The score of a sample: reward name -> weight, summed. `itertl` is the paper's (compiles + Rouge-L to the
   * reference, -1 for several modules); `itertl-functional`, `codev-noformat` and `signal` are rtlgym's functional
   * ones. A sample whose check gave no verdict (infra_error, unsupported) leaves the ranking, never scored 0.
   */
  score: z.record(z.string(), z.number()).default({ "itertl-functional": 1 }),
  loss: z.enum(ITERTL_LOSSES).default("itertl"),
  train: z
    .strictObject({
      learningRate: z.number().positive().default(5e-4),
      epochs: z.number().positive().default(1),
      rankWeight: z.number().min(0).default(1),
      /** How a group's pairwise hinges combine: `sum` (the papers) or `mean` over its ordered pairs. */
      rankReduction: z.enum(["sum", "mean"]).default("sum"),
      /** Linear warm-up steps of each round's learning rate before its schedule (0: none, as the papers). */
      warmupSteps: z.number().int().min(0).default(0),
      /** After the warm-up: `cosine` to 0 at the round's last step, or `constant` (rejection sampling's online steps). */
      schedule: z.enum(ITERTL_SCHEDULES).default("cosine"),
      target: z.enum(ITERTL_TARGETS).default("reference"),
      /** Prompts' groups averaged into one optimiser step (gradient accumulation); 1, the default, is one a step. */
      groupsPerStep: z.number().int().positive().default(1),
      maxLength: z.number().int().positive().default(1024),
      timeBudgetS: z.number().positive().optional(),
    })
    .default({
      learningRate: 5e-4,
      epochs: 1,
      rankWeight: 1,
      rankReduction: "sum",
      warmupSteps: 0,
      schedule: "cosine",
      target: "reference",
      groupsPerStep: 1,
      maxLength: 1024,
    }),
  eval: Eval.default(Eval.parse({})),
  threads: z.number().int().positive().optional(),
});
export type ItertlConfig = z.infer<typeof ItertlConfig>;

/** What one round measured. */
export interface ItertlRound {
  round: number;
  model: string;
  prompts: number;
  samples: number;
  /** Samples left out of the ranking: no verdict (infra_error / unsupported) or never generated. */
  masked: number;
  meanScore: number;
  /** Samples that passed verification, over the scored ones (training prompts, the model before this round). */
  passRate: number;
  trainSeconds: number;
  finalLoss: number | null;
  heldout?: { passAt1: number; runId: string };
  seconds: number;
}

export interface ItertlSummary {
  recipe: "itertl";
  split: string;
  seed: number;
  score: Record<string, number>;
  loss: string;
  /** The CE term's answer: the reference (the paper), the best verified sample, or every verified one. */
  target: string;
  before: { "pass@1": number; runId: string };
  after: { "pass@1": number; runId: string };
  rounds: ItertlRound[];
  model: string;
  minutes: number;
  runId: string | undefined;
}

export type ItertlEvent =
  | { kind: "phase"; round: number; phase: "evaluate" | "sample" | "train"; detail: string }
  | { kind: "progress"; round: number; phase: "evaluate" | "sample"; done: number; total: number }
  | { kind: "round"; round: ItertlRound }
  | { kind: "log"; round: number; step: number; steps: number; loss: number };

export interface ItertlOptions {
  config: ItertlConfig;
  python?: string;
  /** Run store; default `$RTLGYM_HOME/rtlgym.db`. */
  db?: string;
  onEvent?: (event: ItertlEvent) => void;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}

/** A ranked row the round trainer reads (the Python side validates it again). */
export interface RankedRow {
  id: string;
  /** The chat messages the samples were drawn with; the trainer renders them with the model's chat template. */
  prompt: ChatMessage[];
  reference: string;
  responses: string[];
  scores: number[];
  /** Per response: did it pass verification (the `verified` target trains on the best of these). */
  passed: boolean[];
}

const RoundDone = z.looseObject({ event: z.literal("done"), steps: z.number(), seconds: z.number() });
const RoundEvent = z.discriminatedUnion("event", [
  z.looseObject({ event: z.literal("start") }),
  z.looseObject({ event: z.literal("log"), step: z.number(), max_steps: z.number(), loss: z.number() }),
  RoundDone,
  z.looseObject({ event: z.literal("error"), kind: z.string(), message: z.string() }),
]);
const parseRoundEvent = eventParser(RoundEvent);

/** The weighted score of one verified sample; null when any reward has no verdict for it (masked out). */
export function sampleScore(
  weights: Record<string, number>,
  sample: StoredSample,
  problem: Problem,
): { score: number | null; pass: boolean } {
  const result = sample.score?.result;
  if (result === undefined || sample.raw === null) return { score: null, pass: false };
  let total = 0;
  for (const [name, weight] of Object.entries(weights)) {
    const fn = getReward(name);
    const input = { result, response: sample.raw, code: sample.code ?? "", reference: problem.reference };
    const { reward } = scoreVerdict(fn, input, { noVerdictReward: null });
    if (reward === null) return { score: null, pass: false };
    total += weight * reward;
  }
  return { score: total, pass: result.status === "pass" };
}

/** The training answers of a tasks folder (its train split's SFT rows), by problem id. */
function referenceAnswers(tasksDir: string): Map<string, string> {
  const file = join(tasksDir, "train", "sft.jsonl");
  if (!existsSync(file)) throw new BadInputError(`no train/sft.jsonl in ${tasksDir}: run \`rtlgym tasks generate\``);
  const out = new Map<string, string>();
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { id: string; messages: { role: string; content: string }[] };
    const last = row.messages.at(-1);
    if (last?.role === "assistant") out.set(row.id, last.content);
  }
  return out;
}

/** Builds the round's ranked rows from the verified samples: one row per prompt with at least one scored sample. */
export function rankedRows(
  samples: readonly StoredSample[],
  problems: readonly Problem[],
  answers: ReadonlyMap<string, string>,
  weights: Record<string, number>,
): { rows: RankedRow[]; masked: number; scored: number; passed: number; total: number } {
  const byId = new Map(problems.map((p) => [p.id, p]));
  const groups = new Map<string, StoredSample[]>();
  for (const s of samples) groups.set(s.problem, [...(groups.get(s.problem) ?? []), s]);
  const rows: RankedRow[] = [];
  let masked = 0;
  let scored = 0;
  let passed = 0;
  let total = 0;
  for (const [id, group] of groups) {
    const problem = byId.get(id);
    const reference = answers.get(id);
    if (problem === undefined || reference === undefined) continue;
    const sorted = group.sort((a, b) => a.sample - b.sample);
    const chat = storedChat(sorted[0]?.prompt);
    if (chat === undefined) {
      throw new BadInputError(
        `sample ${id}#${sorted[0]?.sample} of run ${sorted[0]?.runId} has no chat prompt: ITERTL trains on the prompt the samples were drawn with`,
      );
    }
    const responses: string[] = [];
    const scores: number[] = [];
    const verified: boolean[] = [];
    for (const s of sorted) {
      const { score, pass } = sampleScore(weights, s, problem);
      if (score === null || s.raw === null) {
        masked++;
        continue;
      }
      responses.push(`${chat.prefill}${s.raw}`);
      scores.push(score);
      verified.push(pass);
      scored++;
      total += score;
      if (pass) passed++;
    }
    if (responses.length > 0) rows.push({ id, prompt: chat.messages, reference, responses, scores, passed: verified });
  }
  return { rows, masked, scored, passed, total };
}

interface State {
  before?: { "pass@1": number; runId: string };
  rounds: ItertlRound[];
}

/**
 * ITERTL: rounds of sample -> verify and score -> rank-train -> resample from the new model. Each round's model is
 * a Hugging Face directory under `out/round-N`; a finished round is recorded in `out/itertl-state.json`, so rerunning
 * the same command after a kill resumes at the first unfinished round (a round that was cut short starts over).
 */
export async function trainItertl(options: ItertlOptions): Promise<ItertlSummary> {
  const c = options.config;
  const started = Date.now();
  for (const name of Object.keys(c.score)) getReward(name);
  if (Object.keys(c.score).length === 0) throw new BadInputError("score: name at least one reward");
  const tasksDir = resolve(c.tasks);
  const out = resolve(c.out);
  const startModel = resolve(c.model);
  if (!existsSync(join(startModel, "config.json"))) {
    throw new BadInputError(`model ${startModel} is not a Hugging Face model directory (no config.json)`);
  }
  const answers = referenceAnswers(tasksDir);
  const band = c.difficulty !== undefined ? bandIds(resolve(c.difficulty.report), c.difficulty.band) : undefined;
  // Raising `rounds` continues a finished run: its last round's evaluation stays in that round's record.
  const { state, save } = openRecipeDir<State>(
    out,
    "itertl",
    "an ITERTL",
    { ...c, out },
    { rounds: [] },
    { rounds: 1 },
  );
  const run = { kind: "itertl", data: tasksDir, out, preset: c.loss, seed: c.seed, base: startModel, lora: false };
  return withTrainRun(options, run, async (store, runId) => {
    const common = {
      tasksDir,
      ...(options.python !== undefined && { python: options.python }),
      ...(c.threads !== undefined && { threads: c.threads }),
      ...(options.db !== undefined && { store: options.db }),
      ...(options.signal && { signal: options.signal }),
      ...(options.onStderr && { onStderr: options.onStderr }),
    };
    const evaluate = async (model: string, round: number) => {
      options.onEvent?.({ kind: "phase", round, phase: "evaluate", detail: `${c.eval.split}: ${model}` });
      const r = await heldoutPassAt1(
        {
          ...common,
          onProgress: (done, total) => options.onEvent?.({ kind: "progress", round, phase: "evaluate", done, total }),
        },
        model,
        c.eval,
        c.seed,
        c.eval.maxTokens ?? c.sampling.maxTokens,
      );
      store.addValues(runId, round, { [HELDOUT_PASS_AT_1]: r["pass@1"] });
      return r;
    };

    if (state.before === undefined) {
      state.before = await evaluate(startModel, 0);
      save();
    }
    let current = state.rounds.at(-1)?.model ?? startModel;
    const eligible = band === undefined ? answers.size : [...band].filter((id) => answers.has(id)).length;
    const drawn = Math.min(c.prompts, eligible);
    for (let round = state.rounds.length + 1; round <= c.rounds; round++) {
      const t0 = Date.now();
      const rng = new Rng(c.seed * 1000 + round);
      options.onEvent?.({ kind: "phase", round, phase: "sample", detail: `${drawn} prompts x ${c.samples}` });
      const sampled = await sampleTasks({
        ...common,
        model: current,
        split: "train",
        problems: (all) =>
          rng
            .shuffle(all.filter((p) => answers.has(p.id) && (band === undefined || band.has(p.id))))
            .slice(0, c.prompts),
        n: c.samples,
        seed: c.seed * 1000 + round,
        temperature: c.sampling.temperature,
        topP: c.sampling.topP,
        maxTokens: c.sampling.maxTokens,
        onProgress: (done, total) => options.onEvent?.({ kind: "progress", round, phase: "sample", done, total }),
      });
      const ranked = rankedRows(sampled.samples, sampled.problems, answers, c.score);
      if (ranked.rows.length === 0) throw new BadInputError(`round ${round}: no sample could be scored`);
      const roundDir = join(out, `round-${round}`);
      const data = join(out, `round-${round}.ranked.jsonl`);
      writeFileSync(data, `${ranked.rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
      options.onEvent?.({ kind: "phase", round, phase: "train", detail: `${ranked.rows.length} ranked prompts` });
      let finalLoss: number | null = null;
      const done = await runTrainer({
        args: [
          "itertl",
          ...["--data", data, "--base", current, "--out", roundDir, "--loss", c.loss],
          ...["--epochs", String(c.train.epochs), "--learning-rate", String(c.train.learningRate)],
          ...["--rank-weight", String(c.train.rankWeight), "--rank-reduction", c.train.rankReduction],
          ...["--warmup-steps", String(c.train.warmupSteps), "--max-length", String(c.train.maxLength)],
          ...["--target", c.train.target, "--groups-per-step", String(c.train.groupsPerStep)],
          ...["--schedule", c.train.schedule],
          ...["--seed", String(c.seed * 1000 + round)],
          ...(c.threads !== undefined ? ["--threads", String(c.threads)] : []),
          ...(c.train.timeBudgetS !== undefined ? ["--time-budget-s", String(c.train.timeBudgetS)] : []),
        ],
        parse: parseRoundEvent,
        ...(options.python !== undefined && { python: options.python }),
        timeoutMs: 4 * 3600_000,
        ...(options.signal && { signal: options.signal }),
        ...(options.onStderr && { onStderr: options.onStderr }),
        resumeHint: `rerun the same command to resume at round ${round}`,
        onEvent: (e) => {
          if (e.event === "log") {
            finalLoss = e.loss;
            options.onEvent?.({ kind: "log", round, step: e.step, steps: e.max_steps, loss: e.loss });
          }
        },
      });
      const record: ItertlRound = {
        round,
        model: roundDir,
        prompts: ranked.rows.length,
        samples: ranked.scored,
        masked: ranked.masked,
        meanScore: ranked.scored > 0 ? ranked.total / ranked.scored : 0,
        passRate: ranked.scored > 0 ? ranked.passed / ranked.scored : 0,
        trainSeconds: done.seconds,
        finalLoss,
        seconds: 0,
      };
      if (c.eval.everyRound && round < c.rounds) record.heldout = await evaluatePassAt1(evaluate, roundDir, round);
      record.seconds = (Date.now() - t0) / 1000;
      store.addValues(runId, round, {
        "train.mean_score": record.meanScore,
        "train.pass_rate": record.passRate,
        "train.masked": record.masked,
        "train.final_loss": record.finalLoss,
        "round.seconds": record.seconds,
      });
      state.rounds.push(record);
      save();
      options.onEvent?.({ kind: "round", round: record });
      current = roundDir;
    }
    const last = state.rounds.at(-1);
    let after = last?.heldout;
    if (last !== undefined && after === undefined) {
      after = await evaluatePassAt1(evaluate, last.model, last.round);
      last.heldout = after;
      save();
    }
    const summary: ItertlSummary = {
      recipe: "itertl",
      split: c.eval.split,
      seed: c.seed,
      score: c.score,
      loss: c.loss,
      target: c.train.target,
      before: state.before,
      after: { "pass@1": after?.passAt1 ?? state.before["pass@1"], runId: after?.runId ?? state.before.runId },
      rounds: state.rounds,
      model: current,
      minutes: minutesSince(started),
      runId,
    };
    return summary;
  });
}

async function evaluatePassAt1(
  evaluate: (model: string, round: number) => Promise<{ "pass@1": number; runId: string }>,
  model: string,
  round: number,
): Promise<{ passAt1: number; runId: string }> {
  const r = await evaluate(model, round);
  return { passAt1: r["pass@1"], runId: r.runId };
}
