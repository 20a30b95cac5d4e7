import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAIN, rtlgym, TSX } from "../helpers/cli.js";
import { startRedis } from "../helpers/redis.js";

/** Small designs, each its own synthesis job with --batch 1; plus a duplicate, a testbench, a header and a reject. */
const counter = (name: string, width: number) => `module ${name} (input clk, input rst, output reg [${width - 1}:0] q);
  always @(posedge clk) if (rst) q <= 0; else q <= q + 1'b1;
endmodule
`;
const FILES: Record<string, string> = {
  "rtl/counter4.v": counter("counter4", 4),
  "rtl/counter8.v": counter("counter8", 8),
  "rtl/counter12.v": counter("counter12", 12),
  "rtl/counter4_copy.v": `// a copy\n${counter("counter4", 4)}`,
  "rtl/mux4.v": `module mux4 (input [3:0] d, input [1:0] s, output y);
  assign y = d[s];
endmodule
`,
  "rtl/alu.v": `\`include "alu_ops.vh"
module alu (input [7:0] a, input [7:0] b, input [1:0] op, output reg [7:0] y);
  always @(*) case (op)
    \`OP_ADD: y = a + b;
    \`OP_SUB: y = a - b;
    \`OP_AND: y = a & b;
    default: y = a | b;
  endcase
endmodule
`,
  "rtl/alu_ops.vh": "`define OP_ADD 2'd0\n`define OP_SUB 2'd1\n`define OP_AND 2'd2\n",
  "rtl/shift.v": `module shift (input clk, input rst_n, input d, output reg [7:0] q);
  always @(posedge clk or negedge rst_n) if (!rst_n) q <= 8'd0; else q <= {q[6:0], d};
endmodule
`,
  "rtl/top.v": `module top (input clk, input rst, input [3:0] d, input [1:0] s, output y, output [7:0] c);
  mux4 u_mux (.d(d), .s(s), .y(y));
  counter8 u_cnt (.clk(clk), .rst(rst), .q(c));
endmodule
`,
  "rtl/broken.v": "module broken (input a, output b);\n  assign b = a +;\nendmodule\n",
  "rtl/uses_missing.v": "module uses_missing (input a, output b);\n  vendor_buf u (.i(a), .o(b));\nendmodule\n",
  "tb/tb_counter4.v": `module tb_counter4;
  reg clk = 0, rst = 1; wire [3:0] q;
  counter4 dut (.clk(clk), .rst(rst), .q(q));
  always #5 clk = ~clk;
  initial begin #20 rst = 0; #100 $finish; end
endmodule
`,
  "README.md": "# fixture\n",
};

interface WorkerProc {
  proc: ChildProcess;
  log: string;
  events: Array<{ event: string; id?: string }>;
}

