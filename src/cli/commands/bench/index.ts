import type { Command } from "commander";
import { listSuites } from "../../../bench/suites/registry.js";
import { registerAudit } from "./audit.js";
import { registerEval } from "./eval.js";
import { registerRun } from "./run.js";
import { registerStoreCommands } from "./store.js";

/** `rtlgym bench ...`: suites, sampling, scoring, audit and the local run store. */
export function registerBench(program: Command): void {
  const bench = program.command("bench").description("evaluate models on Verilog benchmarks (pass@k, audit, reports)");
  registerRun(bench);
  registerEval(bench);
  registerAudit(bench);
  registerStoreCommands(bench);
  bench
    .command("suites")
    .description("list the suites rtlgym can load, and what --data each needs")
    .option("--json", "print JSON lines, one per suite")
    .action((flags: { json?: boolean }) => {
      for (const s of listSuites()) {
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ name: s.name, description: s.description, embedded: s.embedded, data: s.dataHint })}\n`
            : `${s.name.padEnd(24)} ${s.description}\n${"".padEnd(24)} data: ${s.dataHint}\n`,
        );
      }
    });
}
