import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../src/core/paths.js";
import { runProcess, withTempDir } from "../../src/tools/process.js";
import { loadOneCore } from "../helpers/cpu-load.js";

// Running, not merely a zombie waiting for init to reap it.
const alive = (pid: number) => {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
    return state !== undefined && state !== "Z" && state !== "X";
  } catch {
    return false;
  }
};

describe("runProcess", () => {
  it("kills the whole process group at the wall-clock limit, grandchildren included", async () => {
    await withTempDir("t", async (cwd) => {
      // The limit leaves bash time to start and print the grandchild's pid even on a loaded machine (at 300 ms, a
      // run beside three training jobs was killed before it printed anything).
      const r = await runProcess("bash", ["-c", "sleep 30 & echo $!; wait"], { cwd, timeoutMs: 3_000 });
      expect(r.timedOut).toBe(true);
      const grandchild = Number(r.stdout.trim());
      expect(grandchild).toBeGreaterThan(0);
      await new Promise((res) => setTimeout(res, 100));
      expect(alive(grandchild)).toBe(false);
    });
  });

  it("ends a run that stops printing and spins, long before its time limit", async () => {
    await withTempDir("t", async (cwd) => {
      const r = await runProcess(
        "bash",
        ["-c", "for i in 1 2 3; do echo tick; sleep 0.05; done; while :; do :; done"],
        {
          cwd,
          timeoutMs: 20_000,
          stallMs: 300,
        },
      );
      expect(r.stalled).toBe(true);
      expect(r.stallClock).toBe("cpu");
      expect(r.timedOut).toBe(true);
      expect(r.stdout).toBe("tick\ntick\ntick\n");
      expect(r.durationMs).toBeLessThan(10_000);
    });
  });

  it("judges a sandboxed spinning child by the CPU time of its whole tree", async () => {
    await withTempDir("t", async (cwd) => {
      const r = await runProcess("/bin/sh", ["-c", "echo go; while :; do :; done"], {
        cwd,
        timeoutMs: 20_000,
        stallMs: 300,
        sandbox: true,
      });
      expect(r.stalled).toBe(true);
      expect(r.stallClock).toBe("cpu");
      expect(r.durationMs).toBeLessThan(10_000);
    });
  });

  it("leaves a silent child that uses no CPU to the hard wall-clock limit", async () => {
    await withTempDir("t", async (cwd) => {
      const r = await runProcess("bash", ["-c", "echo tick; sleep 30"], { cwd, timeoutMs: 1500, stallMs: 200 });
      expect(r.stalled).toBe(false);
      expect(r.timedOut).toBe(true);
      expect(r.durationMs).toBeGreaterThanOrEqual(1400);
      expect(r.durationMs).toBeLessThan(10_000);
    });
  });

  it("spares a slow child starved of CPU by other load, and still ends a spinning one under the same load", async () => {
    // The child prints a line after every 120 ms of its own CPU time: under 3 busy loops on its core the lines
    // are far more than the 300 ms window apart in wall-clock time, which a wall-clock watchdog would call a stall.
    const slow = `const t0 = Date.now(); const gaps = []; let last = t0;
for (let i = 0; i < 5; i++) {
  const c = process.cpuUsage(); while ((process.cpuUsage().user + process.cpuUsage().system) - (c.user + c.system) < 120000) {}
  const now = Date.now(); gaps.push(now - last); last = now; console.log("line " + i);
}
console.log("gaps " + gaps.join(","));`;
    const load = loadOneCore(3);
    try {
      await withTempDir("t", async (cwd) => {
        const r = await runProcess(process.execPath, ["-e", slow], { cwd, timeoutMs: 60_000, stallMs: 300 });
        expect(r.stalled).toBe(false);
        expect(r.exitCode).toBe(0);
        const gaps = (/gaps (.*)/.exec(r.stdout)?.[1] ?? "").split(",").map(Number);
        expect(gaps).toHaveLength(5);
        // The load was real: some gap between lines exceeded the stall window in wall-clock time.
        expect(Math.max(...gaps)).toBeGreaterThan(300);
        // The watchdog's CPU sample is reported: the child spun 600 ms of CPU, and the sample is at most one
        // interval (75 ms here) short of its total before exit.
        expect(r.cpuMs).toBeGreaterThan(600 - 120 - 75);
        expect(r.cpuMs).toBeLessThan(r.durationMs);
        const hung = await runProcess("bash", ["-c", "echo go; while :; do :; done"], {
          cwd,
          timeoutMs: 60_000,
          stallMs: 300,
        });
        expect(hung.stalled).toBe(true);
        expect(hung.durationMs).toBeLessThan(30_000);
      });
    } finally {
      load.release();
    }
  }, 90_000);

  it("caps runaway output and stops the writer", async () => {
    await withTempDir("t", async (cwd) => {
      const r = await runProcess("yes", [], { cwd, timeoutMs: 10_000, maxOutputBytes: 4096 });
      expect(r.outputCapped).toBe(true);
      expect(r.timedOut).toBe(false);
      expect(r.stdout.length).toBeLessThanOrEqual(4096);
    });
  });

  it("applies the memory cap", async () => {
    await withTempDir("t", async (cwd) => {
      const r = await runProcess("python3", ["-c", "x = bytearray(512 * 1024 * 1024); print('allocated')"], {
        cwd,
        timeoutMs: 10_000,
        memoryLimitMb: 128,
      });
      expect(r.exitCode).not.toBe(0);
      expect(r.stdout).not.toContain("allocated");
    });
  });

  it("reports a missing executable as a spawn error, not a throw", async () => {
    await withTempDir("t", async (cwd) => {
      const r = await runProcess("/nonexistent/tool", [], { cwd, timeoutMs: 1000 });
      expect(r.spawnError?.code).toBe("ENOENT");
    });
  });

  it("removes the temp dir even when the work throws", async () => {
    let seen = "";
    await expect(
      withTempDir("t", async (dir) => {
        seen = dir;
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(existsSync(seen)).toBe(false);
  });

  it("passes arguments without a shell", async () => {
    await withTempDir("t", async (cwd) => {
      const r = await runProcess("printf", ["%s", "$(echo pwned); `id`"], { cwd, timeoutMs: 2000 });
      expect(r.stdout).toBe("$(echo pwned); `id`");
    });
    expect(execFileSync("true")).toBeDefined();
  });
});

describe("RTLGYM_TRACE=processes", () => {
  it("prints one stderr line per tool process: the tool, its wall time and its exit", async () => {
    const script = [
      'import { runProcess, withTempDir } from "./src/tools/process.ts";',
      'await withTempDir("t", (cwd) => runProcess("/bin/sh", ["-c", "exit 3"], { cwd, timeoutMs: 5000 }));',
    ].join("\n");
    const run = (trace: string) =>
      spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
        cwd: packageRoot(),
        env: { ...process.env, RTLGYM_TRACE: trace },
        encoding: "utf8",
      });
    const traced = run("processes");
    expect(traced.status).toBe(0);
    expect(traced.stderr).toMatch(/^rtlgym: process sh exit \d+\.\d ms exit 3$/m);
    expect(run("").stderr).not.toMatch(/rtlgym: process/);
  }, 60_000);
});
