import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BadInputError } from "../core/errors.js";
import { DATASET_VERSION, DataRecord, Manifest, Reject } from "./dataset.js";
import type { IngestResult } from "./ingest.js";
import { type IngestReport, renderHtml, renderMarkdown, reportOf } from "./report.js";

export const DATASET_FILES = {
  manifest: "manifest.json",
  records: "records.jsonl",
  duplicates: "duplicates.jsonl",
  rejects: "rejects.jsonl",
  reportJson: "report.json",
  reportMd: "report.md",
  reportHtml: "report.html",
} as const;

const jsonl = (rows: readonly unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join("");

/** Writes an ingest result as a dataset folder (JSONL + manifest + reports). Refuses a foreign non-empty folder. */
export async function writeDataset(
  dir: string,
  result: IngestResult,
  inputs: readonly string[],
  options: Record<string, unknown>,
): Promise<IngestReport> {
  if (existsSync(dir)) {
    const entries = await readdir(dir);
    if (entries.length > 0 && !entries.includes(DATASET_FILES.manifest))
      throw new BadInputError(`${dir} is not empty and is not an rtlgym dataset`);
  }
  await mkdir(dir, { recursive: true });
  const manifest: Manifest = {
    kind: "rtlgym-dataset",
    version: DATASET_VERSION,
    created: new Date().toISOString(),
    inputs: [...inputs],
    sources: result.sources.map((s) => ({
      name: s.name,
      root: s.root,
      repository: s.repository,
      commit: s.commit,
      commitFrom: s.commitFrom,
      licence: s.licence,
      licenceFrom: s.licenceFrom,
      files: s.files,
      units: s.units,
      rejected: s.rejected,
      duplicates: s.duplicates,
    })),
    counts: { ...result.counts },
    options,
    toolVersions: result.toolVersions,
    durationMs: result.durationMs,
  };
  const report = reportOf(result);
  await Promise.all([
    writeFile(join(dir, DATASET_FILES.records), jsonl(result.records)),
    writeFile(join(dir, DATASET_FILES.duplicates), jsonl(result.duplicates)),
    writeFile(join(dir, DATASET_FILES.rejects), jsonl(result.rejects)),
    writeFile(join(dir, DATASET_FILES.reportJson), `${JSON.stringify(report, null, 2)}\n`),
    writeFile(join(dir, DATASET_FILES.reportMd), renderMarkdown(report)),
    writeFile(join(dir, DATASET_FILES.reportHtml), renderHtml(report)),
  ]);
  await writeFile(join(dir, DATASET_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  return report;
}

async function readJsonl<T>(path: string, parse: (v: unknown) => T): Promise<T[]> {
  const text = await readFile(path, "utf8");
  return text
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((line, i) => {
      try {
        return parse(JSON.parse(line));
      } catch (e) {
        throw new BadInputError(`${path} line ${i + 1}: ${(e as Error).message.slice(0, 300)}`);
      }
    });
}

export interface LoadedDataset {
  dir: string;
  manifest: Manifest;
  records: DataRecord[];
  rejects: Reject[];
  duplicates: DataRecord[];
}

/** Reads a dataset folder written by `rtlgym data ingest`, validating every row. */
export async function readDataset(dir: string): Promise<LoadedDataset> {
  const manifestPath = join(dir, DATASET_FILES.manifest);
  if (!existsSync(manifestPath))
    throw new BadInputError(
      `${dir} is not an rtlgym dataset (no ${DATASET_FILES.manifest}); write one with rtlgym data ingest`,
    );
  const manifest = Manifest.parse(JSON.parse(await readFile(manifestPath, "utf8")));
  const [records, rejects, duplicates] = await Promise.all([
    readJsonl(join(dir, DATASET_FILES.records), (v) => DataRecord.parse(v)),
    readJsonl(join(dir, DATASET_FILES.rejects), (v) => Reject.parse(v)),
    readJsonl(join(dir, DATASET_FILES.duplicates), (v) => DataRecord.parse(v)),
  ]);
  return { dir, manifest, records, rejects, duplicates };
}

/** Rewrites the manifest (after decontamination recorded its result). */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  await writeFile(join(dir, DATASET_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
}
