import { dirname, resolve } from "node:path";
import { z } from "zod";
import type { StrengthBar, VerifyResult } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import {
  type CheckRequest,
  CheckService,
  detectLanguage,
  NO_METRICS,
  resolveOptions,
  type VerifyOptions,
  VerifyOptionsSchema,
  verifyGroupAny,
} from "../../verify/index.js";
import {
  type CheckError,
  checkErrorOf,
  exitCodeFor,
  extractCandidate,
  type Lang,
  readSource,
  resolveProblem,
  strengthVerdict,
} from "./check-input.js";

/**
 * One line of a batch file: the reference as text, a file or a suite problem; the candidate as text or a file;
 * optional tops and options (over the command's flags). Files are relative to the batch file's folder.
 */
export const BatchLine = z
  .object({
    id: z.union([z.string(), z.number()]).optional(),
    problem: z.string().min(1).optional(),
    reference: z.string().optional(),
    referenceFile: z.string().min(1).optional(),
    candidate: z.string().optional(),
    candidateFile: z.string().min(1).optional(),
    refTop: z.string().min(1).optional(),
    candTop: z.string().min(1).optional(),
    options: VerifyOptionsSchema.omit({ refTop: true, candTop: true }).strict().optional(),
  })
  .strict();
export type BatchLine = z.infer<typeof BatchLine>;

/** One output line: the verdict (or the error) of the input line `line` (1-based), in input order. */
export type BatchResult = { line: number; id?: string | number } & (
  | {
      status: VerifyResult["status"];
      exitCode: number;
      cached: boolean;
      /** Why a pass does not count under `--min-strength` (its exit code is then 1). */
      belowMinStrength?: string;
      result: VerifyResult;
    }
  | CheckError
);

export interface BatchSettings {
  options: VerifyOptions;
  dataDir?: string;
  workers?: number;
  /** `--min-strength`: a pass below it gets exit code 1 and `belowMinStrength`. */
  minStrength?: StrengthBar;
  extract: boolean;
  /** Where result lines go (stdout by default). */
  write?: (line: string) => void;
  /** Where progress goes (stderr by default). */
  progress?: (line: string) => void;
}

const PROGRESS_EVERY_MS = 2000;

/**
 * Checks every pair of a JSONL file through the check service (the one the HTTP server uses): candidates of one
 * reference and options share a group check and its single reference analysis, identical pairs are checked once,
 * and at most `workers` engine calls run at a time. A bad line gives an error line, never stops the batch.
 * Returns the exit code: the worst of the lines' (0 all pass, 1 some not equivalent, 2 some could not be checked).
 */
