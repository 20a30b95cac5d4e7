import pLimit from "p-limit";
import type { PromptStyle } from "../bench/prompts.js";
import type { LoadedSuite, Problem } from "../contracts/index.js";
import { BadInputError, RtlgymError } from "../core/errors.js";
import type { Api, LlmClient } from "../llm/index.js";
import type { VerifyOptions } from "../verify/index.js";
import type { BudgetLimits } from "./budget.js";
import type { Retriever } from "./retrieve.js";
import { withExamples } from "./retrieve.js";
import { DesignChecker, type PrmClient } from "./signals.js";
import type { SearchStore } from "./store.js";
import {
  type ProblemOutcome,
  type Selection,
  searchProblem,
  type TerminalReward,
  type ValueSignal,
} from "./strategies.js";
import { type ChatTemplate, searchPrompt, templatedPrompt } from "./template.js";
import type { SearchPrompt, StepOptions, Strategy, TreeOptions } from "./tree.js";

export { searchPrompt } from "./template.js";

export interface SearchRunInput {
  suite: LoadedSuite;
  problems: readonly Problem[];
  client: LlmClient;
  endpoint: string;
  model: string;
  api: Api;
  promptStyle: PromptStyle;
  /** How the completions prompt is written (`chatml`: for chat-trained models; completions API only). */
  chatTemplate?: ChatTemplate;
  strategies: readonly Strategy[];
  budget: BudgetLimits;
  sampling: { temperature?: number; topP?: number; seed: number };
  step: StepOptions;
  maxTokens: number;
  maxDepth: number;
  tree: TreeOptions;
  prm?: PrmClient;
  terminalReward: TerminalReward;
  value: ValueSignal;
  consistency: boolean;
  /** How the answer is chosen (default `rank`; {@link Selection}). */
  select?: Selection;
  verify: Omit<VerifyOptions, "refTop" | "candTop">;
  retrieval?: { retriever: Retriever; k: number };
  store: SearchStore;
  /** Problems searched at once (default 2: a search verifies and compiles on the same cores). */
  concurrency?: number;
  onProblem?: (outcome: ProblemOutcome) => void;
  onStart?: (runId: string) => void;
}

/** One strategy's figures over the selected problems, at the run's budget. */
export interface StrategyResult {
  strategy: Strategy;
  /** Retrieved examples per prompt (0: none). */
  retrieval: number;
  budget: BudgetLimits;
  /** Mean over problems of the reported pass (chosen design; `sample`: fraction of samples passing). */
  "pass@1": number;
  problems: number;
  calls: number;
  requests: number;
  completionTokens: number;
  promptTokens: number;
  /** Wall time of this strategy over every problem. */
  wallMs: number;
  /** Diagnostic that reads the reference (never used to choose): problems where any finished design passed. */
  oracleAnyPass: number;
  terminalReward: TerminalReward;
  /** `signals`: values and best-of-n's choice read the reference (an oracle baseline). */
  value: ValueSignal;
  prm: boolean;
  /** Problems whose search failed (endpoint errors); they count as not passing. */
  errors: number;
}

export interface SearchSummary {
  runId: string;
  suite: string;
  suiteRevision: string;
  model: string;
  results: StrategyResult[];
}

/**
 * Runs each strategy over the selected problems at the same budget per problem, verifies what each strategy
 * reports against the reference, and records every problem's outcome and search tree in the store.
 */
