// Throughput of VHDL checks against Verilog checks of the same problems, as `rtlgym bench` scores them: every problem
// of the builtin suite's VHDL track and its Verilog twin, N distinct samples each (the reference with a comment
// added), scored with scoreProblem (one group check per problem, no official testbench), problems one after another.
// Usage: npx tsx bench/vhdl-throughput.ts [--samples 5] [--limit N]
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { scoreProblem } from "../src/bench/score.js";
import { loadSuite } from "../src/bench/suites/registry.js";

const { values } = parseArgs({ options: { samples: { type: "string", default: "5" }, limit: { type: "string" } } });
const n = Number(values.samples);
const vhdl = await loadSuite("builtin-vhdl");
const ids = new Set(vhdl.problems.map((p) => p.id).slice(0, values.limit ? Number(values.limit) : undefined));
const verilog = (await loadSuite("builtin")).problems.filter((p) => ids.has(p.id));

async function run(problems: typeof verilog, comment: string) {
  const started = performance.now();
  let checks = 0;
  const statuses: Record<string, number> = {};
  for (const p of problems) {
    const samples = Array.from({ length: n }, (_, k) => ({
      sample: k,
      code: `${p.reference}\n${comment} sample ${k}\n`,
    }));
    for (const s of await scoreProblem(p, samples, { official: false })) {
      statuses[s.status] = (statuses[s.status] ?? 0) + 1;
      checks++;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    problems: problems.length,
    checks,
    seconds: Math.round(seconds * 10) / 10,
    checksPerSecond: Math.round((checks / seconds) * 10) / 10,
    statuses,
  };
}

const before = loadavg()[0];
const v = await run(verilog, "//");
const h = await run(
  vhdl.problems.filter((p) => ids.has(p.id)),
  "--",
);
console.log(
  JSON.stringify(
    {
      samplesPerProblem: n,
      loadAverage: [before, loadavg()[0]].map((x) => Math.round((x ?? 0) * 10) / 10),
      verilog: v,
      vhdl: h,
    },
    null,
    2,
  ),
);
