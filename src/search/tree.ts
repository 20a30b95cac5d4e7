import { extractCandidate } from "../bench/prompts.js";
import type { Problem } from "../contracts/index.js";
import type { Budget } from "./budget.js";
import { closeOff, cutAfterEndmodule, endsDesign } from "./signals.js";

/** The strategies `rtlgym search` runs. */
export const STRATEGIES = ["sample", "best-of-n", "beam", "mcts"] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Why a node ends a design. */
export type Finish = "endmodule" | "stop" | "empty" | "limit" | "closed-off";

/** One node of a search: a prefix of the answer (the module body after the prompt's prefill). */
export interface SearchNode {
  id: number;
  parent: number | null;
  depth: number;
  kind: "root" | "step" | "sample" | "finish";
  /** The text this node added to its parent's prefix. */
  step: string;
  /** The whole answer so far (after the prefill). */
  prefix: string;
  terminal: boolean;
  finish?: Finish;
  /** The node's own evaluation: value of a partial design, or terminal reward of a complete one; null before. */
  score: number | null;
  visits: number;
  valueSum: number;
  children: number[];
  expanded: boolean;
  /** Completion tokens of the path from the root (usage averaged over the samples of each request). */
  tokens: number;
  /** Identical step texts drawn in the same expansion, merged into this node. */
  duplicates: number;
  /** Signals recorded for the show command: compiles, prm, cluster size, verified status... */
  info: Record<string, unknown>;
}

/** The prompt a problem's search continues: raw text (completions API) and where the answer starts. */
export interface SearchPrompt {
  system?: string;
  prompt: string;
  /** Text the answer begins with; every continuation is requested as prompt + prefill + prefix. */
  prefill: string;
  /** The prompt's own stop sequences (end of the answer). */
  stop: string[];
  /**
   * The raw prompt text a PRM is told the model continued, when the request's text differs from it (a chat template
   * rendered around it); default system, prompt and prefill.
   */
  scored?: string;
}

/** How a step is cut. */
export interface StepOptions {
  /** `line`: up to the next newline (stop sequence); `tokens`: a chunk of `tokens`, cut back to a line boundary. */
  mode: "line" | "tokens";
  /** Token limit of one step request. */
  tokens: number;
  /**
   * Requests end at the answer's last visible character (prefill and prefix with trailing whitespace cut), as
   * `rtlgym data step-labels` does: a prompt ending in a newline and indentation splits tokens the model only saw
   * merged (`;` then `\n  `). The model writes the whitespace itself; a step is then that whitespace and one line's
   * text, without its line end, and the line end is not a stop (it comes first). Default false.
   */
  trim?: boolean;
}

/** What the search of one problem needs; the evaluators see no hidden reference unless `oracle` says so. */
export interface SearchContext {
  problem: Problem;
  prompt: SearchPrompt;
  budget: Budget;
  sampling: { temperature?: number; topP?: number; seed: number };
  step: StepOptions;
  /** Answer length cap in tokens: a path this long ends (`limit`). */
  maxTokens: number;
  /** Steps cap: a path this deep ends (`limit`). */
  maxDepth: number;
  /** Value of a partial design in [0, 1] (PRM score, else elaboration and driven outputs of the closed-off prefix). */
  value(node: SearchNode, steps: readonly string[]): Promise<number>;
  /** Reward of a complete design in [0, 1]. */
  terminalReward(node: SearchNode, code: string, steps: readonly string[]): Promise<number>;
}

/** Tree parameters of beam and MCTS. */
export interface TreeOptions {
  /** Children drawn per expansion (one request with n = width). */
  width: number;
  /** Beam width (beam only). */
  beam: number;
  /** UCT exploration constant (MCTS only). */
  c: number;
  /**
   * How MCTS expands a node: `step` draws `width` next steps, each scored by the value signal; `rollout` draws
   * `width` whole continuations to the end of the answer, adds each as a path of steps (shared prefixes merged) and
   * backs up its finished design's terminal reward. Every rollout call finishes a design, as sampling does, and later
   * rollouts branch from the prefixes of the best ones. Default `step`.
   */
  expansion?: "step" | "rollout";
}

export const DEFAULT_TREE_OPTIONS: TreeOptions = { width: 3, beam: 2, c: 1.0, expansion: "step" };

/** The nodes of one search, in creation order (id = index). */
export class Tree {
  readonly nodes: SearchNode[] = [];

