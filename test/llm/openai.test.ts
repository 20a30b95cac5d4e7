import { afterEach, describe, expect, it } from "vitest";
import { BadInputError, RtlgymError } from "../../src/core/errors.js";
import { createClient, LlmError, listModels, normalizeBaseUrl } from "../../src/llm/index.js";
import { type FakeOpenAI, type FakeOpenAIOptions, startFakeOpenAI } from "../helpers/fake-openai.js";

const servers: FakeOpenAI[] = [];
async function serve(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const server = await startFakeOpenAI(options);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Answers say which request, seed and choice produced them. */
const tagged: FakeOpenAIOptions["respond"] = (req) =>
  Array.from({ length: req.n }, (_, i) => `req=${req.index} seed=${req.seed ?? "-"} choice=${i}`);

const fast = { backoffMs: 1, maxBackoffMs: 5 } as const;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("request and response shapes", () => {
  it("sends a chat request and reads its choices", async () => {
    const server = await serve({ respond: () => "hello" });
    const client = createClient({ baseUrl: server.url, model: "m", apiKey: "secret" });
    const gens = await client.generate({
      system: "sys",
      prompt: "user text",
      n: 1,
      temperature: 0.2,
      topP: 0.9,
      maxTokens: 64,
      seed: 7,
      stop: ["[DONE]"],
    });
    expect(gens).toHaveLength(1);
    expect(gens[0]).toMatchObject({
      text: "hello",
      finishReason: "stop",
      requestId: "chatcmpl-0",
      seed: 7,
      usage: { promptTokens: 5, completionTokens: 10, totalTokens: 15 },
    });
    expect(gens[0]?.latencyMs).toBeGreaterThanOrEqual(0);
    const req = server.requests[0];
    expect(req?.endpoint).toBe("chat");
    expect(req?.headers.authorization).toBe("Bearer secret");
    expect(req?.body).toEqual({
      model: "m",
      messages: [
        { role: "system", content: "sys" },
        { role: "user", content: "user text" },
      ],
      temperature: 0.2,
      top_p: 0.9,
      max_tokens: 64,
      seed: 7,
      stop: ["[DONE]"],
      stream: false,
    });
  });

  it("continues a chat prefill as the final assistant message", async () => {
    const server = await serve();
    const client = createClient({ baseUrl: server.url, model: "m" });
    await client.generate({ prompt: "p", prefill: "```verilog\n", n: 1 });
    expect(server.requests[0]?.body).toMatchObject({
      messages: [
        { role: "user", content: "p" },
        { role: "assistant", content: "```verilog\n" },
      ],
      continue_final_message: true,
      add_generation_prompt: false,
    });
  });

  it("sends a completions request with the prefill appended to the prompt", async () => {
    const server = await serve({ respond: () => "  assign y = a;\n" });
    const client = createClient({ baseUrl: server.url, model: "base", api: "completions", extraBody: { top_k: 5 } });
    const gens = await client.generate({ system: "ignored", prompt: "// spec\n", prefill: "module m(", n: 1 });
    expect(gens[0]?.text).toBe("  assign y = a;\n");
    expect(gens[0]?.requestId).toBe("cmpl-0");
    expect(server.requests[0]?.endpoint).toBe("completions");
    expect(server.requests[0]?.body).toEqual({ model: "base", prompt: "// spec\nmodule m(", top_k: 5, stream: false });
  });

  it("accepts base URLs with and without /v1", async () => {
    const server = await serve();
    for (const baseUrl of [server.url, `${server.url}/`, server.origin, `${server.origin}/`]) {
      const client = createClient({ baseUrl, model: "m" });
      expect(client.options.baseUrl).toBe(server.url);
      await expect(client.generate({ prompt: "p", n: 1 })).resolves.toHaveLength(1);
    }
    expect(server.requests).toHaveLength(4);
    expect(normalizeBaseUrl("https://api.example.com/openai/v1/")).toBe("https://api.example.com/openai/v1");
  });

  it("rejects a response that is not an OpenAI completion, without retrying", async () => {
    const server = await serve({ faults: { 0: { rawBody: '{"choices": [{"message": 3}]}' } } });
    const client = createClient({ baseUrl: server.url, model: "m", ...fast });
    const error = await rejection(client.generate({ prompt: "p", n: 1 }));
    expect(error).toBeInstanceOf(LlmError);
    expect((error as LlmError).failure).toBe("invalid-response");
    expect(server.requests).toHaveLength(1);
  });

  it("validates its options", () => {
    expect(() => createClient({ baseUrl: "not a url", model: "m" })).toThrow(BadInputError);
    expect(() => createClient({ baseUrl: "http://x", model: "m", concurrency: 0 })).toThrow(/concurrency/);
  });
});

describe("retries", () => {
  it("retries 5xx, 429 and dropped connections, then succeeds", async () => {
    const server = await serve({
      respond: tagged,
      faults: { 0: { status: 500 }, 1: { status: 429, retryAfter: 0 }, 2: { reset: true }, 3: { status: 503 } },
    });
    const client = createClient({ baseUrl: server.url, model: "m", retries: 4, ...fast });
    const gens = await client.generate({ prompt: "p", n: 1 });
    expect(gens[0]?.text).toBe("req=4 seed=- choice=0");
    expect(server.requests).toHaveLength(5);
  });

  it("honours Retry-After", async () => {
    const server = await serve({ faults: { 0: { status: 429, retryAfter: 1 } } });
    const client = createClient({ baseUrl: server.url, model: "m", retries: 1, ...fast });
    const start = performance.now();
    await client.generate({ prompt: "p", n: 1 });
    expect(performance.now() - start).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
  });

  it("gives up after the configured retries with the last status", async () => {
    const server = await serve({ faults: () => ({ status: 502, message: "upstream down" }) });
    const client = createClient({ baseUrl: server.url, model: "m", retries: 2, ...fast });
    const error = (await rejection(client.generate({ prompt: "p", n: 1 }))) as LlmError;
    expect(error).toBeInstanceOf(LlmError);
    expect(error).toBeInstanceOf(RtlgymError);
    expect(error.status).toBe(502);
    expect(error.attempts).toBe(3);
    expect(error.message).toMatch(/502.*upstream down.*gave up after 3 attempts/);
    expect(server.requests).toHaveLength(3);
  });

  it("does not retry other 4xx and says what the server said", async () => {
    const server = await serve({ faults: { 0: { status: 400, message: "max_tokens is too large: 99999" } } });
    const client = createClient({ baseUrl: server.url, model: "m", retries: 3, ...fast });
    const error = (await rejection(client.generate({ prompt: "p", n: 1 }))) as LlmError;
    expect(error).toBeInstanceOf(LlmError);
    expect(error.status).toBe(400);
    expect(error.code).toBe("BAD_INPUT");
    expect(error.message).toContain("max_tokens is too large: 99999");
    expect(error.message).toContain(`${server.url}/chat/completions`);
    expect(error.bodyTail).toContain("max_tokens is too large");
    expect(server.requests).toHaveLength(1);
  });

  it("reports an unknown model with a hint, and listModels/checkModel name the served ones", async () => {
    const server = await serve({ models: ["qwen-coder", "llama"] });
    const client = createClient({ baseUrl: server.origin, model: "qwen-coda", ...fast });
    const error = (await rejection(client.generate({ prompt: "p", n: 1 }))) as LlmError;
    expect(error.status).toBe(404);
    expect(error.message).toMatch(/check the model name.*qwen-coda.*does not exist/);
    expect(server.requests).toHaveLength(1);

    await expect(listModels(server.origin)).resolves.toEqual(["qwen-coder", "llama"]);
    await expect(listModels(`${server.url}/`)).resolves.toEqual(["qwen-coder", "llama"]);
    const notServed = (await rejection(client.checkModel())) as LlmError;
    expect(notServed.failure).toBe("model-not-found");
    expect(notServed.message).toBe(
      `model "qwen-coda" is not served at ${server.url}; served models: qwen-coder, llama`,
    );
    await expect(createClient({ baseUrl: server.url, model: "llama" }).checkModel()).resolves.toBeUndefined();
  });

  it("a network failure to a closed port is an LlmError after retries", async () => {
    const server = await serve();
    const url = server.url;
    await server.close();
    servers.pop();
    const client = createClient({ baseUrl: url, model: "m", retries: 1, ...fast });
    const error = (await rejection(client.generate({ prompt: "p", n: 1 }))) as LlmError;
    expect(error.failure).toBe("network");
    expect(error.attempts).toBe(2);
  });
});

describe("timeouts and aborts", () => {
  it("aborts a request that hangs past timeoutMs", async () => {
    const server = await serve({ faults: { 0: { hang: true } } });
    const client = createClient({ baseUrl: server.url, model: "m", retries: 0, timeoutMs: 200 });
    const start = performance.now();
    const error = (await rejection(client.generate({ prompt: "p", n: 1 }))) as LlmError;
    expect(error.failure).toBe("timeout");
    expect(error.message).toContain("did not answer within 200 ms");
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it("retries after a timeout", async () => {
    const server = await serve({ respond: tagged, faults: { 0: { hang: true } } });
    const client = createClient({ baseUrl: server.url, model: "m", retries: 1, timeoutMs: 200, ...fast });
    const gens = await client.generate({ prompt: "p", n: 1 });
    expect(gens[0]?.text).toBe("req=1 seed=- choice=0");
  });

  it("stops at once when the caller aborts, without retrying", async () => {
    const server = await serve({ faults: () => ({ hang: true }) });
    const client = createClient({ baseUrl: server.url, model: "m", retries: 5, timeoutMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user cancelled")), 100);
    const error = await rejection(client.generate({ prompt: "p", n: 1 }, controller.signal));
    expect(error).toEqual(new Error("user cancelled"));
    expect(server.requests).toHaveLength(1);
  });
});

describe("n samples", () => {
  it("sends n to servers that support it", async () => {
    const server = await serve({ respond: tagged });
    const client = createClient({ baseUrl: server.url, model: "m" });
    const gens = await client.generate({ prompt: "p", n: 3, seed: 1 });
    expect(gens.map((g) => g.text)).toEqual([
      "req=0 seed=1 choice=0",
      "req=0 seed=1 choice=1",
      "req=0 seed=1 choice=2",
    ]);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.n).toBe(3);
    // usage is counted once per HTTP request
    expect(gens.filter((g) => g.usage !== undefined)).toHaveLength(1);
  });

  for (const rejectStatus of [400, 500]) {
    it(`fans out when the server rejects n>1 like llama.cpp (${rejectStatus}), and remembers`, async () => {
      const server = await serve({ respond: tagged, nMode: "reject", rejectStatus });
      const client = createClient({ baseUrl: server.url, model: "m", retries: 3, ...fast });
      const gens = await client.generate({ prompt: "p", n: 3, seed: 10 });
      expect(gens.map((g) => g.seed)).toEqual([10, 11, 12]);
      expect(new Set(gens.map((g) => g.text)).size).toBe(3);
      expect(server.requests.map((r) => r.n)).toEqual([3, 1, 1, 1]);
      expect(server.requests.slice(1).map((r) => r.seed)).toEqual([10, 11, 12]);
      expect(server.requests.slice(1).every((r) => !("n" in r.body))).toBe(true);

      await client.generate({ prompt: "p", n: 2, seed: 0 });
      expect(server.requests.slice(4).map((r) => [r.n, r.seed])).toEqual([
        [1, 0],
        [1, 1],
      ]);
    });
  }

  it("fans out the missing samples when the server ignores n like Ollama", async () => {
    const server = await serve({ respond: tagged, nMode: "ignore" });
    const client = createClient({ baseUrl: server.url, model: "m" });
    const gens = await client.generate({ prompt: "p", n: 3, seed: 5 });
    expect(gens.map((g) => g.seed)).toEqual([5, 6, 7]);
    expect(gens[0]?.text).toBe("req=0 seed=5 choice=0");
    expect(server.requests).toHaveLength(3);
    expect(server.requests.map((r) => r.seed).sort()).toEqual([5, 6, 7]);
    await client.generate({ prompt: "p", n: 2 });
    expect(server.requests.slice(3).map((r) => r.n)).toEqual([1, 1]);
  });

  it("fans out from the start with fanOut, with seed, seed+1, ...", async () => {
    const server = await serve({ respond: tagged });
    const client = createClient({ baseUrl: server.url, model: "m", fanOut: true });
    const gens = await client.generate({ prompt: "p", n: 4, seed: 100 });
    expect(gens.map((g) => g.seed)).toEqual([100, 101, 102, 103]);
    expect(gens.map((g) => g.text.split(" ")[1])).toEqual(["seed=100", "seed=101", "seed=102", "seed=103"]);
    expect(server.requests.every((r) => r.n === 1)).toBe(true);
    const unseeded = await client.generate({ prompt: "p", n: 2 });
    expect(unseeded.map((g) => g.seed)).toEqual([undefined, undefined]);
  });

  it("rejects n < 1", async () => {
    const client = createClient({ baseUrl: "http://127.0.0.1:9", model: "m" });
    await expect(client.generate({ prompt: "p", n: 0 })).rejects.toThrow(BadInputError);
  });
});

describe("concurrency", () => {
  it("keeps requests in flight within the limit across calls", async () => {
    const server = await serve({ delayMs: 40 });
    const client = createClient({ baseUrl: server.url, model: "m", concurrency: 3, fanOut: true });
    const all = await Promise.all([
      client.generate({ prompt: "a", n: 5 }),
      client.generate({ prompt: "b", n: 4 }),
      client.generate({ prompt: "c", n: 1 }),
    ]);
    expect(all.map((g) => g.length)).toEqual([5, 4, 1]);
    expect(server.requests).toHaveLength(10);
    expect(server.maxInFlight).toBe(3);
  });

  it("does not hold a slot while backing off", async () => {
    const server = await serve({ delayMs: 20, faults: { 0: { status: 503, retryAfter: 1 } } });
    const client = createClient({ baseUrl: server.url, model: "m", concurrency: 1, ...fast });
    const start = performance.now();
    const [slow, quick] = await Promise.all([
      client.generate({ prompt: "retried", n: 1 }).then(() => performance.now() - start),
      client.generate({ prompt: "second", n: 1 }).then(() => performance.now() - start),
    ]);
    expect(quick).toBeLessThan(slow);
    expect(quick).toBeLessThan(800);
  });
});
