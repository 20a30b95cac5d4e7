/**
 * Load test of the reward service: a CodeV-R1-sized RL step (128 prompts x 16 responses = 2,048 requests) sent to a
 * real `rtlgym serve` child process, one request per response, the way verl's async reward loop calls it.
 *
 *   npm run build && npx tsx bench/reward-load.ts [--mode cold|restart|both] [--prompts 128] [--group 16]
 *       [--concurrency 256] [--workers 2] [--timeout-ms 3000] [--engine both] [--hang-rate 0.01]
 *       [--restart-at 0.4] [--runner dist|tsx] [--json]
 *
 * Prompts: VerilogEval v2 spec-to-rtl (RTLGYM_BENCHMARKS or ../shared/benchmarks), served with
 * `--problems verilog-eval-v2 --data <benchmarks>` and named by problem id. Each group of 16 responses mixes, in CodeV-R1's <think>/<answer> format:
 * equivalent rewrites (the reference, and copies with an unused wire), mutants (wrong), compile errors, forgeries
 * (a mutant that prints the upstream "all passed" lines and calls $finish), duplicates of earlier responses, one
 * response without the format, and about `--hang-rate` of all responses a zero-delay infinite loop.
 * Every verdict is checked against the expected one; a mutant the service passes is re-checked in-process with
 * the library's `verify` (an equivalent mutant is not a service error).
 * Reports: wall time, requests/s, p50/p99 latency, cache hit rate (from /metrics), lost / duplicated / wrong
 * answers, retries, processes left behind, and the server's RSS over time.
 * Mode `restart` sends SIGTERM to the server when `--restart-at` of the requests are answered and starts a new one
 * on the same port; clients retry on 503 / 429 / connection errors and nothing may be lost.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pLimit from "p-limit";
import { loadSuite } from "../src/bench/suites/registry.js";
import { generateMutants } from "../src/data/mutate.js";
import { verify } from "../src/verify/index.js";
import { renameModules } from "../src/verilog/index.js";

const { values: args } = parseArgs({
  options: {
    mode: { type: "string", default: "both" },
    prompts: { type: "string", default: "128" },
    group: { type: "string", default: "16" },
    concurrency: { type: "string", default: "256" },
    workers: { type: "string", default: "2" },
    "timeout-ms": { type: "string", default: "3000" },
    engine: { type: "string", default: "both" },
    "hang-rate": { type: "string", default: "0.01" },
    "restart-at": { type: "string", default: "0.4" },
    runner: { type: "string", default: "dist" },
    seed: { type: "string", default: "1" },
    json: { type: "boolean", default: false },
  },
});
const PROMPTS = Number(args.prompts);
const GROUP = Number(args.group);
const CONCURRENCY = Number(args.concurrency);
const WORKERS = Number(args.workers);
const TIMEOUT_MS = Number(args["timeout-ms"]);
const HANG_RATE = Number(args["hang-rate"]);
const RESTART_AT = Number(args["restart-at"]);
const SEED = Number(args.seed);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BENCHMARKS = process.env.RTLGYM_BENCHMARKS ?? resolve(REPO, "../shared/benchmarks");
const SUITE = "verilog-eval-v2";
const log = (s: string) => process.stderr.write(`${s}\n`);

type Kind = "equivalent" | "wrong" | "compile" | "hang" | "forgery" | "duplicate" | "format";

interface Sample {
  id: string;
  problem: string;
  kind: Kind;
  code: string;
  response: string;
  /** Status the service must answer. */
  expect: string;
  /** For a duplicate: the sample it repeats (its verdict must be the same). */
  of?: string;
}

interface Answer {
  status: string;
  reward: number | null;
  cached: boolean;
  latencyMs: number;
  attempts: number;
}

// ---------------------------------------------------------------------------------------------- the workload

function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const wrap = (code: string, thinking: string) =>
  `<think>\n${thinking}\n</think>\n<answer>\nHere is the design.\n\`\`\`verilog\n${code.trimEnd()}\n\`\`\`\n</answer>`;

/** Inserts `text` just before the last `endmodule` of the top (the last module in the file). */
function beforeLastEndmodule(code: string, text: string): string {
  const at = code.lastIndexOf("endmodule");
  return `${code.slice(0, at)}${text}\n${code.slice(at)}`;
}