  constructor() {
    this.add({ parent: null, depth: 0, kind: "root", step: "", prefix: "", terminal: false, tokens: 0 });
  }

  get root(): SearchNode {
    return this.nodes[0] as SearchNode;
  }

  node(id: number): SearchNode {
    return this.nodes[id] as SearchNode;
  }

  add(
    n: Pick<SearchNode, "parent" | "depth" | "kind" | "step" | "prefix" | "terminal" | "tokens"> & { finish?: Finish },
  ): SearchNode {
    const node: SearchNode = {
      ...n,
      id: this.nodes.length,
      score: null,
      visits: 0,
      valueSum: 0,
      children: [],
      expanded: false,
      duplicates: 0,
      info: {},
    };
    this.nodes.push(node);
    if (n.parent !== null) this.node(n.parent).children.push(node.id);
    return node;
  }

  /** Step texts from the root to `node`. */
  steps(node: SearchNode): string[] {
    const out: string[] = [];
    for (let n: SearchNode | undefined = node; n && n.parent !== null; n = this.nodes[n.parent]) out.push(n.step);
    return out.reverse();
  }

  /** Node ids from the root to `node`. */
  path(node: SearchNode): number[] {
    const out: number[] = [];
    for (let n: SearchNode | undefined = node; n; n = n.parent === null ? undefined : this.nodes[n.parent]) {
      out.push(n.id);
    }
    return out.reverse();
  }

  /** Adds `value` to every node from `node` up to the root, `count` visits each. */
  backup(node: SearchNode, value: number, count = 1): void {
    for (const id of this.path(node)) {
      const n = this.node(id);
      n.visits += count;
      n.valueSum += value * count;
    }
  }
}

/** The candidate design a node stands for: the prefix (closed off when it never reached `endmodule`). */
export function designOf(ctx: SearchContext, node: SearchNode): string {
  const body = endsDesign(node.prefix) ? node.prefix : closeOff(node.prefix);
  return extractCandidate(ctx.problem, body, { prefill: ctx.prompt.prefill });
}

/** The text a continuation of `node` is requested after: prefill and prefix (trailing whitespace cut with `trim`). */
function requestPrefill(ctx: SearchContext, node: SearchNode): string {
  const text = ctx.prompt.prefill + node.prefix;
  return ctx.step.trim ? text.trimEnd() : text;
}

/**
 * One request continuing `node`'s design: `n` continuations after its prefix, seeded by the calls spent so far, with
 * the given stops and token limit.
 */
function continueNode(ctx: SearchContext, node: SearchNode, n: number, stop: string[], maxTokens: number) {
  return ctx.budget.generate({
    ...(ctx.prompt.system !== undefined && { system: ctx.prompt.system }),
    prompt: ctx.prompt.prompt,
    prefill: requestPrefill(ctx, node),
    n,
    seed: ctx.sampling.seed + ctx.budget.spent.calls,
    ...(ctx.sampling.temperature !== undefined && { temperature: ctx.sampling.temperature }),
    ...(ctx.sampling.topP !== undefined && { topP: ctx.sampling.topP }),
    stop,
    maxTokens,
  });
}

const mean = (n: SearchNode) => (n.visits > 0 ? n.valueSum / n.visits : (n.score ?? 0));

/** Turns one returned generation into the step it adds, and whether the design ends there. */
function cutStep(ctx: SearchContext, text: string, finish: string | null): { step: string; end?: Finish } {
  if (ctx.step.trim) return cutTrimmedStep(ctx, text, finish);
  if (ctx.step.mode === "line") {
    if (text === "" && finish === "stop") return { step: "", end: "empty" };
    const step = finish === "stop" ? `${text}\n` : text;
    return endsDesign(step) ? { step: cutAfterEndmodule(step), end: "endmodule" } : { step };
  }
  if (endsDesign(text)) return { step: cutAfterEndmodule(text), end: "endmodule" };
  if (finish === "stop") return { step: text, end: text === "" ? "empty" : "stop" };
  const nl = text.lastIndexOf("\n");
  return { step: nl >= 0 ? text.slice(0, nl + 1) : text };
}

/**
 * {@link cutStep} for trimmed requests (`step.trim`): the continuation starts with the whitespace the request left
 * out, so a step is that whitespace and text up to a line end after some visible text (`line`: the first such line
 * end; `tokens`: the last), without it and without trailing blanks: every prefix again ends at a visible character.
 */
