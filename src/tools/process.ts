import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { prepareSandboxDir, sandboxStatus, wrapCommand } from "./sandbox.js";

export interface RunOptions {
  /** Working directory; every run should get its own (see withTempDir). */
  cwd: string;
  /** Hard wall-clock limit; the whole process group is SIGKILLed when it expires. */
  timeoutMs: number;
  /** stdout and stderr are each kept up to this many bytes; past it the process group is killed. */
  maxOutputBytes?: number;
  /** Address-space cap (RLIMIT_AS) through prlimit(1), so a huge memory declaration fails instead of swapping. */
  memoryLimitMb?: number;
  env?: NodeJS.ProcessEnv;
  stdin?: string;
  /**
   * Kill the group when it has spent this much CPU time (its own and its descendants') without printing on stdout:
   * a stuck run spins, a slow one under load gets little CPU and is spared. Judged by wall-clock silence only where
   * /proc cannot tell the CPU time. `timeoutMs` stays the hard wall-clock bound either way.
   */
  stallMs?: number;
  /**
   * Run inside the OS sandbox (see sandbox.ts): set for every tool that reads candidate code. Only `cwd` is
   * writable, and the environment is cleared except for `env`.
   */
  sandbox?: boolean;
  /** Kill the group as soon as this signal aborts (a whole-check deadline, a cancelled request). */
  signal?: AbortSignal;
}

export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Killed by the stall watchdog (`stallMs`): also counted in timedOut. */
  stalled: boolean;
  /** How the watchdog measured the silence that ended the run: CPU time (/proc), or wall clock (fallback). */
  stallClock?: "cpu" | "wall";
  /**
   * CPU time the process tree had used at the stall watchdog's last sample, ms: a lower bound on its total, short by
   * at most one sampling interval (a quarter of `stallMs`, at most 250 ms). Set only with `stallMs` where /proc
   * tells the CPU time; with `durationMs` it shows how much of the run the tool actually got a core.
   */
  cpuMs?: number;
  outputCapped: boolean;
  durationMs: number;
  /** The spawn itself failed (ENOENT: the tool is not installed). */
  spawnError?: NodeJS.ErrnoException;
}

const DEFAULT_MAX_OUTPUT = 1 << 20;
const PRLIMIT = "/usr/bin/prlimit";
const hasPrlimit = existsSync(PRLIMIT);
/** Files a tool may write (a simulation dump, a netlist): enough for any honest run, not enough to fill a disk. */
const MAX_FILE_BYTES = 256 << 20;

/**
 * Every process group and temp dir alive right now. Whatever way rtlgym ends (a signal, process.exit, an
 * uncaught error), `killAllChildren` runs from the 'exit' event, so no tool outlives it and no temp dir stays.
 */
const liveGroups = new Set<number>();
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", killAllChildren);
}

/** Kills every live tool process group and removes every live temp dir, synchronously (safe in an 'exit' handler). */
export function killAllChildren(): void {
  for (const pid of liveGroups) signalPid(-pid);
  liveGroups.clear();
  for (const dir of liveDirs) {
    try {
      // A tool killed a moment ago may still be finishing a write: retry a non-empty directory briefly.
      rmSync(dir, { recursive: true, force: true, maxRetries: 3, retryDelay: 20 });
    } catch {
      // Nothing more to do on the way out; the other dirs still go.
    }
  }
  liveDirs.clear();
}

const SANDBOX_KILL_GRACE_MS = 500;

/** SIGKILL to a pid (negative: a process group); gone already is fine. */
function signalPid(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** Direct children of `pid` (Linux /proc), empty when unknown. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux ABI Node runs on). */
const USER_HZ = 100;

/** Own plus reaped children's CPU time of one process, in ms, from /proc/<pid>/stat; undefined when unreadable. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its closing ')'.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]); // utime stime cutime cstime
    return Number.isFinite(ticks) ? (ticks * 1000) / USER_HZ : undefined;
  } catch {
    return undefined;
  }
}

/** Children of every thread of `pid` (Linux /proc), empty when unknown. */
function allChildrenOf(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim().split(/\s+/))
        if (c) out.push(Number(c));
    } catch {
      // thread gone
    }
  }
  return out;
}

