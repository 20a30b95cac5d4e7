import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { runBench } from "../bench/run.js";
import { selectProblems } from "../bench/select.js";
import { loadSuite } from "../bench/suites/registry.js";
import { EngineChoice } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import { createClient, type LlmClient } from "../llm/index.js";
import { openStore } from "../runs/index.js";
import {
  buildStepData,
  CHAT_TEMPLATES,
  createPrmClient,
  labelSteps,
  loadCorpus,
  openSearchStore,
  Retriever,
  runSearch,
  STRATEGIES,
  type StepDataSummary,
  type StepLabelSummary,
  type Strategy,
  type StrategyResult,
  type ValueSignal,
} from "../search/index.js";
import {
  findPython,
  minutesSince,
  PRM_LABELS,
  type PrmTrainSummary,
  readConfigFile,
  type ServedModel,
  type ServedPrm,
  serveModel,
  servePrm,
  trainPrm,
} from "../train/index.js";
import { toolVersions } from "../verify/index.js";
import { throttled } from "./throttle.js";

/*
 * `rtlgym search --config recipes/stepprm/testbed.yaml`: the StepPRM proof (issue 14 section 4) from an SFT model.
 * Stages, each kept in the out folder and reused by a rerun with the same settings: step trajectories of the train
 * split (`data steps`), Math-Shepherd labels with rollouts from the served SFT model (`data step-labels`), optionally
 * the same for the model's own answers to train problems (`answers`), the PRM (`train prm`), then every search
 * variant (`sample`, `best-of-n+prm`, `best-of-n+signals`, `mcts+prm`, ...) at the same budget on the held-out split,
 * with and without retrieval, against the served SFT model and the served PRM.
 */

/** A variant: a strategy, with its value from the PRM (`+prm`) or the per-signal prefix score (`+signals`). */
const VARIANT = new RegExp(`^(${STRATEGIES.join("|")})(\\+(prm|signals))?$`);

export interface ProofVariant {
  name: string;
  strategy: Strategy;
  value: ValueSignal;
  prm: boolean;
}

export function parseVariant(name: string): ProofVariant {
  const m = VARIANT.exec(name);
  if (!m) throw new BadInputError(`unknown search variant ${name}: <${STRATEGIES.join("|")}>[+prm|+signals]`);
  return { name, strategy: m[1] as Strategy, value: m[3] === "signals" ? "signals" : "inference", prm: m[3] === "prm" };
}

const Variant = z.string().regex(VARIANT, `<${STRATEGIES.join("|")}>[+prm|+signals]`);

