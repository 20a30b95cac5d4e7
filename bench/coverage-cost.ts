/**
 * What the reference-coverage sampling costs: for every sequential fixture pair, the generated testbench (the pair's
 * candidate against its reference) is compiled with and without the coverage probes, and each vvp run is timed in
 * CPU seconds (user + sys, from /usr/bin/time), alternating the two variants. Also the extra Yosys work in the
 * reference analysis (FSM extraction): the analysis with and without it, CPU seconds.
 *
 *   nice -n 19 npx tsx bench/coverage-cost.ts [--repeats 3] [--cycles 2000] [--no-yosys]
 *
 * At the default budget a run is mostly vvp's start-up; a large --cycles isolates the per-cycle cost.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyseReference } from "../src/verify/analyze.js";
import { generateTestbench, type TestbenchSpec } from "../src/verify/testbench.js";
import { findTop, suffixModules } from "../src/verilog/index.js";
import { PAIRS_DIR } from "../test/helpers.js";

const flag = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const repeats = flag("--repeats", 3);
const cycles = flag("--cycles", 2000);
const withYosys = !process.argv.includes("--no-yosys");

/** CPU seconds (user + sys) of one command, or NaN when it failed. */
function cpu(cmd: string, args: string[], cwd: string): number {
  // Some pairs' candidates hang on purpose (zero-delay loops): a hard limit, and the pair is skipped.
  const r = spawnSync("/usr/bin/time", ["-f", "RGTIME %U %S", cmd, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 10_000,
    killSignal: "SIGKILL",
  });
  const m = /RGTIME ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return r.status === 0 && m ? Number(m[1]) + Number(m[2]) : Number.NaN;
}

let plainTotal = 0;
let coveredTotal = 0;
let pairs = 0;
let yosysPlain = 0;
let yosysFsm = 0;
for (const id of readdirSync(PAIRS_DIR).sort()) {
  const ref = readFileSync(join(PAIRS_DIR, id, "ref.v"), "utf8");
  const cand = readFileSync(join(PAIRS_DIR, id, "cand.v"), "utf8");
  const analysis = await analyseReference(ref, undefined, 60_000).catch(() => undefined);
  if (!analysis?.iface.sequential || !analysis.probes || analysis.iface.unsupported) continue;
  const dir = mkdtempSync(join(tmpdir(), "rg-covcost-"));
  try {
    const refR = suffixModules(ref, "_rgref");
    const candTop = findTop(cand) ?? analysis.top;
    const candR = suffixModules(cand, "_rgc0");
    writeFileSync(join(dir, "ref.v"), refR.code);
    writeFileSync(join(dir, "cand.v"), candR.code);
    const spec: TestbenchSpec = {
      nonce: "c0ffee00c0ffee00",
      reference: { module: refR.names.get(analysis.top) as string, iface: analysis.iface },
      candidates: [candR.names.get(candTop) as string],
      seed: 1,
      cycles,
      vectors: cycles,
      exhaustiveBits: 12,
    };
    const variants = { plain: spec, covered: { ...spec, coverage: analysis.probes } };
    let ok = true;
    for (const [name, s] of Object.entries(variants)) {
      const tb = generateTestbench(s);
      writeFileSync(join(dir, `${name}.v`), tb.source);
      const c = spawnSync("iverilog", ["-g2012", "-o", `${name}.vvp`, "-s", tb.top, `${name}.v`, "ref.v", "cand.v"], {
        cwd: dir,
        encoding: "utf8",
      });
      if (c.status !== 0) ok = false;
    }
    if (!ok) continue;
    let plain = 0;
    let covered = 0;
    for (let i = 0; i < repeats && Number.isFinite(plain + covered); i++) {
      plain += cpu("vvp", ["-n", "plain.vvp"], dir);
      if (Number.isFinite(plain)) covered += cpu("vvp", ["-n", "covered.vvp"], dir);
    }
    if (!Number.isFinite(plain + covered)) continue;
    pairs++;
    plainTotal += plain / repeats;
    coveredTotal += covered / repeats;
    // The analysis script with and without the FSM passes, through the yosys binary.
    writeFileSync(join(dir, "r.v"), ref);
    const base = `read_verilog -sv r.v; hierarchy -check -top ${analysis.top}; proc -norom; flatten`;
    for (let i = 0; i < (withYosys ? repeats : 0); i++) {
      yosysPlain += cpu("yosys", ["-q", "-p", `${base}; opt_dff -nodffe; write_json a.json`], dir) / repeats;
      yosysFsm +=
        cpu(
          "yosys",
          [
            "-q",
            "-p",
            `${base}; design -save flat; opt_dff -nodffe; write_json a.json; design -load flat; opt -nodffe -nosdff; fsm -nomap -norecode; write_json f.json`,
          ],
          dir,
        ) / repeats;
    }
    const c = analysis.probes;
    console.log(
      `${id}: ${c.bits} state bits, ${c.fsms.length} FSMs; vvp ${(plain / repeats).toFixed(3)} s -> ${(covered / repeats).toFixed(3)} s`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const pct = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)}%`;
console.log(
  `\n${pairs} sequential pairs, ${repeats} runs each: vvp CPU ${plainTotal.toFixed(2)} s -> ${coveredTotal.toFixed(2)} s (${pct(plainTotal, coveredTotal)}); reference analysis (yosys) CPU ${yosysPlain.toFixed(2)} s -> ${yosysFsm.toFixed(2)} s (${pct(yosysPlain, yosysFsm)})`,
);
