import { readFileSync } from "node:fs";
import { generateMutants } from "./src/data/mutate.ts";
import { verify } from "./src/verify/index.ts";
const dir = "/work/shared/benchmarks/verilog-eval/v2/dataset_spec-to-rtl";
for (const [p, id] of [["Prob116_m2014_q3", "literal@21:7"], ["Prob037_review2015_count1k", "literal@9:23"], ["Prob155_lemmings4", "literal@48:40"], ["Prob141_count_clock", "binop@35:46"]]) {
  const ref = readFileSync(`${dir}/${p}_ref.sv`, "utf8");
  const ms = generateMutants(ref, { limit: 50, seed: 1 });
  const m = ms.find((x) => x.id === id);
  if (!m) { console.log(p, "mutant not found", ms.map((x) => x.id).join(" ")); continue; }
  const r = await verify({ reference: ref, candidate: m.source.replace(/RefModule/g, "TopModule") });
  console.log(p, id, r.status, r.decidedBy, r.message.slice(0, 100), r.timings.totalMs);
}
