// How much of a real VHDL project rtlgym reads and checks (default ../shared/corpus/neorv32): `rtlgym data ingest`'s
// VHDL units (one per entity), GHDL + Yosys synthesizability, then every stand-alone design unit checked against
// itself with verifyAny (the unit as reference and as candidate), its status and why.
// Usage: npx tsx bench/vhdl-neorv32.ts [PATH] [--timeout-ms N] [--json FILE]
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { ingest } from "../src/data/ingest.js";
import { verifyAny } from "../src/verify/index.js";

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const path =
  args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--")) ??
  resolve(import.meta.dirname, "..", "..", "shared", "corpus", "neorv32");
const timeoutMs = Number(opt("--timeout-ms") ?? 20_000);
const started = performance.now();
const result = await ingest([path], {
  onProgress: (e) => process.stderr.write(`\r${e.stage} ${e.done}/${e.total}   `),
});
process.stderr.write("\n");
const vhdl = [...result.records, ...result.duplicates].filter((r) => r.language === "vhdl");
/** A message's class: the message with names and numbers taken out, so like failures count together. */
const classOf = (m: string) =>
  m
    .replace(/\(entities: [^)]*\)/g, "")
    .replace(/port [a-z0-9_]+/gi, "port P")
    .replace(/generic [a-z0-9_]+/gi, "generic G")
    .replace(/type [a-z0-9_]+/gi, "type T")
    .replace(/\d+/g, "N")
    .slice(0, 160);
const tally = (xs: string[]) => {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
};
const designs = vhdl.filter((r) => r.kind === "design");
const rows: Array<{ top: string; status: string; message: string; route?: string; ms: number }> = [];
for (const r of designs) {
  if (r.missing.length > 0) {
    rows.push({
      top: r.top,
      status: "not_read",
      message: `uses what the source does not define: ${r.missing.join(", ")}`,
      ms: 0,
    });
    continue;
  }
  const t = performance.now();
  try {
    const v = await verifyAny({
      reference: r.code,
      candidate: r.code,
      referenceLanguage: "vhdl",
      candidateLanguage: "vhdl",
      refTop: r.top,
      candTop: r.top,
      timeoutMs,
    });
    rows.push({
      top: r.top,
      status: v.status,
      message: v.message,
      ...(v.route && { route: v.route.kind }),
      ms: Math.round(performance.now() - t),
    });
  } catch (e) {
    rows.push({
      top: r.top,
      status: "reference_error",
      message: (e as Error).message.split("\n")[0] ?? "",
      ms: Math.round(performance.now() - t),
    });
  }
  process.stderr.write(`\rself-check ${rows.length}/${designs.length}   `);
}
process.stderr.write("\n");
const summary = {
  path,
  seconds: Math.round((performance.now() - started) / 100) / 10,
  vhdlFiles: new Set(vhdl.flatMap((r) => r.files)).size,
  rejected: result.rejects.filter((x) => /\.vhdl?$/i.test(x.path)).map((x) => `${x.path}: ${x.reason}`),
  units: vhdl.length,
  designs: designs.length,
  testbenches: vhdl.length - designs.length,
  synthesizable: designs.filter((r) => r.synthesizable).length,
  synthErrors: tally(designs.filter((r) => !r.synthesizable).map((r) => classOf(r.synth?.error ?? "no synthesis"))),
  selfCheck: tally(rows.map((r) => `${r.status}${r.route ? ` (${r.route})` : ""}`)),
  selfCheckReasons: tally(rows.filter((r) => r.status !== "pass").map((r) => `${r.status}: ${classOf(r.message)}`)),
  passed: rows.filter((r) => r.status === "pass").map((r) => `${r.top} (${r.route}, ${r.ms} ms)`),
  toolVersions: result.toolVersions,
};
console.log(JSON.stringify(summary, null, 2));
const json = opt("--json");
if (json) await writeFile(json, `${JSON.stringify({ summary, rows }, null, 2)}\n`);