export const StepPrmProofConfig = z.strictObject({
  recipe: z.literal("stepprm").default("stepprm"),
  /** The SFT model directory: served for the rollouts and the searches, and the PRM's base by default. */
  model: z.string(),
  /** A `rtlgym tasks generate` folder: its train split gives the trajectories and the retrieval corpus. */
  tasks: z.string(),
  out: z.string(),
  seed: z.number().int().default(1),
  /** An already served model (OpenAI-compatible base URL) instead of serving `model`; `modelName` as it serves it. */
  endpoint: z.string().optional(),
  modelName: z.string().optional(),
  /** torch CPU threads of the model and PRM servers and of PRM training. */
  threads: z.number().int().positive().optional(),
  /** How long the model and PRM servers may take to load (a busy machine needs minutes). */
  serveTimeoutS: z.number().positive().default(900),
  promptStyle: z.enum(["rtlgym", "upstream"]).default("rtlgym"),
  chatTemplate: z.enum(CHAT_TEMPLATES).default("chatml"),
  engine: EngineChoice.default("sim"),
  steps: z
    .strictObject({
      /** Reuse a `rtlgym data steps` folder instead of building one. */
      from: z.string().optional(),
      limit: z.number().int().positive().optional(),
      slices: z.boolean().default(true),
      concurrency: z.number().int().positive().default(2),
    })
    .default({ slices: true, concurrency: 2 }),
  labels: z
    .strictObject({
      /** Reuse a `rtlgym data step-labels` folder instead of labelling. */
      from: z.string().optional(),
      trajectories: z.number().int().positive().default(200),
      minSteps: z.number().int().positive().default(2),
      rollouts: z.number().int().positive().default(4),
      temperature: z.number().min(0).max(2).default(0.8),
      topP: z.number().gt(0).max(1).optional(),
      maxTokens: z.number().int().positive().default(300),
      concurrency: z.number().int().positive().default(2),
    })
    .default({ trajectories: 200, minSteps: 2, rollouts: 4, temperature: 0.8, maxTokens: 300, concurrency: 2 }),
  /**
   * The model's own answers as PRM trajectories too, Math-Shepherd's way (docs/stepprm.md): the first `problems`
   * train problems sampled `samples` times from the served model (a bench run in the run store), the answers that
   * elaborate cut into steps (`data steps --samples-from`, `perProblem` a problem, failing first), the first
   * `trajectories` of them with at least `labels.minSteps` steps labelled like the references (their last step by
   * their own verdict), and the PRM trained on both label sets. Absent: the references alone.
   */
  answers: z
    .strictObject({
      /** Reuse a `rtlgym data step-labels` folder of answers instead of sampling and labelling. */
      from: z.string().optional(),
      problems: z.number().int().positive().default(300),
      samples: z.number().int().positive().default(4),
      temperature: z.number().min(0).max(2).default(0.8),
      maxTokens: z.number().int().positive().default(384),
      perProblem: z.number().int().positive().default(2),
      trajectories: z.number().int().positive().default(200),
    })
    .optional(),
  prm: z
    .strictObject({
      /** Reuse a PRM directory written by `rtlgym train prm` instead of training one. */
      from: z.string().optional(),
      /** Base model of the PRM (default: `model`). */
      base: z.string().optional(),
      label: z.enum(PRM_LABELS).default("hard"),
      epochs: z.number().positive().default(2),
      learningRate: z.number().positive().default(3e-4),
      maxLength: z.number().int().positive().default(1024),
      evalFraction: z.number().min(0).max(0.5).default(0.1),
      maxSteps: z.number().int().positive().optional(),
      timeBudgetS: z.number().positive().optional(),
    })
    .default({ label: "hard", epochs: 2, learningRate: 3e-4, maxLength: 1024, evalFraction: 0.1 }),
  search: z
    .strictObject({
      split: z.string().default("heldout-params"),
      limit: z.number().int().positive().optional(),
      variants: z.array(Variant).min(1).default(["sample", "best-of-n+prm", "best-of-n+signals", "mcts+prm"]),
      /** Retrieved examples per prompt, one pass per entry (0: none); the corpus is the tasks' train split. */
      retrieve: z.array(z.number().int().min(0)).min(1).default([0, 2]),
      budgetCalls: z.number().int().positive().default(8),
      budgetTokens: z.number().int().positive().optional(),
      temperature: z.number().min(0).max(2).default(0.8),
      topP: z.number().gt(0).max(1).optional(),
      width: z.number().int().positive().default(3),
      beam: z.number().int().positive().default(2),
      c: z.number().min(0).default(1),
      /** MCTS expansion: `step` (next steps, scored by the value) or `rollout` (whole continuations). */
      expansion: z.enum(["step", "rollout"]).default("step"),
      step: z.enum(["line", "tokens"]).default("line"),
      stepTokens: z.number().int().positive().default(32),
      maxTokens: z.number().int().positive().default(384),
      maxDepth: z.number().int().positive().default(64),
      trimWhitespace: z.boolean().default(true),
      terminalReward: z.enum(["inference", "oracle"]).default("inference"),
      consistency: z.boolean().default(true),
      /** How the answer is chosen (`rank` when absent; absent keeps earlier runs' stage keys). */
      select: z.enum(["rank", "vote"]).optional(),
      concurrency: z.number().int().positive().default(2),
    })
    .refine((s) => s.select !== "vote" || s.consistency, {
      message: "select: vote clusters designs by behaviour, so it needs consistency: true",
    })
    .default({
      split: "heldout-params",
      variants: ["sample", "best-of-n+prm", "best-of-n+signals", "mcts+prm"],
      retrieve: [0, 2],
      budgetCalls: 8,
      temperature: 0.8,
      width: 3,
      beam: 2,
      c: 1,
      expansion: "step",
      step: "line",
      stepTokens: 32,
      maxTokens: 384,
      maxDepth: 64,
      trimWhitespace: true,
      terminalReward: "inference",
      consistency: true,
      concurrency: 2,
    }),
});
export type StepPrmProofConfig = z.infer<typeof StepPrmProofConfig>;

