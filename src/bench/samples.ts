import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { LoadedSuite, Problem } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import { renameModules } from "../verilog/index.js";

/**
 * One line of a samples file. rtlgym's own shape is `{problem, response}` (raw model output) or `{problem, code}`
 * (extracted source); VerilogEval v1's `{task_id, completion}` is accepted as is.
 */
const SampleRow = z
  .object({
    problem: z.string().min(1).optional(),
    task_id: z.string().min(1).optional(),
    response: z.string().optional(),
    completion: z.string().optional(),
    code: z.string().optional(),
    sample: z.number().int().nonnegative().optional(),
  })
  .refine((r) => (r.problem ?? r.task_id) !== undefined, { message: "needs `problem` (or `task_id`)" })
  .refine((r) => [r.response, r.completion, r.code].filter((x) => x !== undefined).length === 1, {
    message: "needs exactly one of `response`, `completion`, `code`",
  });

/** A sample as read from a file, before extraction. */
export interface RawSample {
  problem: string;
  sample: number;
  /** Model output to extract code from, or code to use as is (`extracted: true`). */
  text: string;
  extracted: boolean;
}

/**
 * Reads a JSONL samples file and checks every row against the suite. Throws BadInputError naming the line for
 * malformed JSON, a row of the wrong shape or a problem id the suite does not have. Sample indices are the
 * `sample` field or the row's order within its problem.
 */
export async function readSamplesFile(path: string, suite: LoadedSuite): Promise<RawSample[]> {
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new BadInputError(`cannot read samples file ${path}: ${e.code ?? e.message}`, { path });
  });
  const known = new Set(suite.problems.map((p) => p.id));
  const next = new Map<string, number>();
  const out: RawSample[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line.length === 0) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      throw new BadInputError(`${path}:${i + 1}: not valid JSON`, { path, line: i + 1 });
    }
    const row = SampleRow.safeParse(json);
    if (!row.success) {
      throw new BadInputError(`${path}:${i + 1}: ${row.error.issues.map((x) => x.message).join("; ")}`, {
        path,
        line: i + 1,
      });
    }
    const r = row.data;
    const problem = stripSuitePrefix((r.problem ?? r.task_id) as string, suite.name);
    if (!known.has(problem)) {
      throw new BadInputError(`${path}:${i + 1}: suite ${suite.name} has no problem "${problem}"`, {
        path,
        line: i + 1,
      });
    }
    const sample = r.sample ?? next.get(problem) ?? 0;
    next.set(problem, Math.max(next.get(problem) ?? 0, sample + 1));
    if (r.code !== undefined) out.push({ problem, sample, text: r.code, extracted: true });
    else out.push({ problem, sample, text: (r.response ?? r.completion) as string, extracted: false });
  }
  const seen = new Set<string>();
  for (const s of out) {
    const key = `${s.problem}#${s.sample}`;
    if (seen.has(key)) throw new BadInputError(`${path}: sample ${s.sample} of ${s.problem} appears twice`, { path });
    seen.add(key);
  }
  return out;
}

/** Accepts `suite/id` as well as `id`. */
function stripSuitePrefix(id: string, suite: string): string {
  return id.startsWith(`${suite}/`) ? id.slice(suite.length + 1) : id;
}

/** The reference written as a candidate would be: its top renamed to the name the candidate must use. */
export function referenceAsCandidate(problem: Problem): string {
  if (problem.refTop === problem.candTop) return problem.reference;
  return renameModules(problem.reference, (name) => (name === problem.refTop ? problem.candTop : undefined));
}
