/**
 * Where a check's time goes, per tool process, in rtlgym's `verify` and in the official VerilogEval flow, one check
 * at a time so every process belongs to exactly one flow (docs/verification-check.md, "Where the gap to the official
 * flow is"). By hand, not in tests:
 *
 *   npx tsx bench/verify-profile.ts [--limit N] [--group N] [--json]
 *
 * Per reference: the official flow (`runOfficial`), then rtlgym `verify --engine sim` twice, the first with a cold
 * reference analysis and the second warm (the analysis is cached by content). Prints the mean wall time per check of
 * each kind of tool process, and the reference analysis on its own. `--group N`: then `verifyGroup` (engine sim) on N
 * candidates per reference (it and 7 mutants, repeated to N, as the throughput bench's groups), warm: tool processes
 * and wall time per group, and the slowest problems. Wall times of processes, so the machine's load
 * scales them; compare the columns of one run.
 * Benchmark data: RTLGYM_BENCHMARKS or ../shared/benchmarks next to the repository.
 */
import { loadavg } from "node:os";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

// The process layer reads RTLGYM_TRACE when it loads, so set it before importing anything that loads it.
process.env.RTLGYM_TRACE = "processes";
const { runOfficial } = await import("../src/bench/official.js");
const { verilogEvalV2 } = await import("../src/bench/suites/verilog-eval.js");
const { verify } = await import("../src/verify/index.js");
const { renameModules } = await import("../src/verilog/index.js");
const { generateMutants } = await import("../src/data/mutate.js");
const { verifyGroup } = await import("../src/verify/index.js");

const { values: args } = parseArgs({
  options: { limit: { type: "string" }, group: { type: "string" }, json: { type: "boolean", default: false } },
});
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BENCHMARKS = process.env.RTLGYM_BENCHMARKS ?? resolve(REPO, "../shared/benchmarks");

type Flow = "official" | "rtlgym-cold" | "rtlgym-warm" | "rtlgym-group";
const GROUP = args.group === undefined ? 0 : Number(args.group);
/** Wall ms of each group check, by problem. */
const groupWall: Array<[string, number]> = [];
/** Per flow and process kind: total wall ms and count. */
const totals = new Map<string, { ms: number; n: number }>();
let flow: Flow | undefined;

// Trace lines look like `rtlgym: process TOOL HINT MS ms exit X`; they are counted for the flow running now.
const TRACE_LINE = /^rtlgym: process (\S+) (\S*) ?([\d.]+) ms /;
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
  const m = TRACE_LINE.exec(text);
  if (!m) return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
  if (flow !== undefined) {
    const [, tool, hint, ms] = m as unknown as [string, string, string, string];
    const key = `${flow}\t${processKind(tool, hint)}`;
    const t = totals.get(key) ?? { ms: 0, n: 0 };
    t.ms += Number(ms);
    t.n += 1;
    totals.set(key, t);
  }
  return true;
}) as typeof process.stderr.write;

/** A process's role from its tool and first argument (the trace's hint). */
function processKind(tool: string, hint: string): string {
  if (tool === "vvp") return "simulate";
  if (tool === "yosys") return "yosys";
  if (tool === "iverilog") {
    if (/^(rtlgym_)?tb/.test(hint)) return "compile the testbench";
    if (hint === "null" || hint === "vvp") return "elaborate the candidate alone";
  }
  return `${tool} ${hint}`;
}

const problems = (await verilogEvalV2.load(BENCHMARKS)).problems.filter((p) => p.excluded === undefined);
const chosen = args.limit === undefined ? problems : problems.slice(0, Number(args.limit));
for (const [i, problem] of chosen.entries()) {
  const candidate = renameModules(problem.reference, (n) => (n === "RefModule" ? "TopModule" : undefined));
  flow = "official";
  await runOfficial(problem, candidate, { timeoutMs: 30_000 });
  for (const f of ["rtlgym-cold", "rtlgym-warm"] as const) {
    flow = f;
    await verify({
      reference: problem.reference,
      candidate,
      refTop: "RefModule",
      candTop: "TopModule",
      engine: "sim",
      seed: 1,
      timeoutMs: 10_000,
    });
  }
  if (GROUP > 0) {
    const distinct = [candidate, ...generateMutants(candidate, { limit: 7, seed: 1 }).map((m) => m.source)];
    flow = "rtlgym-group";
    const t = performance.now();
    await verifyGroup({
      reference: problem.reference,
      candidates: Array.from({ length: GROUP }, (_x, k) => distinct[k % distinct.length] as string),
      refTop: "RefModule",
      candTop: "TopModule",
      engine: "sim",
      seed: 1,
      timeoutMs: 10_000,
    });
    groupWall.push([problem.id, performance.now() - t]);
  }
  flow = undefined;
  if (!args.json && process.stderr.isTTY) write(`  ${i + 1}/${chosen.length}\r`);
}

