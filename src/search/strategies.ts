import { extractCandidate } from "../bench/prompts.js";
import { verifyProblemGroup } from "../bench/score.js";
import type { Problem, VerifyResult } from "../contracts/index.js";
import type { LlmClient } from "../llm/index.js";
import type { VerifyOptions } from "../verify/index.js";
import { Budget, type BudgetLimits, type Spent } from "./budget.js";
import { partialScores } from "./partial.js";
import {
  clusterByBehaviour,
  cutAfterEndmodule,
  type DesignCheck,
  type DesignChecker,
  drivenFraction,
  endsDesign,
  type PrmClient,
} from "./signals.js";
import { scoredPrompt } from "./template.js";
import {
  beamSearch,
  designOf,
  mcts,
  rankedTerminals,
  type SearchContext,
  type SearchNode,
  type SearchPrompt,
  type StepOptions,
  type Strategy,
  Tree,
  type TreeOptions,
} from "./tree.js";

/**
 * `inference`: a finished design is rewarded by what a user has without the reference (0 unless it elaborates, else
 * the fraction of its outputs that have a driver; times the PRM score when a PRM is given). `oracle`: by rtlgym's verification against the hidden reference, an upper bound
 * that is not available at inference and is reported as such.
 */
export type TerminalReward = "inference" | "oracle";

/**
 * Value of partial designs (and best-of-n's first criterion). `inference`: the PRM score when a PRM is given, else
 * elaboration and driven outputs of the closed-off prefix. `signals`: the per-signal prefix score (outputs already
 * equivalent to the reference's, {@link partialScores}): it reads the reference, an oracle baseline.
 */
export type ValueSignal = "inference" | "signals";

/**
 * How the answer is chosen among scored designs. `rank`: the first difference wins (best-of-n: elaborates, driven
 * outputs, PRM score, behaviour-cluster size; tree search: the highest reward, clusters only among designs tied at
 * it). `vote`: PRM-weighted self-consistency (Math-Shepherd's "SC + PRM"): the designs that elaborate (best-of-n)
 * or scored above 0 (tree search) are clustered by simulated behaviour, each cluster weighs the sum of its members'
 * scores (driven fraction times PRM score; per finished path in a tree), and the best-ranked design of the heaviest
 * cluster is the answer. Needs `consistency`.
 */
export type Selection = "rank" | "vote";

export interface ProblemSearchInput {
  problem: Problem;
  strategy: Strategy;
  client: LlmClient;
  budget: BudgetLimits;
  prompt: SearchPrompt;
  sampling: { temperature?: number; topP?: number; seed: number };
  step: StepOptions;
  maxTokens: number;
  maxDepth: number;
  tree: TreeOptions;
  prm?: PrmClient;
  terminalReward: TerminalReward;
  value: ValueSignal;
  /** best-of-n: group samples by simulated behaviour and prefer the largest group (default true). */
  consistency: boolean;
  /** How the answer is chosen among scored designs (default `rank`). */
  select?: Selection;
  /** Verification of the reported answer(s) against the reference. */
  verify: Omit<VerifyOptions, "refTop" | "candTop">;
  checks: DesignChecker;
}

export interface ProblemOutcome {
  problem: string;
  strategy: Strategy;
  /** 0/1 for the chosen design; for `sample`, the fraction of samples that pass (expected pass@1). */
  pass: number;
  /** Verdict of the chosen design (`sample`: of its first sample). */
  status: string;
  chosen: number | null;
  code: string | null;
  spent: Spent;
  wallMs: number;
  nodes: SearchNode[];
  /** Diagnostics that peek at the reference, never used to choose: distinct finished designs, any of them passing. */
  oracle: { designs: number; anyPass: boolean };
  /** What the best-of-n selector saw for each sample, by node id. */
  selector?: Record<string, unknown>;
}

/** The raw prompt a PRM is told about: what the model continued (its raw form when a chat template was rendered). */
const rawPrompt = scoredPrompt;

