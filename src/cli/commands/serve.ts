import { availableParallelism } from "node:os";
import { type Command, InvalidArgumentError } from "commander";
import type { EngineChoice, StrengthBar } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { closeOnSignals, DEFAULT_CHECKER_OPTIONS, loadProblems, startServer } from "../../server/index.js";
import { engineOption, intOption, strengthOption } from "../options.js";

interface ServeFlags {
  host: string;
  port: number;
  problems?: string[];
  data?: string;
  workers?: number;
  token?: string;
  queue: number;
  timeoutMs?: number;
  hardTimeoutMs?: number;
  engine?: EngineChoice;
  infraErrorReward: number | null;
  simOnlyScale: number;
  minStrength?: StrengthBar;
  batchWindowMs: number;
  maxBatch: number;
  cache: number;
  maxBodyMb: number;
  maxItems: number;
}

/** `--infra-error-reward`: a finite number, or `null` to report the reward as missing. */
function rewardOption(value: string): number | null {
  if (value === "null") return null;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n))
    throw new InvalidArgumentError(`expected a number or null, got "${value}"`);
  return n;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the reward service for RL trainers (HTTP: /v1/verify, /v1/rewards, /get_reward, /metrics)")
    .option("--host <host>", "address to listen on (a non-loopback host needs a token)", "127.0.0.1")
    .option("--port <n>", "port (0 picks a free one)", intOption, 8000)
    .option(
      "--problems <suite-or-dir>",
      "problems to serve by <suite>/<id>: a suite name, NAME=DIR, or a folder of references (repeatable)",
      collect,
    )
    .option("--data <dir>", "data directory of the suites named by --problems")
    .option("--workers <n>", "simultaneous engine calls (default: the number of cores)", intOption)
    .option("--token <token>", "bearer token clients must send (default: $RTLGYM_TOKEN)")
    .option(
      "--queue <n>",
      "checks admitted and unanswered before requests get 429",
      intOption,
      DEFAULT_CHECKER_OPTIONS.queueLimit,
    )
    .option("--timeout-ms <n>", "wall-clock limit of one check (clients may lower it)", intOption)
    .option(
      "--hard-timeout-ms <n>",
      "watchdog over one engine call (default: above the engine's own worst case for the batch)",
      intOption,
    )
    .option("--engine <engine>", "sim | formal | both (default both)", engineOption)
    .option(
      "--infra-error-reward <number|null>",
      "reward for checks without a verdict (infra_error, unsupported); null reports it as missing",
      rewardOption,
      null,
    )
    .option(
      "--sim-only-scale <x>",
      "share of the reward a pass keeps when yosys cannot read the candidate, so only simulation judged it (0..1)",
      (v: string) => {
        const x = Number(v);
        if (!(Number.isFinite(x) && x >= 0 && x <= 1)) throw new InvalidArgumentError("expected a number in 0..1");
        return x;
      },
      1,
    )
    .option(
      "--min-strength <level[:toggle]>",
      "evidence a pass needs to be rewarded as one: simulated < bounded < proved, optionally with the share of the reference's state bits the simulation must toggle (bounded:0.9); a pass below it scores as a fail, the reason in details.belowMinStrength",
      strengthOption,
    )
    .option(
      "--batch-window-ms <n>",
      "how long a micro-batch waits for more candidates of its reference",
      intOption,
      DEFAULT_CHECKER_OPTIONS.batchWindowMs,
    )
    .option("--max-batch <n>", "candidates per engine call at most", intOption, DEFAULT_CHECKER_OPTIONS.maxBatch)
    .option(
      "--cache <n>",
      "results kept in the LRU cache (0 disables it)",
      intOption,
      DEFAULT_CHECKER_OPTIONS.cacheEntries,
    )
    .option("--max-body-mb <n>", "largest request body, MiB", intOption, 32)
    .option("--max-items <n>", "most items or samples in one request", intOption, 4096)
    .action(async (flags: ServeFlags) => {
      for (const [name, v] of [
        ["--workers", flags.workers],
        ["--queue", flags.queue],
        ["--max-batch", flags.maxBatch],
        ["--max-items", flags.maxItems],
      ] as const) {
        if (v !== undefined && v < 1) throw new BadInputError(`${name} must be at least 1`);
      }
      const token = flags.token ?? (process.env.RTLGYM_TOKEN || undefined);
      const log = (line: string) => process.stderr.write(`rtlgym serve: ${line}\n`);
      const problems = await loadProblems(flags.problems ?? [], flags.data);
      const workers = flags.workers ?? Math.max(availableParallelism(), 1);
      const running = await startServer({
        host: flags.host,
        port: flags.port,
        problems,
        ...(token !== undefined && { token }),
        infraErrorReward: flags.infraErrorReward,
        simOnlyScale: flags.simOnlyScale,
        ...(flags.minStrength && { minStrength: flags.minStrength }),
        maxBodyBytes: flags.maxBodyMb * 1024 * 1024,
        maxItems: flags.maxItems,
        verify: {
          ...(flags.engine !== undefined && { engine: flags.engine }),
          ...(flags.timeoutMs !== undefined && { timeoutMs: flags.timeoutMs }),
        },
        checker: {
          workers,
          queueLimit: flags.queue,
          batchWindowMs: flags.batchWindowMs,
          maxBatch: flags.maxBatch,
          cacheEntries: flags.cache,
          ...(flags.hardTimeoutMs !== undefined && { hardTimeoutMs: flags.hardTimeoutMs }),
        },
      });
      const suites = Object.entries(problems.suites())
        .map(([s, n]) => `${s} (${n})`)
        .join(", ");
      log(
        `${problems.size} problems${suites ? `: ${suites}` : ""}; ${workers} workers, queue ${flags.queue}, infra-error reward ${flags.infraErrorReward}${token ? ", token required" : ""}`,
      );
      // The address goes to stdout alone, for scripts that start the server and read where it listens.
      process.stdout.write(`listening on ${running.url}\n`);
      await new Promise<void>((resolve) => closeOnSignals(running, log, resolve));
      log("stopped");
    });
}
