import { verilatorLint } from "../tools/verilator.js";
import { yosysBackend } from "../tools/yosys.js";
import { sanitizeCandidate } from "../verilog/index.js";

/**
 * What a candidate that iverilog rejected turns out to be, asked of a second front end. iverilog 11 rejects some
 * legal SystemVerilog (an enum assigned from a conditional without a cast): a compile error counts only when
 * Verilator agrees, and a design Verilator accepts is simulated through Yosys's reading of it instead.
 */
export type SecondOpinion =
  /** Verilator rejects it too: the compile error stands, with Verilator's log as a second witness. */
  | { kind: "confirmed"; log: string }
  /** Verilator accepts it: the netlist Yosys wrote of it is plain Verilog iverilog reads, and the simulator runs that. */
  | { kind: "translated"; source: string }
  /** Verilator accepts it, but Yosys cannot turn it into Verilog iverilog reads: no tool here can decide it. */
  | { kind: "unreadable"; reason: string }
  /**
   * Verilator accepts it, but iverilog's error is a rule of the language, not one of iverilog's admitted gaps (a
   * process with no delay that would hang any simulator, a write past a vector's end): the compile error stands.
   */
  | { kind: "disputed"; reason: string }
  /** No second opinion (Verilator missing or out of time): the compile error stands, marked unconfirmed. */
  | { kind: "unconfirmed"; reason: string };

/**
 * iverilog's errors that admit a gap in iverilog rather than a fault in the design: its "sorry: ... not supported"
 * family (`inside`, streaming, some casts), and the explicit cast it demands for an enum assigned from a conditional
 * of that enum's own values. Only these are checked through Yosys when Verilator accepts the design; any other
 * disagreement keeps iverilog's verdict, so a candidate cannot reach Yosys's synthesis semantics on purpose.
 */
const IVERILOG_GAPS = [/\bsorry:/, /requires an explicit cast/];

export interface SecondOpinionLimits {
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Asks Verilator about `source` (top module `top`, which iverilog rejected with `iverilogLog`), and when it accepts
 * and iverilog's error is one of its gaps, has Yosys write the design as a netlist in plain Verilog. The netlist goes
 * through the candidate filter again before any tool runs it.
 */
export async function secondOpinion(
  source: string,
  top: string,
  iverilogLog: string,
  limits: SecondOpinionLimits,
): Promise<SecondOpinion> {
  const started = performance.now();
  const left = () => Math.max(1, limits.timeoutMs - (performance.now() - started));
  const lint = await verilatorLint(source, top, limits);
  if (lint.kind === "unavailable") return { kind: "unconfirmed", reason: lint.reason };
  if (lint.kind === "timeout") return { kind: "unconfirmed", reason: "verilator did not finish in time" };
  if (lint.kind === "error") return { kind: "confirmed", log: lint.log };
  if (!IVERILOG_GAPS.some((gap) => gap.test(iverilogLog))) {
    return {
      kind: "disputed",
      reason: "Verilator accepts it, but iverilog's error is a language rule, not a gap of iverilog's",
    };
  }
  const yosys = await yosysBackend();
  const run = await yosys.run({
    files: { "design.sv": source },
    commands: [
      "read_verilog -sv design.sv",
      `hierarchy -top ${top}`,
      "proc",
      "opt_clean",
      "write_verilog -noattr netlist.v",
    ],
    outputs: ["netlist.v"],
    timeoutMs: left(),
    ...(limits.signal && { signal: limits.signal }),
  });
  const netlist = run.outputs["netlist.v"];
  if (!run.ok || netlist === undefined) {
    const why = run.timedOut ? "did not finish in time" : (run.error ?? "failed");
    return { kind: "unreadable", reason: `Verilator accepts it, iverilog does not, and Yosys ${why}` };
  }
  const clean = sanitizeCandidate(netlist);
  if (clean.rejected.length > 0) {
    return { kind: "unreadable", reason: `Yosys's netlist of it uses ${clean.rejected.join(", ")}` };
  }
  return { kind: "translated", source: clean.code };
}