/** One variant at one retrieval setting: the search's figures plus the variant's name and its search run. */
export interface ProofResult extends StrategyResult {
  variant: string;
  runId: string;
}

export interface ProofSummary {
  recipe: "stepprm";
  seed: number;
  model: string;
  out: string;
  split: string;
  problems: number;
  steps: StepDataSummary | { from: string };
  labels: StepLabelSummary | { from: string };
  /** The model's own answers (config `answers`): the bench run sampled, their steps and labels. */
  answers?: AnswerStages | { from: string };
  prm: PrmTrainSummary | { from: string } | null;
  results: ProofResult[];
  /** Per retrieval setting: MCTS with the PRM minus plain sampling, in points of pass@1 (target: at least 5). */
  target: Array<{ retrieval: number; mctsPrm: number; sample: number; points: number; met: boolean }>;
  /** Stages taken from an earlier run of the same settings in the out folder. */
  reused: string[];
  minutes: number;
}

/** The `answers` stages: the run of the model's answers to train problems, their steps, and their labels. */
export interface AnswerStages {
  run: string;
  samples: number;
  passRate: number;
  steps: StepDataSummary;
  labels: StepLabelSummary;
}

/** What the out folder remembers: each finished stage's settings and result. */
type Stages = Record<string, { key: string; result: unknown }>;

export interface ProofOptions {
  config: StepPrmProofConfig;
  db?: string;
  onLog?: (message: string) => void;
  onStderr?: (chunk: string) => void;
}

