import type { z } from "zod";
import { BadInputError, RtlgymError, tail } from "../core/errors.js";
import { packageRoot } from "../core/paths.js";
import { findPython, pythonEnv } from "./python.js";
import { spawnStreaming } from "./stream.js";

/** The events every `python -m rtlgym_train <trainer>` prints last: `done` (the summary) or `error`. */
interface TrainerEvent {
  event: string;
}
type Done<E> = Extract<E, { event: "done" }>;

/** The trainer was stopped by the caller's AbortSignal (rtlgym got SIGINT/SIGTERM): its work can resume. */
export class TrainerCancelled extends RtlgymError {
  constructor(resumeHint: string) {
    super("USAGE", `training cancelled; ${resumeHint}`);
  }
}

/** What a trainer's JSON line parses into: the event, or undefined for a line that is not one. */
export type EventParser<E extends TrainerEvent> = (json: unknown) => E | undefined;

/** The parser of a trainer whose events a schema describes: a line the schema rejects is not an event. */
export function eventParser<S extends z.ZodType<TrainerEvent>>(schema: S): EventParser<z.output<S>> {
  return (json) => {
    const p = schema.safeParse(json);
    return p.success ? p.data : undefined;
  };
}

export interface TrainerRunOptions<E extends TrainerEvent> {
  /** `rtlgym_train` sub-command and its arguments. */
  args: readonly string[];
  parse: EventParser<E>;
  python?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  onEvent?: (event: E) => void;
  onStderr?: (chunk: string) => void;
  /** What the user does after a failure or a cancel, e.g. "rerun to resume from DIR". */
  resumeHint: string;
}

/**
 * Runs one Python trainer (`python -m rtlgym_train ...`) through the process layer (own process group, hard
 * wall-clock kill, capped output, killed with rtlgym), parses its JSON-lines progress and returns its `done`
 * event. Bad input reported by the trainer becomes BadInputError; a cancel, RtlgymError USAGE; any other end
 * without `done`, RtlgymError TOOL_CRASHED with the stderr tail.
 */
export async function runTrainer<E extends TrainerEvent>(o: TrainerRunOptions<E>): Promise<Done<E>> {
  const python = findPython(o.python);
  const args = ["-m", "rtlgym_train", ...o.args];
  let done: Done<E> | undefined;
  let error: { kind?: unknown; message?: unknown } | undefined;
  const stray: string[] = [];
  const handle = spawnStreaming(python, args, {
    cwd: packageRoot(),
    env: pythonEnv(),
    timeoutMs: o.timeoutMs,
    ...(o.signal && { signal: o.signal }),
    ...(o.onStderr && { onStderr: o.onStderr }),
    onLine: (line) => {
      if (line.trim() === "") return;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        stray.push(line);
        return;
      }
      const event = o.parse(json);
      if (event === undefined) {
        stray.push(line);
        return;
      }
      if (event.event === "done") done = event as Done<E>;
      else if (event.event === "error") error = event as { kind?: unknown; message?: unknown };
      o.onEvent?.(event);
    },
  });
  const result = await handle.done;
  if (result.spawnError) {
    throw new BadInputError(`cannot run ${python}: ${result.spawnError.message}`, { command: python });
  }
  if (result.cancelled) throw new TrainerCancelled(o.resumeHint);
  const message = typeof error?.message === "string" ? error.message : undefined;
  if (error?.kind === "bad_input") throw new BadInputError(message ?? "bad input", { command: python, args });
  if (done === undefined || result.exitCode !== 0) {
    const why = result.timedOut
      ? `killed after ${o.timeoutMs} ms`
      : result.outputCapped
        ? "killed: too much output"
        : `exit code ${result.exitCode}${result.signal ? ` (${result.signal})` : ""}`;
    throw new RtlgymError(
      "TOOL_CRASHED",
      `the trainer failed (${why})${message ? `: ${message}` : ""}; ${o.resumeHint}`,
      {
        command: python,
        args,
        exitCode: result.exitCode,
        stderrTail: tail(result.stderrTail),
        ...(stray.length > 0 && { stdout: stray.slice(-5) }),
      },
    );
  }
  return done;
}
