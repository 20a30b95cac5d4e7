import { verilogEvalV2 } from "../src/bench/suites/verilog-eval.js";
import { generateMutants } from "../src/data/mutate.js";
import { verifyGroup } from "../src/verify/index.js";
import { renameModules } from "../src/verilog/index.js";
const probs = (await verilogEvalV2.load("/work/shared/benchmarks")).problems.filter((p) => p.excluded === undefined);
for (const p of probs.slice(Number(process.argv[2] ?? 0), Number(process.argv[3] ?? 5))) {
  const reference = renameModules(p.reference, (n) => (n === "RefModule" ? "TopModule" : undefined));
  const ms = generateMutants(reference, { limit: 7, seed: 1 });
  const distinct = [reference, ...ms.map((m) => m.source)];
  const members = Array.from({ length: 16 }, (_x, i) => distinct[i % distinct.length] as string);
  const t = performance.now();
  const rs = await verifyGroup({ reference: p.reference, candidates: members, refTop: "RefModule", candTop: "TopModule", engine: (process.env.ENGINE ?? "sim") as "sim", seed: 1, timeoutMs: 10000 });
  process.stderr.write(`== ${p.id} ${(performance.now() - t).toFixed(0)} ms ${rs.map((r) => r.status[0]).join("")}\n`);
}
