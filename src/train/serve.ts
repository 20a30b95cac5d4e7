import { existsSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { BadInputError } from "../core/errors.js";
import { startPythonServer, urlHost } from "./python-server.js";
import type { StreamResult } from "./stream.js";

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
  const args = ["-m", "rtlgym_train", "serve", model, "--host", o.host, "--port", String(o.port)];
  if (o.name !== undefined) args.push("--name", o.name);
  if (o.threads !== undefined) args.push("--threads", String(o.threads));
  const server = await startPythonServer({
    args,
    what: "the model server",
    startTimeoutMs: o.startTimeoutMs,
    ...(o.python !== undefined && { python: o.python }),
    ...(o.onStderr && { onStderr: o.onStderr }),
    ...(o.signal && { signal: o.signal }),
  });
  const { port, model: name } = server.listening;
  return {
    url: `http://${urlHost(o.host)}:${port}`,
    host: o.host,
    port,
    model: name ?? basename(model),
    pid: server.pid,
    done: server.done,
    close: server.close,
  };
}
