/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 for tests: `/v1/chat/completions`, `/v1/completions` and
 * `/v1/models`, with a pluggable responder and per-request fault injection.
 *
 * ```ts
 * const server = await startFakeOpenAI({
 *   respond: (req) => "```verilog\nmodule TopModule(output y); assign y = 1'b0; endmodule\n```",
 *   faults: { 0: { status: 429, retryAfter: 0 } }, // the first generation request is throttled
 * });
 * try {
 *   // pass server.url (".../v1") or server.origin (no /v1) as the base URL; model: any name unless `models` is set
 *   ...
 *   expect(server.requests).toHaveLength(2);
 * } finally {
 *   await server.close();
 * }
 * ```
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A generation request as the fake server received it. */
export interface FakeRequest {
  /** 0-based arrival order among generation requests (the `/v1/models` calls are not counted). */
  index: number;
  endpoint: "chat" | "completions";
  model: string;
  /** Chat requests. */
  messages?: { role: string; content: string }[];
  /** Completions requests. */
  prompt?: string;
  /** `n` as sent (1 when absent). */
  n: number;
  seed?: number;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  stop?: string[];
  headers: http.IncomingHttpHeaders;
  /** The whole JSON body. */
  body: Record<string, unknown>;
}

/** Answer text for a request: one string for every choice, or one per choice (cycled when shorter than n). */
export type FakeResponder = (req: FakeRequest) => string | string[] | Promise<string | string[]>;

/** What to do to one request instead of (or before) answering it. */
export interface FakeFault {
  /** Answer with this HTTP status and an OpenAI-style error body. */
  status?: number;
  /** `Retry-After` header, in seconds (with `status`). */
  retryAfter?: number;
  /** Error message in the body (with `status`). */
  message?: string;
  /** Wait this long before answering (or before the fault). */
  delayMs?: number;
  /** Never answer; the connection stays open until the client gives up or the server closes. */
  hang?: boolean;
  /** Destroy the connection without answering (a network error on the client side). */
  reset?: boolean;
  /** Answer 200 with this raw body instead of a completion (malformed-response tests). */
  rawBody?: string;
}

export interface FakeOpenAIOptions {
  /** Defaults to a constant module `TopModule` in a ```verilog fence. */
  respond?: FakeResponder;
  /** Served model ids; when given, other names get vLLM's 404. Defaults to accepting any model (listing "fake-model"). */
  models?: string[];
  /** Faults by request index, or a function of the request. */
  faults?: Record<number, FakeFault> | ((req: FakeRequest) => FakeFault | undefined);
  /**
   * How `n` is handled: "native" (vLLM, SGLang: n choices), "reject" (llama.cpp: n>1 is an error with
   * "Only one completion choice is allowed"), "ignore" (Ollama: one choice whatever n is).
   */
  nMode?: "native" | "reject" | "ignore";
  /** Status of the "reject" answer: 400 (current llama.cpp) or 500 (older builds). */
  rejectStatus?: number;
  /** Delay before every answer, in ms (to observe concurrency). */
  delayMs?: number;
  /** When set, requests without `Authorization: Bearer <apiKey>` get 401. */
  apiKey?: string;
  /** finish_reason reported on every choice. */
  finishReason?: string;
}

export interface FakeOpenAI {
  /** Base URL with `/v1`, e.g. `http://127.0.0.1:41234/v1`. */
  url: string;
  /** The same without `/v1`. */
  origin: string;
  /** Every generation request, in arrival order. */
  requests: FakeRequest[];
  /** Number of `GET /v1/models` requests. */
  modelListRequests: number;
  /** Most generation requests in flight at once so far. */
  maxInFlight: number;
  close(): Promise<void>;
}

const DEFAULT_ANSWER = "```verilog\nmodule TopModule(output zero);\n  assign zero = 1'b0;\nendmodule\n```\n";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}) {
  const type = status >= 500 ? "server_error" : "invalid_request_error";
  sendJson(res, status, { error: { code: status, message, type } }, headers);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : undefined);

