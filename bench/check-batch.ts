/**
 * `rtlgym check --batch` against one `rtlgym check` process per pair, on VerilogEval v2 problems, in one run.
 *
 *   npx tsx bench/check-batch.ts [--problems 36] [--per-problem 2] [--workers 2] [--engine both] [--seed 1]
 *                                [--cli "node bin/rtlgym.js"]
 *
 * Pairs: for each of the first `--problems` usable spec-to-rtl problems, its reference renamed to TopModule (a
 * correct candidate) and `--per-problem - 1` mutants of it. Both modes run the same CLI (`--cli`, default the
 * built bin/rtlgym.js, else tsx on the sources) with `--workers` at a time: per-pair processes through p-limit,
 * the batch as one process with `--workers`. The official flow (the upstream testbench, iverilog + vvp, as
 * src/bench/official.ts runs it) checks the same pairs with the same number of workers, in this process: the
 * comparison the batch mode exists for. Reports wall time, pairs/s and whether the verdicts agree.
 * Benchmark data: RTLGYM_BENCHMARKS or ../shared/benchmarks next to the repository.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pLimit from "p-limit";
import { runOfficial } from "../src/bench/official.js";
import { verilogEvalV2 } from "../src/bench/suites/verilog-eval.js";
import type { Problem } from "../src/contracts/bench.js";
import { generateMutants } from "../src/data/mutate.js";
import { renameModules } from "../src/verilog/index.js";

const { values: args } = parseArgs({
  options: {
    problems: { type: "string", default: "36" },
    "per-problem": { type: "string", default: "2" },
    workers: { type: "string", default: "2" },
    engine: { type: "string", default: "both" },
    seed: { type: "string", default: "1" },
    cli: { type: "string" },
  },
});
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const BENCHMARKS = process.env.RTLGYM_BENCHMARKS ?? resolve(REPO, "../shared/benchmarks");
const WORKERS = Number(args.workers);
const PER_PROBLEM = Math.max(Number(args["per-problem"]), 1);
const CLI = (
  args.cli ??
  (existsSync(join(REPO, "dist/cli/main.js"))
    ? `node ${join(REPO, "bin/rtlgym.js")}`
    : `${join(REPO, "node_modules/.bin/tsx")} ${join(REPO, "src/cli/main.ts")}`)
).split(" ");

function cli(argv: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolvePromise) => {
    execFile(CLI[0] as string, [...CLI.slice(1), ...argv], { maxBuffer: 256 << 20 }, (error, stdout) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolvePromise({ code, stdout });
    });
  });
}

const dir = await mkdtemp(join(tmpdir(), "rtlgym-batch-bench-"));
try {
  const problems = (await verilogEvalV2.load(BENCHMARKS)).problems
    .filter((p) => p.excluded === undefined)
    .slice(0, Number(args.problems));
  const pairs: Array<{ id: string; ref: string; cand: string; problem: Problem; source: string }> = [];
  for (const p of problems) {
    const reference = renameModules(p.reference, (n) => (n === "RefModule" ? "TopModule" : undefined));
    const mutants = generateMutants(reference, { limit: PER_PROBLEM - 1, seed: Number(args.seed) });
    const refFile = join(dir, `${p.id}.ref.sv`);
    await writeFile(refFile, p.reference);
    for (const [i, source] of [reference, ...mutants.map((m) => m.source)].entries()) {
      const cand = join(dir, `${p.id}.${i}.sv`);
      await writeFile(cand, source);
      pairs.push({ id: `${p.id}/${i}`, ref: refFile, cand, problem: p, source });
    }
  }
  const common = ["--engine", String(args.engine), "--seed", String(args.seed), "--json"];
  process.stderr.write(
    `${problems.length} problems, ${pairs.length} pairs, ${WORKERS} workers, cli: ${CLI.join(" ")}\n`,
  );

  // One process per pair.
  const limit = pLimit(WORKERS);
  let t = performance.now();
  const single = await Promise.all(
    pairs.map((p) =>
      limit(async () => {
        const r = await cli(["check", p.ref, p.cand, "--ref-top", "RefModule", "--cand-top", "TopModule", ...common]);
        return JSON.parse(r.stdout.trim() || "{}").status as string | undefined;
      }),
    ),
  );
  const singleS = (performance.now() - t) / 1000;

  // One batch process.
  const batchFile = join(dir, "pairs.jsonl");
  await writeFile(
    batchFile,
    `${pairs.map((p) => JSON.stringify({ id: p.id, referenceFile: p.ref, candidateFile: p.cand, refTop: "RefModule", candTop: "TopModule" })).join("\n")}\n`,
  );
  t = performance.now();
  const b = await cli(["check", "--batch", batchFile, "--workers", String(WORKERS), ...common]);
  const batchS = (performance.now() - t) / 1000;
  const batch = b.stdout
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as { status: string }).status);

  // The official flow on the same candidates (upstream's 30 s budget).
  t = performance.now();
  const official = await Promise.all(
    pairs.map((p) => limit(async () => (await runOfficial(p.problem, p.source, { timeoutMs: 30_000 })).verdict)),
  );
  const officialS = (performance.now() - t) / 1000;
  // Where the official testbench decides (pass or fail), does the batch say the same?
  const decided = pairs.flatMap((_p, i) => (official[i] === "pass" || official[i] === "fail" ? [i] : []));
  const sameAsOfficial = decided.filter((i) => (batch[i] === "pass") === (official[i] === "pass")).length;

  const agree = pairs.filter((_p, i) => single[i] === batch[i]).length;
  const tally = (xs: Array<string | undefined>) =>
    Object.entries(
      xs.reduce<Record<string, number>>((acc, s) => {
        acc[s ?? "none"] = (acc[s ?? "none"] ?? 0) + 1;
        return acc;
      }, {}),
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
  const report = {
    problems: problems.length,
    pairs: pairs.length,
    workers: WORKERS,
    engine: args.engine,
    perProcess: {
      wallS: +singleS.toFixed(1),
      pairsPerS: +(pairs.length / singleS).toFixed(2),
      verdicts: tally(single),
    },
    batch: { wallS: +batchS.toFixed(1), pairsPerS: +(pairs.length / batchS).toFixed(2), verdicts: tally(batch) },
    official: {
      wallS: +officialS.toFixed(1),
      pairsPerS: +(pairs.length / officialS).toFixed(2),
      verdicts: tally(official),
    },
    speedup: +(singleS / batchS).toFixed(2),
    batchOverOfficial: +(officialS / batchS).toFixed(2),
    verdictsAgree: `${agree}/${pairs.length}`,
    batchAgreesWithOfficialWhereItDecides: `${sameAsOfficial}/${decided.length}`,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
