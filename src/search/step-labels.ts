import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import pLimit from "p-limit";
import { extractCandidate, type PromptStyle } from "../bench/prompts.js";
import { verifyProblemGroup } from "../bench/score.js";
import { BadInputError, RtlgymError, ToolMissingError } from "../core/errors.js";
import type { LlmClient } from "../llm/index.js";
import type { VerifyOptions } from "../verify/index.js";
import { cutAfterEndmodule, endsDesign } from "./signals.js";
import { readTrajectories, type TrajectoryRow } from "./step-data.js";
import { type ChatTemplate, scoredPrompt, templatedPrompt } from "./template.js";
import type { SearchPrompt } from "./tree.js";

/*
 * Math-Shepherd step labels (issue 14 section 2): from every step prefix of a trajectory, N completions are drawn
 * with a model (completions API, the raw prompt `rtlgym search` continues, never re-templated) and verified against
 * the reference; the step's soft label is the fraction that pass, its hard label whether any passes. The last step
 * is the whole solution: its label is its own verification, no rollout. A trajectory's score is its minimum step
 * score. The exact per-signal prefix score (`rtlgym data steps`) rides along as a second label.
 */

export interface StepLabelOptions {
  /** `steps.jsonl` or the folder `rtlgym data steps` wrote. */
  steps: string;
  out: string;
  client: LlmClient;
  model: string;
  /** Completions per step prefix. */
  rollouts: number;
  promptStyle: PromptStyle;
  /**
   * `none` (default): the raw completions prompt `rtlgym search` continues. `chatml`: the chat prompt (system, user)
   * rendered in ChatML (`<|im_start|>role ... <|im_end|>`), then the assistant's answer prefilled: for models trained
   * on chat rows with a ChatML template (the testbed's), which end the raw prompt at once.
   */
  chatTemplate?: ChatTemplate;
  temperature: number;
  topP?: number;
  maxTokens: number;
  seed: number;
  /** Only trajectories with at least this many steps (a one-step trajectory has no prefix to roll out). */
  minSteps?: number;
  limit?: number;
  verify: Omit<VerifyOptions, "refTop" | "candTop">;
  /** Trajectories labelled at once (default 2). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Labels of one step. */
export interface StepLabel {
  index: number;
  /** Fraction of the rollouts from this prefix that pass (the last step: 1 if the solution verifies). */
  soft: number;
  /** Any rollout passes. */
  hard: boolean;
  /** The exact per-signal score of the prefix (outputs already driven correctly). */
  prefix: number;
  rollouts: number;
  passed: number;
  /** Verdicts of the rollouts, by status. */
  statuses: Record<string, number>;
}

/** One row of `labels.jsonl`. */
export interface LabelledTrajectory {
  id: string;
  problem: string;
  /** The raw text the model continued from: prompt, then the prefill (answer fence and module header). */
  prompt: string;
  /** The step texts (code only, as `rtlgym search` sends steps to a PRM). */
  completions: string[];
  chatTemplate: ChatTemplate;
  rationales: string[];
  labels: StepLabel[];
  /** Minimum soft label over the steps (Math-Shepherd's trajectory score). */
  score: number;
  /** Minimum hard label. */
  hardScore: boolean;
}

export interface StepLabelSummary {
  out: string;
  model: string;
  trajectories: number;
  steps: number;
  rollouts: number;
  /** Model calls (one per rollout) and HTTP requests made. */
  calls: number;
  requests: number;
  completionTokens: number;
  /** Mean soft label over the steps that were rolled out (the last steps excluded). */
  meanSoft: number;
  /** Fraction of rolled-out steps with a hard label of 1. */
  hardRate: number;
  /** Pearson correlation of the soft label and the per-signal prefix score over rolled-out steps (NaN: constant). */
  softPrefixCorrelation: number;
  /** Trajectories whose labelling failed (endpoint errors), by error code. */
  errors: Record<string, number>;
  wallMs: number;
}

/** How the rollout prompt is written (see {@link StepLabelOptions.chatTemplate}). */
export { CHAT_TEMPLATES, type ChatTemplate } from "./template.js";

/** The prompt and prefill a trajectory's rollouts continue: the problem's search prompt, its header matched up. */
export function rolloutPrompt(row: TrajectoryRow, style: PromptStyle, template: ChatTemplate = "none"): SearchPrompt {
  const prompt = templatedPrompt(row.problem, style, template);
  // The trajectory's steps follow the solution's own header; when the prompt's prefill does not end with that header
  // (another spelling, or no header in the prompt), the solution's header is put after the prefill.
  const norm = (s: string) => s.replace(/\s+/g, " ").trim();
  const headerCode = row.header.slice(row.header.search(/\bmodule\b/));
  if (norm(prompt.prefill).endsWith(norm(headerCode)) && prompt.prefill.endsWith("\n")) return prompt;
  return { ...prompt, prefill: `${prompt.prefill}${headerCode.endsWith("\n") ? headerCode : `${headerCode}\n`}` };
}

/** Pearson correlation; NaN when either side is constant or empty. */
function correlation(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n === 0) return Number.NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}

/**
 * Labels every step of every trajectory (see the file comment) and writes `OUT/labels.jsonl` (everything),
 * `OUT/prm.jsonl` (TRL's stepwise-supervision rows `{prompt, completions, labels}` with the hard labels, plus
 * `soft_labels` and `prefix_scores`) and `OUT/manifest.json`. Request seeds are `seed + step index` (a replay with
 * the same seed asks the same questions).
 */
