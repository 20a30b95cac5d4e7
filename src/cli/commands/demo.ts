import { join } from "node:path";
import type { Command } from "commander";
import pLimit from "p-limit";
import { loadPairs } from "../../bench/pairs.js";
import type { VerifyResult } from "../../contracts/index.js";
import { packageRoot } from "../../core/paths.js";
import { verify } from "../../verify/index.js";
import { EXIT } from "../exit.js";
import { intOption } from "../options.js";

interface Row {
  id: string;
  category: string;
  expected: string;
  status: string;
  asExpected: boolean;
  decidedBy: string;
  ms: number;
  message: string;
}

/** The README's main job: check the bundled reference/candidate pairs with no model and no network. */
export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("check the bundled reference/candidate pairs and print the verdict table")
    .option("--pairs <dir>", "pairs directory (ref.v, cand.v, meta.json per folder)")
    .option("--workers <n>", "checks run in parallel", intOption, 2)
    .option("--json", "print one JSON object")
    .action(async (flags: { pairs?: string; workers: number; json?: boolean }) => {
      const dir = flags.pairs ?? join(packageRoot(), "fixtures", "pairs");
      const pairs = await loadPairs(dir);
      const limit = pLimit(Math.max(flags.workers, 1));
      const started = performance.now();
      let done = 0;
      const rows: Row[] = await Promise.all(
        pairs.map((p) =>
          limit(async () => {
            const t = performance.now();
            const r: VerifyResult = await verify({
              reference: p.reference,
              candidate: p.candidate,
              ...(p.meta.refTop !== undefined && { refTop: p.meta.refTop }),
              ...(p.meta.candTop !== undefined && { candTop: p.meta.candTop }),
            });
            done++;
            if (!flags.json && process.stderr.isTTY) process.stderr.write(`\r${done}/${pairs.length} checked`);
            return {
              id: p.id,
              category: p.meta.category,
              expected: p.meta.expect,
              status: r.status,
              asExpected: r.status === p.meta.expect,
              decidedBy: r.decidedBy,
              ms: Math.round(performance.now() - t),
              message: r.message,
            };
          }),
        ),
      );
      if (!flags.json && process.stderr.isTTY) process.stderr.write("\n");
      const wrong = rows.filter((r) => !r.asExpected);
      const seconds = (performance.now() - started) / 1000;
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ pairs: rows.length, asExpected: rows.length - wrong.length, seconds, rows })}\n`,
        );
      } else {
        const w = Math.max(...rows.map((r) => r.id.length), 4);
        process.stdout.write(
          `${"pair".padEnd(w)}  ${"expected".padEnd(18)} ${"verdict".padEnd(18)} ${"by".padEnd(10)} ${"ms".padStart(6)}  message\n`,
        );
        for (const r of rows) {
          process.stdout.write(
            `${r.id.padEnd(w)}  ${r.expected.padEnd(18)} ${(r.asExpected ? r.status : `${r.status} !!`).padEnd(18)} ${r.decidedBy.padEnd(10)} ${String(r.ms).padStart(6)}  ${r.message.slice(0, 90)}\n`,
          );
        }
        process.stdout.write(
          `\n${rows.length - wrong.length}/${rows.length} verdicts as expected in ${seconds.toFixed(1)} s${wrong.length ? `; unexpected: ${wrong.map((r) => r.id).join(", ")}` : ""}\n`,
        );
      }
      process.exitCode = wrong.length ? EXIT.notEquivalent : EXIT.ok;
    });
}