export async function runSearch(input: SearchRunInput): Promise<SearchSummary> {
  if (input.api === "chat" && input.strategies.some((s) => s === "beam" || s === "mcts")) {
    throw new BadInputError(
      "beam and mcts continue partial designs through the completions API (raw prompt): use --api completions",
    );
  }
  if (input.api === "chat" && (input.chatTemplate ?? "none") !== "none") {
    throw new BadInputError("--chat-template renders a completions prompt: use --api completions");
  }
  const active = input.problems.filter((p) => p.excluded === undefined);
  if (active.length === 0) throw new BadInputError("no problem selected");
  const params = {
    strategies: input.strategies,
    budget: input.budget,
    api: input.api,
    promptStyle: input.promptStyle,
    chatTemplate: input.chatTemplate ?? "none",
    sampling: input.sampling,
    step: input.step,
    maxTokens: input.maxTokens,
    maxDepth: input.maxDepth,
    tree: input.tree,
    prm: input.prm?.url ?? null,
    terminalReward: input.terminalReward,
    value: input.value,
    consistency: input.consistency,
    // Only when set, so the parameters of runs made before the option stay as they were.
    ...(input.select === "vote" && { select: input.select }),
    verify: input.verify,
    retrieval: input.retrieval ? { k: input.retrieval.k, corpus: input.retrieval.retriever.corpus.source } : null,
    problems: active.map((p) => p.id),
  };
  const runId = input.store.createRun({
    suite: input.suite.name,
    suiteRevision: input.suite.revision,
    model: input.model,
    endpoint: input.endpoint,
    params,
  });
  input.onStart?.(runId);
  const checks = new DesignChecker();
  const prompts = new Map<string, { prompt: SearchPrompt; retrieved: string[] }>();
  for (const p of active) {
    const hits = input.retrieval ? input.retrieval.retriever.forProblem(p, input.retrieval.k) : [];
    prompts.set(p.id, {
      prompt:
        input.api === "completions"
          ? templatedPrompt(withExamples(p, hits), input.promptStyle, input.chatTemplate)
          : searchPrompt(withExamples(p, hits), input.api, input.promptStyle),
      retrieved: hits.map((h) => h.doc.id),
    });
  }
  const results: StrategyResult[] = [];
  try {
    for (const strategy of input.strategies) {
      const started = performance.now();
      const limit = pLimit(Math.max(1, input.concurrency ?? 2));
      const outcomes = await Promise.all(
        active.map((problem) =>
          limit(async (): Promise<ProblemOutcome | { problem: string; error: string }> => {
            const { prompt, retrieved } = prompts.get(problem.id) as { prompt: SearchPrompt; retrieved: string[] };
            try {
              const out = await searchProblem({
                problem,
                strategy,
                client: input.client,
                budget: input.budget,
                prompt,
                sampling: input.sampling,
                step: input.step,
                maxTokens: input.maxTokens,
                maxDepth: input.maxDepth,
                tree: input.tree,
                ...(input.prm && { prm: input.prm }),
                terminalReward: input.terminalReward,
                value: input.value,
                consistency: input.consistency,
                ...(input.select !== undefined && { select: input.select }),
                verify: input.verify,
                checks,
              });
              input.store.putProblem(
                runId,
                {
                  strategy,
                  problem: problem.id,
                  pass: out.pass,
                  status: out.status,
                  chosen: out.chosen,
                  code: out.code,
                  spent: out.spent,
                  wallMs: out.wallMs,
                  detail: { oracle: out.oracle, retrieved, ...(out.selector && { selector: out.selector }) },
                },
                out.nodes,
              );
              input.onProblem?.(out);
              return out;
            } catch (e) {
              // An endpoint that fails after its retries costs this problem, not the run: recorded, counted as failing.
              if (!(e instanceof RtlgymError)) throw e;
              input.store.putProblem(
                runId,
                {
                  strategy,
                  problem: problem.id,
                  pass: 0,
                  status: "search_error",
                  chosen: null,
                  code: null,
                  spent: { calls: 0, requests: 0, completionTokens: 0, promptTokens: 0, estimatedTokens: 0 },
                  wallMs: 0,
                  detail: { error: e.message, retrieved },
                },
                [],
              );
              return { problem: problem.id, error: e.message };
            }
          }),
        ),
      );
      const done = outcomes.filter((o): o is ProblemOutcome => "strategy" in o);
      const sum = (f: (o: ProblemOutcome) => number) => done.reduce((a, o) => a + f(o), 0);
      results.push({
        strategy,
        retrieval: input.retrieval?.k ?? 0,
        budget: input.budget,
        "pass@1": sum((o) => o.pass) / active.length,
        problems: active.length,
        calls: sum((o) => o.spent.calls),
        requests: sum((o) => o.spent.requests),
        completionTokens: sum((o) => o.spent.completionTokens),
        promptTokens: sum((o) => o.spent.promptTokens),
        wallMs: Math.round(performance.now() - started),
        oracleAnyPass: done.filter((o) => o.oracle.anyPass).length,
        terminalReward: input.terminalReward,
        value: input.value,
        prm: input.prm !== undefined,
        errors: outcomes.length - done.length,
      });
    }
  } catch (e) {
    input.store.finishRun(runId, "failed", null);
    throw e;
  }
  const summary: SearchSummary = {
    runId,
    suite: input.suite.name,
    suiteRevision: input.suite.revision,
    model: input.model,
    results,
  };
  input.store.finishRun(runId, "done", summary as unknown as Record<string, unknown>);
  return summary;
}
