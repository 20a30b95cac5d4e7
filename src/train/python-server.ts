import { BadInputError, RtlgymError, tail } from "../core/errors.js";
import { packageRoot } from "../core/paths.js";
import { findPython, pythonEnv } from "./python.js";
import { type StreamResult, spawnStreaming } from "./stream.js";

/** What a Python server of adapters/python/rtlgym_train announces once it listens. */
export interface Listening {
  port: number;
  /** The model name it answers to (the model server; the PRM server names none). */
  model?: string;
}

/** A started Python server: where it listens and how to stop it. */
export interface PythonServer {
  listening: Listening;
  pid: number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL) and waits for it. */
  close(): Promise<StreamResult>;
  /** Resolves when the server ends by itself or is closed. */
  done: Promise<StreamResult>;
}

export interface PythonServerOptions {
  /** `-m rtlgym_train ...` arguments. */
  args: string[];
  /** Names the server in errors ("the model server"). */
  what: string;
  python?: string;
  /** How long loading may take before it counts as failed. */
  startTimeoutMs: number;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}

/**
 * Starts `python -m rtlgym_train ...` and resolves once it prints its `{"event": "listening", "port"}` line. A server
 * that exits or does not listen in time is stopped and reported as TOOL_CRASHED, with its own `error` event's
 * message and its stderr tail.
 */
export async function startPythonServer(o: PythonServerOptions): Promise<PythonServer> {
  const python = findPython(o.python);
  let announce: (value: Listening) => void = () => {};
  const listening = new Promise<Listening>((r) => {
    announce = r;
  });
  let failure: string | undefined;
  const handle = spawnStreaming(python, o.args, {
    cwd: packageRoot(),
    env: pythonEnv(),
    timeoutMs: 0,
    ...(o.signal && { signal: o.signal }),
    ...(o.onStderr && { onStderr: o.onStderr }),
    onLine: (line) => {
      try {
        const e = JSON.parse(line) as { event?: string; port?: number; model?: string; message?: string };
        if (e.event === "listening" && typeof e.port === "number") {
          announce({ port: e.port, ...(typeof e.model === "string" && { model: e.model }) });
        } else if (e.event === "error") failure = e.message;
      } catch {
        // not ours: uvicorn or a library printing
      }
    },
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((r) => {
    timer = setTimeout(() => r("timeout"), o.startTimeoutMs);
  });
  const first = await Promise.race([listening, handle.done, timeout]);
  clearTimeout(timer);
  if (first === "timeout" || "exitCode" in first) {
    handle.stop(1000);
    const result = await handle.done;
    if (result.spawnError) throw new BadInputError(`cannot run ${python}: ${result.spawnError.message}`);
    const why = first === "timeout" ? `not listening after ${o.startTimeoutMs} ms` : `exited (${result.exitCode})`;
    throw new RtlgymError("TOOL_CRASHED", `${o.what} ${why}${failure ? `: ${failure}` : ""}`, {
      command: python,
      args: o.args,
      exitCode: result.exitCode,
      stderrTail: tail(result.stderrTail),
    });
  }
  return {
    listening: first,
    pid: handle.pid,
    done: handle.done,
    close: async () => {
      handle.stop(3000);
      return handle.done;
    },
  };
}

/** A host as it goes in a URL (IPv6 in brackets). */
export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
