import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { createProgress } from "../../bench/progress.js";
import type { EngineChoice } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { createClient } from "../../llm/index.js";
import {
  CHAT_TEMPLATES,
  type ChatTemplate,
  createPrmClient,
  DEFAULT_TREE_OPTIONS,
  exportRaft,
  loadCorpus,
  openSearchStore,
  Retriever,
  runSearch,
  type SearchSummary,
  STRATEGIES,
  type Strategy,
  treeHtml,
  treeText,
} from "../../search/index.js";
import { servePrm } from "../../train/index.js";
import { engineOption, intOption } from "../options.js";
import { proofTable, runProofFromFlags } from "../search-proof.js";
import { progressLine } from "../throttle.js";
import { addSuiteFlags, loadSelection, numberOption, pct, type SuiteFlags } from "./bench/shared.js";

interface SearchFlags extends SuiteFlags {
  endpoint?: string;
  model?: string;
  apiKey?: string;
  api: string;
  promptStyle: string;
  chatTemplate: string;
  trimWhitespace?: boolean;
  config?: string;
  stagesFrom?: string;
  tasks?: string;
  out?: string;
  strategy: string;
  budgetCalls: number;
  budgetTokens?: number;
  width: number;
  beam: number;
  c: number;
  expand: string;
  step: string;
  stepTokens: number;
  maxTokens: number;
  maxDepth: number;
  temperature: number;
  topP?: number;
  seed: number;
  prm?: string;
  prmThreads?: number;
  terminalReward: string;
  value: string;
  consistency: boolean;
  select: string;
  retrieve: number;
  corpus?: string;
  engine: EngineChoice;
  timeoutMs?: number;
  concurrency: number;
  requestTimeoutMs: number;
  retries: number;
  db?: string;
  json?: boolean;
  quiet?: boolean;
}

function parseStrategies(value: string): Strategy[] {
  const list = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of list) {
    if (!(STRATEGIES as readonly string[]).includes(s)) {
      throw new BadInputError(`unknown --strategy ${s}; one or more of ${STRATEGIES.join(", ")} (comma-separated)`);
    }
  }
  if (list.length === 0) throw new BadInputError("--strategy is empty");
  return list as Strategy[];
}

export function summaryTable(summary: SearchSummary): string {
  const head = "strategy     retrieval  pass@1   calls  requests  tokens   wall     any-pass(oracle)  errors";
  const rows = summary.results.map((r) =>
    [
      r.strategy.padEnd(12),
      String(r.retrieval).padEnd(10),
      pct(r["pass@1"]).padEnd(8),
      String(r.calls).padEnd(6),
      String(r.requests).padEnd(9),
      String(Math.round(r.completionTokens)).padEnd(8),
      `${(r.wallMs / 1000).toFixed(1)}s`.padEnd(8),
      `${r.oracleAnyPass}/${r.problems}`.padEnd(17),
      String(r.errors),
    ].join(" "),
  );
  const b = summary.results[0]?.budget;
  return `search run ${summary.runId}: ${summary.suite}, model ${summary.model}, budget ${b?.calls} calls${b?.tokens !== undefined ? `, ${b.tokens} tokens` : ""} per problem\n${head}\n${rows.join("\n")}\n`;
}