export async function runBatch(file: string, settings: BatchSettings): Promise<number> {
  const text = file === "-" ? await readStdin() : await readSource(file, "batch file");
  const base = file === "-" ? process.cwd() : dirname(resolve(file));
  const write = settings.write ?? ((l: string) => process.stdout.write(l));
  const progress = settings.progress ?? ((l: string) => process.stderr.write(l));
  const lines = text.split("\n").flatMap((raw, i) => (raw.trim() === "" ? [] : [{ number: i + 1, raw }]));
  const workers = Math.max(settings.workers ?? 2, 1);
  const service = new CheckService(
    { workers, queueLimit: 4096, batchWindowMs: 25, maxBatch: 64, cacheEntries: 50_000 },
    NO_METRICS,
    (input) => verifyGroupAny(input),
  );
  // Submitted and not yet answered: bounded so a huge file neither floods the queue nor holds every text at once.
  const window = Math.min(Math.max(workers * 64, 128), 4000);
  const done: Array<BatchResult | undefined> = lines.map(() => undefined);
  let next = 0; // first line not yet written
  let worst = 0;
  const counts = { pass: 0, below: 0, fail: 0, other: 0, error: 0 };
  const started = performance.now();
  let lastProgress = started;
  const report = (final: boolean) => {
    const n = counts.pass + counts.below + counts.fail + counts.other + counts.error;
    const s = (performance.now() - started) / 1000;
    progress(
      `check --batch: ${n}/${lines.length} done in ${s.toFixed(1)} s (${(n / Math.max(s, 1e-3)).toFixed(2)}/s): ` +
        `pass ${counts.pass}${settings.minStrength ? ` (+${counts.below} below --min-strength)` : ""}, fail ${counts.fail}, ` +
        `other ${counts.other}, errors ${counts.error}${final ? "" : " ..."}\n`,
    );
  };
  const settle = (index: number, result: BatchResult) => {
    done[index] = result;
    worst = Math.max(worst, result.exitCode);
    if ("result" in result) {
      if (result.status === "pass") result.belowMinStrength === undefined ? counts.pass++ : counts.below++;
      else if (result.status === "fail") counts.fail++;
      else counts.other++;
    } else counts.error++;
    for (; next < done.length && done[next] !== undefined; next++) {
      write(`${JSON.stringify(done[next])}\n`);
      done[next] = undefined; // written: let it go
    }
    const now = performance.now();
    if (now - lastProgress >= PROGRESS_EVERY_MS) {
      lastProgress = now;
      report(false);
    }
  };

  let inFlight = 0;
  let wake: (() => void) | undefined;
  const pending: Array<Promise<void>> = [];
  for (const [index, line] of lines.entries()) {
    while (inFlight >= window) await new Promise<void>((r) => (wake = r));
    const head = { line: line.number } as { line: number; id?: string | number };
    let request: CheckRequest;
    try {
      const prepared = await prepare(line.raw, base, settings);
      if (prepared.id !== undefined) head.id = prepared.id;
      request = prepared.request;
    } catch (e) {
      const id = idOf(line.raw);
      settle(index, { ...head, ...(id !== undefined && { id }), ...checkErrorOf(e) });
      continue;
    }
    inFlight++;
    let answer: Promise<BatchResult>;
    try {
      const [outcome] = service.submit([request]) as [ReturnType<CheckService["submit"]>[number]];
      answer = outcome.then(
        ({ result, cached }) => ({
          ...head,
          status: result.status,
          exitCode: exitCodeFor(result, settings.minStrength),
          cached,
          ...strengthVerdict(result, settings.minStrength),
          result,
        }),
        (e: unknown) => ({ ...head, ...checkErrorOf(e) }),
      );
    } catch (e) {
      answer = Promise.resolve({ ...head, ...checkErrorOf(e) });
    }
    pending.push(
      answer.then((r) => {
        inFlight--;
        settle(index, r);
        wake?.();
        wake = undefined;
      }),
    );
  }
  await Promise.all(pending);
  await service.drain();
  report(true);
  return worst;
}

/** The id of a line that failed before it was understood, when it is at least JSON with an id. */
function idOf(raw: string): string | number | undefined {
  try {
    const id = (JSON.parse(raw) as { id?: unknown }).id;
    return typeof id === "string" || typeof id === "number" ? id : undefined;
  } catch {
    return undefined;
  }
}

async function prepare(
  raw: string,
  base: string,
  settings: BatchSettings,
): Promise<{ id?: string | number; request: CheckRequest }> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new BadInputError(`not JSON: ${(e as Error).message}`);
  }
  const parsed = BatchLine.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadInputError(`bad line: ${issue?.path.join(".") || "(line)"}: ${issue?.message ?? "invalid"}`);
  }
  const row = parsed.data;
  const refSources = [row.problem, row.reference, row.referenceFile].filter((x) => x !== undefined).length;
  if (refSources !== 1) throw new BadInputError("give exactly one of problem, reference, referenceFile");
  if ((row.candidate === undefined) === (row.candidateFile === undefined))
    throw new BadInputError("give exactly one of candidate, candidateFile");
  let reference: string;
  let refTop = row.refTop;
  let candTop = row.candTop;
  let stated: string | undefined;
  if (row.problem !== undefined) {
    const problem = await resolveProblem(row.problem, settings.dataDir);
    reference = problem.reference;
    refTop ??= problem.refTop;
    candTop ??= problem.candTop;
    stated = problem.assume;
  } else if (row.referenceFile !== undefined)
    reference = await readSource(resolve(base, row.referenceFile), "reference");
  else reference = row.reference as string;
  let candidate =
    row.candidateFile !== undefined
      ? await readSource(resolve(base, row.candidateFile), "candidate")
      : (row.candidate as string);
  if (reference.trim() === "") throw new BadInputError("the reference is empty");
  if (settings.extract) {
    const refLang: Lang = detectLanguage(reference);
    candidate = extractCandidate(candidate, undefined, refLang).code;
  }
  const options = resolveOptions({
    ...(stated !== undefined && { assume: stated }),
    ...settings.options,
    ...row.options,
    ...(refTop !== undefined && { refTop }),
    ...(candTop !== undefined && { candTop }),
  });
  return { ...(row.id !== undefined && { id: row.id }), request: { reference, candidate, options } };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
