import http from "node:http";
import https from "node:https";
import { setTimeout as sleep } from "node:timers/promises";
import pLimit from "p-limit";
import { z } from "zod";
import { BadInputError, RtlgymError } from "../core/errors.js";

/*
 * Requests go through node:http rather than the global fetch: fetch (undici) gives up after 300 s without response
 * headers, and a non-streaming completion sends its headers only when generation ends, so long generations from a
 * local server would fail whatever `timeoutMs` says.
 */

/** Which OpenAI endpoint to call: `/v1/chat/completions` (messages) or `/v1/completions` (raw prompt). */
export type Api = "chat" | "completions";

/** Options for {@link createClient}; see {@link DEFAULT_CLIENT_OPTIONS} for the defaults. */
export const ClientOptions = z.object({
  /** Server root, with or without a trailing `/v1` (`http://localhost:8000` and `http://localhost:8000/v1` agree). */
  baseUrl: z.url({ protocol: /^https?$/ }),
  apiKey: z.string().optional(),
  model: z.string().min(1),
  api: z.enum(["chat", "completions"]).optional(),
  /** HTTP requests in flight at once across every `generate` call of this client. */
  concurrency: z.number().int().positive().optional(),
  /** Further attempts after a retryable failure (network error, timeout, 408, 409, 429, 5xx). */
  retries: z.number().int().nonnegative().optional(),
  /** Limit on one HTTP attempt, headers and body. */
  timeoutMs: z.number().positive().optional(),
  /** First backoff delay; doubled on each retry, with jitter, up to `maxBackoffMs`. */
  backoffMs: z.number().nonnegative().optional(),
  maxBackoffMs: z.number().nonnegative().optional(),
  /** Always send n separate requests instead of `n` (servers that lack `n`, or to get per-sample seeds). */
  fanOut: z.boolean().optional(),
  /** Extra HTTP headers on every request. */
  headers: z.record(z.string(), z.string()).optional(),
  /** Extra JSON fields merged into every request body (e.g. vLLM `chat_template_kwargs`, `top_k`). */
  extraBody: z.record(z.string(), z.unknown()).optional(),
});
export type ClientOptions = z.input<typeof ClientOptions>;

/** Resolved client options: every default filled in. */
export interface ResolvedClientOptions {
  baseUrl: string;
  apiKey: string | undefined;
  model: string;
  api: Api;
  concurrency: number;
  retries: number;
  timeoutMs: number;
  backoffMs: number;
  maxBackoffMs: number;
  fanOut: boolean;
  headers: Record<string, string>;
  extraBody: Record<string, unknown>;
}

/** Defaults for every optional client option. */
export const DEFAULT_CLIENT_OPTIONS = {
  api: "chat",
  concurrency: 8,
  retries: 4,
  timeoutMs: 600_000,
  backoffMs: 500,
  maxBackoffMs: 30_000,
  fanOut: false,
} as const satisfies Partial<ResolvedClientOptions>;

/** Longest Retry-After rtlgym honours; a server asking for more gets this. */
const MAX_RETRY_AFTER_MS = 120_000;
/** Responses above this size are cut (and then fail validation) rather than filling memory. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const BODY_TAIL_CHARS = 2000;

/** One generation request: `n` samples of the same prompt. */
export interface GenerateRequest {
  system?: string;
  prompt: string;
  /**
   * Text the answer starts with. Chat: sent as a final assistant message to continue (vLLM/SGLang
   * `continue_final_message`); completions: appended to the prompt. The returned text does not repeat it.
   */
  prefill?: string;
  n: number;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  /** Seed of the first sample; fanned-out requests use seed, seed+1, ... */
  seed?: number;
  stop?: string[];
}

/** Token counts the server reported. */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** One sampled answer. */
export interface Generation {
  text: string;
  /** `stop`, `length`, ... as the server reported it; null when it reported none. */
  finishReason: string | null;
  /**
   * Usage of the HTTP request that produced this generation, set on the first generation of that request only, so
   * summing over generations counts every token once.
   */
  usage?: Usage;
  /** Duration of the successful HTTP attempt that produced this generation. */
  latencyMs: number;
  /** Response `id` (or the `x-request-id` header). */
  requestId?: string;
  /** Separate reasoning text (vLLM/SGLang reasoning parsers put `<think>` content in `reasoning_content`). */
  reasoning?: string;
  /** Seed sent with the request that produced this generation. */
  seed?: number;
}

