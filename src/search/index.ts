/** Search at inference (sample, best-of-n, beam, MCTS over steps) and BM25 retrieval (prompts and RAFT data). */
export { Budget, type BudgetLimits, type Spent } from "./budget.js";
export { type PartialScore, partialScore, partialScores } from "./partial.js";
export { exportRaft, type RaftOptions, type RaftSummary } from "./raft.js";
export { type Corpus, type CorpusDoc, loadCorpus, Retriever, withExamples } from "./retrieve.js";
export { runSearch, type SearchRunInput, type SearchSummary, type StrategyResult, searchPrompt } from "./run.js";
export { chosenPath, treeHtml, treeText } from "./show.js";
export {
  closeOff,
  closers,
  clusterByBehaviour,
  createPrmClient,
  type DesignCheck,
  DesignChecker,
  drivenFraction,
  type PrmClient,
} from "./signals.js";
export { buildStepData, type StepDataSummary } from "./step-data.js";
export { labelSteps, type StepLabelSummary } from "./step-labels.js";
export { type NodeRecord, openSearchStore, SEARCH_RUN_KIND, type SearchStore } from "./store.js";
export {
  type ProblemOutcome,
  type Selection,
  searchProblem,
  type TerminalReward,
  type ValueSignal,
} from "./strategies.js";
export { CHAT_TEMPLATES, type ChatTemplate, scoredPrompt, templatedPrompt } from "./template.js";
export {
  beamSearch,
  DEFAULT_TREE_OPTIONS,
  mcts,
  type SearchContext,
  type SearchNode,
  type SearchPrompt,
  STRATEGIES,
  type StepOptions,
  type Strategy,
  splitContinuation,
  Tree,
  type TreeOptions,
} from "./tree.js";
