// Ingest throughput on a corpus (default ../shared/corpus): files/s, units/s, time per stage, duplicate and reject
// counts. Usage: npx tsx bench/data-ingest.ts [PATH...] [--out DIR]
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ingest } from "../src/data/ingest.js";
import { writeDataset } from "../src/data/store.js";

const args = process.argv.slice(2);
const outAt = args.indexOf("--out");
const keep = outAt >= 0 ? args[outAt + 1] : undefined;
const paths = args.filter((_, i) => i !== outAt && i !== outAt + 1);
if (paths.length === 0) paths.push(resolve(import.meta.dirname, "..", "..", "shared", "corpus"));
const out = keep ? resolve(keep) : await mkdtemp(join(tmpdir(), "rtlgym-ingest-bench-"));
const started = performance.now();
const result = await ingest(paths, {
  onProgress: (e) => process.stderr.write(`\r${e.stage} ${e.done}/${e.total}   `),
});
const report = await writeDataset(out, result, paths, {});
const seconds = (performance.now() - started) / 1000;
process.stderr.write("\n");
const c = result.counts;
console.log(
  JSON.stringify(
    {
      paths,
      cores: availableParallelism(),
      seconds: Math.round(seconds * 10) / 10,
      filesPerSecond: Math.round((c.filesWalked / seconds) * 10) / 10,
      unitsPerSecond: Math.round((c.units / seconds) * 10) / 10,
      timingsMs: result.timings,
      counts: c,
      rejectReasons: report.rejectReasons,
      synthErrors: report.synthErrors.slice(0, 12),
      classes: report.classes,
      toolVersions: result.toolVersions,
      out: keep ? out : undefined,
    },
    null,
    2,
  ),
);
if (!keep) await rm(out, { recursive: true, force: true });