/** Splits a whole answer into line steps, as the line-step searches would have produced it (for the PRM). */
function lineSteps(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * The steps a PRM scores for a prefix. With trimmed requests (`step.trim`) a prefix starts with the line end the
 * prefill's whitespace cut took and ends at a line's last visible character: it is sent as the untrimmed prompt's
 * continuation, in line steps each ending at its line end, as the PRM's training steps do.
 */
function prmSteps(input: ProblemSearchInput, prefix: string, steps: readonly string[]): string[] {
  if (!input.step.trim) return [...steps];
  // The line end the trimmed prefill lost is the first thing a continuation writes: it belongs to the prompt.
  const text = prefix.replace(/^[ \t]*\r?\n/, "");
  return lineSteps(text.endsWith("\n") || text === "" ? text : `${text}\n`);
}

/** Keeps what a design check saw on the node, for `search show`. */
function record(node: SearchNode, c: DesignCheck): void {
  node.info.compiles = c.elaborates;
  if (c.elaborates) node.info.driven = drivenFraction(c);
  if (c.undriven.length > 0) node.info.undriven = c.undriven;
}

function context(input: ProblemSearchInput, budget: Budget): SearchContext {
  const { problem, prm, checks } = input;
  const top = problem.candTop;
  const ctx: SearchContext = {
    problem,
    prompt: input.prompt,
    budget,
    sampling: input.sampling,
    step: input.step,
    maxTokens: input.maxTokens,
    maxDepth: input.maxDepth,
    async value(node, steps) {
      if (input.value === "signals") {
        const [p] = await partialScores(problem, [designOf(ctx, node)], input.verify);
        node.info.signals = p?.score;
        return p?.score ?? 0;
      }
      // The empty root has no step to score: a PRM is asked about actual steps only.
      if (prm && steps.length > 0) {
        const s = await prm.score(problem, rawPrompt(input.prompt), prmSteps(input, node.prefix, steps));
        node.info.prm = s;
        return s;
      }
      const c = await checks.check(designOf(ctx, node), top);
      record(node, c);
      return c.elaborates ? (1 + drivenFraction(c)) / 2 : 0;
    },
    async terminalReward(node, code, steps) {
      if (input.terminalReward === "oracle") {
        const [r] = await verifyProblemGroup(problem, [code], input.verify);
        node.info.verified = r?.status;
        return r?.status === "pass" ? 1 : 0;
      }
      const c = await checks.check(code, top);
      record(node, c);
      if (!c.elaborates || !prm) return drivenFraction(c);
      const s = await prm.score(problem, rawPrompt(input.prompt), prmSteps(input, node.prefix, steps));
      node.info.prm = s;
      return drivenFraction(c) * s;
    },
  };
  return ctx;
}

/** Whole answers, drawn until the budget is spent (one request of n = the calls left, repeated if cut short). */
async function drawSamples(ctx: SearchContext, tree: Tree): Promise<SearchNode[]> {
  const out: SearchNode[] = [];
  while (!ctx.budget.exhausted) {
    const { generations, tokensEach } = await ctx.budget.generate({
      ...(ctx.prompt.system !== undefined && { system: ctx.prompt.system }),
      prompt: ctx.prompt.prompt,
      ...(ctx.prompt.prefill !== "" && { prefill: ctx.prompt.prefill }),
      n: ctx.budget.callsLeft,
      seed: ctx.sampling.seed + ctx.budget.spent.calls,
      ...(ctx.sampling.temperature !== undefined && { temperature: ctx.sampling.temperature }),
      ...(ctx.sampling.topP !== undefined && { topP: ctx.sampling.topP }),
      ...(ctx.prompt.stop.length > 0 && { stop: ctx.prompt.stop }),
      maxTokens: ctx.maxTokens,
    });
    if (generations.length === 0) break;
    for (const g of generations) {
      const ended = endsDesign(g.text);
      const text = ended ? cutAfterEndmodule(g.text) : g.text;
      out.push(
        tree.add({
          parent: 0,
          depth: 1,
          kind: "sample",
          step: text,
          prefix: text,
          terminal: true,
          tokens: tokensEach,
          finish: ended ? "endmodule" : g.finishReason === "length" ? "limit" : "stop",
        }),
      );
    }
  }
  tree.root.expanded = true;
  return out;
}

/** A sample's code as bench would extract it from the raw answer. */
const sampleCode = (ctx: SearchContext, node: SearchNode) =>
  extractCandidate(ctx.problem, node.prefix, { prefill: ctx.prompt.prefill });

/**
 * best-of-n's choice, from what a user has at inference only, in this order: the sample elaborates (iverilog);
 * the fraction of its outputs that have a driver (Yosys `check`); its PRM score (when a PRM is given); the size of its behaviour cluster (samples that agree with it on random
 * stimulus, simulated against each other); the earliest drawn. The reference is never read, except with `--value
 * signals` (an oracle baseline), whose per-signal score then comes first.
 */
async function selectBest(
  input: ProblemSearchInput,
  samples: readonly SearchNode[],
  codes: readonly string[],
): Promise<{ chosen: SearchNode; seen: Record<string, unknown> }> {
  const top = input.problem.candTop;
  const checked = await Promise.all(codes.map((c) => input.checks.check(c, top)));
  const compiles = checked.map((c) => c.elaborates);
  const driven = checked.map(drivenFraction);
  const prm = input.prm;
  const prmScores = prm
    ? await Promise.all(
        samples.map((s) =>
          prm.score(input.problem, rawPrompt(input.prompt), prmSteps(input, s.prefix, lineSteps(s.prefix))),
        ),
      )
    : samples.map(() => undefined);
  const signals =
    input.value === "signals"
      ? (await partialScores(input.problem, codes, input.verify)).map((p) => p.score)
      : samples.map(() => undefined);
  const score = samples.map((_, i) => (driven[i] ?? 0) * (prmScores[i] ?? 1));
  const cluster: number[] = samples.map(() => (input.consistency ? 0 : 1));
  // With `vote`, a sample's cluster weighs the summed scores of its members (0 for a sample that does not elaborate).
  const weight: number[] = samples.map(() => 0);
  const vote = input.consistency && input.select === "vote";
  if (input.consistency) {
    const eligible = compiles.flatMap((ok, i) => (ok ? [i] : []));
    const clusters = await clusterByBehaviour(codes, eligible, top, { seed: input.sampling.seed });
    for (const c of clusters) {
      const sum = c.members.reduce((w, m) => w + (score[m] ?? 0), 0);
      for (const m of c.members) {
        cluster[m] = c.members.length;
        weight[m] = sum;
      }
    }
  }
  samples.forEach((s, i) => {
    record(s, checked[i] as DesignCheck);
    if (prmScores[i] !== undefined) s.info.prm = prmScores[i];
    if (signals[i] !== undefined) s.info.signals = signals[i];
    s.info.cluster = cluster[i];
    if (vote) s.info.vote = weight[i];
    s.score = score[i] as number;
  });
  const order = samples.map((_, i) => i);
  order.sort(
    (a, b) =>
      (signals[b] ?? 0) - (signals[a] ?? 0) ||
      (vote ? (weight[b] ?? 0) - (weight[a] ?? 0) : 0) ||
      Number(compiles[b]) - Number(compiles[a]) ||
      (driven[b] ?? 0) - (driven[a] ?? 0) ||
      (prmScores[b] ?? 0) - (prmScores[a] ?? 0) ||
      (cluster[b] ?? 0) - (cluster[a] ?? 0) ||
      a - b,
  );
  const chosen = samples[order[0] as number] as SearchNode;
  return {
    chosen,
    seen: {
      uses: [
        ...(input.value === "signals" ? ["signals (oracle)"] : []),
        ...(vote ? ["vote (cluster's summed scores)"] : []),
        "compiles",
        "driven",
        ...(prm ? ["prm"] : []),
        ...(input.consistency ? ["cluster"] : []),
        "order",
      ],
      ranking: order.map((i) => samples[i]?.id),
    },
  };
}

/**
 * Self-consistency among the tree's best finished designs: when several distinct designs tie at the chosen one's
 * reward, they are clustered by simulated behaviour (as best-of-n does) and the best-ranked design of the cluster
 * with the most paths behind it (nodes plus merged duplicates) is the answer. With `select: vote` every finished
 * design that scored above 0 is clustered, and a cluster weighs the sum over its paths of their rewards. Reads the
 * candidates only.
 */
async function agreeingChoice(
  input: ProblemSearchInput,
  ctx: SearchContext,
  tree: Tree,
  chosen: SearchNode,
): Promise<SearchNode> {
  if (!chosen.terminal || (chosen.score ?? 0) <= 0) return chosen;
  const vote = input.select === "vote";
  const tied = rankedTerminals(tree).filter((n) => (vote ? (n.score ?? 0) > 0 : n.score === chosen.score));
  const codes = tied.map((n) => designOf(ctx, n));
  if (new Set(codes).size < 2) return chosen;
  const clusters = await clusterByBehaviour(
    codes,
    tied.map((_, i) => i),
    input.problem.candTop,
    { seed: input.sampling.seed },
  );
  let best: { weight: number; first: number } | undefined;
  for (const c of clusters) {
    const weight = c.members.reduce(
      (w, m) => w + (1 + (tied[m]?.duplicates ?? 0)) * (vote ? (tied[m]?.score ?? 0) : 1),
      0,
    );
    for (const m of c.members) (tied[m] as SearchNode).info[vote ? "vote" : "cluster"] = weight;
    const first = Math.min(...c.members);
    if (!best || weight > best.weight || (weight === best.weight && first < best.first)) best = { weight, first };
  }
  return tied[best?.first ?? 0] as SearchNode;
}

/** Runs one strategy on one problem within its budget, verifies the answer(s) and returns everything to store. */
export async function searchProblem(given: ProblemSearchInput): Promise<ProblemOutcome> {
  const started = performance.now();
  // Trimmed requests: the prefill ends at its last visible character; the PRM is still told the untrimmed prompt.
  const input: ProblemSearchInput = given.step.trim
    ? {
        ...given,
        prompt: { ...given.prompt, prefill: given.prompt.prefill.trimEnd(), scored: rawPrompt(given.prompt) },
      }
    : given;
  const budget = new Budget(input.budget, input.client);
  const ctx = context(input, budget);
  const { problem, strategy } = input;
  let tree: Tree;
  let chosen: SearchNode | undefined;
  let pass = 0;
  let status = "no_answer";
  let code: string | null = null;
  let designs = 0;
  let anyPass = false;
  let selector: Record<string, unknown> | undefined;

  const verifyAll = async (nodes: readonly SearchNode[], codes: readonly string[]): Promise<VerifyResult[]> => {
    const results = nodes.length > 0 ? await verifyProblemGroup(problem, codes, input.verify) : [];
    nodes.forEach((n, i) => {
      n.info.verified = results[i]?.status;
    });
    designs = new Set(codes).size;
    anyPass = results.some((r) => r.status === "pass");
    return results;
  };

  if (strategy === "sample" || strategy === "best-of-n") {
    tree = new Tree();
    const samples = await drawSamples(ctx, tree);
    const codes = samples.map((s) => sampleCode(ctx, s));
    if (strategy === "best-of-n" && samples.length > 0) {
      const picked = await selectBest(input, samples, codes);
      chosen = picked.chosen;
      selector = picked.seen;
    }
    const results = await verifyAll(samples, codes);
    if (strategy === "sample") {
      pass = results.length > 0 ? results.filter((r) => r.status === "pass").length / results.length : 0;
      status = results[0]?.status ?? status;
      code = codes[0] ?? null;
    } else if (chosen) {
      const i = samples.indexOf(chosen);
      status = results[i]?.status ?? status;
      pass = status === "pass" ? 1 : 0;
      code = codes[i] ?? null;
    }
  } else {
    const out = strategy === "mcts" ? await mcts(ctx, input.tree) : await beamSearch(ctx, input.tree);
    tree = out.tree;
    chosen = input.consistency ? await agreeingChoice(input, ctx, tree, out.chosen) : out.chosen;
    const finished = tree.nodes.filter((n) => n.terminal);
    const codes = finished.map((n) => designOf(ctx, n));
    const results = await verifyAll(finished, codes);
    const i = finished.indexOf(chosen);
    status = results[i]?.status ?? status;
    pass = status === "pass" ? 1 : 0;
    code = codes[i] ?? null;
  }
  if (chosen) chosen.info.chosen = true;
  return {
    problem: problem.id,
    strategy,
    pass,
    status,
    chosen: chosen?.id ?? null,
    code,
    spent: { ...budget.spent },
    wallMs: performance.now() - started,
    nodes: tree.nodes,
    oracle: { designs, anyPass },
    ...(selector && { selector }),
  };
}