async function buildWorkload(): Promise<{ samples: Sample[]; references: Map<string, string> }> {
  const suite = await loadSuite(SUITE, BENCHMARKS);
  const rand = lcg(SEED);
  const groups: Sample[][] = [];
  const references = new Map<string, string>();
  const total = PROMPTS * GROUP;
  const hangs = new Set<number>();
  while (hangs.size < Math.round(total * HANG_RATE)) hangs.add(Math.floor(rand() * total));
  for (const p of suite.problems) {
    if (groups.length >= PROMPTS) break;
    if (p.excluded) continue;
    // Responses declare TopModule; the reference declares RefModule.
    const reference = renameModules(p.reference, (n) => (n === p.refTop ? p.candTop : undefined));
    const mutants = generateMutants(reference, { limit: 6, seed: SEED });
    if (mutants.length < 1) continue;
    const problem = `${SUITE}/${p.id}`;
    references.set(problem, p.reference);
    const group: Sample[] = [];
    const add = (kind: Kind, code: string, expect: string, response = wrap(code, `Solving ${p.id}.`), of?: string) => {
      const s: Sample = { id: `${p.id}#${group.length}`, problem, kind, code, response, expect };
      if (of !== undefined) s.of = of;
      group.push(s);
      return s;
    };
    add("equivalent", reference, "pass");
    add("equivalent", reference, "pass", wrap(reference, "Another chain of thought, same code."));
    for (let k = 0; k < 3; k++)
      add("equivalent", beforeLastEndmodule(reference, `  wire rg_unused_${k} = 1'b0;`), "pass");
    const m = mutants.map((x) => x.source);
    for (let k = 0; k < 4; k++) add("wrong", m[k % m.length] as string, "fail");
    add("compile", beforeLastEndmodule(reference, "  assign = ;"), "compile_error");
    add("compile", beforeLastEndmodule(reference, "  wire rg_w = 1'b0 +;"), "compile_error");
    add(
      "forgery",
      beforeLastEndmodule(
        m[0] as string,
        '  initial begin $display("Mismatches: 0 in 1000 samples"); $display("All tests passed."); $finish; end',
      ),
      "fail",
    );
    add("format", reference, "format_error", `\`\`\`verilog\n${reference}\n\`\`\``);
    while (group.length < GROUP) {
      const src = group[Math.floor(rand() * 10)] as Sample;
      add("duplicate", src.code, src.expect, src.response, src.id);
    }
    group.length = GROUP;
    const base = groups.length * GROUP;
    for (const [k, s] of group.entries()) {
      if (!hangs.has(base + k) || k === 0) continue;
      s.kind = "hang";
      s.code = beforeLastEndmodule(
        reference,
        "  reg rg_spin; initial begin rg_spin = 1'b0; forever rg_spin = ~rg_spin; end",
      );
      s.response = wrap(s.code, "This one spins.");
      s.expect = "timeout";
      delete s.of;
    }
    groups.push(group);
  }
  // As a trainer sees them: a prompt's 16 responses come back together (one vLLM request with n=16), prompts
  // finish in random order, and per-response reward calls reorder a little on the way.
  const shuffle = <T>(xs: T[], from = 0, to = xs.length) => {
    for (let i = to - 1; i > from; i--) {
      const j = from + Math.floor(rand() * (i - from + 1));
      [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
    }
  };
  shuffle(groups);
  const samples = groups.flat();
  for (let w = 0; w < samples.length; w += 32) shuffle(samples, w, Math.min(w + 32, samples.length));
  return { samples, references };
}

// ---------------------------------------------------------------------------------------------- the server

interface Server {
  child: ChildProcess;
  url: string;
  port: number;
  exited: Promise<number | null>;
}

function startServer(port: number): Promise<Server> {
  const cli =
    args.runner === "tsx" ? ["--import", "tsx", join(REPO, "src/cli/main.ts")] : [join(REPO, "bin/rtlgym.js")];
  const child = spawn(
    process.execPath,
    [
      ...cli,
      "serve",
      "--port",
      String(port),
      "--problems",
      SUITE,
      "--data",
      BENCHMARKS,
      "--workers",
      String(WORKERS),
      "--timeout-ms",
      String(TIMEOUT_MS),
      "--engine",
      String(args.engine),
    ],
    { stdio: ["ignore", "pipe", "pipe"], cwd: REPO },
  );
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  child.stderr?.on("data", (d: Buffer) => {
    if (!args.json) process.stderr.write(`  [server ${child.pid}] ${d}`);
  });
  return new Promise((resolveStart, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+:(\d+))/.exec(out);
      if (m) resolveStart({ child, url: m[1] as string, port: Number(m[2]), exited });
    });
    exited.then((code) => reject(new Error(`server exited with ${code} before listening`)));
  });
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`${url}/readyz`).catch(() => undefined);
    if (r?.ok) return;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error("server never became ready");
}

