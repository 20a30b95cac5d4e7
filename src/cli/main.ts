import { Command, CommanderError } from "commander";
import { RtlgymError } from "../core/errors.js";
import { registerBench } from "./commands/bench/index.js";
import { registerCheck } from "./commands/check.js";
import { registerData } from "./commands/data.js";
import { registerDemo } from "./commands/demo.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerModel } from "./commands/model.js";
import { registerPrm } from "./commands/prm.js";
import { registerRecipe } from "./commands/recipe.js";
import { registerSalvPairs } from "./commands/salv.js";
import { registerSearch } from "./commands/search.js";
import { registerServe } from "./commands/serve.js";
import { registerSlice } from "./commands/slice.js";
import { registerStepData } from "./commands/steps.js";
import { registerTasks } from "./commands/tasks.js";
import { registerTrain } from "./commands/train.js";
import { EXIT } from "./exit.js";

/** Builds the CLI; each command lives in its own file under commands/. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name("rtlgym")
    .description("Verified rewards and evaluation for language models that write Verilog")
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });
  registerCheck(program);
  registerDoctor(program);
  registerDemo(program);
  registerBench(program);
  registerServe(program);
  registerSlice(program);
  registerTasks(program);
  registerTrain(program);
  registerModel(program);
  registerData(program);
  registerStepData(program);
  registerPrm(program);
  registerSearch(program);
  registerSalvPairs(program);
  registerRecipe(program);
  return program;
}

const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * A signal ends the command through process.exit, so the 'exit' hook of the process layer kills every tool
 * process group and removes every temp dir (Node's default action would leave them behind). Commands with their
 * own handling (serve drains first) keep it: this one only acts when it is the sole listener.
 */
let signalsHandled = false;
function exitOnSignals(): void {
  if (signalsHandled) return;
  signalsHandled = true;
  for (const [signal, code] of Object.entries(SIGNAL_EXIT) as Array<[NodeJS.Signals, number]>) {
    const handler = () => {
      if (process.listenerCount(signal) > 1) return;
      process.exit(code);
    };
    process.on(signal, handler);
  }
}

export async function main(argv: string[]): Promise<number> {
  exitOnSignals();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof RtlgymError) {
      process.stderr.write(`rtlgym: ${e.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`rtlgym: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.usage;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly) {
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