function cutTrimmedStep(ctx: SearchContext, text: string, finish: string | null): { step: string; end?: Finish } {
  const lead = (/^\s*/.exec(text)?.[0] ?? "").length;
  let cut = -1;
  if (ctx.step.mode === "line") cut = text.indexOf("\n", lead);
  else {
    const last = text.lastIndexOf("\n");
    cut = last >= lead ? last : -1;
  }
  const line = cut >= 0 ? text.slice(0, cut) : text;
  if (endsDesign(line)) return { step: cutAfterEndmodule(line), end: "endmodule" };
  const step = line.trimEnd();
  if (step.trim() === "") return { step: "", end: "empty" };
  // The prompt's own stop (the answer fence) ended the answer within this line.
  if (cut < 0 && finish === "stop") return { step, end: "stop" };
  return { step };
}

/**
 * Draws up to `n` continuations of `node` (one request) and adds them as children, identical steps merged.
 * Returns the new children (none when the budget is spent).
 */
export async function expand(ctx: SearchContext, tree: Tree, node: SearchNode, n: number): Promise<SearchNode[]> {
  // Trimmed requests: the continuation starts with a line end, so a line end cannot stop it (cut here instead).
  const stop = ctx.step.mode === "line" && !ctx.step.trim ? [...ctx.prompt.stop, "\n"] : ctx.prompt.stop;
  const room = ctx.maxTokens - node.tokens;
  const { generations, tokensEach } = await continueNode(
    ctx,
    node,
    n,
    stop,
    Math.max(1, Math.min(ctx.step.tokens, room)),
  );
  node.expanded = true;
  const added: SearchNode[] = [];
  const byStep = new Map<string, SearchNode>();
  for (const g of generations) {
    const { step, end } = cutStep(ctx, g.text, g.finishReason);
    const same = byStep.get(step);
    if (same) {
      same.duplicates++;
      continue;
    }
    // Trimmed requests draw past the line they keep: the path's length counts the kept text's share of the tokens.
    const kept = ctx.step.trim && g.text.length > 0 ? Math.min(1, step.length / g.text.length) : 1;
    const tokens = node.tokens + tokensEach * kept;
    const depth = node.depth + 1;
    const limit = end === undefined && (tokens >= ctx.maxTokens || depth >= ctx.maxDepth);
    const child = tree.add({
      parent: node.id,
      depth,
      kind: "step",
      step,
      prefix: node.prefix + step,
      terminal: end !== undefined || limit,
      tokens,
      ...((end !== undefined || limit) && { finish: end ?? "limit" }),
    });
    byStep.set(step, child);
    added.push(child);
  }
  await Promise.all(added.map((c) => evaluate(ctx, tree, c)));
  return added;
}

/**
 * A whole continuation cut into the steps a line-by-line search would have taken: lines with their line end, or
 * (`step.trim`) each line's leading whitespace and text without trailing blanks; the line that reaches `endmodule`
 * ends the design (text after it dropped). Whitespace-only pieces join the next line.
 */
export function splitContinuation(ctx: SearchContext, text: string): { steps: string[]; endmodule: boolean } {
  const pieces = ctx.step.trim ? text.split(/(?=\n)/) : text.split(/(?<=\n)/);
  const steps: string[] = [];
  let pending = "";
  for (const piece of pieces) {
    const joined = pending + piece;
    if (joined.trim() === "") {
      pending = joined;
      continue;
    }
    pending = "";
    if (endsDesign(joined)) {
      steps.push(cutAfterEndmodule(ctx.step.trim ? joined.trimEnd() : joined));
      return { steps, endmodule: true };
    }
    steps.push(ctx.step.trim ? joined.trimEnd() : joined);
  }
  return { steps, endmodule: false };
}

/**
 * Rollout expansion: draws up to `n` whole continuations of `node` (one request, the prompt's own stops, the answer
 * length left) and adds each as a path of step nodes below it, reusing nodes with the same step text. The nodes along
 * a path stay unexpanded (a later iteration can branch there); its last node is the finished design, scored by the
 * terminal reward. Returns each continuation's finished node, duplicates included (none when the budget is spent).
 */
