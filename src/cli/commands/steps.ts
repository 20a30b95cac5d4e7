import type { Command } from "commander";
import type { PromptStyle } from "../../bench/prompts.js";
import type { EngineChoice } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { createClient } from "../../llm/index.js";
import { buildStepData, CHAT_TEMPLATES, type ChatTemplate, labelSteps } from "../../search/index.js";
import { findPython } from "../../train/index.js";
import { engineOption, intOption } from "../options.js";
import { progressLine } from "../throttle.js";
import { numberOption } from "./bench/shared.js";

/** `rtlgym data steps` and `rtlgym data step-labels` (StepPRM-RTL, issue 14 sections 1 and 2). */
export function registerStepData(program: Command): void {
  const data = program.commands.find((c) => c.name() === "data");
  if (!data) throw new Error("the data command must be registered before its step subcommands");

  data
    .command("steps")
    .description("verified solutions cut into step trajectories, each prefix a well-formed design with its exact score")
    .requiredOption(
      "--input <path>",
      "a `tasks generate` folder, a split folder, a problems.jsonl or an SFT export JSONL",
    )
    .requiredOption("--out <dir>", "output folder (steps.jsonl, manifest.json)")
    .option("--split <name>", "split of a tasks folder", "train")
    .option("--limit <n>", "first n solutions only", intOption)
    .option(
      "--samples-from <run>",
      "cut a stored run's scored answers (the model's own, failing ones kept) instead of the references",
    )
    .option(
      "--samples-per-problem <n>",
      "with --samples-from: distinct answers a problem, failing first (2)",
      intOption,
    )
    .option("--db <path>", "with --samples-from: the run store")
    .option("--no-slices", "relate steps to outputs by left-hand sides only (no slang)")
    .option("--python <path>", "Python with rtlgym_train and pyslang (default: .venv-adapters)")
    .option("--engine <engine>", "per-signal verification of the prefixes: sim | formal | both", engineOption, "sim")
    .option("--seed <n>", "stimulus seed", intOption, 1)
    .option("--timeout-ms <n>", "wall-clock limit of one verification", intOption)
    .option("--concurrency <n>", "solutions scored at once", intOption, 2)
    .option("--json", "print one JSON summary on stdout")
    .action(
      async (flags: {
        input: string;
        out: string;
        split: string;
        limit?: number;
        samplesFrom?: string;
        samplesPerProblem?: number;
        db?: string;
        slices: boolean;
        python?: string;
        engine: EngineChoice;
        seed: number;
        timeoutMs?: number;
        concurrency: number;
        json?: boolean;
      }) => {
        if (flags.samplesFrom === undefined && (flags.samplesPerProblem !== undefined || flags.db !== undefined))
          throw new BadInputError("--samples-per-problem and --db apply to --samples-from");
        const progress = progressLine("steps", flags.json === true);
        const summary = await buildStepData({
          input: flags.input,
          split: flags.split,
          out: flags.out,
          ...(flags.limit !== undefined && { limit: flags.limit }),
          ...(flags.samplesFrom !== undefined && {
            samples: {
              run: flags.samplesFrom,
              ...(flags.samplesPerProblem !== undefined && { perProblem: flags.samplesPerProblem }),
              ...(flags.db !== undefined && { db: flags.db }),
            },
          }),
          ...(flags.slices && { python: findPython(flags.python) }),
          verify: {
            engine: flags.engine,
            seed: flags.seed,
            ...(flags.timeoutMs !== undefined && { timeoutMs: flags.timeoutMs }),
          },
          concurrency: flags.concurrency,
          onProgress: progress.tick,
        });
        progress.done();
        if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else
          process.stdout.write(
            `${summary.trajectories} trajectories${summary.answers ? ` (answers: ${summary.answers.pass} pass, ${summary.answers.fail} fail)` : ""}, ${summary.steps} steps (${summary.slang} with slang slices) in ${summary.out}; ill-formed prefixes ${summary.illFormed}, last step differing from the solution ${summary.lastDiffers}; skipped ${JSON.stringify(summary.skipped)}; ${(summary.wallMs / 1000).toFixed(1)} s\n`,
          );
      },
    );

  data
    .command("step-labels")
    .description(
      "Math-Shepherd labels: N completions from every step prefix, verified (soft, hard) plus the prefix score",
    )
    .requiredOption("--steps <path>", "steps.jsonl or the folder `rtlgym data steps` wrote")
    .requiredOption("--out <dir>", "output folder (labels.jsonl, prm.jsonl, manifest.json)")
    .requiredOption("--endpoint <url>", "OpenAI-compatible base URL (completions API)")
    .requiredOption("--model <name>", "model name as the endpoint serves it")
    .option("--api-key <key>", "bearer token for the endpoint (default: $OPENAI_API_KEY)")
    .option("--rollouts <n>", "completions per step prefix", intOption, 8)
    .option("--prompt-style <style>", "rtlgym | upstream", "rtlgym")
    .option(
      "--chat-template <t>",
      "none (the raw prompt search continues) | chatml (the chat prompt in ChatML, for chat-trained models)",
      "none",
    )
    .option("--temperature <t>", "sampling temperature", numberOption, 0.8)
    .option("--top-p <p>", "nucleus sampling", numberOption)
    .option("--max-tokens <n>", "completion length limit", intOption, 512)
    .option("--seed <n>", "request and stimulus seed", intOption, 1)
    .option("--min-steps <n>", "only trajectories with at least n steps (2: something to roll out)", intOption)
    .option("--limit <n>", "first n trajectories only (after --min-steps)", intOption)
    .option("--engine <engine>", "verification of the rollouts: sim | formal | both", engineOption, "sim")
    .option("--timeout-ms <n>", "wall-clock limit of one verification", intOption)
    .option("--concurrency <n>", "trajectories labelled at once", intOption, 2)
    .option("--request-timeout-ms <n>", "per-request timeout", intOption, 600_000)
    .option("--retries <n>", "retries per request", intOption, 4)
    .option("--json", "print one JSON summary on stdout")
    .action(
      async (flags: {
        steps: string;
        out: string;
        endpoint: string;
        model: string;
        apiKey?: string;
        rollouts: number;
        promptStyle: string;
        chatTemplate: string;
        temperature: number;
        topP?: number;
        maxTokens: number;
        seed: number;
        minSteps?: number;
        limit?: number;
        engine: EngineChoice;
        timeoutMs?: number;
        concurrency: number;
        requestTimeoutMs: number;
        retries: number;
        json?: boolean;
      }) => {
        if (flags.promptStyle !== "rtlgym" && flags.promptStyle !== "upstream")
          throw new BadInputError(`--prompt-style must be rtlgym or upstream, got ${flags.promptStyle}`);
        if (!(CHAT_TEMPLATES as readonly string[]).includes(flags.chatTemplate))
          throw new BadInputError(`--chat-template must be one of ${CHAT_TEMPLATES.join(", ")}`);
        const apiKey = flags.apiKey ?? process.env.OPENAI_API_KEY;
        const client = createClient({
          baseUrl: flags.endpoint,
          model: flags.model,
          api: "completions",
          retries: flags.retries,
          timeoutMs: flags.requestTimeoutMs,
          ...(apiKey && { apiKey }),
        });
        await client.checkModel();
        const progress = progressLine("step-labels", flags.json === true);
        const summary = await labelSteps({
          steps: flags.steps,
          out: flags.out,
          client,
          model: flags.model,
          rollouts: flags.rollouts,
          promptStyle: flags.promptStyle as PromptStyle,
          chatTemplate: flags.chatTemplate as ChatTemplate,
          temperature: flags.temperature,
          ...(flags.topP !== undefined && { topP: flags.topP }),
          maxTokens: flags.maxTokens,
          seed: flags.seed,
          ...(flags.minSteps !== undefined && { minSteps: flags.minSteps }),
          ...(flags.limit !== undefined && { limit: flags.limit }),
          verify: {
            engine: flags.engine,
            seed: flags.seed,
            ...(flags.timeoutMs !== undefined && { timeoutMs: flags.timeoutMs }),
          },
          concurrency: flags.concurrency,
          onProgress: progress.tick,
        });
        progress.done();
        if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
        else
          process.stdout.write(
            `${summary.trajectories} trajectories, ${summary.steps} steps labelled with ${summary.rollouts} rollouts each (${summary.calls} calls, ${summary.requests} requests) in ${summary.out}; mean soft label ${summary.meanSoft.toFixed(3)}, hard ${summary.hardRate.toFixed(3)}, corr(soft, prefix score) ${summary.softPrefixCorrelation.toFixed(3)}; ${(summary.wallMs / 1000).toFixed(1)} s\n`,
          );
      },
    );
}
