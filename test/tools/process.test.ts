import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runProcess, withTempDir } from "../../src/tools/process.js";

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
      const r = await runProcess("bash", ["-c", "sleep 30 & echo $!; wait"], { cwd, timeoutMs: 300 });
      expect(r.timedOut).toBe(true);
      const grandchild = Number(r.stdout.trim());
      expect(grandchild).toBeGreaterThan(0);
      await new Promise((res) => setTimeout(res, 100));
      expect(alive(grandchild)).toBe(false);
    });
  });

  it("ends a run that stops printing, long before its time limit", async () => {
    await withTempDir("t", async (cwd) => {
      const r = await runProcess("bash", ["-c", "for i in 1 2 3; do echo tick; sleep 0.05; done; sleep 30"], {
        cwd,
        timeoutMs: 20_000,
        stallMs: 300,
      });
      expect(r.stalled).toBe(true);
      expect(r.timedOut).toBe(true);
      expect(r.stdout).toBe("tick\ntick\ntick\n");
      expect(r.durationMs).toBeLessThan(10_000);
    });
  });

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