/** `rtlgym search`: sampling, best-of-n, beam and MCTS at equal budget; `search show` replays a stored tree. */
export function registerSearch(program: Command): void {
  const search = program
    .command("search")
    .description(
      "search at inference: sample | best-of-n | beam | mcts (comma-separated to compare at equal budget), optional BM25 retrieval",
    )
    .option("--endpoint <url>", "OpenAI-compatible base URL (completions API for beam and mcts)")
    .option("--model <name>", "model name as the endpoint serves it")
    .option("--api-key <key>", "bearer token for the endpoint (default: $OPENAI_API_KEY)")
    .option("--api <api>", "completions | chat (chat: sample and best-of-n only)", "completions")
    .option("--prompt-style <style>", "rtlgym | upstream", "rtlgym")
    .option(
      "--chat-template <t>",
      "none (rtlgym's raw prompt) | chatml (the chat prompt in ChatML, the answer prefilled: for chat-trained models)",
      "none",
    )
    .option(
      "--trim-whitespace",
      "end every request at the answer's last visible character (the model writes the line end and indentation)",
    )
    .option(
      "--config <file>",
      "run the StepPRM proof from a recipe file (recipes/stepprm/testbed.yaml); --model DIR, --tasks, --out, --seed override it",
    )
    .option("--tasks <dir>", "with --config: the tasks folder")
    .option("--out <dir>", "with --config: the out folder (finished stages in it are reused)")
    .option(
      "--stages-from <dir>",
      "with --config: use the steps, labels and PRM of another run's out folder (e.g. seed 1's for seeds 2 and 3)",
    )
    .option("--strategy <list>", `one or more of ${STRATEGIES.join(", ")}, comma-separated`, "sample")
    .option("--budget-calls <n>", "model generations per problem (each sample of a request counts)", intOption, 8)
    .option("--budget-tokens <n>", "completion tokens per problem", intOption)
    .option("--width <n>", "children per expansion (beam, mcts)", intOption, DEFAULT_TREE_OPTIONS.width)
    .option("--beam <n>", "beam width", intOption, DEFAULT_TREE_OPTIONS.beam)
    .option("--c <x>", "UCT exploration constant", numberOption, DEFAULT_TREE_OPTIONS.c)
    .option(
      "--expand <mode>",
      "MCTS expansion: step (--width next steps, each scored by the value) | rollout (--width whole continuations, each a finished design)",
      "step",
    )
    .option("--step <mode>", "line (stop at each newline) | tokens (--step-tokens chunks cut to a line)", "line")
    .option("--step-tokens <n>", "token limit of one step", intOption, 48)
    .option("--max-tokens <n>", "answer length limit in tokens", intOption, 512)
    .option("--max-depth <n>", "steps per answer at most", intOption, 64)
    .option("--temperature <t>", "sampling temperature", numberOption, 0.8)
    .option("--top-p <p>", "nucleus sampling", numberOption)
    .option("--seed <n>", "sampling and stimulus seed", intOption, 1)
    .option(
      "--prm <url|dir>",
      "process reward model: an endpoint (POST {problem, prompt, steps} -> {score}) or a `rtlgym train prm` directory (served for the run)",
    )
    .option("--prm-threads <n>", "torch CPU threads of a PRM directory's scorer", intOption)
    .option(
      "--terminal-reward <kind>",
      "inference (elaborates, times the PRM score) | oracle (verification against the reference: an upper bound)",
      "inference",
    )
    .option(
      "--value <kind>",
      "value of partial designs: inference (PRM, else elaboration and driven outputs) | signals (per-signal prefix score: reads the reference, an oracle baseline)",
      "inference",
    )
    .option(
      "--no-consistency",
      "do not group samples (best-of-n) or tied finished designs (beam, mcts) by simulated behaviour",
    )
    .option(
      "--select <how>",
      "the answer: rank (first difference wins: elaborates, driven outputs, PRM, cluster size) | vote (PRM-weighted self-consistency: the behaviour cluster with the largest summed score)",
      "rank",
    )
    .option("--retrieve <k>", "put the k best BM25 matches from --corpus in each prompt", intOption, 0)
    .option("--corpus <dir>", "retrieval corpus: a tasks folder (its train split) or a `data ingest` dataset")
    .option("--engine <engine>", "verification of the answers: sim | formal | both", engineOption, "both")
    .option("--timeout-ms <n>", "wall-clock limit of one verification", intOption)
    .option("--concurrency <n>", "problems searched at once", intOption, 2)
    .option("--request-timeout-ms <n>", "per-request timeout", intOption, 600_000)
    .option("--retries <n>", "retries per request", intOption, 4)
    .option("--db <path>", "run store (default: $RTLGYM_HOME/rtlgym.db or ~/.rtlgym/rtlgym.db)")
    .option("--json", "print one summary object on stdout")
    .option("--quiet", "no progress output");
  addSuiteFlags(search);
  // Checked in the action instead: a mandatory option on the parent would also be demanded by `search show`.
  for (const o of search.options) if (o.long === "--suite") o.mandatory = false;
  search.action(async (flags: SearchFlags) => {
    if (flags.config !== undefined) {
      // With --config, --model, --tasks, --out and --seed override the recipe's (the model is its SFT directory).
      const summary = await runProofFromFlags(flags.config, {
        ...(flags.model !== undefined && { model: flags.model }),
        ...(flags.tasks !== undefined && { tasks: flags.tasks }),
        ...(flags.out !== undefined && { out: flags.out }),
        ...(flags.stagesFrom !== undefined && { stagesFrom: flags.stagesFrom }),
        ...(search.getOptionValueSource("seed") === "cli" && { seed: flags.seed }),
        json: flags.json === true,
        quiet: flags.quiet === true,
        ...(flags.db !== undefined && { db: flags.db }),
      });
      process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : proofTable(summary));
      return;
    }
    if (flags.stagesFrom !== undefined)
      throw new BadInputError("--stages-from applies to --config (the StepPRM proof)");
    if (!flags.suite) throw new BadInputError("rtlgym search needs --suite (and --data for suites that read files)");
    if (!flags.endpoint || !flags.model) throw new BadInputError("rtlgym search needs --endpoint and --model");
    if (flags.api !== "chat" && flags.api !== "completions")
      throw new BadInputError(`--api must be chat or completions, got ${flags.api}`);
    if (flags.promptStyle !== "upstream" && flags.promptStyle !== "rtlgym")
      throw new BadInputError(`--prompt-style must be upstream or rtlgym, got ${flags.promptStyle}`);
    if (flags.step !== "line" && flags.step !== "tokens")
      throw new BadInputError(`--step must be line or tokens, got ${flags.step}`);
    if (flags.expand !== "step" && flags.expand !== "rollout")
      throw new BadInputError(`--expand must be step or rollout, got ${flags.expand}`);
    if (flags.select !== "rank" && flags.select !== "vote")
      throw new BadInputError(`--select must be rank or vote, got ${flags.select}`);
    if (flags.select === "vote" && !flags.consistency)
      throw new BadInputError(
        "--select vote clusters designs by behaviour: it cannot be combined with --no-consistency",
      );
    if (flags.terminalReward !== "inference" && flags.terminalReward !== "oracle")
      throw new BadInputError(`--terminal-reward must be inference or oracle, got ${flags.terminalReward}`);
    for (const [name, v] of [
      ["--budget-calls", flags.budgetCalls],
      ["--width", flags.width],
      ["--beam", flags.beam],
      ["--step-tokens", flags.stepTokens],
      ["--max-tokens", flags.maxTokens],
      ["--max-depth", flags.maxDepth],
    ] as const) {
      if (v < 1) throw new BadInputError(`${name} must be at least 1`);
    }
    if (flags.budgetTokens !== undefined && flags.budgetTokens < 1)
      throw new BadInputError("--budget-tokens must be at least 1");
    if (flags.value !== "inference" && flags.value !== "signals")
      throw new BadInputError(`--value must be inference or signals, got ${flags.value}`);
    if (!(CHAT_TEMPLATES as readonly string[]).includes(flags.chatTemplate))
      throw new BadInputError(`--chat-template must be one of ${CHAT_TEMPLATES.join(", ")}`);
    if (flags.api === "chat" && flags.chatTemplate !== "none")
      throw new BadInputError("--chat-template renders a completions prompt: use --api completions");
    if (flags.retrieve > 0 && !flags.corpus) throw new BadInputError("--retrieve needs --corpus <dir>");
    const strategies = parseStrategies(flags.strategy);
    if (flags.api === "chat" && strategies.some((s) => s === "beam" || s === "mcts")) {
      throw new BadInputError(
        "beam and mcts continue partial designs through the completions API (raw prompt): use --api completions",
      );
    }
    const { suite, problems } = await loadSelection(flags);
    const corpus = flags.retrieve > 0 && flags.corpus ? await loadCorpus(flags.corpus) : undefined;
    if (corpus?.decontaminated === false && flags.quiet !== true) {
      process.stderr.write(
        `warning: retrieval corpus ${flags.corpus} was not decontaminated (rtlgym data decontaminate): it may hold benchmark code\n`,
      );
    }
    const retrieval = corpus ? { retriever: new Retriever(corpus), k: flags.retrieve } : undefined;
    const apiKey = flags.apiKey ?? process.env.OPENAI_API_KEY;
    const client = createClient({
      baseUrl: flags.endpoint,
      model: flags.model,
      api: flags.api,
      retries: flags.retries,
      timeoutMs: flags.requestTimeoutMs,
      ...(apiKey && { apiKey }),
    });
    await client.checkModel();
    // A PRM directory is served for the run (rtlgym_train prm serve, a free local port) and stopped after it.
    const prmServer =
      flags.prm !== undefined && !/^https?:\/\//.test(flags.prm)
        ? await servePrm({
            model: flags.prm,
            port: 0,
            ...(flags.prmThreads !== undefined && { threads: flags.prmThreads }),
          })
        : undefined;
    const prmUrl = prmServer?.url ?? flags.prm;
    const store = openSearchStore(flags.db);
    const active = problems.filter((p) => p.excluded === undefined).length;
    const progress = createProgress({
      total: active * strategies.length,
      label: `search ${suite.name} ${strategies.join(",")}`,
      silent: flags.quiet === true || flags.json === true,
    });
    try {
      const summary = await runSearch({
        suite,
        problems,
        client,
        endpoint: flags.endpoint,
        model: flags.model,
        api: flags.api,
        promptStyle: flags.promptStyle,
        chatTemplate: flags.chatTemplate as ChatTemplate,
        strategies,
        budget: { calls: flags.budgetCalls, ...(flags.budgetTokens !== undefined && { tokens: flags.budgetTokens }) },
        sampling: {
          seed: flags.seed,
          temperature: flags.temperature,
          ...(flags.topP !== undefined && { topP: flags.topP }),
        },
        step: { mode: flags.step, tokens: flags.stepTokens, trim: flags.trimWhitespace === true },
        maxTokens: flags.maxTokens,
        maxDepth: flags.maxDepth,
        tree: { width: flags.width, beam: flags.beam, c: flags.c, expansion: flags.expand },
        ...(prmUrl !== undefined && { prm: createPrmClient(prmUrl) }),
        terminalReward: flags.terminalReward,
        value: flags.value,
        consistency: flags.consistency,
        ...(flags.select === "vote" && { select: "vote" as const }),
        verify: {
          engine: flags.engine,
          seed: flags.seed,
          ...(flags.timeoutMs !== undefined && { timeoutMs: flags.timeoutMs }),
        },
        ...(retrieval && { retrieval }),
        store,
        concurrency: flags.concurrency,
        onStart: (runId) => {
          if (flags.quiet !== true) process.stderr.write(`rtlgym: search run ${runId}\n`);
        },
        onProblem: (o) =>
          progress.tick({ problem: `${o.strategy} ${o.problem}`, sample: 0, status: o.pass >= 1 ? "pass" : o.status }),
      });
      progress.done();
      process.stdout.write(flags.json ? `${JSON.stringify(summary)}\n` : summaryTable(summary));
    } finally {
      store.close();
      await prmServer?.close();
    }
  });

  search
    .command("show <run>")
    .description("replay a stored search: results per strategy, or one problem's tree (text, JSON or an HTML page)")
    .option("--strategy <s>", "the strategy whose tree to show (default: the run's last)")
    .option("--problem <id>", "show this problem's tree (default: the run's summary and per-problem outcomes)")
    .option("--html <file>", "write the tree as an HTML page")
    .option("--db <path>", "run store")
    .option("--json", "print JSON")
    .action(
      async (
        runId: string,
        own: { strategy?: string; problem?: string; html?: string; db?: string; json?: boolean },
      ) => {
        // Commander hands options the parent also declares (--db, --json, --strategy) to the parent.
        const parent = search.opts<SearchFlags>();
        const flags = {
          ...own,
          db: own.db ?? parent.db,
          json: own.json ?? parent.json,
          strategy: own.strategy ?? (search.getOptionValueSource("strategy") === "cli" ? parent.strategy : undefined),
        };
        const store = openSearchStore(flags.db);
        try {
          const run = store.getRun(runId);
          if (!run) {
            const recent = store.listRuns(5).map((r) => r.id);
            throw new BadInputError(
              `no search run "${runId}" in ${store.path}${recent.length > 0 ? `; recent: ${recent.join(", ")}` : ""}`,
            );
          }
          const strategies = (run.params.strategies as string[] | undefined) ?? [];
          const strategy = flags.strategy ?? strategies.at(-1) ?? "sample";
          if (flags.problem === undefined) {
            const problems = store.problems(runId, flags.strategy);
            if (flags.json) {
              process.stdout.write(`${JSON.stringify({ run, problems })}\n`);
              return;
            }
            if (run.summary) process.stdout.write(summaryTable(run.summary as unknown as SearchSummary));
            else process.stdout.write(`search run ${run.id}: ${run.status}\n`);
            for (const p of problems) {
              process.stdout.write(
                `${p.strategy.padEnd(10)} ${p.problem.padEnd(32)} pass=${p.pass.toFixed(2)} ${p.status.padEnd(18)} calls=${p.spent.calls} chosen=${p.chosen ?? "-"}\n`,
              );
            }
            return;
          }
          const record = store.problems(runId, strategy).find((p) => p.problem === flags.problem);
          if (!record) throw new BadInputError(`run ${runId} has no ${strategy} search of problem ${flags.problem}`);
          const nodes = store.nodes(runId, strategy, flags.problem);
          if (flags.html) {
            await writeFile(flags.html, treeHtml(`${runId} ${strategy} ${flags.problem}`, nodes, record.code));
            process.stderr.write(`wrote ${flags.html}\n`);
          }
          if (flags.json) process.stdout.write(`${JSON.stringify({ run: run.id, record, nodes })}\n`);
          else if (!flags.html) {
            process.stdout.write(
              `${strategy} ${flags.problem}: pass=${record.pass} ${record.status}, ${nodes.length} nodes, chosen #${record.chosen ?? "-"}\n`,
            );
            process.stdout.write(treeText(nodes));
          }
        } finally {
          store.close();
        }
      },
    );
}

/** `rtlgym data raft`: retrieval-augmented SFT rows from a tasks folder's train split. */
export function registerRaft(data: Command): void {
  data
    .command("raft")
    .description("retrieval-augmented fine-tuning rows (RAFT): each train task's prompt with its k best BM25 matches")
    .requiredOption("--tasks <dir>", "a folder written by `rtlgym tasks generate`")
    .requiredOption("--out <dir>", "output folder (train/sft*.jsonl and .parquet, manifest.json)")
    .option("--k <n>", "retrieved examples per row", intOption, 2)
    .option("--json", "print one JSON summary on stdout")
    .action(async (flags: { tasks: string; out: string; k: number; json?: boolean }) => {
      const progress = progressLine("raft", flags.json === true);
      const summary = await exportRaft({ tasks: flags.tasks, out: flags.out, k: flags.k, onProgress: progress.tick });
      progress.done();
      if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else
        process.stdout.write(
          `${summary.rows} rows (k=${summary.k}, corpus ${summary.corpus}) in ${summary.out}; ${summary.contaminatedRows} train tasks dropped as held-out designs\n`,
        );
    });
}