/** Why a model endpoint call failed. */
export type LlmFailure = "http" | "network" | "timeout" | "invalid-response" | "model-not-found";

/** Details an {@link LlmError} carries. */
export interface LlmErrorDetails {
  url: string;
  status?: number;
  /** Last characters of the response body. */
  bodyTail?: string;
  attempts?: number;
  retryAfterMs?: number;
}

/** A model endpoint failed: HTTP error, network failure, timeout, or a response that is not the OpenAI shape. */
export class LlmError extends RtlgymError {
  readonly failure: LlmFailure;
  readonly url: string;
  readonly status: number | undefined;
  readonly bodyTail: string | undefined;
  readonly attempts: number;
  readonly retryAfterMs: number | undefined;

  constructor(failure: LlmFailure, message: string, details: LlmErrorDetails, options?: { cause?: unknown }) {
    const { url, status, bodyTail, attempts = 1, retryAfterMs } = details;
    const clientSide =
      failure === "model-not-found" || (status !== undefined && status < 500 && !isRetryableStatus(status));
    super(clientSide ? "BAD_INPUT" : "TOOL_CRASHED", message, { url, status, bodyTail, attempts }, options);
    this.failure = failure;
    this.url = url;
    this.status = status;
    this.bodyTail = bodyTail;
    this.attempts = attempts;
    this.retryAfterMs = retryAfterMs;
  }

  /** Worth another attempt: network errors, timeouts, 408, 409, 429 and 5xx. */
  get retryable(): boolean {
    if (this.failure === "network" || this.failure === "timeout") return true;
    return this.failure === "http" && this.status !== undefined && isRetryableStatus(this.status);
  }
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** The OpenAI-compatible client {@link createClient} returns. */
export interface LlmClient {
  readonly options: Readonly<ResolvedClientOptions>;
  /** Samples `request.n` answers, in order; throws {@link LlmError} when the endpoint fails after its retries. */
  generate(request: GenerateRequest, signal?: AbortSignal): Promise<Generation[]>;
  /** Throws an LlmError listing the served models when `options.model` is not one of them. */
  checkModel(signal?: AbortSignal): Promise<void>;
}

/** `http://host:8000`, `http://host:8000/`, `http://host:8000/v1/` -> `http://host:8000/v1`. */
export function normalizeBaseUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, "");
  return /\/v1$/.test(trimmed) ? trimmed : `${trimmed}/v1`;
}

const Usage = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative().optional(),
});

