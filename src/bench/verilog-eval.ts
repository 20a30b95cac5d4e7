import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BadInputError } from "../core/errors.js";
import { iverilogPaths } from "../tools/iverilog.js";
import { runProcess, withTempDir } from "../tools/process.js";

/** One VerilogEval v2 spec-to-rtl problem, read from the upstream files. */
export interface VerilogEvalProblem {
  /** `ProbNNN_name`, as listed in problems.txt. */
  id: string;
  /** Natural-language spec (`_prompt.txt`). */
  prompt: string;
  /** Reference design (`_ref.sv`), declaring `module RefModule`. */
  reference: string;
  /** Official testbench (`_test.sv`), top `tb`, instantiating `RefModule` and `TopModule`. */
  testbench: string;
}

/**
 * Problems whose official flow is broken under Debian's iverilog 11 (id -> reason); they are left out of
 * benchmarks. Prob082/Prob141 (reference reaches the testbench TIMEOUT) are fine and are not listed.
 */
export const KNOWN_BROKEN_V2: Record<string, string> = {
  Prob099_m2014_q6c: "testbench ports (Y2/Y4, y[6:1]) disagree with the reference and prompt (Y1/Y3, y[5:0])",
  Prob151_review2015_fsm: "reference uses an enum cast States'(...) that needs iverilog 12",
  Prob156_review2015_fancytimer: "reference uses an enum cast States'(...) that needs iverilog 12",
};

/**
 * Loads VerilogEval v2 spec-to-rtl from its upstream layout (`problems.txt` plus
 * `ProbNNN_name_{prompt.txt,ref.sv,test.sv}`), in problems.txt order. Throws BadInputError naming the
 * directory or file when the layout is not there.
 */
export async function loadVerilogEvalV2(dir: string): Promise<VerilogEvalProblem[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new BadInputError(
      `VerilogEval v2 directory not found: ${dir} (expected .../verilog-eval/v2/dataset_spec-to-rtl from NVlabs/verilog-eval)`,
      { dir },
    );
  }
  const listFile = join(dir, "problems.txt");
  const list = await readFile(listFile, "utf8").catch(() => undefined);
  if (list === undefined) {
    throw new BadInputError(`${listFile} not found: ${dir} is not a VerilogEval v2 dataset_spec-to-rtl directory`, {
      dir,
    });
  }
  const ids = list
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith("#"));
  if (ids.length === 0) throw new BadInputError(`${listFile} lists no problems`, { dir });
  return Promise.all(
    ids.map(async (id) => {
      const read = async (suffix: string): Promise<string> => {
        const file = join(dir, `${id}_${suffix}`);
        try {
          return await readFile(file, "utf8");
        } catch {
          throw new BadInputError(`VerilogEval v2 problem ${id}: missing ${file}`, { dir, id });
        }
      };
      const [prompt, reference, testbench] = await Promise.all([read("prompt.txt"), read("ref.sv"), read("test.sv")]);
      return { id, prompt, reference, testbench };
    }),
  );
}

/** Outcome of the upstream VerilogEval flow on one sample. */
export interface OfficialResult {
  /** The upstream rule: a `Mismatches: 0 in M samples` line, no TIMEOUT, compiled and ran. Forgeable by design. */
  passed: boolean;
  /** N from the last `Mismatches: N in M samples` line, or null when there is none. */
  mismatches: number | null;
  /** The testbench printed TIMEOUT or our wall-clock limit killed a step. */
  timedOut: boolean;
  /** Compiler and simulator output. */
  output: string;
  durationMs: number;
}

const MISMATCH_LINE = /Mismatches:\s*(\d+)\s+in\s+\d+\s+samples/g;

/**
 * Runs the upstream VerilogEval v2 flow on a candidate (`module TopModule`):
 * `iverilog -Wall -Winfloop -Wno-timescale -g2012 -s tb -o bin sample.sv test.sv ref.sv`, then `vvp -n bin`,
 * each under `timeoutMs` (upstream uses 30 s). Pass/fail follows the upstream rule, which trusts stdout: a
 * candidate can print the pass line itself. Use it only to compare against, never as a verdict.
 */
export async function runOfficialTestbench(
  problem: VerilogEvalProblem,
  candidateSource: string,
  options: { timeoutMs: number },
): Promise<OfficialResult> {
  const { iverilog, vvp } = await iverilogPaths();
  const started = performance.now();
  return withTempDir("vevl", async (cwd) => {
    await Promise.all([
      writeFile(join(cwd, "sample.sv"), candidateSource),
      writeFile(join(cwd, "test.sv"), problem.testbench),
      writeFile(join(cwd, "ref.sv"), problem.reference),
    ]);
    const elapsed = () => performance.now() - started;
    const compile = await runProcess(
      iverilog,
      ["-Wall", "-Winfloop", "-Wno-timescale", "-g2012", "-s", "tb", "-o", "bin", "sample.sv", "test.sv", "ref.sv"],
      { cwd, timeoutMs: options.timeoutMs, maxOutputBytes: 256 << 10 },
    );
    let output = `${compile.stdout}${compile.stderr}`;
    if (compile.timedOut || compile.exitCode !== 0) {
      return { passed: false, mismatches: null, timedOut: compile.timedOut, output, durationMs: elapsed() };
    }
    const sim = await runProcess(vvp, ["-n", "bin"], {
      cwd,
      timeoutMs: Math.max(options.timeoutMs - elapsed(), 1),
      maxOutputBytes: 1 << 20,
    });
    output += `${sim.stdout}${sim.stderr}`;
    const counts = [...sim.stdout.matchAll(MISMATCH_LINE)].map((m) => Number(m[1]));
    const mismatches = counts.at(-1) ?? null;
    const tbTimeout = /TIMEOUT/.test(sim.stdout);
    return {
      passed: counts.includes(0) && !tbTimeout && !sim.timedOut,
      mismatches,
      timedOut: tbTimeout || sim.timedOut,
      output,
      durationMs: elapsed(),
    };
  });
}

/**
 * Reads an official result for comparisons: `pass` by the upstream rule, `fail` on mismatches, compile errors,
 * crashes and hangs, `inconclusive` when the testbench's own TIMEOUT cut a run with zero mismatches (what the
 * references of Prob082/Prob141 do).
 */
export function officialVerdict(result: OfficialResult): "pass" | "fail" | "inconclusive" {
  if (result.passed) return "pass";
  if (result.timedOut && result.mismatches === 0) return "inconclusive";
  return "fail";
}