/** Runs the proof (see the file comment); stages already in the out folder with the same settings are reused. */
export async function runProof(options: ProofOptions): Promise<ProofSummary> {
  const started = Date.now();
  const c = options.config;
  const log = options.onLog ?? (() => {});
  const out = resolve(c.out);
  const tasks = resolve(c.tasks);
  await mkdir(out, { recursive: true });
  const stateFile = join(out, "stepprm-stages.json");
  const stages: Stages = existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, "utf8")) as Stages) : {};
  const reused: string[] = [];
  const verify = { engine: c.engine, seed: c.seed } as const;
  /** A long stage's progress, every 15 s and at the end: `labels: 120/383`. */
  const progressOf = (name: string) =>
    throttled(
      15_000,
      (done: number, total: number) => log(`${name}: ${done}/${total}`),
      (done, total) => done === total,
    );

  /** A stage's result: reused when the out folder holds it with the same settings; refused when with others. */
  async function stage<T>(name: string, settings: unknown, run: () => Promise<T>): Promise<{ key: string; result: T }> {
    const key = JSON.stringify(settings);
    const done = stages[name];
    if (done && done.key === key) {
      reused.push(name);
      log(`${name}: reused from ${out}`);
      return { key, result: done.result as T };
    }
    if (done) {
      throw new BadInputError(`${out} holds stage ${name} run with other settings; use another out folder`, { out });
    }
    log(`${name}: running`);
    const t = Date.now();
    const result = await run();
    stages[name] = { key, result };
    writeFileSync(stateFile, `${JSON.stringify(stages, null, 2)}\n`);
    log(`${name}: done in ${Math.round((Date.now() - t) / 1000)} s`);
    return { key, result };
  }

  let model: ServedModel | undefined;
  let prmServer: ServedPrm | undefined;
  let client: LlmClient | undefined;
  const modelClient = async (): Promise<{ client: LlmClient; name: string; endpoint: string }> => {
    if (c.endpoint !== undefined) {
      const name = c.modelName ?? "model";
      client ??= createClient({ baseUrl: c.endpoint, model: name, api: "completions", retries: 2 });
      return { client, name, endpoint: c.endpoint };
    }
    if (!model) {
      log(`serving ${c.model}`);
      model = await serveModel({
        model: c.model,
        port: 0,
        name: "sft",
        startTimeoutMs: c.serveTimeoutS * 1000,
        ...(c.threads !== undefined && { threads: c.threads }),
        ...(options.onStderr && { onStderr: options.onStderr }),
      });
      client = createClient({ baseUrl: `${model.url}/v1`, model: model.model, api: "completions", retries: 2 });
    }
    return { client: client as LlmClient, name: model.model, endpoint: `${model.url}/v1` };
  };

  try {
    // 1. Step trajectories of the train split.
    const stepsDir = c.steps.from !== undefined ? resolve(c.steps.from) : join(out, "steps");
    const steps =
      c.steps.from !== undefined
        ? { key: JSON.stringify({ from: stepsDir }), result: { from: stepsDir } }
        : await stage("steps", { tasks, steps: c.steps, engine: c.engine, seed: c.seed }, () =>
            buildStepData({
              input: tasks,
              split: "train",
              out: stepsDir,
              ...(c.steps.limit !== undefined && { limit: c.steps.limit }),
              ...(c.steps.slices && { python: findPython() }),
              verify,
              concurrency: c.steps.concurrency,
              onProgress: progressOf("steps"),
            }),
          );

    /** Math-Shepherd labels of the first `limit` trajectories of a steps folder, rollouts from the served model. */
    const labelWith = async (stepsPath: string, labelsOut: string, limit: number, progress: string) => {
      const { client: cl, name } = await modelClient();
      return labelSteps({
        steps: stepsPath,
        out: labelsOut,
        client: cl,
        model: name,
        rollouts: c.labels.rollouts,
        promptStyle: c.promptStyle,
        chatTemplate: c.chatTemplate,
        temperature: c.labels.temperature,
        ...(c.labels.topP !== undefined && { topP: c.labels.topP }),
        maxTokens: c.labels.maxTokens,
        seed: c.seed,
        minSteps: c.labels.minSteps,
        limit,
        verify,
        concurrency: c.labels.concurrency,
        onProgress: progressOf(progress),
      });
    };

    // 2. Math-Shepherd labels with rollouts from the SFT model.
    const labelsDir = c.labels.from !== undefined ? resolve(c.labels.from) : join(out, "labels");
    const modelId = c.endpoint ?? resolve(c.model);
    const labels =
      c.labels.from !== undefined
        ? { key: JSON.stringify({ from: labelsDir }), result: { from: labelsDir } }
        : await stage(
            "labels",
            { steps: steps.key, model: modelId, labels: c.labels, style: c.promptStyle, template: c.chatTemplate },
            () => labelWith(stepsDir, labelsDir, c.labels.trajectories, "labels (trajectories)"),
          );

    /** The first `problems` train problems sampled `samples` times from the served model, as `bench run` does. */
    async function sampleAnswers(name: string, endpoint: string, o: NonNullable<StepPrmProofConfig["answers"]>) {
      const train = await loadSuite("tasks", join(tasks, "train"));
      const chosen = selectProblems(train.problems, { limit: o.problems });
      const total = chosen.filter((p) => p.excluded === undefined).length * o.samples;
      const tick = progressOf("answers (samples)");
      let scored = 0;
      const store = openStore(options.db);
      try {
        const bench = await runBench({
          suite: train,
          problems: chosen,
          client: createClient({ baseUrl: endpoint, model: name, api: "chat", retries: 2, concurrency: 2 }),
          endpoint,
          model: modelId,
          api: "chat",
          promptStyle: c.promptStyle,
          n: o.samples,
          sampling: { seed: c.seed, temperature: o.temperature, maxTokens: o.maxTokens },
          score: { verify, official: false },
          store,
          toolVersions: await toolVersions(),
          fresh: true,
          onEvent: (e) => {
            if (e.kind === "scored") tick(++scored, total);
          },
        });
        const n = bench.scores.length;
        const passRate = n > 0 ? bench.scores.filter((x) => x.status === "pass").length / n : 0;
        return { id: bench.run.id, samples: n, passRate };
      } finally {
        store.close();
      }
    }

    // 2b. The model's own answers to train problems, cut into steps and labelled the same way (config `answers`).
    const variants = c.search.variants.map(parseVariant);
    const needPrm = variants.some((v) => v.prm);
    const a = c.answers;
    const answersDir = a?.from !== undefined ? resolve(a.from) : join(out, "answer-labels");
    const answers =
      a === undefined || !needPrm
        ? undefined
        : a.from !== undefined
          ? { key: JSON.stringify({ from: answersDir }), result: { from: answersDir } }
          : await stage(
              "answers",
              { tasks, model: modelId, answers: a, labels: c.labels, style: c.promptStyle, template: c.chatTemplate },
              async (): Promise<AnswerStages> => {
                const { name, endpoint } = await modelClient();
                const run = await sampleAnswers(name, endpoint, a);
                const answerSteps = await buildStepData({
                  input: tasks,
                  split: "train",
                  out: join(out, "answer-steps"),
                  samples: {
                    run: run.id,
                    perProblem: a.perProblem,
                    ...(options.db !== undefined && { db: options.db }),
                  },
                  ...(c.steps.slices && { python: findPython() }),
                  verify,
                  concurrency: c.steps.concurrency,
                  onProgress: progressOf("answers (steps)"),
                });
                const answerLabels = await labelWith(
                  join(out, "answer-steps"),
                  answersDir,
                  a.trajectories,
                  "answers (labelled trajectories)",
                );
                return {
                  run: run.id,
                  samples: run.samples,
                  passRate: run.passRate,
                  steps: answerSteps,
                  labels: answerLabels,
                };
              },
            );

    // 3. The PRM (only when a variant uses it), on the references' labels and the answers' when there are any.
    const prmDir = c.prm.from !== undefined ? resolve(c.prm.from) : join(out, "prm");
    const prm = !needPrm
      ? undefined
      : c.prm.from !== undefined
        ? { key: JSON.stringify({ from: prmDir }), result: { from: prmDir } }
        : await stage(
            "prm",
            {
              labels: labels.key,
              ...(answers && { answers: answers.key }),
              prm: c.prm,
              base: resolve(c.prm.base ?? c.model),
              seed: c.seed,
            },
            async () => {
              const p = c.prm;
              const tick = progressOf("prm (steps)");
              return trainPrm({
                data: answers ? [labelsDir, answersDir] : labelsDir,
                base: p.base ?? c.model,
                out: prmDir,
                label: p.label,
                epochs: p.epochs,
                learningRate: p.learningRate,
                maxLength: p.maxLength,
                evalFraction: p.evalFraction,
                ...(p.maxSteps !== undefined && { maxSteps: p.maxSteps }),
                ...(p.timeBudgetS !== undefined && { timeBudgetS: p.timeBudgetS }),
                seed: c.seed,
                ...(c.threads !== undefined && { threads: c.threads }),
                ...(options.onStderr && { onStderr: options.onStderr }),
                onEvent: (e) => {
                  if (e.event === "step") tick(e.step, e.steps);
                },
              });
            },
          );

    // 4. Every variant at the same budget on the held-out split, with and without retrieval.
    const { search: s } = c;
    const suite = await loadSuite("tasks", join(tasks, s.split));
    const problems = selectProblems(suite.problems, s.limit !== undefined ? { limit: s.limit } : {});
    const active = problems.filter((p) => p.excluded === undefined).length;
    const corpus = s.retrieve.some((k) => k > 0) ? await loadCorpus(tasks) : undefined;
    const retriever = corpus ? new Retriever(corpus) : undefined;
    const { variants: _v, retrieve: _r, concurrency: _c, ...searchKey } = s;
    const results: ProofResult[] = [];
    for (const k of s.retrieve) {
      for (const v of variants) {
        const settings = {
          model: modelId,
          tasks,
          search: searchKey,
          variant: v.name,
          retrieve: k,
          prm: v.prm ? prm?.key : null,
          style: c.promptStyle,
          template: c.chatTemplate,
          engine: c.engine,
          seed: c.seed,
        };
        const done = await stage(`search ${v.name} retrieve=${k}`, settings, async (): Promise<ProofResult> => {
          const { client: cl, name, endpoint } = await modelClient();
          if (v.prm && !prmServer) {
            log(`serving the PRM ${prmDir}`);
            prmServer = await servePrm({
              model: prmDir,
              port: 0,
              startTimeoutMs: c.serveTimeoutS * 1000,
              ...(c.threads !== undefined && { threads: c.threads }),
              ...(options.onStderr && { onStderr: options.onStderr }),
            });
          }
          const store = openSearchStore(options.db);
          const tick = progressOf(`${v.name} retrieve=${k} (problems)`);
          let solved = 0;
          try {
            const summary = await runSearch({
              suite,
              problems,
              client: cl,
              endpoint,
              model: name,
              api: "completions",
              promptStyle: c.promptStyle,
              chatTemplate: c.chatTemplate,
              strategies: [v.strategy],
              budget: { calls: s.budgetCalls, ...(s.budgetTokens !== undefined && { tokens: s.budgetTokens }) },
              sampling: { seed: c.seed, temperature: s.temperature, ...(s.topP !== undefined && { topP: s.topP }) },
              step: { mode: s.step, tokens: s.stepTokens, trim: s.trimWhitespace },
              maxTokens: s.maxTokens,
              maxDepth: s.maxDepth,
              tree: { width: s.width, beam: s.beam, c: s.c, expansion: s.expansion },
              ...(v.prm && prmServer && { prm: createPrmClient(prmServer.url) }),
              terminalReward: s.terminalReward,
              value: v.value,
              consistency: s.consistency,
              ...(s.select !== undefined && { select: s.select }),
              verify,
              ...(k > 0 && retriever && { retrieval: { retriever, k } }),
              store,
              concurrency: s.concurrency,
              onProblem: () => tick(++solved, active),
            });
            const r = summary.results[0] as StrategyResult;
            log(`${v.name} retrieve=${k}: pass@1 ${(100 * r["pass@1"]).toFixed(1)}% (${r.calls} calls)`);
            return { variant: v.name, ...r, runId: summary.runId };
          } finally {
            store.close();
          }
        });
        results.push(done.result);
      }
    }

    const target = s.retrieve.flatMap((k) => {
      const at = (name: string) => results.find((r) => r.variant === name && r.retrieval === k)?.["pass@1"];
      const m = at("mcts+prm");
      const b = at("sample");
      if (m === undefined || b === undefined) return [];
      const points = Math.round(1000 * (m - b)) / 10;
      return [{ retrieval: k, mctsPrm: m, sample: b, points, met: points >= 5 }];
    });
    return {
      recipe: "stepprm",
      seed: c.seed,
      model: modelId,
      out,
      split: s.split,
      problems: active,
      steps: steps.result,
      labels: labels.result,
      ...(answers && { answers: answers.result }),
      prm: prm?.result ?? null,
      results,
      target,
      reused,
      minutes: minutesSince(started),
    };
  } finally {
    await prmServer?.close();
    await model?.close();
  }
}