export async function expandByRollout(
  ctx: SearchContext,
  tree: Tree,
  node: SearchNode,
  n: number,
): Promise<SearchNode[]> {
  const { generations, tokensEach } = await continueNode(
    ctx,
    node,
    n,
    ctx.prompt.stop,
    Math.max(1, ctx.maxTokens - node.tokens),
  );
  node.expanded = true;
  const ends: SearchNode[] = [];
  const fresh: SearchNode[] = [];
  for (const g of generations) {
    const { steps, endmodule } = splitContinuation(ctx, g.text);
    // An empty continuation still ends the design here, as an empty step does in step expansion.
    if (steps.length === 0) steps.push("");
    const total = steps.reduce((sum, step) => sum + step.length, 0);
    let at = node;
    // How the design ends: at endmodule, empty, at one of the prompt's stops, or cut by the length limit.
    const finish: Finish = endmodule
      ? "endmodule"
      : steps[0] === ""
        ? "empty"
        : g.finishReason === "stop"
          ? "stop"
          : "limit";
    for (const [i, step] of steps.entries()) {
      const last = i === steps.length - 1;
      const same = at.children.map((id) => tree.node(id)).find((c) => c.step === step && c.terminal === last);
      if (same) {
        // The same finished design again: merged, as identical steps are in step expansion.
        if (last) same.duplicates++;
        at = same;
        continue;
      }
      const share = total > 0 ? step.length / total : 1;
      at = tree.add({
        parent: at.id,
        depth: at.depth + 1,
        kind: "step",
        step,
        prefix: at.prefix + step,
        terminal: last,
        tokens: at.tokens + tokensEach * share,
        ...(last && { finish }),
      });
      if (last) fresh.push(at);
    }
    ends.push(at);
  }
  await Promise.all(fresh.map((c) => evaluate(ctx, tree, c)));
  return ends;
}

/** Sets a node's score: terminal reward for a finished design, value for a partial one. */
export async function evaluate(ctx: SearchContext, tree: Tree, node: SearchNode): Promise<number> {
  const steps = tree.steps(node);
  node.score = node.terminal
    ? await ctx.terminalReward(node, designOf(ctx, node), steps)
    : await ctx.value(node, steps);
  return node.score;
}

/** Highest score first, then the higher mean value, more visits, earlier creation. */
function better(a: SearchNode, b: SearchNode): number {
  return (b.score ?? 0) - (a.score ?? 0) || mean(b) - mean(a) || b.visits - a.visits || a.id - b.id;
}

/** The finished designs of a tree, best first (reward, mean value, visits, creation order). */
export function rankedTerminals(tree: Tree): SearchNode[] {
  return tree.nodes.filter((n) => n.terminal).sort(better);
}

/** The best finished design of a tree, if any. */
export function bestTerminal(tree: Tree): SearchNode | undefined {
  return rankedTerminals(tree)[0];
}

/**
 * Finishes the design from `node` when the search ended without one: one full continuation (the prompt's own stop
 * sequences, the remaining answer length) if the budget allows, else the prefix closed off as it is.
 */
export async function finishFrom(ctx: SearchContext, tree: Tree, node: SearchNode): Promise<SearchNode> {
  const room = Math.max(1, ctx.maxTokens - node.tokens);
  const { generations, tokensEach } = ctx.budget.exhausted
    ? { generations: [], tokensEach: 0 }
    : await continueNode(ctx, node, 1, ctx.prompt.stop, room);
  const g = generations[0];
  const text = g ? (endsDesign(g.text) ? cutAfterEndmodule(g.text) : g.text) : "";
  const child = tree.add({
    parent: node.id,
    depth: node.depth + 1,
    kind: "finish",
    step: text,
    prefix: node.prefix + text,
    terminal: true,
    tokens: node.tokens + tokensEach,
    finish: g ? (endsDesign(g.text) ? "endmodule" : "stop") : "closed-off",
  });
  node.expanded = true;
  await evaluate(ctx, tree, child);
  tree.backup(child, child.score ?? 0);
  return child;
}

/** Most visited child (then better score, then earlier), down to a leaf: the search's most trusted partial design. */
function mostVisitedLeaf(tree: Tree): SearchNode {
  let node = tree.root;
  while (node.children.length > 0) {
    const kids = node.children.map((id) => tree.node(id));
    kids.sort((a, b) => b.visits - a.visits || mean(b) - mean(a) || a.id - b.id);
    node = kids[0] as SearchNode;
  }
  return node;
}

/** A finished design for the search's answer: the best terminal node, else the most visited path finished. */
async function answer(ctx: SearchContext, tree: Tree): Promise<SearchNode> {
  const best = bestTerminal(tree);
  if (best) return best;
  const leaf = mostVisitedLeaf(tree);
  return leaf.terminal ? leaf : finishFrom(ctx, tree, leaf);
}

