/**
 * Throughput and accuracy of rtlgym's verifier against the official VerilogEval v2 flow, side by side in one run.
 *
 *   npx tsx bench/verify-throughput.ts [--workers 2] [--limit N] [--mutants 1] [--group-mutants 7] [--seed 1]
 *                                      [--timeout 10000] [--json]
 *
 * Samples: each usable spec-to-rtl reference (renamed to TopModule) plus `--mutants` mutants per problem.
 * Modes, run one after the other with `--workers` concurrent checks each:
 *   sim / both      rtlgym `verify` per sample, engine sim or sim+formal
 *   official        the upstream iverilog + vvp testbench flow per sample
 *   group-sim/both  `verifyGroup` per problem on 16 candidates: the reference, `--group-mutants` mutants and
 *                   duplicates of them, padded to 16 (as an RL group would be)
 * Per mode: checks/s, p50/p95 latency, CPU seconds per check (this process plus its reaped children, from
 * process.cpuUsage and /proc/self/stat cutime/cstime), references passing, mutants caught.
 * Benchmark data: RTLGYM_BENCHMARKS or ../shared/benchmarks next to the repository.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pLimit from "p-limit";
import { runOfficial } from "../src/bench/official.js";
import { verilogEvalV2 } from "../src/bench/suites/verilog-eval.js";
import type { Problem } from "../src/contracts/bench.js";
import type { VerifyResult } from "../src/contracts/index.js";
import { generateMutants, type Mutant } from "../src/data/mutate.js";
import { toolVersions, verify, verifyGroup } from "../src/verify/index.js";
import { renameModules } from "../src/verilog/index.js";

const { values: args } = parseArgs({
  options: {
    workers: { type: "string", default: "2" },
    limit: { type: "string" },
    mutants: { type: "string", default: "1" },
    "group-mutants": { type: "string", default: "7" },
    "group-size": { type: "string", default: "16" },
    seed: { type: "string", default: "1" },
    timeout: { type: "string", default: "10000" },
    json: { type: "boolean", default: false },
  },
});
const WORKERS = Number(args.workers);
const MUTANTS = Number(args.mutants);
const GROUP_MUTANTS = Math.max(Number(args["group-mutants"]), MUTANTS);
const GROUP_SIZE = Number(args["group-size"]);
const SEED = Number(args.seed);
const TIMEOUT_MS = Number(args.timeout);
const OFFICIAL_TIMEOUT_MS = 30_000;

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BENCHMARKS = process.env.RTLGYM_BENCHMARKS ?? resolve(REPO, "../shared/benchmarks");

type Verdict = "pass" | "caught" | "no_verdict";
type Mode = "sim" | "both" | "official" | "group-sim" | "group-both";

interface Sample {
  /** `ProbNNN_x/ref` or `ProbNNN_x/<mutant id>`. */
  key: string;
  problem: Problem;
  isReference: boolean;
  source: string;
}

interface Check {
  key: string;
  verdict: Verdict;
  status: string;
}

interface ModeReport {
  mode: Mode;
  checks: number;
  /** Calls made: one per check, or one per group of GROUP_SIZE checks. */
  calls: number;
  wallS: number;
  checksPerS: number;
  /** Latency of one call (a group call in the group modes), ms. */
  p50Ms: number;
  p95Ms: number;
  cpuSPerCheck: number;
  referencesPassing: number;
  references: number;
  mutantsCaught: number;
  mutants: number;
  /** Per distinct sample: the verdict this mode gave. */
  verdicts: Map<string, Check>;
}

/** CPU seconds used so far by this process and its waited-for children (USER_HZ is 100 on Linux). */
function cpuSeconds(): number {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields are numbered from 1 with `pid (comm)` as 1 and 2, so field N is fields[N - 3].
    children = (Number(fields[16 - 3]) + Number(fields[17 - 3])) / 100;
  } catch {
    // not Linux: children CPU unknown
  }
  return (own.user + own.system) / 1e6 + children;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

const rtlgymVerdict = (r: VerifyResult): Verdict =>
  r.status === "pass"
    ? "pass"
    : r.status === "fail" || r.status === "compile_error" || r.status === "interface_mismatch"
      ? "caught"
      : "no_verdict";

