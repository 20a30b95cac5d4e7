import { spawnSync } from "node:child_process";
import { chownSync, existsSync, lstatSync, mkdtempSync, readlinkSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ToolMissingError } from "../core/errors.js";

/**
 * The OS sandbox around every tool process that reads candidate code (iverilog, vvp, yosys): bubblewrap with
 * every namespace unshared (no network, own PID space), a read-only view of /usr and nothing else of the host but
 * the check's own temp dir, an unprivileged user (nobody, also on the host when rtlgym runs as root), no
 * capabilities, a cleared environment, and the session's process limits. The filters in front of the tools stop
 * the holes we know; this layer is what makes an unknown one harmless.
 */
export interface SandboxStatus {
  kind: "bwrap" | "none";
  /** Why there is no sandbox (kind "none"), or what is missing from it. */
  reason?: string;
  /** Tool processes run as nobody (65534) on the host: rtlgym runs as root and drops privileges with setpriv. */
  dropsToNobody: boolean;
  /** The protections in force, for `rtlgym doctor` and the logs. */
  protections: string[];
  bwrap?: string;
}

const NOBODY = 65534;
const BWRAP_CANDIDATES = ["/usr/bin/bwrap", "/bin/bwrap"];
const SETPRIV = "/usr/bin/setpriv";
/** Host paths shown read-only inside the sandbox (symlinks such as Debian's merged /bin -> usr/bin are recreated). */
/**
 * Some container images ship /dev/null without write permission for others (mode 0755), and the sandboxed tools run
 * as nobody: a tool that writes /dev/null (Verilator does, even when linting) then fails for the machine's sake, not
 * the design's. On such a host each temp dir gets this empty file, bound over /dev/null inside the sandbox.
 */
const DEV_NULL_STANDIN = ".rtlgym-dev-null";
const SYSTEM_PATHS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc/ld.so.cache"];

let status: SandboxStatus | undefined;
let warned = false;

/**
 * Which sandbox is in use. RTLGYM_SANDBOX=off disables it (with a warning), =bwrap requires it (a missing or
 * unusable bubblewrap is then an error), and the default `auto` uses it when it works and warns loudly when not.
 * Probed once per process with a real sandboxed run.
 */
export function sandboxStatus(): SandboxStatus {
  if (status) return status;
  const wanted = process.env.RTLGYM_SANDBOX ?? "auto";
  if (wanted === "off") {
    status = none("disabled by RTLGYM_SANDBOX=off");
  } else {
    const bwrap = BWRAP_CANDIDATES.find((p) => existsSync(p));
    if (!bwrap) status = none("bubblewrap is not installed (apt-get install bubblewrap)");
    else status = probe(bwrap);
    if (status.kind === "none" && wanted === "bwrap") {
      const why = status.reason ?? "unknown";
      status = undefined;
      throw new ToolMissingError("bwrap", `RTLGYM_SANDBOX=bwrap but the sandbox cannot run: ${why}`);
    }
  }
  if (status.kind === "none" && !warned && process.env.RTLGYM_SANDBOX !== "off") {
    warned = true;
    process.stderr.write(
      `rtlgym: WARNING: no OS sandbox around the simulator and synthesis tools (${status.reason}). ` +
        "Candidate code is still filtered, but an unknown hole in iverilog or yosys would run with your privileges. " +
        "Install bubblewrap (apt-get install bubblewrap); see docs/security.md.\n",
    );
  }
  return status;
}

function none(reason: string): SandboxStatus {
  return {
    kind: "none",
    reason,
    dropsToNobody: false,
    protections: ["process group kill", "wall-clock limit", "output cap", "memory cap (prlimit)", "private temp dir"],
  };
}

function probe(bwrap: string): SandboxStatus {
  const drop = process.getuid?.() === 0 && existsSync(SETPRIV);
  const dir = mkdtempSync(join(tmpdir(), "rtlgym-sandbox-probe-"));
  try {
    if (drop) chownSync(dir, NOBODY, NOBODY);
    const { file, args } = wrapCommand(
      { kind: "bwrap", bwrap, dropsToNobody: drop, protections: [] },
      "/usr/bin/true",
      [],
      dir,
    );
    const r = spawnSync(file, args, { cwd: dir, timeout: 10_000, encoding: "utf8" });
    if (r.status !== 0) {
      const err = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n")[0];
      const hint = drop ? ` (the tools run as nobody: ${tmpdir()} and its parents must be traversable by nobody)` : "";
      return none(`bubblewrap does not run here: ${err}${hint}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    kind: "bwrap",
    bwrap,
    dropsToNobody: drop,
    protections: [
      "bubblewrap: own user, PID, network, IPC, UTS and cgroup namespaces (no network)",
      "read-only /usr; no /etc, /home or /root; only the check's temp dir is writable",
      drop
        ? "runs as nobody (65534) on the host, no capabilities"
        : "runs as your user in a user namespace, no capabilities",
      "cleared environment, HOME in the temp dir",
      "process group kill, die with rtlgym",
      "wall-clock limit, output cap, memory, file size and core limits (prlimit)",
    ],
  };
}

/** The argv that runs `command args` in the sandbox with `cwd` as its only writable directory. */
export function wrapCommand(
  s: SandboxStatus,
  command: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string> = {},
): { file: string; args: string[] } {
  if (s.kind !== "bwrap" || !s.bwrap) return { file: command, args: [...args] };
  const mounts: string[] = [];
  for (const path of SYSTEM_PATHS) {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) mounts.push("--symlink", readlinkSync(path), path);
    else mounts.push("--ro-bind", path, path);
  }
  // A tool installed outside /usr (RTLGYM_YOSYS_BIN=/opt/yosys/bin/yosys) must be visible too.
  const toolDir = dirname(command);
  if (!["/usr/", "/bin", "/sbin"].some((p) => toolDir.startsWith(p))) mounts.push("--ro-bind", toolDir, toolDir);
  const vars = { PATH: "/usr/bin:/bin", HOME: cwd, TMPDIR: "/tmp", LC_ALL: "C", ...env };
  const bwrapArgs = [
    ...mounts,
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    ...(existsSync(join(cwd, DEV_NULL_STANDIN)) ? ["--bind", join(cwd, DEV_NULL_STANDIN), "/dev/null"] : []),
    "--tmpfs",
    "/tmp",
    "--bind",
    cwd,
    cwd,
    "--chdir",
    cwd,
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--clearenv",
    ...Object.entries(vars).flatMap(([k, v]) => ["--setenv", k, v]),
    "--",
    command,
    ...args,
  ];
  if (s.dropsToNobody) {
    return {
      file: SETPRIV,
      args: [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "--", s.bwrap, ...bwrapArgs],
    };
  }
  return { file: s.bwrap, args: bwrapArgs };
}

/** Lets the sandboxed user write the directory (when privileges are dropped to nobody). */
export function prepareSandboxDir(dir: string): void {
  const s = sandboxStatus();
  if (!s.dropsToNobody) return;
  chownSync(dir, NOBODY, NOBODY);
  if (!othersMayWrite("/dev/null")) {
    const standin = join(dir, DEV_NULL_STANDIN);
    writeFileSync(standin, "");
    chownSync(standin, NOBODY, NOBODY);
  }
}

function othersMayWrite(path: string): boolean {
  try {
    return (statSync(path).mode & 0o002) !== 0;
  } catch {
    return false;
  }
}
