/**
 * Round-trip verification throughput on real RTL (docs/data.md, "Round-trip synthesis"), by hand, not in tests:
 *
 *   npx tsx bench/roundtrip-verify.ts [PATH...] [-n 4] [--limit 60] [--concurrency 2] [--engine both] [--json]
 *
 * Ingests PATH (default: the corpus' serv and verilog-axis), takes the synthesizable Verilog designs of at most 300
 * lines (`data synthesize`'s defaults), and runs each one's round trip through `roundTripRecord`, the function
 * `data synthesize` runs per design, with a scripted client standing in for the LLM: the specification is a fixed
 * line and the n regenerations are the original code and n - 1 of its mutants. So the model's time is zero and what
 * is measured is rtlgym's part: extraction, the group check of the n codes against the original, the bookkeeping.
 * Reports designs/s and checks/s, the verdicts, and p50/p95 per design. Wall-clock: run it on an idle machine.
 */
import { availableParallelism, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pLimit from "p-limit";
import type { DataRecord } from "../src/data/dataset.js";
import { ingest } from "../src/data/ingest.js";
import { generateMutants } from "../src/data/mutate.js";
import type { GenerateRequest, Generation, LlmClient } from "../src/llm/openai.js";
import { type RoundTripSink, roundTripRecord } from "../src/recipe/synthesize.js";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    n: { type: "string", short: "n", default: "4" },
    limit: { type: "string", default: "60" },
    concurrency: { type: "string", default: "2" },
    engine: { type: "string", default: "both" },
    json: { type: "boolean", default: false },
  },
});
const N = Number(args.n);
const ROOT = resolve(import.meta.dirname, "..");
const corpus = join(ROOT, "..", "shared", "corpus");
const paths =
  positionals.length > 0 ? positionals.map((p) => resolve(p)) : ["serv", "verilog-axis"].map((d) => join(corpus, d));
const engine = args.engine as "sim" | "formal" | "both";

const t0 = performance.now();
const ingested = await ingest(paths);
const ingestS = (performance.now() - t0) / 1000;
const designs = ingested.records
  .filter((r) => r.kind === "design" && r.synthesizable && r.language !== "vhdl" && r.stats.lines <= 300)
  .slice(0, Number(args.limit));

/** The regenerations a design gets: itself, then its mutants (fewer when it has fewer). */
const codesFor = new Map<string, string[]>();
for (const r of designs) {
  const mutants = generateMutants(r.code, { limit: N - 1, seed: 1 }).map((m) => m.source);
  codesFor.set(`SPEC ${r.id}`, [r.code, ...mutants].slice(0, N));
}
const fence = (code: string) => `\`\`\`verilog\n${code}\n\`\`\``;

// The stand-in for the LLM: the spec request answers `SPEC <id>`; a code request carries that spec in its prompt.
const client: LlmClient = {
  options: {} as LlmClient["options"],
  checkModel: async () => {},
  generate: async (request: GenerateRequest): Promise<Generation[]> => {
    const answer = (text: string): Generation => ({ text, finishReason: "stop", latencyMs: 0 });
    const key = /SPEC \S+/.exec(request.prompt)?.[0];
    const codes = key === undefined ? undefined : codesFor.get(key);
    if (codes === undefined) {
      const id = designs.find((r) => request.prompt.includes(r.code))?.id ?? "unknown";
      return [answer(`SPEC ${id}`)];
    }
    return Array.from({ length: request.n }, (_, i) => answer(fence(codes[i % codes.length] as string)));
  },
};
const sink: RoundTripSink = { putGeneration: () => {}, putGenerations: () => {}, putScores: () => {} };

const statuses: Record<string, number> = {};
const outcomes: Record<string, number> = {};
const latencies: number[] = [];
/** Designs not kept, with what their checks said: the reason an original did not pass against itself. */
const notKept: Array<{ id: string; status: string; reason?: string; statuses: Record<string, number> }> = [];
let checks = 0;
const limit = pLimit(Number(args.concurrency));
const started = performance.now();
let done = 0;
await Promise.all(
  designs.map((r: DataRecord) =>
    limit(async () => {
      const t = performance.now();
      const { outcome } = await roundTripRecord(
        r,
        [],
        {
          n: N,
          seed: 1,
          specTemperature: 0.2,
          temperature: 0.8,
          verify: { engine, seed: 1 },
          suite: "bench",
          traces: false,
        },
        client,
        sink,
      );
      latencies.push(performance.now() - t);
      checks += outcome.scored;
      outcomes[outcome.status] = (outcomes[outcome.status] ?? 0) + 1;
      if (outcome.status !== "kept")
        notKept.push({
          id: r.id,
          status: outcome.status,
          ...(outcome.reason !== undefined && { reason: outcome.reason }),
          statuses: outcome.statuses,
        });
      for (const [s, k] of Object.entries(outcome.statuses)) statuses[s] = (statuses[s] ?? 0) + k;
      done++;
      if (!args.json && process.stderr.isTTY) process.stderr.write(`  ${done}/${designs.length}\r`);
    }),
  ),
);
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0);
const summary = {
  paths,
  cores: availableParallelism(),
  load: loadavg().map((x) => Math.round(x * 10) / 10),
  engine,
  n: N,
  concurrency: Number(args.concurrency),
  ingestSeconds: Math.round(ingestS * 10) / 10,
  designs: designs.length,
  checks,
  seconds: Math.round(seconds * 10) / 10,
  designsPerSecond: Math.round((designs.length / seconds) * 100) / 100,
  checksPerSecond: Math.round((checks / seconds) * 100) / 100,
  p50Ms: at(0.5),
  p95Ms: at(0.95),
  outcomes,
  statuses,
  notKept,
};
console.log(JSON.stringify(summary, null, args.json ? 0 : 2));