const ChatResponse = z.object({
  id: z.string().nullish(),
  choices: z.array(
    z.object({
      index: z.number().int().optional(),
      message: z.object({
        content: z.string().nullish(),
        reasoning_content: z.string().nullish(),
        reasoning: z.string().nullish(),
      }),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: Usage.nullish().catch(null),
});

const CompletionResponse = z.object({
  id: z.string().nullish(),
  choices: z.array(
    z.object({ index: z.number().int().optional(), text: z.string(), finish_reason: z.string().nullish() }),
  ),
  usage: Usage.nullish().catch(null),
});

const ModelList = z.object({ data: z.array(z.object({ id: z.string() })) });

interface HttpResponse {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Marks an abort caused by our per-attempt timer, as opposed to the caller's signal. */
class AttemptTimeout extends Error {}

/** One HTTP exchange over node:http(s); rejects on network errors and aborts. */
function httpRequest(
  url: URL,
  method: "GET" | "POST",
  headers: Record<string, string>,
  body: string | undefined,
  signal: AbortSignal,
): Promise<HttpResponse> {
  const transport = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, { method, headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          statusText: res.statusMessage ?? "",
          headers: res.headers,
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
      res.on("aborted", () => reject(new Error("connection closed before the response ended")));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Milliseconds the server asked us to wait (`retry-after-ms`, or `retry-after` in seconds or as a date). */
function parseRetryAfter(headers: http.IncomingHttpHeaders): number | undefined {
  const ms = Number(headers["retry-after-ms"]);
  if (headers["retry-after-ms"] !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers["retry-after"];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() !== "" && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The error message an OpenAI-style error body carries (`{error: {message}}`, `{message}`, `{detail}`), if any. */
function errorMessage(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as Record<string, unknown>;
    const error = body.error;
    if (typeof error === "string") return error;
    if (error && typeof error === "object" && typeof (error as { message?: unknown }).message === "string") {
      return (error as { message: string }).message;
    }
    if (typeof body.message === "string") return body.message;
    if (typeof body.detail === "string") return body.detail;
  } catch {
    // not JSON: the caller shows the raw tail
  }
  return undefined;
}

const bodyTail = (text: string): string => text.slice(-BODY_TAIL_CHARS);

function httpHint(status: number): string {
  if (status === 401 || status === 403) return " (check the API key)";
  if (status === 404) return " (check the model name and base URL)";
  return "";
}

function httpError(url: string, res: HttpResponse, attempts: number): LlmError {
  const message = errorMessage(res.text) ?? bodyTail(res.text).trim();
  const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ""}`;
  const retryAfterMs = parseRetryAfter(res.headers);
  return new LlmError(
    "http",
    `model endpoint ${url} answered ${status}${httpHint(res.status)}${message ? `: ${message}` : ""}`,
    {
      url,
      status: res.status,
      bodyTail: bodyTail(res.text),
      attempts,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    },
  );
}

/** llama.cpp answers n>1 with "Only one completion choice is allowed" (400, or 500 in older builds). */
function rejectsN(error: LlmError): boolean {
  if (error.failure !== "http" || error.status === undefined || error.status === 429) return false;
  const message = errorMessage(error.bodyTail ?? "") ?? error.bodyTail ?? "";
  return /completion choice|\bn\b|["'`]n["'`]|\bn_choices\b/i.test(message);
}

function resolveOptions(options: ClientOptions): ResolvedClientOptions {
  const parsed = ClientOptions.safeParse(options);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "options"}: ${i.message}`).join("; ");
    throw new BadInputError(`invalid model client options: ${issues}`, { issues });
  }
  const o = parsed.data;
  return {
    baseUrl: normalizeBaseUrl(o.baseUrl),
    apiKey: o.apiKey,
    model: o.model,
    api: o.api ?? DEFAULT_CLIENT_OPTIONS.api,
    concurrency: o.concurrency ?? DEFAULT_CLIENT_OPTIONS.concurrency,
    retries: o.retries ?? DEFAULT_CLIENT_OPTIONS.retries,
    timeoutMs: o.timeoutMs ?? DEFAULT_CLIENT_OPTIONS.timeoutMs,
    backoffMs: o.backoffMs ?? DEFAULT_CLIENT_OPTIONS.backoffMs,
    maxBackoffMs: o.maxBackoffMs ?? DEFAULT_CLIENT_OPTIONS.maxBackoffMs,
    fanOut: o.fanOut ?? DEFAULT_CLIENT_OPTIONS.fanOut,
    headers: o.headers ?? {},
    extraBody: o.extraBody ?? {},
  };
}

function requestHeaders(
  apiKey: string | undefined,
  extra: Record<string, string>,
  body?: string,
): Record<string, string> {
  return {
    accept: "application/json",
    ...(body !== undefined && {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
    }),
    ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    ...extra,
  };
}

/**
 * One attempt with a timeout. Resolves with the response whatever its status; rejects with LlmError (network,
 * timeout) or with the caller's abort reason.
 */
async function attempt(
  url: string,
  method: "GET" | "POST",
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<HttpResponse> {
  signal?.throwIfAborted();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new AttemptTimeout()), timeoutMs);
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    return await httpRequest(new URL(url), method, headers, body, controller.signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (controller.signal.reason instanceof AttemptTimeout) {
      throw new LlmError("timeout", `model endpoint ${url} did not answer within ${timeoutMs} ms`, { url });
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new LlmError("network", `model endpoint ${url} unreachable: ${reason}`, { url }, { cause: error });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/** Lists the model ids a server serves (GET `<baseUrl>/v1/models`). */
export async function listModels(
  baseUrl: string,
  apiKey?: string,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<string[]> {
  const url = `${normalizeBaseUrl(baseUrl)}/models`;
  const res = await attempt(
    url,
    "GET",
    requestHeaders(apiKey, {}),
    undefined,
    options.timeoutMs ?? 30_000,
    options.signal,
  );
  if (res.status < 200 || res.status >= 300) throw httpError(url, res, 1);
  const parsed = ModelList.safeParse(safeJson(res.text));
  if (!parsed.success) {
    throw new LlmError("invalid-response", `model endpoint ${url} did not return a model list`, {
      url,
      status: res.status,
      bodyTail: bodyTail(res.text),
    });
  }
  return parsed.data.data.map((m) => m.id);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

interface SingleRequest extends GenerateRequest {
  /** Value of `n` to send; 1 means the field is left out. */
  sendN: number;
}

/** Creates a client for an OpenAI-compatible server (vLLM, SGLang, llama.cpp, Ollama, OpenAI). */
export function createClient(options: ClientOptions): LlmClient {
  const o = resolveOptions(options);
  const limit = pLimit(o.concurrency);
  const endpoint = `${o.baseUrl}${o.api === "chat" ? "/chat/completions" : "/completions"}`;
  /** Learned from the server: undefined until a request with n>1 tells us whether `n` works. */
  let nativeN: boolean | undefined;

  function body(r: SingleRequest): Record<string, unknown> {
    const sampling = {
      ...(r.sendN > 1 && { n: r.sendN }),
      ...(r.temperature !== undefined && { temperature: r.temperature }),
      ...(r.topP !== undefined && { top_p: r.topP }),
      ...(r.maxTokens !== undefined && { max_tokens: r.maxTokens }),
      ...(r.seed !== undefined && { seed: r.seed }),
      ...(r.stop !== undefined && r.stop.length > 0 && { stop: r.stop }),
    };
    if (o.api === "completions") {
      return { ...o.extraBody, model: o.model, prompt: r.prompt + (r.prefill ?? ""), ...sampling, stream: false };
    }
    const messages: { role: string; content: string }[] = [];
    if (r.system !== undefined) messages.push({ role: "system", content: r.system });
    messages.push({ role: "user", content: r.prompt });
    const prefill = r.prefill !== undefined && r.prefill !== "";
    if (prefill) messages.push({ role: "assistant", content: r.prefill as string });
    return {
      ...o.extraBody,
      model: o.model,
      messages,
      ...sampling,
      ...(prefill && { continue_final_message: true, add_generation_prompt: false }),
      stream: false,
    };
  }

  function parse(res: HttpResponse, latencyMs: number, seed: number | undefined): Generation[] {
    const json = safeJson(res.text);
    const parsed =
      o.api === "chat"
        ? ChatResponse.transform((d) => ({
            ...d,
            choices: d.choices.map((c) => ({
              index: c.index,
              text: c.message.content ?? "",
              reasoning: c.message.reasoning_content ?? c.message.reasoning ?? undefined,
              finishReason: c.finish_reason ?? null,
            })),
          })).safeParse(json)
        : CompletionResponse.transform((d) => ({
            ...d,
            choices: d.choices.map((c) => ({
              index: c.index,
              text: c.text,
              reasoning: undefined,
              finishReason: c.finish_reason ?? null,
            })),
          })).safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LlmError(
        "invalid-response",
        `model endpoint ${endpoint} returned a response that is not an OpenAI ${o.api} completion` +
          (issue ? ` (${issue.path.join(".") || "body"}: ${issue.message})` : ""),
        { url: endpoint, status: res.status, bodyTail: bodyTail(res.text) },
      );
    }
    const data = parsed.data;
    const header = res.headers["x-request-id"];
    const requestId = data.id ?? (typeof header === "string" ? header : undefined);
    const usage: Usage | undefined = data.usage
      ? {
          promptTokens: data.usage.prompt_tokens,
          completionTokens: data.usage.completion_tokens,
          totalTokens: data.usage.total_tokens ?? data.usage.prompt_tokens + data.usage.completion_tokens,
        }
      : undefined;
    const choices = [...data.choices].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
    return choices.map((choice, i) => ({
      text: choice.text,
      finishReason: choice.finishReason,
      latencyMs,
      ...(i === 0 && usage && { usage }),
      ...(requestId !== undefined && { requestId }),
      ...(choice.reasoning !== undefined && { reasoning: choice.reasoning }),
      ...(seed !== undefined && { seed }),
    }));
  }

  /** One logical request: attempts under the concurrency limit, backoff sleeps outside it. */
  async function send(r: SingleRequest, signal: AbortSignal | undefined): Promise<Generation[]> {
    const payload = JSON.stringify(body(r));
    const headers = requestHeaders(o.apiKey, o.headers, payload);
    for (let tries = 1; ; tries++) {
      try {
        return await limit(async () => {
          const start = performance.now();
          const res = await attempt(endpoint, "POST", headers, payload, o.timeoutMs, signal);
          if (res.status < 200 || res.status >= 300) throw httpError(endpoint, res, tries);
          return parse(res, Math.round(performance.now() - start), r.seed);
        });
      } catch (error) {
        if (!(error instanceof LlmError)) throw error;
        const nRejected = r.sendN > 1 && rejectsN(error);
        if (!error.retryable || nRejected || tries > o.retries) {
          if (tries === 1) throw error;
          throw new LlmError(
            error.failure,
            `${error.message} (gave up after ${tries} attempts)`,
            {
              url: error.url,
              attempts: tries,
              ...(error.status !== undefined && { status: error.status }),
              ...(error.bodyTail !== undefined && { bodyTail: error.bodyTail }),
            },
            { cause: error.cause },
          );
        }
        const backoff = Math.min(o.maxBackoffMs, o.backoffMs * 2 ** (tries - 1));
        const wait =
          error.retryAfterMs !== undefined
            ? Math.min(error.retryAfterMs, MAX_RETRY_AFTER_MS)
            : backoff / 2 + (Math.random() * backoff) / 2;
        await sleep(wait, undefined, signal ? { signal } : {});
      }
    }
  }

  /** `count` single-sample requests, seeds `seed + first`, `seed + first + 1`, ... */
  async function fanOut(
    request: GenerateRequest,
    first: number,
    count: number,
    signal: AbortSignal | undefined,
  ): Promise<Generation[]> {
    const runs = Array.from({ length: count }, (_, i) => {
      const { seed, ...rest } = request;
      const r: SingleRequest = { ...rest, sendN: 1, ...(seed !== undefined && { seed: seed + first + i }) };
      return send(r, signal).then((gens) => gens.slice(0, 1));
    });
    return (await Promise.all(runs)).flat();
  }

  async function generate(request: GenerateRequest, signal?: AbortSignal): Promise<Generation[]> {
    const { n } = request;
    if (!Number.isInteger(n) || n < 1) {
      throw new BadInputError(`generate: n must be a positive integer, got ${n}`, { n });
    }
    if (n === 1) return (await send({ ...request, sendN: 1 }, signal)).slice(0, 1);
    if (o.fanOut || nativeN === false) return fanOut(request, 0, n, signal);

    let first: Generation[];
    try {
      first = await send({ ...request, sendN: n }, signal);
    } catch (error) {
      if (!(error instanceof LlmError && rejectsN(error))) throw error;
      nativeN = false;
      return fanOut(request, 0, n, signal);
    }
    if (first.length >= n) {
      nativeN = true;
      return first.slice(0, n);
    }
    // Ollama ignores n and answers one choice: keep what came back and fan out the rest.
    nativeN = false;
    const rest = await fanOut(request, first.length, n - first.length, signal);
    return [...first, ...rest];
  }

  async function checkModel(signal?: AbortSignal): Promise<void> {
    const models = await listModels(o.baseUrl, o.apiKey, {
      timeoutMs: Math.min(o.timeoutMs, 30_000),
      ...(signal && { signal }),
    });
    if (!models.includes(o.model)) {
      const url = `${o.baseUrl}/models`;
      throw new LlmError(
        "model-not-found",
        `model "${o.model}" is not served at ${o.baseUrl}; served models: ${models.length > 0 ? models.join(", ") : "(none)"}`,
        { url },
      );
    }
  }

  return { options: o, generate, checkModel };
}
