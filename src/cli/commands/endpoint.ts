import type { Command } from "commander";
import { type Api, createClient, type LlmClient } from "../../llm/index.js";
import { intOption } from "../options.js";

/** Flags of the commands that call a model endpoint (distill, synthesize). */
export interface EndpointFlags {
  apiKey?: string;
  concurrency: number;
  retries: number;
  requestTimeoutMs: number;
  fanOut?: boolean;
}

/** The client flags `bench run` has too: bearer token, concurrency, retries, per-request timeout, fan-out. */
export function addEndpointFlags(cmd: Command): Command {
  return cmd
    .option("--api-key <key>", "bearer token for the endpoint (default: $OPENAI_API_KEY)")
    .option("--concurrency <n>", "requests in flight", intOption, 8)
    .option("--retries <n>", "retries per request (backoff, Retry-After honoured)", intOption, 4)
    .option("--request-timeout-ms <n>", "per-request timeout", intOption, 600_000)
    .option("--fan-out", "one request per sample instead of n (servers without n, e.g. llama.cpp)");
}

/** An OpenAI-compatible client from those flags, after checking the endpoint serves the model. */
export async function endpointClient(
  baseUrl: string,
  model: string,
  api: Api,
  flags: EndpointFlags,
): Promise<LlmClient> {
  const apiKey = flags.apiKey ?? process.env.OPENAI_API_KEY;
  const client = createClient({
    baseUrl,
    model,
    api,
    concurrency: Math.max(flags.concurrency, 1),
    retries: flags.retries,
    timeoutMs: flags.requestTimeoutMs,
    ...(apiKey && { apiKey }),
    ...(flags.fanOut && { fanOut: true }),
  });
  await client.checkModel();
  return client;
}
