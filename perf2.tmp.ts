import { readFileSync } from "node:fs";
import { generateTestbench } from "./src/verify/testbench.ts";
import { interfaceFromYosys } from "./src/verify/interface.ts";
import { execFileSync } from "node:child_process";
import { writeFileSync, mkdirSync } from "node:fs";
const dir = "/work/shared/benchmarks/verilog-eval/v2/dataset_spec-to-rtl";
for (const p of ["Prob046_dff8p", "Prob041_dff8r", "Prob017_mux2to1v"]) {
  const ref = readFileSync(`${dir}/${p}_ref.sv`, "utf8");
  mkdirSync("/tmp/pf", { recursive: true });
  writeFileSync("/tmp/pf/ref.v", ref);
  execFileSync("yosys", ["-q", "-p", "read_verilog -sv /tmp/pf/ref.v; hierarchy -top RefModule; proc -norom; flatten; opt_dff -nodffe; write_json /tmp/pf/ref.json"]);
  const iface = interfaceFromYosys(JSON.parse(readFileSync("/tmp/pf/ref.json", "utf8")), "RefModule");
  writeFileSync("/tmp/pf/cand.v", ref.replace(/RefModule/g, "TopModule"));
  const tb = generateTestbench({ nonce: "abc", reference: { module: "RefModule", iface }, candidates: ["TopModule"], seed: 1, cycles: 2000, vectors: 1000, exhaustiveBits: 16 });
  writeFileSync("/tmp/pf/tb.v", tb.source);
  let t = performance.now();
  execFileSync("iverilog", ["-g2012", "-s", tb.top, "-o", "/tmp/pf/sim.vvp", "/tmp/pf/tb.v", "/tmp/pf/ref.v", "/tmp/pf/cand.v"]);
  const c = performance.now() - t; t = performance.now();
  execFileSync("vvp", ["-n", "/tmp/pf/sim.vvp"]);
  console.log(p, "compile", c.toFixed(1), "vvp", (performance.now() - t).toFixed(1), "lines", tb.source.split("\n").length, tb.steps);
}