function startWorker(url: string): WorkerProc {
  // A process group of its own (detached), so a SIGKILL takes its tool processes too.
  const proc = spawn(
    TSX,
    [MAIN, "data", "worker", "--queue", url, "--concurrency", "1", "--lock-ms", "5000", "--stalled-ms", "2000"],
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  const w: WorkerProc = { proc, log: "", events: [] };
  let buf = "";
  proc.stderr?.on("data", (d: Buffer) => {
    w.log = (w.log + d.toString()).slice(-200_000);
    buf += d.toString();
    const lines = buf.split("\n");
    buf = lines.pop() ?? "";
    for (const l of lines)
      try {
        w.events.push(JSON.parse(l) as { event: string; id?: string });
      } catch {
        // not an event line (a warning): kept in the log
      }
  });
  return w;
}

const until = async (what: string, ok: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end)
      throw new Error(
        `timed out waiting for ${what}; worker logs:\n${workers.map((w) => w.log.slice(-3000)).join("\n---\n")}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
};
const exited = (p: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) resolve(p.exitCode);
    else p.once("exit", (code) => resolve(code));
  });

let redis: Awaited<ReturnType<typeof startRedis>>;
let dir = "";
const workers: WorkerProc[] = [];

beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), "rtlgym-ingest-queue-"));
  for (const [path, text] of Object.entries(FILES)) {
    await mkdir(join(dir, "src", path, ".."), { recursive: true });
    await writeFile(join(dir, "src", path), text);
  }
});

afterAll(async () => {
  for (const w of workers)
    if (w.proc.exitCode === null && w.proc.signalCode === null && w.proc.pid !== undefined) {
      try {
        process.kill(-w.proc.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("rtlgym data ingest --queue with two worker processes", () => {
  it("gives the in-process records byte for byte after one worker is SIGKILLed mid-job; each job counts once", async () => {
    const common = ["data", "ingest", join(dir, "src"), "--batch", "1", "--json", "--quiet"];
    const local = await rtlgym([...common, "--out", join(dir, "local")], { timeoutMs: 600_000 });
    expect(local.code, local.stderr).toBe(0);
    const localSummary = JSON.parse(local.stdout) as { units: number; synthesizable: number };
    expect(localSummary.synthesizable).toBeGreaterThanOrEqual(6);

    workers.push(startWorker(redis.url), startWorker(redis.url));
    // Generous: under `nice -n 19` on a loaded machine a tsx process can take a minute to start.
    await until("both workers ready", () => workers.every((w) => w.events.some((e) => e.event === "ready")), 240_000);

    const queued = rtlgym([...common, "--out", join(dir, "queued"), "--queue", redis.url], { timeoutMs: 600_000 });
    // Kill whichever worker starts a job first, mid-job (its yosys has just been started).
    await until("a job to start", () => workers.some((w) => w.events.some((e) => e.event === "start")), 300_000);
    const victim = workers.find((w) => w.events.some((e) => e.event === "start")) as WorkerProc;
    const survivor = workers.find((w) => w !== victim) as WorkerProc;
    const killedJob = victim.events.find((e) => e.event === "start")?.id as string;
    process.kill(-(victim.proc.pid as number), "SIGKILL");
    expect(await exited(victim.proc)).toBe(null);
    expect(victim.events.some((e) => e.event === "done" && e.id === killedJob)).toBe(false);

    const q = await queued;
    expect(q.code, q.stderr).toBe(0);
    const summary = JSON.parse(q.stdout) as {
      queue: {
        jobs: number;
        collected: number;
        stalled: number;
        duplicateNotices: number;
        restarted: Array<{ id: string; started: number; by: string }>;
        executions: Record<string, { started: number }>;
      };
    };
    // Byte for byte: the records, the duplicates and the rejects.
    for (const f of ["records.jsonl", "duplicates.jsonl", "rejects.jsonl"])
      expect(await readFile(join(dir, "queued", f), "utf8"), f).toBe(await readFile(join(dir, "local", f), "utf8"));
    const manifest = async (d: string) => {
      const m = JSON.parse(await readFile(join(dir, d, "manifest.json"), "utf8")) as Record<string, unknown>;
      return { counts: m.counts, sources: m.sources, toolVersions: m.toolVersions };
    };
    expect(await manifest("queued")).toEqual(await manifest("local"));

    // Every job collected once; the killed one was started again (BullMQ's stalled recovery) and finished once.
    expect(summary.queue.jobs).toBeGreaterThanOrEqual(6);
    expect(summary.queue.collected).toBe(summary.queue.jobs);
    expect(summary.queue.stalled).toBeGreaterThanOrEqual(1);
    expect(summary.queue.restarted.map((r) => r.id)).toContain(killedJob);
    const done = new Map<string, number>();
    for (const w of workers)
      for (const e of w.events) if (e.event === "done" && e.id) done.set(e.id, (done.get(e.id) ?? 0) + 1);
    expect([...done.keys()].sort()).toEqual(Object.keys(summary.queue.executions).sort());
    expect([...done.values()].every((n) => n === 1)).toBe(true);
    expect(survivor.events.some((e) => e.event === "start" && e.id === killedJob)).toBe(true);

    expect(Object.values(summary.queue.executions).every((e) => e.started >= 1)).toBe(true);
    // SIGTERM: the survivor stops cleanly (exit 0) once idle.
    survivor.proc.kill("SIGTERM");
    expect(await exited(survivor.proc)).toBe(0);
    expect(survivor.events.some((e) => e.event === "stopped")).toBe(true);
  }, 900_000);
});
