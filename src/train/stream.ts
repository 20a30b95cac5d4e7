import { spawn } from "node:child_process";

/*
 * src/tools/process.ts runs short tool jobs and hands back their whole output at the end. Training and serving run
 * for minutes to hours and must be followed line by line, so this is its streaming sibling with the same rules:
 * argument array (never a shell), own process group, hard wall-clock kill of the whole group, capped output,
 * cancellation, and the group killed when rtlgym itself gets SIGINT/SIGTERM.
 */

/** Options for {@link spawnStreaming}. */
export interface StreamOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Hard wall-clock limit; the whole process group is killed when it expires (0: none, for servers). */
  timeoutMs: number;
  /** Each stdout line is passed to this, without its newline. */
  onLine: (line: string) => void;
  /** Each stderr chunk is passed here too (e.g. to show it on a terminal), besides being kept as a tail. */
  onStderr?: (chunk: string) => void;
  /** stdout and stderr are each read up to this many bytes; past it the group is killed. Default 64 MiB. */
  maxOutputBytes?: number;
  /** stderr bytes kept for error messages. Default 16 KiB. */
  stderrTailBytes?: number;
  signal?: AbortSignal;
}

/** How a streamed child ended. */
export interface StreamResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  outputCapped: boolean;
  /** Ended by the caller's AbortSignal or by rtlgym receiving SIGINT/SIGTERM. */
  cancelled: boolean;
  stderrTail: string;
  durationMs: number;
  spawnError?: NodeJS.ErrnoException;
}

/** A running child: its pid, a way to stop it, and the promise of its end. */
export interface StreamHandle {
  pid: number | undefined;
  /** SIGTERM to the group, then SIGKILL after `graceMs` if it is still there. */
  stop(graceMs?: number): void;
  done: Promise<StreamResult>;
}

const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024;
const DEFAULT_TAIL = 16 * 1024;

/** Starts `command args` in its own process group and streams its stdout by lines. Never rejects. */
export function spawnStreaming(command: string, args: readonly string[], options: StreamOptions): StreamHandle {
  const started = performance.now();
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const tailBytes = options.stderrTailBytes ?? DEFAULT_TAIL;
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let timedOut = false;
  let outputCapped = false;
  let cancelled = false;
  let settled = false;
  let outBytes = 0;
  let errBytes = 0;
  let stderrTail = "";
  let partial = "";
  let killTimer: NodeJS.Timeout | undefined;

  const signalGroup = (sig: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const stop = (graceMs = 5000) => {
    signalGroup("SIGTERM");
    if (killTimer === undefined) killTimer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
  };
  const onTimeout = () => {
    timedOut = true;
    signalGroup("SIGKILL");
  };
  const timer = options.timeoutMs > 0 ? setTimeout(onTimeout, options.timeoutMs) : undefined;
  const onAbort = () => {
    cancelled = true;
    stop();
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });
  // rtlgym interrupted: take the group down too (it would otherwise outlive us, detached), then let the default
  // behaviour (exit) happen through our own handler's absence: we re-raise after the child is gone.
  const onProcessSignal = (sig: NodeJS.Signals) => {
    cancelled = true;
    stop(2000);
    void done.then(() => {
      process.off("SIGINT", onProcessSignal);
      process.off("SIGTERM", onProcessSignal);
      process.kill(process.pid, sig);
    });
  };
  process.on("SIGINT", onProcessSignal);
  process.on("SIGTERM", onProcessSignal);

  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    outBytes += Buffer.byteLength(chunk);
    if (outBytes > maxOutput) {
      if (!outputCapped) {
        outputCapped = true;
        signalGroup("SIGKILL");
      }
      return;
    }
    const text = partial + chunk;
    const lines = text.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) options.onLine(line.replace(/\r$/, ""));
  });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    errBytes += Buffer.byteLength(chunk);
    if (errBytes > maxOutput && !outputCapped) {
      outputCapped = true;
      signalGroup("SIGKILL");
    }
    stderrTail = (stderrTail + chunk).slice(-tailBytes);
    options.onStderr?.(chunk);
  });

  const done = new Promise<StreamResult>((resolve) => {
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
      if (!cancelled) {
        process.off("SIGINT", onProcessSignal);
        process.off("SIGTERM", onProcessSignal);
      }
      if (partial !== "") options.onLine(partial);
      signalGroup("SIGKILL"); // leave nothing behind
      resolve({
        exitCode,
        signal,
        timedOut,
        outputCapped,
        cancelled,
        stderrTail,
        durationMs: performance.now() - started,
        ...(spawnError && { spawnError }),
      });
    };
    child.on("error", (e: NodeJS.ErrnoException) => finish(null, null, e));
    child.on("close", (code, sig) => finish(code, sig));
  });
  return { pid: child.pid, stop, done };
}
