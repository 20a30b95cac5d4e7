import type { Command } from "commander";
import { createProgress } from "../../../bench/progress.js";
import { writeReports } from "../../../bench/report/index.js";
import { runBench } from "../../../bench/run.js";
import { BadInputError } from "../../../core/errors.js";
import { createClient } from "../../../llm/index.js";
import { openStore } from "../../../runs/index.js";
import { toolVersions } from "../../../verify/index.js";
import { intOption } from "../../options.js";
import {
  addReportFlags,
  addSuiteFlags,
  addVerifyFlags,
  collect,
  defaultOutDir,
  loadSelection,
  numberOption,
  type ReportFlags,
  type SuiteFlags,
  type VerifyFlags,
  verifyOptions,
} from "./shared.js";
import { summaryText } from "./text.js";

interface RunFlags extends SuiteFlags, VerifyFlags, ReportFlags {
  endpoint: string;
  model: string;
  apiKey?: string;
  api: string;
  promptStyle: string;
  n: number;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string[];
  concurrency: number;
  retries: number;
  requestTimeoutMs: number;
  fanOut?: boolean;
  resume?: string;
  fresh?: boolean;
}

/** `bench run`: sample from a model endpoint, score, report; resumable. */
export function registerRun(bench: Command): void {
  const cmd = bench
    .command("run")
    .description("sample n responses per problem from an OpenAI-compatible endpoint, score them and report pass@k")
    .requiredOption(
      "--endpoint <url>",
      "OpenAI-compatible base URL (vLLM, SGLang, llama.cpp, Ollama), e.g. http://127.0.0.1:8000/v1",
    )
    .requiredOption("--model <name>", "model name as the endpoint serves it")
    .option("--api-key <key>", "bearer token for the endpoint (default: $OPENAI_API_KEY)")
    .option("--api <api>", "chat | completions", "chat")
    .option(
      "--prompt-style <style>",
      "upstream (the suite's own prompt conventions) | rtlgym | codev (<think>/<answer>, CodeV-R1)",
      "upstream",
    )
    .option("-n, --n <n>", "samples per problem", intOption, 1)
    .option("--temperature <t>", "sampling temperature", numberOption)
    .option("--top-p <p>", "nucleus sampling", numberOption)
    .option("--max-tokens <n>", "response token limit", intOption)
    .option("--stop <s>", "stop sequence (repeatable)", collect)
    .option("--concurrency <n>", "requests in flight", intOption, 8)
    .option("--retries <n>", "retries per request (backoff, Retry-After honoured)", intOption, 4)
    .option("--request-timeout-ms <n>", "per-request timeout", intOption, 600_000)
    .option("--fan-out", "one request per sample instead of n (servers without n, e.g. llama.cpp)")
    .option(
      "--resume <run-id>",
      "resume this run, or grow it with more problems (default: the newest unfinished run with the same parameters)",
    )
    .option("--fresh", "start a new run even if an unfinished one with the same parameters exists");
  addSuiteFlags(cmd);
  addVerifyFlags(cmd);
  addReportFlags(cmd);
  cmd.action(async (flags: RunFlags) => {
    if (flags.api !== "chat" && flags.api !== "completions")
      throw new BadInputError(`--api must be chat or completions, got ${flags.api}`);
    if (flags.promptStyle !== "upstream" && flags.promptStyle !== "rtlgym" && flags.promptStyle !== "codev") {
      throw new BadInputError(`--prompt-style must be upstream, rtlgym or codev, got ${flags.promptStyle}`);
    }
    if (flags.n < 1) throw new BadInputError("-n must be at least 1");
    const { suite, problems } = await loadSelection(flags);
    const apiKey = flags.apiKey ?? process.env.OPENAI_API_KEY;
    const client = createClient({
      baseUrl: flags.endpoint,
      model: flags.model,
      api: flags.api,
      concurrency: Math.max(flags.concurrency, 1),
      retries: flags.retries,
      timeoutMs: flags.requestTimeoutMs,
      ...(apiKey && { apiKey }),
      ...(flags.fanOut && { fanOut: true }),
    });
    await client.checkModel();
    const store = openStore(flags.db);
    try {
      const active = problems.filter((p) => p.excluded === undefined).length;
      const silent = flags.quiet === true || flags.json === true;
      // Created once the run is known, so a resumed run counts only what is left.
      let progress = createProgress({ total: 0, label: "", silent: true });
      const out = await runBench({
        suite,
        problems,
        client,
        endpoint: flags.endpoint,
        model: flags.model,
        api: flags.api,
        promptStyle: flags.promptStyle,
        n: flags.n,
        sampling: {
          seed: flags.seed,
          ...(flags.temperature !== undefined && { temperature: flags.temperature }),
          ...(flags.topP !== undefined && { topP: flags.topP }),
          ...(flags.maxTokens !== undefined && { maxTokens: flags.maxTokens }),
          ...(flags.stop && { stop: flags.stop }),
        },
        ...(flags.k && { ks: flags.k }),
        ...(flags.minStrength && { minStrength: flags.minStrength }),
        score: {
          verify: verifyOptions(flags),
          official: flags.official,
          officialTimeoutMs: flags.officialTimeoutMs,
        },
        store,
        toolVersions: await toolVersions(),
        ...(flags.resume !== undefined && { runId: flags.resume }),
        ...(flags.fresh && { fresh: true }),
        onStart: (info) => {
          progress = createProgress({
            total: active * flags.n - info.alreadyScored,
            label: `run ${suite.name} ${flags.model}`,
            silent,
          });
          // Said even with --json (on stderr): a user must know when earlier samples were reused.
          if (flags.quiet !== true) {
            process.stderr.write(
              info.resumed
                ? `rtlgym: resuming run ${info.runId}: ${info.alreadyScored} samples already scored\n`
                : `rtlgym: run ${info.runId}\n`,
            );
          }
        },
        onEvent: (e) => {
          if (e.kind === "scored")
            progress.tick({ problem: e.score.problem, sample: e.score.sample, status: e.score.status });
          else if (e.kind === "generation-failed") progress.log(`${e.problem}: generation failed: ${e.error}`);
        },
      });
      progress.done();
      const files = await writeReports(flags.out ?? defaultOutDir(out.run.id), out.summary, out.scores);
      if (flags.json) process.stdout.write(`${JSON.stringify(out.summary)}\n`);
      else process.stdout.write(`${summaryText(out.summary)}reports: ${files.html}\n`);
      if (out.missing > 0) {
        process.stderr.write(
          `rtlgym: ${out.missing} samples could not be generated; run the same command again to resume run ${out.run.id}\n`,
        );
        process.exitCode = 2;
      }
    } finally {
      store.close();
    }
  });
}
