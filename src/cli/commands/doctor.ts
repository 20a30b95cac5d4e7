import type { Command } from "commander";
import { doctor } from "../../tools/doctor.js";

export function registerDoctor(program: Command): void {
  program
    .command("doctor")
    .description("show which tools rtlgym found, their versions, and the yosys backend in use")
    .option("--json", "print the report as JSON")
    .action(async (flags: { json?: boolean }) => {
      const report = await doctor();
      if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else {
        for (const t of report.tools) {
          process.stdout.write(
            `${t.found ? "ok     " : t.required ? "MISSING" : "absent "} ${t.name.padEnd(16)} ${t.version ?? t.hint ?? ""}${t.path ? `  (${t.path})` : ""}\n`,
          );
        }
        process.stdout.write(`yosys backend in use: ${report.yosysBackend}\n`);
        const s = report.sandbox;
        process.stdout.write(
          s.kind === "bwrap"
            ? `sandbox: bubblewrap (${s.bwrap})\n${s.protections.map((p) => `  - ${p}\n`).join("")}`
            : `sandbox: NONE (${s.reason}); only: ${s.protections.join(", ")}\n`,
        );
      }
      if (!report.ready) process.exitCode = 2;
    });
}
