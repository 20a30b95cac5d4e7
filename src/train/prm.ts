import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { BadInputError } from "../core/errors.js";
import { startPythonServer, urlHost } from "./python-server.js";
import type { StreamResult } from "./stream.js";
import { eventParser, runTrainer } from "./trainer.js";

/** Which label the PRM learns (see adapters/python/rtlgym_train/prm.py). */
export const PRM_LABELS = ["hard", "soft", "prefix", "mix"] as const;
export type PrmLabel = (typeof PRM_LABELS)[number];

export interface PrmTrainOptions {
  /**
   * `prm.jsonl` written by `rtlgym data step-labels` (or the folder holding it); several are trained on together
   * (e.g. the labels of the references and of the model's own answers, docs/stepprm.md).
   */
  data: string | readonly string[];
  /** The causal LM directory the PRM starts from (the testbed's SFT model). */
  base: string;
  out: string;
  label: PrmLabel;
  epochs: number;
  learningRate: number;
  maxLength: number;
  evalFraction: number;
  seed: number;
  threads?: number;
  timeBudgetS?: number;
  maxSteps?: number;
  python?: string;
  signal?: AbortSignal;
  onStderr?: (chunk: string) => void;
  onEvent?: (event: PrmEvent) => void;
}

const Metrics = z
  .object({
    rows: z.number(),
    steps: z.number().optional(),
    loss: z.number().optional(),
    accuracy: z.number().optional(),
    mae: z.number().optional(),
    auc: z.number().nullable().optional(),
    positives: z.number().optional(),
  })
  .nullable();
export type PrmMetrics = z.infer<typeof Metrics>;

const PrmEventSchema = z.discriminatedUnion("event", [
  z.object({ event: z.literal("start"), rows: z.number(), train: z.number(), eval: z.number(), steps: z.number() }),
  z.object({ event: z.literal("step"), step: z.number(), steps: z.number(), loss: z.number(), elapsed_s: z.number() }),
  z.object({ event: z.literal("eval"), before: Metrics, after: Metrics }),
  z.object({
    event: z.literal("done"),
    out: z.string(),
    rows: z.number(),
    label: z.string(),
    steps: z.number(),
    stopped: z.string(),
    eval_before: Metrics,
    eval_after: Metrics,
    train: Metrics,
    seconds: z.number(),
  }),
  z.object({ event: z.literal("error"), kind: z.string(), message: z.string() }),
]);
const parsePrmEvent = eventParser(PrmEventSchema);
export type PrmEvent = z.infer<typeof PrmEventSchema>;
export type PrmTrainSummary = Extract<PrmEvent, { event: "done" }>;

/**
 * `rtlgym train prm`: a token-classification head on the base model, trained on the step ends of TRL-style PRM rows
 * (adapters/python/rtlgym_train/prm.py), driven through {@link runTrainer}.
 */
export async function trainPrm(o: PrmTrainOptions): Promise<PrmTrainSummary> {
  const given = typeof o.data === "string" ? [o.data] : [...o.data];
  if (given.length === 0) throw new BadInputError("no PRM data given");
  const data = given.map((path) => {
    const file = existsSync(join(resolve(path), "prm.jsonl")) ? join(resolve(path), "prm.jsonl") : resolve(path);
    if (!existsSync(file)) throw new BadInputError(`${path}: no prm.jsonl (run \`rtlgym data step-labels\` first)`);
    return file;
  });
  if (!existsSync(join(resolve(o.base), "config.json"))) {
    throw new BadInputError(`${o.base} is not a model directory (no config.json)`);
  }
  return runTrainer({
    args: [
      "prm",
      "train",
      ...["--data", ...data, "--base", resolve(o.base), "--out", resolve(o.out), "--label", o.label],
      ...["--epochs", String(o.epochs), "--learning-rate", String(o.learningRate)],
      ...["--max-length", String(o.maxLength), "--eval-fraction", String(o.evalFraction), "--seed", String(o.seed)],
      ...(o.threads !== undefined ? ["--threads", String(o.threads)] : []),
      ...(o.timeBudgetS !== undefined ? ["--time-budget-s", String(o.timeBudgetS)] : []),
      ...(o.maxSteps !== undefined ? ["--max-steps", String(o.maxSteps)] : []),
    ],
    parse: parsePrmEvent,
    ...(o.python !== undefined && { python: o.python }),
    timeoutMs: 4 * 3600_000,
    ...(o.signal && { signal: o.signal }),
    ...(o.onStderr && { onStderr: o.onStderr }),
    ...(o.onEvent && { onEvent: o.onEvent }),
    resumeHint: "rerun the same command (PRM training starts over)",
  });
}

/** A served PRM: `POST url` with `{prompt, steps}` answers `{scores, score}`. */
export interface ServedPrm {
  /** The scoring URL (`.../score`), what `rtlgym search --prm` takes. */
  url: string;
  port: number;
  pid: number | undefined;
  close(): Promise<StreamResult>;
  done: Promise<StreamResult>;
}

/** Serves a PRM directory written by {@link trainPrm} over HTTP; resolves once it listens. */
export async function servePrm(o: {
  model: string;
  host?: string;
  port?: number;
  threads?: number;
  python?: string;
  startTimeoutMs?: number;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}): Promise<ServedPrm> {
  const model = resolve(o.model);
  if (!existsSync(join(model, "config.json"))) throw new BadInputError(`${o.model} is not a model directory`);
  if (!existsSync(join(model, "rtlgym_prm.json"))) {
    throw new BadInputError(`${o.model} is not a PRM written by \`rtlgym train prm\` (no rtlgym_prm.json)`);
  }
  const host = o.host ?? "127.0.0.1";
  const args = ["-m", "rtlgym_train", "prm", "serve", model, "--host", host, "--port", String(o.port ?? 0)];
  if (o.threads !== undefined) args.push("--threads", String(o.threads));
  const server = await startPythonServer({
    args,
    what: "the PRM server",
    startTimeoutMs: o.startTimeoutMs ?? 180_000,
    ...(o.python !== undefined && { python: o.python }),
    ...(o.onStderr && { onStderr: o.onStderr }),
    ...(o.signal && { signal: o.signal }),
  });
  const { port } = server.listening;
  return {
    url: `http://${urlHost(host)}:${port}/score`,
    port,
    pid: server.pid,
    done: server.done,
    close: server.close,
  };
}
