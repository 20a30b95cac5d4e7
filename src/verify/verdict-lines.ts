/**
 * The verdict protocol between a generated testbench and its runner, written and read here only. The testbench
 * prints `RTLGYM<nonce> <kind> <fields...>` lines; the runner reads only lines that carry the run's nonce, so
 * nothing a design prints (it cannot know the nonce) is taken for a verdict.
 *
 *   P <cycle>                          progress (heartbeat), printed while the run goes
 *   D <output> <samples>               samples where the reference's output was defined
 *   M <cand> <output> <count> <cycle> <phase> <expected> <got>   mismatches and the first one
 *   A <cand> <cycle> <phase>           the sample of the candidate's first mismatch ...
 *   V <cand> <input> <bits>            ... and the input values there
 *   C <rose> <fell>                    state bits of the reference seen rising and falling (coverage)
 *   F <fsm> <visited> <taken>          FSM states visited and transitions taken
 *   END <samples>                      the run finished: samples compared
 */

export type VerdictKind = "P" | "D" | "M" | "A" | "V" | "C" | "F" | "END";

/**
 * The Verilog `$display` of one verdict line: `format` is the fields' format string (`%0d`, `%b`, literals),
 * `args` the expressions it prints.
 */
export function displayVerdict(nonce: string, kind: VerdictKind, format: string, args: readonly string[] = []): string {
  return `$display("RTLGYM${nonce} ${kind} ${format}"${args.map((a) => `, ${a}`).join("")});`;
}

export interface Mismatch {
  count: number;
  cycle: number;
  phase: number;
  expected: string;
  got: string;
}

/** Everything a run's verdict lines said. Maps are keyed by the indices the testbench printed. */
export interface VerdictLines {
  /** output -> samples with a defined reference value. */
  defined: Map<number, number>;
  /** `${candidate}:${output}` -> its mismatches. */
  mismatches: Map<string, Mismatch>;
  /** candidate -> the sample of its first mismatch and the input values there (input -> bits). */
  first: Map<number, { cycle: number; phase: number; values: Map<number, string> }>;
  /** [rose, fell] bit strings, when the testbench sampled the reference's state. */
  toggles?: [string, string];
  /** fsm -> [states visited, transitions taken] bit strings. */
  fsms: Map<number, [string, string]>;
  /** Samples compared, from the END line; undefined when the run did not finish. */
  samples?: number;
}

const lines = function* (stdout: string, nonce: string): Generator<string[]> {
  const tag = `RTLGYM${nonce} `;
  for (const line of stdout.split("\n")) if (line.startsWith(tag)) yield line.slice(tag.length).trim().split(/\s+/);
};

/** Reads the verdict lines of a run's stdout; anything else it printed is ignored. */
export function readVerdictLines(stdout: string, nonce: string): VerdictLines {
  const out: VerdictLines = { defined: new Map(), mismatches: new Map(), first: new Map(), fsms: new Map() };
  for (const f of lines(stdout, nonce)) {
    const num = (i: number) => Number(f[i]);
    switch (f[0]) {
      case "D":
        out.defined.set(num(1), num(2));
        break;
      case "M":
        out.mismatches.set(`${num(1)}:${num(2)}`, {
          count: num(3),
          cycle: num(4),
          phase: num(5),
          expected: f[6] ?? "",
          got: f[7] ?? "",
        });
        break;
      case "A":
        out.first.set(num(1), { cycle: num(2), phase: num(3), values: new Map() });
        break;
      case "V":
        out.first.get(num(1))?.values.set(num(2), f[3] ?? "");
        break;
      case "C":
        out.toggles = [f[1] ?? "", f[2] ?? ""];
        break;
      case "F":
        out.fsms.set(num(1), [f[2] ?? "", f[3] ?? ""]);
        break;
      case "END":
        out.samples = num(1);
        break;
    }
  }
  return out;
}

/** The cycle of the last progress line (`P <cycle>`) a run printed so far, if any. */
export function lastProgress(stdout: string, nonce: string): number | undefined {
  let cycle: number | undefined;
  for (const f of lines(stdout, nonce)) {
    const n = Number(f[1]);
    if (f[0] === "P" && Number.isFinite(n)) cycle = n;
  }
  return cycle;
}
