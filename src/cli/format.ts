import type { VerifyResult } from "../contracts/index.js";

/** Human-readable rendering of one verdict for the terminal. */
export function formatResult(r: VerifyResult): string {
  const lines = [`${r.status.toUpperCase()}  ${r.message}`];
  lines.push(`  decided by: ${r.decidedBy}`);
  const sim = r.engines.sim;
  lines.push(
    `  simulation: ${sim.status}${sim.status === "skipped" ? "" : ` (seed ${sim.seed}, ${sim.cycles} ${sim.exhaustive ? "vectors, exhaustive" : "steps"}, ${Math.round(sim.durationMs)} ms)`}${sim.reason ? `: ${sim.reason}` : ""}`,
  );
  const f = r.engines.formal;
  lines.push(
    `  formal:     ${f.status}${f.depth ? ` (depth ${f.depth})` : ""}${f.durationMs ? ` ${Math.round(f.durationMs)} ms` : ""}${f.reason ? `: ${f.reason}` : ""}`,
  );
  if (r.status === "pass" || r.status === "fail") {
    for (const s of r.signals) {
      const detail = s.mismatches !== undefined ? `${s.mismatches} mismatches` : "";
      lines.push(
        `  ${s.ok ? "ok  " : "DIFF"} ${s.name}${detail ? `  (${detail}${s.decidedBy ? `, ${s.decidedBy}` : ""})` : ""}`,
      );
    }
  }
  const cx = r.counterexample;
  if (cx) {
    const inputs = Object.entries(cx.inputs)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ");
    lines.push(
      `  counterexample (${cx.engine}): ${cx.signal} at ${cx.phase === "pre" ? "" : "after edge of "}cycle ${cx.cycle}: expected ${cx.expected}, got ${cx.got}; inputs ${inputs}`,
    );
    if (cx.trace && cx.trace.length > 1) lines.push(`  trace: ${cx.trace.length} cycles from reset`);
  }
  if (r.route) {
    const t = r.route.translations.map((c) => `${c.design} ${c.status}${c.samples ? ` on ${c.samples} samples` : ""}`);
    lines.push(
      `  route: ${r.route.reference} vs ${r.route.candidate}, ${r.route.kind}${t.length ? ` (GHDL translation: ${t.join(", ")})` : ""}`,
    );
  }
  for (const d of r.diagnostics) lines.push(...d.split("\n").map((l) => `  | ${l}`));
  lines.push(
    `  tools: ${r.toolVersions.iverilog}; ${r.toolVersions.yosys} (${r.toolVersions.yosysBackend})${r.toolVersions.ghdl ? `; ${r.toolVersions.ghdl}` : ""}`,
  );
  return `${lines.join("\n")}\n`;
}
