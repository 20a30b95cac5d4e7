import type { Command } from "commander";
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
}
