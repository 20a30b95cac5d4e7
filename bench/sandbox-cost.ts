/**
 * What the OS sandbox costs: the same checks with RTLGYM_SANDBOX=off and with the sandbox, alternating in one
 * run (A B A B ...) so a drifting machine affects both alike; reports per-check wall time and the ratio per pair.
 * (CPU time is not compared: processes inside bubblewrap's PID namespace are reaped by its init, not by us, so
 * rusage of children would undercount the sandboxed side.)
 *
 *   npx tsx bench/sandbox-cost.ts [--rounds 3] [--limit 30] [--engine both] [--json]
 *
 * Checks: the built-in suite's references against themselves and one mutant each (single checks), then the same
 * as one group of 8 per problem (an RL group). Each side runs in a fresh child process (the sandbox is chosen per
 * process).
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadSuite } from "../src/bench/suites/registry.js";
import { generateMutants } from "../src/data/mutate.js";
import { sandboxStatus } from "../src/tools/sandbox.js";
import { verify, verifyGroup } from "../src/verify/index.js";
import { renameModules } from "../src/verilog/index.js";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    limit: { type: "string", default: "30" },
    engine: { type: "string", default: "both" },
    child: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});

interface Side {
  sandbox: string;
  checks: number;
  wallMs: number;
  groupChecks: number;
  groupWallMs: number;
}

async function child(): Promise<Side> {
  const engine = args.engine as "sim" | "formal" | "both";
  const suite = await loadSuite("builtin");
  const problems = suite.problems.slice(0, Number(args.limit));
  const pairs: Array<{ reference: string; candidates: string[] }> = problems.map((p) => {
    const own = renameModules(p.reference, (n) => (n === p.refTop ? p.candTop : undefined));
    const mutants = generateMutants(own, { seed: 1, limit: 7 }).map((m) => m.source);
    return { reference: p.reference, candidates: [own, ...mutants] };
  });
  const t0 = performance.now();
  let checks = 0;
  for (const { reference, candidates } of pairs) {
    for (const candidate of candidates.slice(0, 2)) {
      await verify({ reference, candidate, engine });
      checks++;
    }
  }
  const wallMs = performance.now() - t0;
  const t1 = performance.now();
  let groupChecks = 0;
  for (const { reference, candidates } of pairs) {
    await verifyGroup({ reference, candidates, engine });
    groupChecks += candidates.length;
  }
  return {
    sandbox: sandboxStatus().kind,
    checks,
    wallMs,
    groupChecks,
    groupWallMs: performance.now() - t1,
  };
}

function runSide(sandbox: "off" | "auto"): Side {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", self, "--child", "--limit", String(args.limit), "--engine", String(args.engine)],
    {
      env: { ...process.env, RTLGYM_SANDBOX: sandbox },
      encoding: "utf8",
      maxBuffer: 1 << 24,
    },
  );
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  if (r.status !== 0 || !line.startsWith("{")) throw new Error(`child failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as Side;
}

if (args.child) {
  process.stdout.write(`${JSON.stringify(await child())}\n`);
} else {
  const rounds = Number(args.rounds);
  const rows: Array<{ off: Side; on: Side }> = [];
  for (let i = 0; i < rounds; i++) {
    const off = runSide("off");
    const on = runSide("auto");
    rows.push({ off, on });
    if (!args.json) {
      const per = (s: Side) => `${(s.wallMs / s.checks).toFixed(1)} ms/check`;
      process.stderr.write(
        `round ${i + 1}: off ${per(off)} | ${on.sandbox} ${per(on)} | single wall x${(on.wallMs / off.wallMs).toFixed(2)}, ` +
          `group wall x${(on.groupWallMs / off.groupWallMs).toFixed(2)}\n`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const summary = {
    rounds,
    checksPerSide: rows[0]?.off.checks,
    groupChecksPerSide: rows[0]?.off.groupChecks,
    sandbox: rows[0]?.on.sandbox,
    medianSingleWallRatio: median(rows.map((r) => r.on.wallMs / r.off.wallMs)),
    medianGroupWallRatio: median(rows.map((r) => r.on.groupWallMs / r.off.groupWallMs)),
    medianMsPerCheckOff: median(rows.map((r) => r.off.wallMs / r.off.checks)),
    medianMsPerCheckOn: median(rows.map((r) => r.on.wallMs / r.on.checks)),
    medianGroupMsPerCheckOff: median(rows.map((r) => r.off.groupWallMs / r.off.groupChecks)),
    medianGroupMsPerCheckOn: median(rows.map((r) => r.on.groupWallMs / r.on.groupChecks)),
  };
  process.stdout.write(`${JSON.stringify(summary, null, args.json ? 0 : 2)}\n`);
}