/** Overrides `rtlgym search --config` takes from its own flags (paths resolved from where it runs). */
export interface ProofOverrides {
  model?: string;
  tasks?: string;
  out?: string;
  seed?: number;
  /** Another proof run's out folder: its steps, labels and PRM are used (`from`) instead of running them again. */
  stagesFrom?: string;
  db?: string;
  json?: boolean;
  quiet?: boolean;
}

/** Reads the recipe file, applies the overrides and runs the proof, logging stages on stderr unless quiet/json. */
export async function runProofFromFlags(path: string, o: ProofOverrides): Promise<ProofSummary> {
  const config = readConfigFile(path, StepPrmProofConfig);
  if (o.model !== undefined) config.model = o.model;
  if (o.tasks !== undefined) config.tasks = o.tasks;
  if (o.out !== undefined) config.out = o.out;
  if (o.seed !== undefined) config.seed = o.seed;
  if (o.stagesFrom !== undefined) shareStages(config, o.stagesFrom);
  if (!existsSync(dirname(resolve(config.out)))) {
    throw new BadInputError(`the out folder's parent ${dirname(resolve(config.out))} does not exist`);
  }
  const quiet = o.quiet === true;
  return runProof({
    config,
    ...(o.db !== undefined && { db: o.db }),
    ...(!quiet && { onLog: (m: string) => process.stderr.write(`stepprm: ${m}\n`) }),
  });
}