/**
 * CPU time, in ms, that `pid` and its live descendants have used (reaped ones count through their parent's
 * cutime/cstime): what a stall watchdog should judge by, since a child starved of CPU by other load prints slowly
 * without being stuck. Undefined when `pid` itself cannot be read (not Linux, already gone).
 */
export function treeCpuMs(pid: number): number | undefined {
  const own = processCpuMs(pid);
  if (own === undefined) return undefined;
  let total = own;
  const seen = new Set([pid]);
  const stack = allChildrenOf(pid);
  while (stack.length > 0) {
    const p = stack.pop() as number;
    if (seen.has(p)) continue;
    seen.add(p);
    total += processCpuMs(p) ?? 0;
    stack.push(...allChildrenOf(p));
  }
  return total;
}

/** How many tool processes are running (tests check that none outlives its check). */
export function liveProcessCount(): number {
  return liveGroups.size;
}

/**
 * The only way rtlgym starts a child process: argument array (never a shell), own process group,
 * hard wall-clock kill of the whole group, capped output, optional memory cap. Never rejects for the
 * child's behaviour: the caller reads the result.
 */
export function runProcess(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  let file = command;
  let argv = [...args];
  let env = options.env ?? process.env;
  if (options.sandbox) {
    const vars: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) vars[k] = v;
    ({ file, args: argv } = wrapCommand(sandboxStatus(), command, args, options.cwd, vars));
    env = { PATH: "/usr/bin:/bin" };
  }
  if ((options.memoryLimitMb !== undefined || options.sandbox) && hasPrlimit) {
    const limits = ["--core=0", `--fsize=${MAX_FILE_BYTES}`];
    if (options.memoryLimitMb !== undefined) limits.push(`--as=${options.memoryLimitMb * 1024 * 1024}`);
    argv = [...limits, "--", file, ...argv];
    file = PRLIMIT;
  }
  installExitHook();
  const started = performance.now();
  return new Promise((resolve) => {
    if (options.signal?.aborted) {
      resolve({
        exitCode: null,
        signal: null,
        stdout: "",
        stderr: "",
        timedOut: true,
        stalled: false,
        outputCapped: false,
        durationMs: 0,
      });
      return;
    }
    const child = spawn(file, argv, {
      cwd: options.cwd,
      env,
      detached: true, // own process group, so a kill reaches grandchildren too
      stdio: ["pipe", "pipe", "pipe"],
    });
    const pid = child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let timedOut = false;
    let outputCapped = false;
    let settled = false;

    let graceTimer: NodeJS.Timeout | undefined;
    const killGroup = () => {
      if (pid === undefined) return;
      if (options.sandbox && !settled) {
        // Kill the sandbox's init (bubblewrap's child, in its own session) and let bubblewrap reap it and exit:
        // killing bubblewrap first would hand its child to the host's init, which in a container may never reap
        // it (one zombie per kill). The whole group follows if bubblewrap has not exited shortly after.
        const inner = childrenOf(pid);
        if (inner.length > 0) {
          for (const p of inner) signalPid(p);
          graceTimer ??= setTimeout(() => signalPid(-pid), SANDBOX_KILL_GRACE_MS);
          return;
        }
      }
      signalPid(-pid);
    };
    let stalled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const onAbort = () => {
      timedOut = true;
      killGroup();
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    let stallTimer: NodeJS.Timeout | undefined;
    let stallClock: "cpu" | "wall" | undefined;
    let lastOutput = performance.now();
    /** The tree's CPU time when output was last seen (taken at the first tick after it), ms. */
    let cpuAtOutput: number | undefined;
    let lastCpu: number | undefined;
    let outputSinceTick = false;
    const stallMs = options.stallMs;
    // CPU time is sampled a few times per window: a stuck child is ended within about 1.25 windows of CPU.
    const tick = stallMs === undefined ? 0 : Math.min(Math.max(Math.floor(stallMs / 4), 20), 250);
    const checkStall = () => {
      // Decided in the check phase, after the poll phase has delivered any output already waiting: a busy event
      // loop must never make a printing child look silent.
      setImmediate(() => {
        if (settled || stallMs === undefined) return;
        const now = performance.now();
        const cpu = pid === undefined ? undefined : treeCpuMs(pid);
        let quiet: number;
        if (cpu !== undefined) {
          lastCpu = cpu;
          if (outputSinceTick || cpuAtOutput === undefined) cpuAtOutput = cpu;
          outputSinceTick = false;
          quiet = cpu - cpuAtOutput;
        } else quiet = now - lastOutput;
        if (quiet >= stallMs) {
          stalled = true;
          stallClock = cpu !== undefined ? "cpu" : "wall";
          timedOut = true;
          killGroup();
        } else stallTimer = setTimeout(checkStall, cpu !== undefined ? tick : Math.max(stallMs - quiet, 1));
      });
    };
    if (stallMs !== undefined) stallTimer = setTimeout(checkStall, tick);

    const collect = (chunks: Buffer[], chunk: Buffer, which: "out" | "err") => {
      const used = which === "out" ? outBytes : errBytes;
      const room = maxOutput - used;
      if (room > 0) chunks.push(room >= chunk.length ? chunk : chunk.subarray(0, room));
      if (which === "out") outBytes += chunk.length;
      else errBytes += chunk.length;
      if (used + chunk.length > maxOutput && !outputCapped) {
        outputCapped = true;
        killGroup();
      }
    };
    child.stdout.on("data", (c: Buffer) => {
      lastOutput = performance.now();
      outputSinceTick = true;
      collect(out, c, "out");
    });
    child.stderr.on("data", (c: Buffer) => collect(err, c, "err"));
    child.stdin.on("error", () => {}); // the child may exit before reading stdin
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();

    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(stallTimer);
      clearTimeout(graceTimer);
      options.signal?.removeEventListener("abort", onAbort);
      killGroup(); // leave nothing behind, even daemonised grandchildren
      if (pid !== undefined) liveGroups.delete(pid);
      const result: RunResult = {
        exitCode,
        signal,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        timedOut,
        stalled,
        outputCapped,
        durationMs: performance.now() - started,
      };
      if (spawnError) result.spawnError = spawnError;
      if (stallClock !== undefined) result.stallClock = stallClock;
      if (lastCpu !== undefined) result.cpuMs = lastCpu;
      if (TRACE) traceProcess(command, args, result);
      resolve(result);
    };
    child.on("error", (e: NodeJS.ErrnoException) => finish(null, null, e));
    child.on("close", (code, signal) => finish(code, signal));
  });
}

/** RTLGYM_TRACE=processes: one stderr line per tool process (which tool, wall ms, exit), to see where a check's time goes. */
const TRACE = (process.env.RTLGYM_TRACE ?? "").split(",").includes("processes");

function traceProcess(command: string, args: readonly string[], r: RunResult): void {
  const tool = basename(command);
  // A hint of what ran (its first argument that is not a flag), one token, so the line stays one line.
  const what = (args.find((a) => !a.startsWith("-")) ?? "").split(/\s/)[0]?.slice(0, 40) ?? "";
  const end = r.timedOut ? "timeout" : `exit ${r.exitCode ?? r.signal}`;
  process.stderr.write(`rtlgym: process ${tool} ${what} ${r.durationMs.toFixed(1)} ms ${end}\n`);
}

/** Runs `fn` in a fresh private temp directory that is removed afterwards, whatever happens. */
export async function withTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  installExitHook();
  // Synchronous, so the dir is registered in the same turn it appears: with an async mkdtemp a signal handled
  // between the directory's creation and the callback exited before it was known, and left it behind.
  const dir = mkdtempSync(join(tmpdir(), `rtlgym-${prefix}-`));
  liveDirs.add(dir);
  try {
    prepareSandboxDir(dir);
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  }
}
