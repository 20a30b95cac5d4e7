import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { availableParallelism } from "node:os";

/**
 * Real CPU contention for a test: pins this process (so every tool it spawns) to one core and starts `hogs` busy
 * loops on that same core at this process's priority, so a child gets about 1/(hogs+1) of that core. `release`
 * stops the loops (by their own pids) and restores the affinity.
 */
export function loadOneCore(hogs: number): { release: () => void } {
  const all = `0-${Math.max(availableParallelism(), 1) - 1}`;
  const core = String(Math.max(availableParallelism(), 1) - 1);
  execFileSync("taskset", ["-a", "-p", "-c", core, String(process.pid)], { stdio: "ignore" });
  const loops: ChildProcess[] = [];
  // A busy loop that ends once this process is gone (checked every 100,000 turns), so a test run that is killed
  // before `release` does not leave loops spinning on the machine.
  const loop = `i=0; while :; do i=$((i+1)); if [ $i -ge 100000 ]; then i=0; kill -0 ${process.pid} 2>/dev/null || exit 0; fi; done`;
  for (let i = 0; i < hogs; i++)
    // Each loop in a session of its own: with scheduler autogroups, CPU is shared between sessions first, and the
    // sandboxed tools run in sessions of their own too.
    loops.push(spawn("taskset", ["-c", core, "sh", "-c", loop], { stdio: "ignore", detached: true }));
  return {
    release: () => {
      for (const l of loops) if (l.pid !== undefined) l.kill("SIGKILL");
      execFileSync("taskset", ["-a", "-p", "-c", all, String(process.pid)], { stdio: "ignore" });
    },
  };
}
