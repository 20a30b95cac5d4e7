import { readFileSync, readdirSync } from "node:fs";
import { verify } from "./src/verify/index.ts";
const dir = "/work/shared/benchmarks/verilog-eval/v2/dataset_spec-to-rtl";
const refs = readdirSync(dir).filter((f) => f.endsWith("_ref.sv")).slice(0, 60);
const rows: Array<[string, number, number, number, number]> = [];
for (const f of refs) {
  const ref = readFileSync(`${dir}/${f}`, "utf8");
  await verify({ reference: ref, candidate: ref.replace(/RefModule/g, "TopModule"), engine: "sim" }); // warm ref cache
  const c0 = process.cpuUsage();
  const r = await verify({ reference: ref, candidate: ref.replace(/RefModule/g, "TopModule"), engine: "sim" });
  rows.push([f.slice(0, 30), r.timings.frontendMs, r.timings.simMs, r.timings.totalMs, r.engines.sim.cycles]);
}
rows.sort((a, b) => b[3] - a[3]);
for (const r of rows.slice(0, 12)) console.log(r.join("\t"));
const avg = (i: number) => (rows.reduce((s, r) => s + (r[i] as number), 0) / rows.length).toFixed(1);
console.log("avg frontend", avg(1), "sim", avg(2), "total", avg(3));
