import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { ToolMissingError } from "../core/errors.js";
import { runProcess, withTempDir } from "./process.js";
import { findOnPath } from "./which.js";

export type YosysBackendName = "native" | "wasm";

export interface YosysJob {
  /** Input files by name (plain names, no directories). */
  files: Record<string, string>;
  /** Yosys commands, run in order; the first error stops the script. */
  commands: string[];
  /** Files the script writes that the caller wants back (missing ones come back undefined). */
  outputs: string[];
  timeoutMs: number;
  /** Kills the run when aborted (the check's deadline). */
  signal?: AbortSignal;
}

export interface YosysRun {
  /** Yosys finished the whole script. */
  ok: boolean;
  timedOut: boolean;
  /** The first `ERROR:` message, when the script stopped on one. */
  error?: string;
  log: string;
  outputs: Record<string, string | undefined>;
  durationMs: number;
}

export interface YosysBackend {
  readonly name: YosysBackendName;
  version(): Promise<string>;
  run(job: YosysJob): Promise<YosysRun>;
  close(): Promise<void>;
}

const YOSYS_MEMORY_MB = 2048;

function firstError(log: string): string | undefined {
  // "ERROR: ..." or "file.v:12: ERROR: ..."
  const line = log.split("\n").find((l) => /(^|: )ERROR:/.test(l));
  return line?.replace(/^ERROR:\s*/, "").trim();
}

/** The Debian (or any PATH) yosys binary: a fresh process per job, in its own temp dir. */
export class NativeYosys implements YosysBackend {
  readonly name = "native";
  #version: Promise<string> | undefined;

  constructor(readonly binary: string) {}

  version(): Promise<string> {
    this.#version ??= withTempDir("yosys-v", async (cwd) => {
      const r = await runProcess(this.binary, ["-V"], { cwd, timeoutMs: 10_000 });
      return r.stdout.trim();
    });
    return this.#version;
  }

  run(job: YosysJob): Promise<YosysRun> {
    return withTempDir("yosys", async (cwd) => {
      await Promise.all(Object.entries(job.files).map(([name, text]) => writeFile(join(cwd, name), text)));
      await writeFile(join(cwd, "script.ys"), `${job.commands.join("\n")}\n`);
      const r = await runProcess(this.binary, ["-q", "-s", "script.ys"], {
        cwd,
        timeoutMs: job.timeoutMs,
        memoryLimitMb: YOSYS_MEMORY_MB,
        maxOutputBytes: 4 << 20,
        // Yosys evaluates DPI imports while reading: never let it see the host (and it writes a history file in HOME).
        sandbox: true,
        ...(job.signal && { signal: job.signal }),
      });
      const log = `${r.stdout}${r.stderr}`;
      const outputs: Record<string, string | undefined> = {};
      await Promise.all(
        job.outputs.map(async (name) => {
          outputs[name] = await readFile(join(cwd, name), "utf8").catch(() => undefined);
        }),
      );
      const run: YosysRun = {
        ok: r.exitCode === 0 && !r.timedOut,
        timedOut: r.timedOut,
        log,
        outputs,
        durationMs: r.durationMs,
      };
      const error = firstError(log) ?? (r.spawnError ? r.spawnError.message : undefined);
      if (error !== undefined) run.error = error;
      else if (!run.ok && !r.timedOut) run.error = `yosys exited with ${r.exitCode ?? r.signal}`;
      return run;
    });
  }

  async close(): Promise<void> {}
}

interface WorkerReply {
  ok: boolean;
  log: string;
  outputs: Record<string, string | undefined>;
  version?: string;
}

/**
 * The @yowasp/yosys WebAssembly build, the embedded default where no native yosys exists. A call blocks
 * its thread for the whole run, so each job runs in a worker thread; a job past its time limit gets its
 * worker terminated (the next job starts a fresh one).
 */
export class WasmYosys implements YosysBackend {
  readonly name = "wasm";
  #idle: Worker[] = [];
  #version: Promise<string> | undefined;

