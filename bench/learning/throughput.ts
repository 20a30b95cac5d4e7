// Sampling throughput of a served model (rtlgym model serve, vLLM, ...): samples/s and generated tokens/s over the
// prompts of an SFT JSONL file, through rtlgym's own OpenAI client (the path bench run and the RL recipes use).
// Usage: tsx bench/learning/throughput.ts --endpoint URL --model NAME --prompts DIR/heldout-params/sft.jsonl
//        [--count 16] [--n 8] [--max-tokens 384] [--temperature 1] [--concurrency 1]
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createClient } from "../../src/llm/openai.js";

const { values } = parseArgs({
  options: {
    endpoint: { type: "string" },
    model: { type: "string" },
    prompts: { type: "string" },
    count: { type: "string", default: "16" },
    n: { type: "string", default: "8" },
    "max-tokens": { type: "string", default: "384" },
    temperature: { type: "string", default: "1" },
    concurrency: { type: "string", default: "1" },
  },
});
if (!values.endpoint || !values.model || !values.prompts) {
  console.error("usage: throughput.ts --endpoint URL --model NAME --prompts SFT.jsonl [--count N] [--n N]");
  process.exit(2);
}
interface Row {
  messages: { role: string; content: string }[];
}
const rows = readFileSync(values.prompts, "utf8")
  .split("\n")
  .filter((l) => l.trim() !== "")
  .map((l) => JSON.parse(l) as Row)
  .slice(0, Number(values.count));
const concurrency = Number(values.concurrency);
const client = createClient({ baseUrl: values.endpoint, model: values.model, concurrency, timeoutMs: 600_000 });
const n = Number(values.n);
const start = performance.now();
let samples = 0;
let tokens = 0;
await Promise.all(
  rows.map(async (row, i) => {
    const system = row.messages.find((m) => m.role === "system")?.content;
    const prompt = row.messages.find((m) => m.role === "user")?.content ?? "";
    const gens = await client.generate({
      ...(system !== undefined && { system }),
      prompt,
      n,
      temperature: Number(values.temperature),
      maxTokens: Number(values["max-tokens"]),
      seed: i,
    });
    samples += gens.length;
    for (const g of gens) tokens += g.usage?.completionTokens ?? 0;
  }),
);
const seconds = (performance.now() - start) / 1000;
console.log(
  JSON.stringify({
    prompts: rows.length,
    n,
    concurrency,
    samples,
    generatedTokens: tokens,
    seconds: Number(seconds.toFixed(2)),
    samplesPerS: Number((samples / seconds).toFixed(2)),
    tokensPerS: Number((tokens / seconds).toFixed(1)),
  }),
);