/** Starts the fake server on an ephemeral port of 127.0.0.1. */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const respond = options.respond ?? (() => DEFAULT_ANSWER);
  const nMode = options.nMode ?? "native";
  let inFlight = 0;

  const state: FakeOpenAI = {
    url: "",
    origin: "",
    requests: [],
    modelListRequests: 0,
    maxInFlight: 0,
    close: async () => {},
  };

  async function handleGeneration(
    endpoint: "chat" | "completions",
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      sendError(res, 400, "body is not JSON");
      return;
    }
    const seed = num(body.seed);
    const temperature = num(body.temperature);
    const topP = num(body.top_p);
    const maxTokens = num(body.max_tokens);
    const fake: FakeRequest = {
      index: state.requests.length,
      endpoint,
      model: String(body.model ?? ""),
      n: num(body.n) ?? 1,
      headers: req.headers,
      body,
      ...(Array.isArray(body.messages) && { messages: body.messages as { role: string; content: string }[] }),
      ...(typeof body.prompt === "string" && { prompt: body.prompt }),
      ...(seed !== undefined && { seed }),
      ...(temperature !== undefined && { temperature }),
      ...(topP !== undefined && { topP }),
      ...(maxTokens !== undefined && { maxTokens }),
      ...(body.stop !== undefined && { stop: ([] as string[]).concat(body.stop as string | string[]) }),
    };
    state.requests.push(fake);
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    try {
      const fault = typeof options.faults === "function" ? options.faults(fake) : options.faults?.[fake.index];
      const delay = (fault?.delayMs ?? 0) + (options.delayMs ?? 0);
      if (delay > 0) await sleep(delay);
      if (fault?.hang) {
        await new Promise<void>((resolve) => res.on("close", () => resolve()));
        return;
      }
      if (fault?.reset) {
        req.socket.destroy();
        return;
      }
      if (fault?.status !== undefined) {
        const headers: Record<string, string> =
          fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {};
        sendError(res, fault.status, fault.message ?? `injected failure ${fault.status}`, headers);
        return;
      }
      if (fault?.rawBody !== undefined) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(fault.rawBody);
        return;
      }
      if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        sendError(res, 401, "invalid API key");
        return;
      }
      if (options.models && !options.models.includes(fake.model)) {
        sendJson(res, 404, {
          object: "error",
          message: `The model \`${fake.model}\` does not exist.`,
          type: "NotFoundError",
          code: 404,
        });
        return;
      }
      if (nMode === "reject" && fake.n > 1) {
        sendError(res, options.rejectStatus ?? 400, "Only one completion choice is allowed");
        return;
      }
      const count = nMode === "ignore" ? 1 : fake.n;
      const answer = await respond(fake);
      const texts = Array.isArray(answer) ? answer : [answer];
      const finish = options.finishReason ?? "stop";
      const choices = Array.from({ length: count }, (_, i) => {
        const text = texts[i % Math.max(1, texts.length)] ?? "";
        return endpoint === "chat"
          ? { index: i, message: { role: "assistant", content: text }, finish_reason: finish, logprobs: null }
          : { index: i, text, finish_reason: finish, logprobs: null };
      });
      const completionTokens = choices.length * 10;
      sendJson(
        res,
        200,
        {
          id: `${endpoint === "chat" ? "chatcmpl" : "cmpl"}-${fake.index}`,
          object: endpoint === "chat" ? "chat.completion" : "text_completion",
          created: Math.floor(Date.now() / 1000),
          model: fake.model,
          choices,
          usage: { prompt_tokens: 5, completion_tokens: completionTokens, total_tokens: 5 + completionTokens },
        },
        { "x-request-id": `req-${fake.index}` },
      );
    } finally {
      inFlight--;
    }
  }

  const server = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    const route = async (): Promise<void> => {
      if (req.method === "POST" && path === "/v1/chat/completions") return handleGeneration("chat", req, res);
      if (req.method === "POST" && path === "/v1/completions") return handleGeneration("completions", req, res);
      if (req.method === "GET" && path === "/v1/models") {
        state.modelListRequests++;
        const ids = options.models ?? ["fake-model"];
        sendJson(res, 200, { object: "list", data: ids.map((id) => ({ id, object: "model", owned_by: "fake" })) });
        return;
      }
      sendError(res, 404, `no route ${req.method} ${path}`);
    };
    route().catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, `fake server error: ${String(error)}`);
      else res.destroy();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  state.origin = `http://127.0.0.1:${port}`;
  state.url = `${state.origin}/v1`;
  state.close = () =>
    new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  return state;
}
