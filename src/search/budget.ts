import type { GenerateRequest, Generation, LlmClient } from "../llm/index.js";

/** What one problem's search may spend. */
export interface BudgetLimits {
  /** Generations (each sample of an n > 1 request counts once): the unit strategies are compared at. */
  calls: number;
  /** Completion tokens, as the server reports them; unlimited when absent. */
  tokens?: number;
}

/** What a search spent. */
export interface Spent {
  /** Generations returned (each sample of a request counts). */
  calls: number;
  /** HTTP generation requests. */
  requests: number;
  completionTokens: number;
  promptTokens: number;
  /** Generations whose server reported no usage: their tokens are estimated from the text (4 characters a token). */
  estimatedTokens: number;
}

/** Generations of one request, and the completion tokens each cost on average (usage is per request). */
export interface Generated {
  generations: Generation[];
  tokensEach: number;
}

/**
 * Counts what a search spends and refuses to overspend: every model call of a strategy goes through
 * {@link Budget.generate}, which caps `n` at the calls left and `max_tokens` at the tokens left per sample.
 */
export class Budget {
  readonly spent: Spent = { calls: 0, requests: 0, completionTokens: 0, promptTokens: 0, estimatedTokens: 0 };

  constructor(
    readonly limits: BudgetLimits,
    private readonly client: LlmClient,
  ) {}

  get callsLeft(): number {
    return Math.max(0, this.limits.calls - this.spent.calls);
  }

  get tokensLeft(): number {
    return this.limits.tokens === undefined
      ? Number.POSITIVE_INFINITY
      : Math.max(0, this.limits.tokens - this.spent.completionTokens);
  }

  /** Nothing more can be asked: no call or no token left. */
  get exhausted(): boolean {
    return this.callsLeft === 0 || this.tokensLeft < 1;
  }

  /**
   * Asks for up to `request.n` generations (fewer when the budget has fewer calls left; none when it is spent).
   * `maxTokens` is cut so the n samples together cannot pass the token budget.
   */
  async generate(request: GenerateRequest & { maxTokens: number }): Promise<Generated> {
    const n = Math.min(request.n, this.callsLeft);
    if (n < 1) return { generations: [], tokensEach: 0 };
    const perSample = Math.floor(this.tokensLeft / n);
    const maxTokens = Math.min(request.maxTokens, perSample);
    if (maxTokens < 1) return { generations: [], tokensEach: 0 };
    const generations = await this.client.generate({ ...request, n, maxTokens });
    this.spent.requests++;
    this.spent.calls += generations.length;
    const reported = generations.some((g) => g.usage !== undefined);
    let tokens = 0;
    for (const g of generations) {
      if (g.usage) {
        tokens += g.usage.completionTokens;
        this.spent.promptTokens += g.usage.promptTokens;
      } else if (!reported) {
        const estimate = Math.ceil(g.text.length / 4);
        tokens += estimate;
        this.spent.estimatedTokens += estimate;
      }
    }
    this.spent.completionTokens += tokens;
    return { generations, tokensEach: generations.length > 0 ? tokens / generations.length : 0 };
  }
}