async function measure(
  mode: Mode,
  jobs: Array<() => Promise<Check[]>>,
  checksPerJob: (i: number) => number,
): Promise<ModeReport> {
  const limit = pLimit(WORKERS);
  const latencies: number[] = [];
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  let done = 0;
  const results = await Promise.all(
    jobs.map((job) =>
      limit(async () => {
        const t = performance.now();
        const out = await job();
        latencies.push(performance.now() - t);
        done++;
        if (!args.json && process.stderr.isTTY) process.stderr.write(`  ${mode}: ${done}/${jobs.length}\r`);
        return out;
      }),
    ),
  );
  const wallS = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - cpu0;
  const checks = jobs.reduce((n, _j, i) => n + checksPerJob(i), 0);
  latencies.sort((a, b) => a - b);
  const verdicts = new Map<string, Check>();
  for (const c of results.flat()) verdicts.set(c.key, c);
  const all = [...verdicts.values()];
  const refs = all.filter((c) => c.key.endsWith("/ref"));
  const muts = all.filter((c) => !c.key.endsWith("/ref"));
  return {
    mode,
    checks,
    calls: jobs.length,
    wallS,
    checksPerS: checks / wallS,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    cpuSPerCheck: cpu / checks,
    referencesPassing: refs.filter((c) => c.verdict === "pass").length,
    references: refs.length,
    mutantsCaught: muts.filter((c) => c.verdict === "caught").length,
    mutants: muts.length,
    verdicts,
  };
}