/**
 * Points the steps, labels and PRM stages at another run's finished ones (its `stepprm-stages.json` must record
 * them), so seeds differ only in their searches: one set of labels and one PRM for every seed.
 */
export function shareStages(config: StepPrmProofConfig, dir: string): void {
  const from = resolve(dir);
  const file = join(from, "stepprm-stages.json");
  if (!existsSync(file))
    throw new BadInputError(`--stages-from ${dir}: no stepprm-stages.json (not a proof run's out folder)`);
  const finished = JSON.parse(readFileSync(file, "utf8")) as Stages;
  const needPrm = config.search.variants.some((v) => parseVariant(v).prm);
  for (const name of ["steps", "labels", ...(needPrm ? ["prm"] : [])]) {
    if (!finished[name]) throw new BadInputError(`--stages-from ${dir}: its ${name} stage has not finished`);
  }
  if (needPrm && config.answers && !finished.answers)
    throw new BadInputError(`--stages-from ${dir}: it has no answers stage (its PRM saw the references only)`);
  config.steps.from = join(from, "steps");
  config.labels.from = join(from, "labels");
  if (needPrm && config.answers) config.answers.from = join(from, "answer-labels");
  if (needPrm) config.prm.from = join(from, "prm");
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The proof's table: one row per variant and retrieval setting, then the target check. */
export function proofTable(s: ProofSummary): string {
  const head = "variant             retrieval  pass@1   calls  tokens   wall     any-pass(oracle)  errors";
  const rows = s.results.map((r) =>
    [
      r.variant.padEnd(19),
      String(r.retrieval).padEnd(10),
      pct(r["pass@1"]).padEnd(8),
      String(r.calls).padEnd(6),
      String(Math.round(r.completionTokens)).padEnd(8),
      `${(r.wallMs / 1000).toFixed(1)}s`.padEnd(8),
      `${r.oracleAnyPass}/${r.problems}`.padEnd(17),
      String(r.errors),
    ].join(" "),
  );
  const target = s.target.map(
    (t) =>
      `retrieval ${t.retrieval}: mcts+prm ${pct(t.mctsPrm)} vs sample ${pct(t.sample)}: ${t.points >= 0 ? "+" : ""}${t.points} points (target +5: ${t.met ? "met" : "not met"})`,
  );
  const budget = s.results[0]?.budget.calls;
  return `StepPRM proof, seed ${s.seed}, ${s.problems} ${s.split} problems, ${budget} calls per problem, ${s.minutes} min (${s.out})\n${head}\n${rows.join("\n")}\n${target.join("\n")}\n`;
}
