import type { BenchSummary } from "../../../contracts/index.js";
import { pct } from "./shared.js";

/** A short terminal summary of a bench result; the full detail goes to the report files. */
export function summaryText(s: BenchSummary): string {
  const lines: string[] = [];
  lines.push(
    `${s.suite} (${s.suiteRevision})${s.model ? `  model ${s.model}` : ""}${s.runId ? `  run ${s.runId}` : ""}`,
  );
  lines.push(
    `problems: ${s.attempted} attempted, ${s.scored} scored, ${s.excluded.length} excluded${s.excluded.length ? ` (${s.excluded.map((e) => e.id).join(", ")})` : ""}`,
  );
  const ks = Object.keys(s.passAtK);
  if (ks.length > 0) {
    lines.push(`pass@k (rtlgym):   ${ks.map((k) => `@${k} ${pct(s.passAtK[k])}`).join("  ")}`);
    if (s.officialPassAtK) {
      lines.push(`pass@k (official): ${ks.map((k) => `@${k} ${pct(s.officialPassAtK?.[k])}`).join("  ")}`);
    }
  }
  lines.push(
    `statuses: ${
      Object.entries(s.statuses)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ") || "none"
    }`,
  );
  const strengths = Object.entries(s.strength?.counts ?? {});
  if (strengths.length > 0 || s.strength?.min) {
    const bar = s.strength?.min;
    lines.push(
      `pass strength: ${strengths.map(([k, v]) => `${k} ${v}`).join(", ") || "no passes"}${
        bar
          ? `; ${s.strength?.belowMin ?? 0} below --min-strength ${bar.level}${bar.toggle !== undefined ? `:${bar.toggle}` : ""} (not counted in pass@k)`
          : ""
      }`,
    );
  }
  // Namespaced tags (`family:...`) are many; the reports list them, the terminal shows the plain ones.
  const tags = Object.entries(s.passAtKByTag).filter(([t]) => !t.includes(":"));
  if (tags.length > 0 && ks[0] !== undefined) {
    const k = ks[0];
    lines.push(`by tag (pass@${k}): ${tags.map(([t, v]) => `${t} ${pct(v[k])}`).join(", ")}`);
  }
  if (s.disagreements.length > 0) {
    lines.push(`disagreements with the official testbench: ${s.disagreements.length}`);
    for (const d of s.disagreements.slice(0, 10)) {
      lines.push(`  ${d.problem}#${d.sample}: rtlgym ${d.rtlgym}, official ${d.official}: ${d.evidence.slice(0, 160)}`);
    }
    if (s.disagreements.length > 10) lines.push(`  ... ${s.disagreements.length - 10} more in the report`);
  }
  lines.push(
    `tools: ${Object.entries(s.toolVersions)
      .map(([k, v]) => `${k} ${v ?? "-"}`)
      .join("; ")}; seed ${s.seed}`,
  );
  return `${lines.join("\n")}\n`;
}