async function main(): Promise<void> {
  const loaded = (await verilogEvalV2.load(BENCHMARKS)).problems.filter((p) => p.excluded === undefined);
  const problems = args.limit === undefined ? loaded : loaded.slice(0, Number(args.limit));
  const versions = await toolVersions();

  const samples: Sample[] = [];
  const groups: Array<{ problem: Problem; members: Sample[] }> = [];
  for (const problem of problems) {
    const reference = renameModules(problem.reference, (n) => (n === "RefModule" ? "TopModule" : undefined));
    const mutants: Mutant[] = generateMutants(reference, { limit: GROUP_MUTANTS, seed: SEED });
    const ref: Sample = { key: `${problem.id}/ref`, problem, isReference: true, source: reference };
    const muts = mutants.map((m) => ({ key: `${problem.id}/${m.id}`, problem, isReference: false, source: m.source }));
    samples.push(ref, ...muts.slice(0, MUTANTS));
    const distinct = [ref, ...muts];
    const members = Array.from({ length: GROUP_SIZE }, (_x, i) => distinct[i % distinct.length] as Sample);
    groups.push({ problem, members });
  }
  const log = (s: string) => {
    if (!args.json) process.stderr.write(`${s}\n`);
  };
  log(
    `${problems.length} problems, ${samples.length} samples (${samples.filter((s) => !s.isReference).length} mutants), ${WORKERS} workers; ${versions.iverilog}; ${versions.yosys} (${versions.yosysBackend})`,
  );

  const perSample = (engine: "sim" | "both") =>
    samples.map((s) => async (): Promise<Check[]> => {
      const r = await verify({
        reference: s.problem.reference,
        candidate: s.source,
        refTop: "RefModule",
        candTop: "TopModule",
        engine,
        seed: SEED,
        timeoutMs: TIMEOUT_MS,
      });
      return [{ key: s.key, verdict: rtlgymVerdict(r), status: r.status }];
    });
  const perGroup = (engine: "sim" | "both") =>
    groups.map((g) => async (): Promise<Check[]> => {
      const rs = await verifyGroup({
        reference: g.problem.reference,
        candidates: g.members.map((m) => m.source),
        refTop: "RefModule",
        candTop: "TopModule",
        engine,
        seed: SEED,
        timeoutMs: TIMEOUT_MS,
      });
      return g.members.map((m, i) => {
        const r = rs[i] as VerifyResult;
        return { key: m.key, verdict: rtlgymVerdict(r), status: r.status };
      });
    });
  const official = samples.map((s) => async (): Promise<Check[]> => {
    const r = await runOfficial(s.problem, s.source, { timeoutMs: OFFICIAL_TIMEOUT_MS });
    // A compile error or hang of a mutant is a rejection, as the upstream flow counts it.
    const v = r.verdict === "pass" || r.verdict === "inconclusive" || r.verdict === "infra_error" ? r.verdict : "fail";
    return [
      {
        key: s.key,
        verdict: v === "pass" ? "pass" : v === "fail" ? "caught" : "no_verdict",
        status: v === "fail" ? `${r.verdict} (${r.mismatches ?? "no count"})` : v,
      },
    ];
  });

  const reports: ModeReport[] = [];
  for (const [mode, jobs, per] of [
    ["sim", perSample("sim"), () => 1],
    ["both", perSample("both"), () => 1],
    ["official", official, () => 1],
    ["group-sim", perGroup("sim"), () => GROUP_SIZE],
    ["group-both", perGroup("both"), () => GROUP_SIZE],
  ] as const) {
    log(`running ${mode} (${jobs.length} calls)...`);
    const report = await measure(mode, [...jobs], per);
    reports.push(report);
    log(`  ${mode}: ${report.wallS.toFixed(1)} s`);
  }

  // Accuracy: a mutant is non-equivalent when any engine rejects it (rtlgym only rejects with a counterexample or
  // a compile/interface error; the official testbench with mismatches).
  const byMode = new Map(reports.map((r) => [r.mode, r]));
  const mutantKeys = samples.filter((s) => !s.isReference).map((s) => s.key);
  const verdictOf = (mode: Mode, key: string) => byMode.get(mode)?.verdicts.get(key);
  const nonEquivalent = mutantKeys.filter((k) =>
    (["sim", "both", "official"] as const).some((m) => verdictOf(m, k)?.verdict === "caught"),
  );
  const rtlgymCaught = (k: string) =>
    verdictOf("both", k)?.verdict === "caught" || verdictOf("sim", k)?.verdict === "caught";
  const officialMisses = mutantKeys.filter((k) => rtlgymCaught(k) && verdictOf("official", k)?.verdict !== "caught");
  const falsePasses = (mode: Mode) =>
    mutantKeys.filter((k) => verdictOf(mode, k)?.verdict === "pass" && verdictOf("official", k)?.verdict === "caught");
  const falseFails = (mode: Mode) =>
    samples
      .filter((s) => s.isReference && verdictOf(mode, s.key)?.verdict !== "pass")
      .map((s) => `${s.key}: ${verdictOf(mode, s.key)?.status}`);
  const groupDisagreements = [...(byMode.get("group-both")?.verdicts.values() ?? [])]
    .filter((c) => {
      const single = verdictOf("both", c.key);
      return single !== undefined && single.status !== c.status;
    })
    .map((c) => `${c.key}: single ${verdictOf("both", c.key)?.status}, group ${c.status}`);

  const rows = reports.map((r) => ({
    mode: r.mode,
    checks: r.checks,
    calls: r.calls,
    wallS: round(r.wallS, 1),
    checksPerS: round(r.checksPerS, 1),
    p50Ms: Math.round(r.p50Ms),
    p95Ms: Math.round(r.p95Ms),
    cpuSPerCheck: round(r.cpuSPerCheck, 4),
    referencesPassing: `${r.referencesPassing}/${r.references}`,
    mutantsCaught: `${r.mutantsCaught}/${r.mutants}`,
    catchRate: round(
      nonEquivalent.filter((k) => r.verdicts.get(k)?.verdict === "caught").length / Math.max(nonEquivalent.length, 1),
      3,
    ),
  }));
  const summary = {
    problems: problems.length,
    samples: samples.length,
    mutants: mutantKeys.length,
    workers: WORKERS,
    groupSize: GROUP_SIZE,
    toolVersions: versions,
    nonEquivalentMutants: nonEquivalent.length,
    rtlgymCatchRate: round(nonEquivalent.filter(rtlgymCaught).length / Math.max(nonEquivalent.length, 1), 3),
    rtlgymCaught: nonEquivalent.filter(rtlgymCaught).length,
    officialMissesRtlgymCatches: officialMisses.map((k) => `${k} (rtlgym ${verdictOf("both", k)?.status})`),
    rtlgymPassesOfficialRejects: {
      sim: falsePasses("sim"),
      both: falsePasses("both"),
      "group-both": falsePasses("group-both"),
    },
    referencesNotPassing: Object.fromEntries(reports.map((r) => [r.mode, falseFails(r.mode)])),
    groupVsSingleDisagreements: groupDisagreements,
    modes: rows,
  };

  if (args.json) {
    console.log(JSON.stringify(summary, null, 2));
    return;
  }
  const header = [
    "mode",
    "checks",
    "calls",
    "wall s",
    "checks/s",
    "p50 ms",
    "p95 ms",
    "CPU s/check",
    "refs passing",
    "mutants caught",
    "catch rate",
  ];
  const out = [
    `| ${header.join(" | ")} |`,
    `| ${header.map((_h, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map(
      (r) =>
        `| ${[r.mode, r.checks, r.calls, r.wallS, r.checksPerS, r.p50Ms, r.p95Ms, r.cpuSPerCheck, r.referencesPassing, r.mutantsCaught, r.catchRate].join(" | ")} |`,
    ),
    "",
    `Latency is per call: one check, or one verifyGroup call of ${GROUP_SIZE} candidates in the group modes.`,
    `Groups hold up to ${GROUP_MUTANTS} mutants per problem (more than the per-sample modes); their catch rate counts only the mutants the other modes also checked.`,
    `Non-equivalent mutants (rtlgym or the official testbench rejects): ${nonEquivalent.length}/${mutantKeys.length}; rtlgym catches ${summary.rtlgymCaught} (catch rate ${summary.rtlgymCatchRate}).`,
  ];
  const list = (title: string, items: string[]) => {
    out.push("", `${title}: ${items.length}`);
    for (const i of items) out.push(`- ${i}`);
  };
  list("Mutants the official testbench misses and rtlgym catches", summary.officialMissesRtlgymCatches);
  for (const mode of ["sim", "both", "group-both"] as const) {
    list(`Mutants rtlgym (${mode}) passes and the official testbench rejects`, falsePasses(mode));
  }
  for (const r of reports) list(`References not passing (${r.mode})`, falseFails(r.mode));
  list("Group (both) verdicts that differ from single verify (both)", groupDisagreements);
  console.log(out.join("\n"));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

await main();