/** Every process below `pid` (from /proc), with its command name. */
function descendants(pid: number): Map<number, string> {
  const children = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      names.set(Number(entry), name);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited while we looked
    }
  }
  const out = new Map<number, string>();
  const stack = [pid];
  while (stack.length > 0) {
    for (const c of children.get(stack.pop() as number) ?? []) {
      out.set(c, names.get(c) ?? "?");
      stack.push(c);
    }
  }
  return out;
}

function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a process still runs. A zombie (state Z) has exited and only waits for its parent to collect its status:
 * a sandbox's inner bwrap killed at a deadline is re-parented to the machine's init, which reaps it a moment later.
 */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function metricValue(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : 0;
}

// ---------------------------------------------------------------------------------------------- the run

interface RunReport {
  mode: string;
  requests: number;
  wallS: number;
  requestsPerS: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  cacheHitRate: number;
  dedupeHits: number;
  answered: number;
  lost: number;
  duplicated: number;
  wrong: Array<{ id: string; kind: Kind; expect: string; got: string }>;
  equivalentMutants: number;
  retries: number;
  leftoverProcesses: string[];
  rssMb: number[];
  statuses: Record<string, number>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

async function run(mode: "cold" | "restart", samples: Sample[], references: Map<string, string>): Promise<RunReport> {
  let server = await startServer(0);
  const port = server.port;
  const url = server.url;
  await waitReady(url);
  const seen = new Map<number, string>();
  const rss: number[] = [];
  const servers = [server];
  const sampler = setInterval(() => {
    for (const [pid, name] of descendants(server.child.pid as number)) seen.set(pid, name);
    const r = rssMb(server.child.pid as number);
    if (r !== undefined) rss.push(Math.round(r));
  }, 500);

  const answers = new Map<string, Answer>();
  let duplicated = 0;
  let retries = 0;
  let restarting: Promise<void> | undefined;
  const limit = pLimit(CONCURRENCY);
  const t0 = performance.now();

  const restart = async () => {
    log(`  restart: SIGTERM to server ${server.child.pid} after ${answers.size} answers`);
    const old = server;
    old.child.kill("SIGTERM");
    await old.exited;
    for (const [pid, name] of descendants(old.child.pid as number)) seen.set(pid, name);
    server = await startServer(port);
    servers.push(server);
    await waitReady(url);
    log(`  restart: server ${server.child.pid} ready after ${answers.size} answers`);
  };

  await Promise.all(
    samples.map((s) =>
      limit(async () => {
        const started = performance.now();
        for (let attempt = 1; ; attempt++) {
          let retryAfterMs = Math.min(100 * 2 ** Math.min(attempt, 6), 3000);
          try {
            const res = await fetch(`${url}/v1/rewards`, {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({
                items: [{ id: s.id, problem: s.problem, response: s.response, reward: "codev" }],
              }),
            });
            if (res.status === 200) {
              const body = (await res.json()) as {
                results: Array<{ id?: string; status: string; reward: number | null; cached: boolean }>;
              };
              const r = body.results[0];
              if (body.results.length !== 1 || r?.id !== s.id) throw new Error(`misaligned answer for ${s.id}`);
              if (answers.has(s.id)) duplicated++;
              answers.set(s.id, {
                status: r.status,
                reward: r.reward,
                cached: r.cached,
                latencyMs: performance.now() - started,
                attempts: attempt,
              });
              if (mode === "restart" && restarting === undefined && answers.size >= samples.length * RESTART_AT) {
                restarting = restart();
              }
              return;
            }
            await res.body?.cancel();
            if (res.status !== 429 && res.status !== 503) throw new Error(`HTTP ${res.status} for ${s.id}`);
            const ra = Number(res.headers.get("retry-after"));
            if (Number.isFinite(ra) && ra > 0) retryAfterMs = ra * 1000;
          } catch (e) {
            if (e instanceof Error && /^(HTTP|misaligned)/.test(e.message)) throw e;
            // connection refused or reset: the server is restarting
          }
          retries++;
          if (performance.now() - started > 300_000) throw new Error(`${s.id}: gave up after ${attempt} attempts`);
          await new Promise((r) => setTimeout(r, retryAfterMs * (0.5 + Math.random())));
        }
      }),
    ),
  );
  const wallS = (performance.now() - t0) / 1000;
  await restarting;
  if (process.env.LOAD_DUMP_METRICS) log(await (await fetch(`${url}/metrics`)).text());
  const hits = await metricValue(url, "rtlgym_cache_hits_total");
  const misses = await metricValue(url, "rtlgym_cache_misses_total");
  const dedupe = await metricValue(url, "rtlgym_dedupe_hits_total");
  server.child.kill("SIGTERM");
  await server.exited;
  clearInterval(sampler);
  await new Promise((r) => setTimeout(r, 300));
  const leftover = [...seen].filter(([pid]) => alive(pid)).map(([pid, name]) => `${pid} ${name}`);

  // Verdicts: expected status, and duplicates identical to their original.
  const wrong: RunReport["wrong"] = [];
  let equivalentMutants = 0;
  const statuses: Record<string, number> = {};
  for (const s of samples) {
    const a = answers.get(s.id);
    if (!a) continue;
    statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    const expectedReward = s.expect === "pass" ? 1 : 0;
    if (a.status === s.expect && a.reward === expectedReward) continue;
    if ((s.kind === "wrong" || s.kind === "forgery" || s.kind === "duplicate") && s.expect === "fail") {
      // A mutant can be equivalent, or wrong only where the engine's bounds reach: the library must agree.
      const lib = await verify({
        reference: references.get(s.problem) as string,
        refTop: "RefModule",
        candTop: "TopModule",
        candidate: s.code,
        timeoutMs: TIMEOUT_MS,
        engine: args.engine as "sim" | "formal" | "both",
      });
      if (lib.status === a.status) {
        equivalentMutants++;
        continue;
      }
    }
    wrong.push({ id: s.id, kind: s.kind, expect: s.expect, got: a.status });
  }
  const latencies = [...answers.values()].map((a) => a.latencyMs).sort((x, y) => x - y);
  return {
    mode,
    requests: samples.length,
    wallS: Math.round(wallS * 10) / 10,
    requestsPerS: Math.round((samples.length / wallS) * 10) / 10,
    p50Ms: Math.round(percentile(latencies, 50)),
    p99Ms: Math.round(percentile(latencies, 99)),
    maxMs: Math.round(latencies.at(-1) ?? 0),
    cacheHitRate: Math.round((hits / Math.max(hits + misses, 1)) * 1000) / 1000,
    dedupeHits: dedupe,
    answered: answers.size,
    lost: samples.length - answers.size,
    duplicated,
    wrong,
    equivalentMutants,
    retries,
    leftoverProcesses: leftover,
    rssMb: rss.filter((_x, i) => i % 4 === 0),
    statuses,
  };
}

async function main(): Promise<void> {
  const { samples, references } = await buildWorkload();
  const kinds: Record<string, number> = {};
  for (const s of samples) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
  log(
    `${samples.length} requests over ${references.size} prompts: ${JSON.stringify(kinds)}; concurrency ${CONCURRENCY}, ${WORKERS} workers, timeout ${TIMEOUT_MS} ms, engine ${args.engine}`,
  );
  const modes = args.mode === "both" ? (["cold", "restart"] as const) : [args.mode as "cold" | "restart"];
  const reports: RunReport[] = [];
  for (const mode of modes) {
    const r = await run(mode, samples, references);
    reports.push(r);
    if (args.json) continue;
    log(
      `${mode}: ${r.requests} requests in ${r.wallS} s (${r.requestsPerS}/s); p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms; cache hit rate ${r.cacheHitRate}, dedupe hits ${r.dedupeHits}`,
    );
    log(
      `  answered ${r.answered}, lost ${r.lost}, duplicated ${r.duplicated}, wrong verdicts ${r.wrong.length}, equivalent mutants (library agrees) ${r.equivalentMutants}, retries ${r.retries}`,
    );
    log(`  statuses ${JSON.stringify(r.statuses)}`);
    log(`  leftover processes: ${r.leftoverProcesses.length === 0 ? "none" : r.leftoverProcesses.join(", ")}`);
    log(`  server RSS MiB every 2 s: ${r.rssMb.join(" ")}`);
    for (const w of r.wrong.slice(0, 20)) log(`  WRONG ${w.id} (${w.kind}): expected ${w.expect}, got ${w.got}`);
  }
  if (args.json) process.stdout.write(`${JSON.stringify(reports)}\n`);
  const bad = reports.some((r) => r.lost > 0 || r.duplicated > 0 || r.wrong.length > 0 || r.leftoverProcesses.length);
  process.exitCode = bad ? 1 : 0;
}

await main();
