import { readFileSync, readdirSync } from "node:fs";
import { verify } from "./src/verify/index.ts";
const dir = "/work/shared/benchmarks/verilog-eval/v2/dataset_spec-to-rtl";
const refs = readdirSync(dir).filter((f) => f.endsWith("_ref.sv")).slice(0, 40);
for (const engine of ["sim", "both"] as const) {
  let tot = { fe: 0, sim: 0, formal: 0, total: 0 };
  const t0 = performance.now(); const c0 = process.cpuUsage();
  for (const f of refs) {
    const ref = readFileSync(`${dir}/${f}`, "utf8");
    const r = await verify({ reference: ref, candidate: ref.replace(/RefModule/g, "TopModule"), engine });
    tot.fe += r.timings.frontendMs; tot.sim += r.timings.simMs; tot.formal += r.timings.formalMs; tot.total += r.timings.totalMs;
    if (r.status !== "pass") console.log(f, r.status, r.message);
    if (r.timings.formalMs > 150) console.log("slow formal", f, r.timings.formalMs);
  }
  const n = refs.length;
  console.log(engine, "per check ms: fe", (tot.fe/n).toFixed(1), "sim", (tot.sim/n).toFixed(1), "formal", (tot.formal/n).toFixed(1), "total", (tot.total/n).toFixed(1), "wall", ((performance.now()-t0)/n).toFixed(1));
}