export async function labelSteps(options: StepLabelOptions): Promise<StepLabelSummary> {
  if (!Number.isInteger(options.rollouts) || options.rollouts < 1)
    throw new BadInputError("--rollouts must be at least 1");
  const started = performance.now();
  let rows = await readTrajectories(options.steps);
  if (options.minSteps !== undefined) rows = rows.filter((r) => r.steps.length >= (options.minSteps as number));
  if (options.limit !== undefined) rows = rows.slice(0, options.limit);
  if (rows.length === 0) throw new BadInputError(`${options.steps} holds no trajectory`);
  const spent = { calls: 0, requests: 0, completionTokens: 0 };
  const errors: Record<string, number> = {};
  const out: Array<LabelledTrajectory | undefined> = new Array(rows.length);
  const limit = pLimit(Math.max(1, options.concurrency ?? 2));
  let done = 0;
  await Promise.all(
    rows.map((row, t) =>
      limit(async () => {
        try {
          out[t] = await labelTrajectory(row, options, spent);
        } catch (e) {
          if (!(e instanceof RtlgymError) || e instanceof ToolMissingError || e instanceof BadInputError) throw e;
          errors[e.code] = (errors[e.code] ?? 0) + 1;
        }
        options.onProgress?.(++done, rows.length);
      }),
    ),
  );
  const kept = out.filter((r): r is LabelledTrajectory => r !== undefined);
  const dir = resolve(options.out);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "labels.jsonl"), kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
  await writeFile(
    join(dir, "prm.jsonl"),
    kept
      .map(
        (r) =>
          `${JSON.stringify({
            id: r.id,
            prompt: r.prompt,
            completions: r.completions,
            labels: r.labels.map((l) => l.hard),
            soft_labels: r.labels.map((l) => l.soft),
            prefix_scores: r.labels.map((l) => l.prefix),
          })}\n`,
      )
      .join(""),
  );
  const rolled = kept.flatMap((r) => r.labels.filter((l) => l.rollouts > 0));
  const summary: StepLabelSummary = {
    out: dir,
    model: options.model,
    trajectories: kept.length,
    steps: kept.reduce((n, r) => n + r.labels.length, 0),
    rollouts: options.rollouts,
    ...spent,
    meanSoft: rolled.length > 0 ? rolled.reduce((n, l) => n + l.soft, 0) / rolled.length : Number.NaN,
    hardRate: rolled.length > 0 ? rolled.filter((l) => l.hard).length / rolled.length : Number.NaN,
    softPrefixCorrelation: correlation(
      rolled.map((l) => l.soft),
      rolled.map((l) => l.prefix),
    ),
    errors,
    wallMs: Math.round(performance.now() - started),
  };
  await writeFile(
    join(dir, "manifest.json"),
    `${JSON.stringify({ kind: "rtlgym-step-labels", ...summary }, null, 2)}\n`,
  );
  return summary;
}

async function labelTrajectory(
  row: TrajectoryRow,
  options: StepLabelOptions,
  spent: { calls: number; requests: number; completionTokens: number },
): Promise<LabelledTrajectory> {
  const prompt = rolloutPrompt(row, options.promptStyle, options.chatTemplate);
  const searchSide = rolloutPrompt(row, options.promptStyle, "none");
  const codes = row.steps.map((s) => s.code);
  // Candidates of every step, verified in one group check: the rollouts of each proper prefix, then the solution.
  const candidates: string[] = [];
  const owner: number[] = [];
  for (let k = 0; k < codes.length - 1; k++) {
    // The request ends at the prefix's last visible character: a prompt ending in a newline and indentation splits
    // tokens the model only saw merged (it then repeats the line end); the model writes that whitespace itself.
    const continued = (prompt.prefill + codes.slice(0, k + 1).join("")).trimEnd();
    const generations = await options.client.generate({
      ...(prompt.system !== undefined && { system: prompt.system }),
      prompt: prompt.prompt,
      prefill: continued,
      n: options.rollouts,
      seed: options.seed + k,
      temperature: options.temperature,
      ...(options.topP !== undefined && { topP: options.topP }),
      stop: prompt.stop,
      maxTokens: options.maxTokens,
    });
    spent.requests++;
    spent.calls += generations.length;
    for (const g of generations) {
      spent.completionTokens += g.usage?.completionTokens ?? 0;
      const text = endsDesign(g.text) ? cutAfterEndmodule(g.text) : g.text;
      candidates.push(extractCandidate(row.problem, continued + text));
      owner.push(k);
    }
  }
  const whole = codes.join("");
  candidates.push(extractCandidate(row.problem, whole, { prefill: prompt.prefill }));
  owner.push(codes.length - 1);
  const results = await verifyProblemGroup(row.problem, candidates, options.verify);
  const labels: StepLabel[] = row.steps.map((s, k) => {
    const mine = results.filter((_, i) => owner[i] === k);
    const passed = mine.filter((r) => r.status === "pass").length;
    const statuses: Record<string, number> = {};
    for (const r of mine) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    const last = k === codes.length - 1;
    return {
      index: k,
      soft: mine.length > 0 ? passed / mine.length : 0,
      hard: passed > 0,
      prefix: s.score,
      rollouts: last ? 0 : mine.length,
      passed,
      statuses,
    };
  });
  return {
    id: row.id,
    problem: row.problem.id,
    // What `rtlgym search` tells a PRM (its raw completions prompt), whatever template the rollouts used.
    prompt: scoredPrompt(searchSide),
    completions: codes,
    chatTemplate: options.chatTemplate ?? "none",
    rationales: row.steps.map((s) => s.rationale),
    labels,
    score: Math.min(...labels.map((l) => l.soft)),
    hardScore: labels.every((l) => l.hard),
  };
}