const checks = chosen.length;
const perCheck = (f: Flow) =>
  Object.fromEntries(
    [...totals]
      .filter(([k]) => k.startsWith(`${f}\t`))
      .map(([k, t]) => [k.split("\t")[1], { msPerCheck: round(t.ms / checks), processes: t.n }]),
  );
const sum = (f: Flow) =>
  round([...totals].filter(([k]) => k.startsWith(`${f}\t`)).reduce((s, [, t]) => s + t.ms, 0) / checks);
// The cold check's extra Yosys runs over the warm one's are the reference analysis.
const yosys = (f: Flow) => totals.get(`${f}\tyosys`) ?? { ms: 0, n: 0 };
const analysis = {
  msPerReference: round((yosys("rtlgym-cold").ms - yosys("rtlgym-warm").ms) / checks),
  yosysRunsPerReference: round((yosys("rtlgym-cold").n - yosys("rtlgym-warm").n) / checks),
};
const summary = {
  references: checks,
  load: loadavg().map((x) => round(x)),
  official: { perCheck: perCheck("official"), msPerCheck: sum("official") },
  rtlgymWarm: { perCheck: perCheck("rtlgym-warm"), msPerCheck: sum("rtlgym-warm") },
  referenceAnalysis: analysis,
  ...(GROUP > 0 && {
    group: {
      size: GROUP,
      perGroup: perCheck("rtlgym-group"),
      toolMsPerGroup: sum("rtlgym-group"),
      wallMsPerGroup: round(groupWall.reduce((t, [, ms]) => t + ms, 0) / checks),
      slowest: [...groupWall]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([id, ms]) => ({ problem: id, wallMs: round(ms) })),
    },
  }),
};
if (args.json) console.log(JSON.stringify(summary, null, 2));
else {
  console.log(`${checks} references, load ${summary.load.join(" / ")}; mean wall ms of tool processes per check`);
  // The kinds of the two flows compared; the cold check's own (the reference analysis) are summed below.
  const kinds = [
    ...new Set([...totals.keys()].filter((k) => !k.startsWith("rtlgym-cold\t")).map((k) => k.split("\t")[1] as string)),
  ];
  console.log(`${"process".padEnd(32)} ${"official".padStart(9)} ${"rtlgym".padStart(9)}`);
  for (const kind of kinds) {
    const o = summary.official.perCheck[kind]?.msPerCheck ?? 0;
    const r = summary.rtlgymWarm.perCheck[kind]?.msPerCheck ?? 0;
    console.log(`${kind.padEnd(32)} ${o.toFixed(1).padStart(9)} ${r.toFixed(1).padStart(9)}`);
  }
  console.log(
    `${"per check".padEnd(32)} ${sum("official").toFixed(1).padStart(9)} ${sum("rtlgym-warm").toFixed(1).padStart(9)}`,
  );
  console.log(
    `reference analysis (once per reference): ${analysis.msPerReference} ms in ${analysis.yosysRunsPerReference} Yosys runs`,
  );
  if (summary.group) {
    const g = summary.group;
    console.log(`\nverifyGroup of ${g.size}, warm: mean wall ms of tool processes per group`);
    for (const [kind, v] of Object.entries(g.perGroup) as Array<[string, { msPerCheck: number; processes: number }]>)
      console.log(`${kind.padEnd(32)} ${v.msPerCheck.toFixed(1).padStart(9)}  (${v.processes} processes)`);
    console.log(`${"tool time per group".padEnd(32)} ${g.toolMsPerGroup.toFixed(1).padStart(9)}`);
    console.log(`${"wall per group".padEnd(32)} ${g.wallMsPerGroup.toFixed(1).padStart(9)}`);
    console.log(`slowest: ${g.slowest.map((x) => `${x.problem} ${x.wallMs} ms`).join(", ")}`);
  }
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
