import type { Command } from "commander";
import { serveModel } from "../../train/index.js";
import { intOption } from "../options.js";

interface ModelServeFlags {
  host: string;
  port: number;
  name?: string;
  threads?: number;
  python?: string;
  startTimeoutS: number;
  verbose?: boolean;
}

/** `rtlgym model serve`: an OpenAI-compatible endpoint for a trained model directory. */
export function registerModel(program: Command): void {
  const model = program.command("model").description("serve trained models");
  model
    .command("serve <model>")
    .description(
      "serve a Hugging Face model directory behind an OpenAI-compatible API (transformers serve: chat, completions, n, logprobs)",
    )
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <n>", "port (0 picks a free one)", intOption, 8001)
    .option("--name <name>", "model name clients send (default: the directory's name)")
    .option("--threads <n>", "torch CPU threads", intOption)
    .option("--python <path>", "the Python with adapters/python installed (default: $RTLGYM_PYTHON or .venv-adapters)")
    .option("--start-timeout-s <n>", "how long loading may take (a loaded machine needs more)", intOption, 180)
    .option("--verbose", "show the server's own log on stderr")
    .action(async (dir: string, flags: ModelServeFlags) => {
      const log = (line: string) => process.stderr.write(`rtlgym model serve: ${line}\n`);
      const served = await serveModel({
        model: dir,
        host: flags.host,
        port: flags.port,
        startTimeoutMs: flags.startTimeoutS * 1000,
        ...(flags.name !== undefined && { name: flags.name }),
        ...(flags.threads !== undefined && { threads: flags.threads }),
        ...(flags.python !== undefined && { python: flags.python }),
        ...(flags.verbose && { onStderr: (chunk: string) => process.stderr.write(chunk) }),
      });
      log(`model "${served.model}" (${dir})`);
      // The address goes to stdout alone, like `rtlgym serve`, for scripts that read where it listens.
      process.stdout.write(`listening on ${served.url}\n`);
      const result = await served.done;
      log(`stopped${result.exitCode !== null && result.exitCode !== 0 ? ` (exit code ${result.exitCode})` : ""}`);
    });
}