/** Calls kept back for finishing a design while the tree holds no finished one. */
const reserve = (tree: Tree) => (tree.nodes.some((n) => n.terminal) ? 0 : 1);

/** UCT: mean value plus c * sqrt(ln N(parent) / N(child)); ties to the earlier child. */
function selectChild(tree: Tree, node: SearchNode, c: number): SearchNode {
  let best: SearchNode | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  const lnN = Math.log(Math.max(node.visits, 1));
  for (const id of node.children) {
    const child = tree.node(id);
    const u = child.visits === 0 ? Number.POSITIVE_INFINITY : mean(child) + c * Math.sqrt(lnN / child.visits);
    if (u > bestScore) {
      best = child;
      bestScore = u;
    }
  }
  return best as SearchNode;
}

/** Whether any node below (or at) `node` can still be expanded. */
function hasOpenLeaf(tree: Tree, node: SearchNode): boolean {
  if (node.terminal) return false;
  if (!node.expanded) return true;
  return node.children.some((id) => hasOpenLeaf(tree, tree.node(id)));
}

/**
 * Monte Carlo tree search over steps. Each iteration descends from the root by UCT through expanded nodes to a
 * node not yet expanded, draws `width` continuations of it in one request, scores each child (value, or terminal
 * reward for a finished design) and backs every child's score up its path (one visit each). Subtrees with nothing
 * left to expand are skipped. Ends when the budget is spent (keeping one call to finish a design if none is
 * finished yet) or nothing is left to expand; the answer is the best finished design.
 */
export async function mcts(ctx: SearchContext, options: TreeOptions): Promise<{ tree: Tree; chosen: SearchNode }> {
  const tree = new Tree();
  const root = tree.root;
  root.score = await ctx.value(root, []);
  root.visits = 1;
  root.valueSum = root.score;
  while (hasOpenLeaf(tree, root)) {
    const room = ctx.budget.callsLeft - reserve(tree);
    if (room < 1 || ctx.budget.tokensLeft < 1) break;
    let node = root;
    while (node.expanded && !node.terminal) {
      const open = node.children.filter((id) => hasOpenLeaf(tree, tree.node(id)));
      if (open.length === 0) break;
      node = selectChild(tree, { ...node, children: open }, options.c);
    }
    if (node.terminal || node.expanded) break;
    const n = Math.min(options.width, room);
    if (options.expansion === "rollout") {
      const ends = await expandByRollout(ctx, tree, node, n);
      if (ends.length === 0) break;
      // One visit per continuation along its own path (a repeated design counts again).
      for (const end of ends) tree.backup(end, end.score ?? 0);
      continue;
    }
    const children = await expand(ctx, tree, node, n);
    if (children.length === 0) break;
    for (const child of children) tree.backup(child, child.score ?? 0, 1 + child.duplicates);
  }
  const chosen = await answer(ctx, tree);
  return { tree, chosen };
}

/**
 * Beam search over steps: each round expands every unfinished beam node with `width` continuations and keeps the
 * `beam` best nodes (finished ones compete with the new children). Ends when every beam node is finished, the
 * budget is spent (one call kept to finish a design if none is finished) or a round adds nothing.
 */
export async function beamSearch(
  ctx: SearchContext,
  options: TreeOptions,
): Promise<{ tree: Tree; chosen: SearchNode }> {
  const tree = new Tree();
  tree.root.score = await ctx.value(tree.root, []);
  let beam: SearchNode[] = [tree.root];
  for (;;) {
    const open = beam.filter((n) => !n.terminal);
    if (open.length === 0) break;
    const next: SearchNode[] = beam.filter((n) => n.terminal);
    let grew = false;
    for (const node of open) {
      const room = ctx.budget.callsLeft - reserve(tree);
      if (room < 1 || ctx.budget.tokensLeft < 1) {
        next.push(node);
        continue;
      }
      const children = await expand(ctx, tree, node, Math.min(options.width, room));
      for (const child of children) tree.backup(child, child.score ?? 0, 1 + child.duplicates);
      if (children.length === 0) next.push(node);
      else grew = true;
      next.push(...children);
    }
    beam = next.sort(better).slice(0, options.beam);
    if (!grew) break;
  }
  const chosen = await answer(ctx, tree);
  return { tree, chosen };
}