  version(): Promise<string> {
    this.#version ??= this.#call({ files: {}, commands: [], outputs: [], timeoutMs: 120_000 }, true).then(
      (r) => r.reply?.version ?? "unknown",
    );
    return this.#version;
  }

  async run(job: YosysJob): Promise<YosysRun> {
    const started = performance.now();
    const { reply, timedOut } = await this.#call(job, false);
    const log = reply?.log ?? "";
    const run: YosysRun = {
      ok: reply?.ok === true,
      timedOut,
      log,
      outputs: reply?.outputs ?? {},
      durationMs: performance.now() - started,
    };
    const error = firstError(log);
    if (error !== undefined) run.error = error;
    else if (!run.ok && !timedOut) run.error = "yosys (wasm) failed";
    return run;
  }

  #call(job: YosysJob, versionOnly: boolean): Promise<{ reply?: WorkerReply; timedOut: boolean }> {
    const worker = this.#idle.pop() ?? spawnYosysWorker();
    const { signal, ...message } = job;
    return new Promise((resolve) => {
      // Only our own listeners are removed: Worker keeps internal ones that message delivery needs.
      const detach = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        worker.off("message", onMessage);
        worker.off("error", onError);
      };
      const onAbort = () => {
        detach();
        void worker.terminate();
        resolve({ timedOut: true });
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const onMessage = (reply: WorkerReply) => {
        detach();
        this.#idle.push(worker);
        resolve({ reply, timedOut: false });
      };
      const onError = (e: Error) => {
        detach();
        void worker.terminate();
        resolve({
          reply: { ok: false, log: `ERROR: yosys worker crashed: ${e.message}`, outputs: {} },
          timedOut: false,
        });
      };
      const timer = setTimeout(() => {
        detach();
        void worker.terminate();
        resolve({ timedOut: true });
      }, job.timeoutMs);
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.postMessage({ ...message, versionOnly });
    });
  }

  async close(): Promise<void> {
    const workers = this.#idle.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * The worker's code, plain JavaScript run with `eval` so it loads the same way from src/ (tsx) and dist/:
 * a worker file in TypeScript would need a loader, which Node 20 workers do not take from `--import`.
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const bundle = import(process.env.RTLGYM_YOWASP_URL);
parentPort.on("message", async (job) => {
  const { runYosys, version } = await bundle;
  if (job.versionOnly) {
    parentPort.postMessage({ ok: true, log: "", outputs: {}, version: "Yosys " + version + " (YoWASP)" });
    return;
  }
  const chunks = [];
  const decoder = new TextDecoder();
  const sink = (bytes) => { if (bytes) chunks.push(decoder.decode(bytes, { stream: true })); };
  let ok = true;
  let tree = {};
  try {
    const files = { ...job.files, "script.ys": job.commands.join("\\n") + "\\n" };
    tree = (await runYosys(["-q", "-s", "script.ys"], files, { stdin: null, stdout: sink, stderr: sink })) ?? {};
  } catch (e) {
    ok = false;
    if (e && e.files) tree = e.files;
    if (!(e && e.code)) chunks.push("ERROR: " + (e && e.message) + "\\n");
  }
  const outputs = {};
  for (const name of job.outputs) {
    const v = tree[name];
    outputs[name] = typeof v === "string" ? v : v instanceof Uint8Array ? decoder.decode(v) : undefined;
  }
  parentPort.postMessage({ ok, log: chunks.join(""), outputs });
});
`;

function spawnYosysWorker(): Worker {
  const url = import.meta.resolve("@yowasp/yosys");
  const worker = new Worker(WORKER_SOURCE, { eval: true, env: { ...process.env, RTLGYM_YOWASP_URL: url } });
  worker.unref();
  return worker;
}

let selected: Promise<YosysBackend> | undefined;

/**
 * The yosys in use: RTLGYM_YOSYS=native|wasm forces one; otherwise a native `yosys` on PATH when there is
 * one (faster, and what the measurements in the guides used), else the bundled WASM build.
 */
export function yosysBackend(): Promise<YosysBackend> {
  selected ??= (async () => {
    const wanted = process.env.RTLGYM_YOSYS;
    if (wanted === "wasm") return new WasmYosys();
    const binary = await findOnPath(process.env.RTLGYM_YOSYS_BIN ?? "yosys");
    if (binary) return new NativeYosys(binary);
    if (wanted === "native") throw new ToolMissingError("yosys", "install it with `apt-get install yosys`");
    return new WasmYosys();
  })();
  return selected;
}
