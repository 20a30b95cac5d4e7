import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { BadInputError, RtlgymError, tail } from "../core/errors.js";
import { packageRoot } from "../core/paths.js";
import { findPython, pythonEnv } from "./python.js";
import { type StreamResult, spawnStreaming } from "./stream.js";

/** Options of {@link serveModel}. */
export interface ModelServeOptions {
  /** A Hugging Face model directory (the output of `rtlgym train sft`). */
  model: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The model name clients send; default the directory's name. */
  name?: string;
  threads?: number;
  python?: string;
  /** How long loading may take before it counts as failed. */
  startTimeoutMs?: number;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}

/** Defaults of {@link ModelServeOptions}. */
export const DEFAULT_MODEL_SERVE_OPTIONS = { host: "127.0.0.1", port: 8001, startTimeoutMs: 180_000 } as const;

/** A served model: where it listens, the name it answers to, and how to stop it. */
export interface ServedModel {
  url: string;
  host: string;
  port: number;
  model: string;
  pid: number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL) and waits for it. */
  close(): Promise<StreamResult>;
  /** Resolves when the server ends by itself or is closed. */
  done: Promise<StreamResult>;
}

/**
 * Serves a model directory behind an OpenAI-compatible endpoint (transformers' own server, `/v1/chat/completions`,
 * `/v1/completions`, `/v1/models`, with `n` and `logprobs` added: adapters/python/rtlgym_train/serve.py). Resolves
 * once the model is loaded and the port is listening.
 */
export async function serveModel(options: ModelServeOptions): Promise<ServedModel> {
  const o = { ...DEFAULT_MODEL_SERVE_OPTIONS, ...options };
  const model = resolve(o.model);
  if (!existsSync(join(model, "config.json"))) {
    throw new BadInputError(`${o.model} is not a model directory (no config.json)`, { model });
  }
  const python = findPython(o.python);
  const args = ["-m", "rtlgym_train", "serve", model, "--host", o.host, "--port", String(o.port)];
  if (o.name !== undefined) args.push("--name", o.name);
  if (o.threads !== undefined) args.push("--threads", String(o.threads));
  let announce: (value: { port: number; model: string }) => void = () => {};
  const listening = new Promise<{ port: number; model: string }>((r) => {
    announce = r;
  });
  let failure: string | undefined;
  const handle = spawnStreaming(python, args, {
    cwd: packageRoot(),
    env: pythonEnv(),
    timeoutMs: 0,
    ...(o.signal && { signal: o.signal }),
    ...(o.onStderr && { onStderr: o.onStderr }),
    onLine: (line) => {
      try {
        const event = JSON.parse(line) as { event?: string; port?: number; model?: string; message?: string };
        if (event.event === "listening" && typeof event.port === "number" && typeof event.model === "string") {
          announce({ port: event.port, model: event.model });
        } else if (event.event === "error") failure = event.message;
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
    throw new RtlgymError("TOOL_CRASHED", `the model server ${why}${failure ? `: ${failure}` : ""}`, {
      command: python,
      args,
      exitCode: result.exitCode,
      stderrTail: tail(result.stderrTail),
    });
  }
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  return {
    url: `http://${host}:${first.port}`,
    host: o.host,
    port: first.port,
    model: first.model,
    pid: handle.pid,
    done: handle.done,
    close: async () => {
      handle.stop(3000);
      return handle.done;
    },
  };
}
