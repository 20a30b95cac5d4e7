import { readFile } from "node:fs/promises";
import { posix } from "node:path";
import { ToolCrashError } from "../core/errors.js";
import { type Executor, inProcessExecutor, jobId } from "../queue/index.js";
import { ghdlVersion, synthesizeVhdl } from "../tools/ghdl.js";
import { yosysBackend } from "../tools/yosys.js";
import { listModules } from "../verilog/index.js";
import type { DataRecord, Reject, UnitSynth } from "./dataset.js";
import { DisjointSets, jaccard, lshCandidates, MinHasher } from "./minhash.js";
import { type SourceInfo, walkInputs } from "./sources.js";
import { DEFAULT_SYNTH, planBatches, type SynthResult, synthesiseUnits } from "./synth.js";
import { decodeSource, normalisedTokens, tokenHash } from "./text.js";
import { buildUnits, HDL_EXTENSIONS, prepareFiles, type SourceFile, VHDL_EXTENSIONS } from "./units.js";
import { buildVhdlUnits, vhdlTokens } from "./vhdl-units.js";

export interface IngestOptions {
  /** Jaccard similarity (token 5-shingles) at or above which two units are near duplicates. */
  nearThreshold: number;
  /** Files larger than this are rejected unread. */
  maxFileBytes: number;
  synthBatch: number;
  concurrency: number;
  synthTimeoutMs: number;
  /** Skip Yosys (every unit unclassified for synthesis): for quick looks at a corpus. */
  noSynth: boolean;
  onProgress?: (event: { stage: string; done: number; total: number }) => void;
  /** Where the synthesis jobs run: in this process by default (`concurrency` at once), or on a queue. */
  executor?: Executor;
}

export const DEFAULT_INGEST: Omit<IngestOptions, "onProgress" | "executor"> = {
  nearThreshold: 0.85,
  maxFileBytes: 2 << 20,
  synthBatch: DEFAULT_SYNTH.batch,
  concurrency: DEFAULT_SYNTH.concurrency,
  synthTimeoutMs: DEFAULT_SYNTH.timeoutMs,
  noSynth: false,
};

export interface StageCounts {
  filesWalked: number;
  hdlFiles: number;
  readable: number;
  filesInUnits: number;
  units: number;
  designUnits: number;
  testbenchUnits: number;
  synthesizable: number;
  notSynthesizable: number;
  exactDuplicates: number;
  nearDuplicates: number;
  kept: number;
  rejectedFiles: number;
}

export interface IngestResult {
  sources: Array<SourceInfo & { files: number; units: number; rejected: number; duplicates: number }>;
  records: DataRecord[];
  duplicates: DataRecord[];
  rejects: Reject[];
  counts: StageCounts;
  toolVersions: Record<string, string>;
  durationMs: number;
  timings: Record<string, number>;
}

const METADATA = /^(licen[cs]e|copying|source\.txt|readme|authors|changelog|notice)(\.[a-z]+)?$/i;

function rejectReasonForFile(path: string): string | undefined {
  const base = posix.basename(path);
  if (METADATA.test(base)) return "metadata file (licence, provenance or readme): not HDL";
  if (!HDL_EXTENSIONS.test(base) && !VHDL_EXTENSIONS.test(base))
    return `not a Verilog or VHDL source (extension ${posix.extname(base) || "none"})`;
  return undefined;
}

/** GHDL's first error line (notes and warnings skipped), without the temp file's name. */
function ghdlMessage(log: string): string {
  const lines = log.split("\n").filter((l) => !/:(note|warning):|\((assertion|report) (note|warning)\)/.test(l));
  const line = lines.find((l) => /error|bug|:\d+:\d+:/i.test(l)) ?? lines[0] ?? "";
  return (
    line
      .replace(/^.*?design\.vhd:/, "")
      .trim()
      .slice(0, 300) || "failed"
  );
}

function synthSummary(r: SynthResult | undefined): UnitSynth | null {
  if (r === undefined) return null;
  if (!r.ok) return { ok: false, error: r.error };
  const i = r.iface;
  const kinds = new Set(i.resets.map((x) => x.kind));
  const resetStyle = kinds.size === 0 ? "none" : kinds.size === 2 ? "mixed" : kinds.has("async") ? "async" : "sync";
  const bits = (d: string) => i.ports.filter((p) => p.direction === d).reduce((s, p) => s + p.width, 0);
  return {
    ok: true,
    clock: i.clock,
    clocked: i.clock !== null || i.sequential,
    resetStyle,
    resets: i.resets,
    latches: i.hasLatches,
    cells: i.cells,
    stateBits: i.stateBits ?? 0,
    inputBits: bits("input"),
    outputBits: bits("output"),
    ports: i.ports,
    unsupported: i.unsupported,
  };
}

/**
 * Ingests folders or checkouts into dataset records: every file ends up in a unit or in the rejects with a reason.
 * Stages: walk, read (encoding), includes and defines, units per top, Yosys synthesis, exact and near duplicates.
 * VHDL files (.vhd, .vhdl) make VHDL units (one per entity, see vhdl-units.ts), synthesised by GHDL, whose Verilog
 * netlist Yosys then reads like any unit (ports, clock, resets, cells).
 */
export async function ingest(paths: readonly string[], options: Partial<IngestOptions> = {}): Promise<IngestResult> {
  const opts = { ...DEFAULT_INGEST, ...options };
  const started = performance.now();
  const timings: Record<string, number> = {};
  const lap = (name: string, from: number) => {
    timings[name] = Math.round(performance.now() - from);
    return performance.now();
  };
  let t = performance.now();
  const { files: walked, sources } = await walkInputs(paths);
  t = lap("walk", t);
  const rejects: Reject[] = [];
  const counts: StageCounts = {
    filesWalked: walked.length,
    hdlFiles: 0,
    readable: 0,
    filesInUnits: 0,
    units: 0,
    designUnits: 0,
    testbenchUnits: 0,
    synthesizable: 0,
    notSynthesizable: 0,
    exactDuplicates: 0,
    nearDuplicates: 0,
    kept: 0,
    rejectedFiles: 0,
  };
  // Read every HDL file, per source.
  const bySource = new Map<
    SourceInfo,
    Array<{ path: string; text: string; encoding: string; encodingNote?: string }>
  >();
  let read = 0;
  for (const f of walked) {
    const reason = f.special ?? rejectReasonForFile(f.path);
    if (reason) {
      rejects.push({ path: f.path, source: f.source.name, stage: "walk", reason });
      continue;
    }
    counts.hdlFiles++;
    const bytes = await readFile(f.abs).catch((e: NodeJS.ErrnoException) => e);
    if (bytes instanceof Error) {
      rejects.push({
        path: f.path,
        source: f.source.name,
        stage: "read",
        reason: `unreadable: ${bytes.code ?? bytes.message}`,
      });
      continue;
    }
    if (bytes.length > opts.maxFileBytes) {
      rejects.push({
        path: f.path,
        source: f.source.name,
        stage: "read",
        reason: `larger than ${opts.maxFileBytes} bytes (${bytes.length})`,
      });
      continue;
    }
    const decoded = decodeSource(bytes);
    if (!decoded) {
      rejects.push({ path: f.path, source: f.source.name, stage: "read", reason: "binary data (NUL bytes)" });
      continue;
    }
    counts.readable++;
    const list = bySource.get(f.source) ?? [];
    list.push({
      path: f.path,
      text: decoded.text,
      encoding: decoded.encoding,
      ...(decoded.note !== undefined && { encodingNote: decoded.note }),
    });
    bySource.set(f.source, list);
    if (++read % 200 === 0) opts.onProgress?.({ stage: "read", done: read, total: walked.length });
  }
  t = lap("read", t);

  // Units per source.
  interface Draft {
    record: Omit<DataRecord, "synth" | "synthesizable">;
    source: SourceInfo;
  }
  const drafts: Draft[] = [];
  /** VHDL records: the top entity's own text (near duplicates compare it, not the packages every unit shares). */
  const vhdlOwn = new Map<string, string>();
  for (const [source, all] of bySource) {
    const raw = all.filter((f) => !VHDL_EXTENSIONS.test(f.path));
    const vhdl = all.filter((f) => VHDL_EXTENSIONS.test(f.path));
    if (vhdl.length > 0) {
      const { units, uncovered } = buildVhdlUnits(vhdl);
      const ids = new Set<string>();
      for (const u of units) {
        let id = `${source.name}/${u.path}#${u.top}`;
        for (let k = 2; ids.has(id); k++) id = `${source.name}/${u.path}#${u.top}~${k}`;
        ids.add(id);
        const tokens = vhdlTokens(u.code);
        vhdlOwn.set(id, u.code.slice(u.ownStart));
        const encodings = [
          ...new Set(
            u.files.map((p) => {
              const f = vhdl.find((x) => x.path === p);
              return f?.encodingNote ? `${p}: ${f.encodingNote}` : (f?.encoding ?? "utf-8");
            }),
          ),
        ];
        drafts.push({
          source,
          record: {
            id,
            source: source.name,
            repository: source.repository,
            commit: source.commit,
            licence: source.licence,
            path: u.path,
            files: u.files,
            top: u.top,
            modules: u.entities,
            kind: u.kind,
            language: "vhdl",
            missing: u.missing,
            unresolvedIncludes: [],
            undefinedMacros: [],
            importedMacros: [],
            encoding: encodings,
            stats: {
              lines: u.code.split("\n").length - 1,
              bytes: Buffer.byteLength(u.code),
              tokens: tokens.length,
              modules: u.entities.length,
              ports: u.ports,
            },
            hash: tokenHash(tokens),
            code: u.code,
          },
        });
      }
      for (const r of uncovered) rejects.push({ path: r.path, source: source.name, stage: "units", reason: r.reason });
      counts.filesInUnits += vhdl.length - uncovered.length;
    }
    if (raw.length === 0) continue;
    const { files, includedBy } = prepareFiles(raw);
    const byPath = new Map<string, SourceFile>(files.map((f) => [f.path, f]));
    const units = buildUnits(files, includedBy);
    const covered = new Set<string>();
    const ids = new Set<string>();
    for (const u of units) {
      for (const p of u.files) covered.add(p);
      let id = `${source.name}/${u.path}#${u.top}`;
      for (let k = 2; ids.has(id); k++) id = `${source.name}/${u.path}#${u.top}~${k}`;
      ids.add(id);
      const tokens = normalisedTokens(u.code);
      const encodings = [
        ...new Set(
          u.files.map((p) => {
            const f = byPath.get(p);
            return f?.encodingNote ? `${p}: ${f.encodingNote}` : (f?.encoding ?? "utf-8");
          }),
        ),
      ];
      drafts.push({
        source,
        record: {
          id,
          source: source.name,
          repository: source.repository,
          commit: source.commit,
          licence: source.licence,
          path: u.path,
          files: u.files,
          top: u.top,
          modules: u.modules,
          kind: u.kind,
          missing: u.missing,
          unresolvedIncludes: u.unresolvedIncludes,
          undefinedMacros: u.undefinedMacros,
          importedMacros: u.importedMacros,
          encoding: encodings,
          stats: {
            lines: u.code.split("\n").length - 1,
            bytes: Buffer.byteLength(u.code),
            tokens: tokens.length,
            modules: u.modules.length,
            ports: u.ports,
          },
          hash: tokenHash(tokens),
          code: u.code,
        },
      });
    }
    for (const f of files) {
      if (covered.has(f.path)) continue;
      const includers = includedBy.get(f.path);
      const reason =
        includers !== undefined
          ? `include file; its includers are in no unit (${includers.slice(0, 3).join(", ")})`
          : f.modules.length === 0
            ? f.expanded.trim().length === 0
              ? "empty file"
              : /`define/.test(f.text)
                ? "header with defines only, included by no file of the source"
                : "no module declaration (package, interface, fragment or not Verilog)"
            : "every module is only reachable through an instantiation cycle";
      rejects.push({ path: f.path, source: source.name, stage: "units", reason });
    }
    counts.filesInUnits += covered.size;
  }
  t = lap("units", t);
  counts.units = drafts.length;
  counts.designUnits = drafts.filter((d) => d.record.kind === "design").length;
  counts.testbenchUnits = counts.units - counts.designUnits;

  // Synthesis of design units that can stand alone. VHDL: GHDL first (its own limits), then its Verilog netlist
  // joins the Yosys batches.
  const standalone = drafts.filter(
    (d) => d.record.kind === "design" && d.record.missing.length === 0 && d.record.unresolvedIncludes.length === 0,
  );
  const ghdlErrors = new Map<string, string>();
  const synth = new Map<string, SynthResult>();
  const tools = new Map<string, Set<string>>();
  const jobs = opts.noSynth
    ? []
    : ingestSynthJobs(
        standalone.map((d) => d.record),
        opts,
      );
  const unitsTotal = jobs.reduce((n, j) => n + j.data.units.length, 0);
  let unitsDone = 0;
  const executor = opts.executor ?? inProcessExecutor(opts.concurrency);
  const results = await executor.run(INGEST_SYNTH, jobs, runIngestSynthJob, (_id, r) => {
    unitsDone += r.units.length;
    opts.onProgress?.({ stage: "synth", done: unitsDone, total: unitsTotal });
  });
  // Reduced in job order (not arrival order), so the queued and in-process runs build the same maps.
  for (const job of jobs) {
    const r = results.get(job.id);
    if (!r) throw new ToolCrashError(`ingest: no result for synthesis job ${job.id}`, { job: job.id });
    for (const u of r.units) {
      if (u.ghdlError !== undefined) ghdlErrors.set(u.key, u.ghdlError);
      if (u.synth !== undefined) synth.set(u.key, u.synth);
    }
    for (const [k, v] of Object.entries(r.tools)) tools.set(k, (tools.get(k) ?? new Set()).add(v));
  }
  t = lap("synth", t);
  const records: DataRecord[] = drafts.map(({ record }) => {
    let s = synthSummary(synth.get(record.id));
    const ghdlError = ghdlErrors.get(record.id);
    if (ghdlError !== undefined) s = { ok: false, error: ghdlError };
    if (record.kind === "design" && s === null && !opts.noSynth) {
      s = {
        ok: false,
        error:
          record.missing.length > 0
            ? `instantiates modules defined nowhere in the source: ${record.missing.slice(0, 5).join(", ")}`
            : `unresolved include: ${record.unresolvedIncludes.join(", ")}`,
      };
    }
    const synthesizable = s?.ok === true;
    if (record.kind === "design" && s !== null) {
      if (synthesizable) counts.synthesizable++;
      else counts.notSynthesizable++;
    }
    return { ...record, synth: s, synthesizable };
  });

  // Exact, then near duplicates. The representative of a cluster: a synthesizable design first, then the larger
  // unit (more context), then the smaller id.
  const rank = (r: DataRecord) => [r.synthesizable ? 0 : 1, r.kind === "design" ? 0 : 1, -r.stats.tokens];
  const better = (a: DataRecord, b: DataRecord) => {
    const x = rank(a);
    const y = rank(b);
    for (let i = 0; i < x.length; i++)
      if ((x[i] as number) !== (y[i] as number)) return (x[i] as number) < (y[i] as number);
    return a.id < b.id;
  };
  const duplicates: DataRecord[] = [];
  const byHash = new Map<string, DataRecord[]>();
  for (const r of records) byHash.set(r.hash, [...(byHash.get(r.hash) ?? []), r]);
  const unique: DataRecord[] = [];
  for (const group of byHash.values()) {
    const rep = group.reduce((a, b) => (better(a, b) ? a : b));
    unique.push(rep);
    for (const r of group)
      if (r !== rep) duplicates.push({ ...r, duplicateOf: rep.id, duplicateKind: "exact", similarity: 1 });
  }
  counts.exactDuplicates = duplicates.length;
  const hasher = new MinHasher();
  // Near duplicates compare the top module's own text: units of one repository share large dependency closures
  // (a whole SoC under every wrapper), which would make every wrapper look like every other.
  const ownText = (r: DataRecord) => {
    const own = vhdlOwn.get(r.id);
    if (own !== undefined) return own;
    const m = listModules(r.code).find((x) => x.name === r.top);
    return m ? r.code.slice(m.start, m.end) : r.code;
  };
  const shingles = unique.map((r) =>
    hasher.shingles(r.language === "vhdl" ? vhdlTokens(ownText(r)) : normalisedTokens(ownText(r))),
  );
  const sigs = shingles.map((s) => hasher.signature(s));
  const sets = new DisjointSets(unique.length);
  const sim = new Map<string, number>();
  for (const [i, j] of lshCandidates(sigs, hasher.options.bands)) {
    if ((unique[i] as DataRecord).kind !== (unique[j] as DataRecord).kind) continue;
    const s = jaccard(shingles[i] as Uint32Array, shingles[j] as Uint32Array);
    if (s >= opts.nearThreshold) {
      sets.union(i, j);
      sim.set(`${i},${j}`, s);
    }
  }
  const clusters = new Map<number, number[]>();
  unique.forEach((_, i) => {
    const root = sets.find(i);
    clusters.set(root, [...(clusters.get(root) ?? []), i]);
  });
  const kept: DataRecord[] = [];
  for (const members of clusters.values()) {
    const rep = members.reduce((a, b) => (better(unique[a] as DataRecord, unique[b] as DataRecord) ? a : b));
    kept.push(unique[rep] as DataRecord);
    for (const m of members) {
      if (m === rep) continue;
      const s =
        sim.get(`${Math.min(m, rep)},${Math.max(m, rep)}`) ??
        jaccard(shingles[m] as Uint32Array, shingles[rep] as Uint32Array);
      duplicates.push({
        ...(unique[m] as DataRecord),
        duplicateOf: (unique[rep] as DataRecord).id,
        duplicateKind: "near",
        similarity: Math.round(s * 1000) / 1000,
      });
    }
  }
  counts.nearDuplicates = duplicates.length - counts.exactDuplicates;
  kept.sort((a, b) => (a.id < b.id ? -1 : 1));
  duplicates.sort((a, b) => (a.id < b.id ? -1 : 1));
  counts.kept = kept.length;
  counts.rejectedFiles = rejects.length;
  lap("dedup", t);

  // The versions the jobs ran with (several if the workers of a queued run differ: the manifest says so).
  const toolVersions: Record<string, string> = {};
  if (!opts.noSynth && jobs.length === 0) toolVersions.yosys = await yosysVersion();
  for (const [k, v] of [...tools].sort(([a], [b]) => (a < b ? -1 : 1))) toolVersions[k] = [...v].sort().join(" | ");
  const perSource = sources.map((s) => ({
    ...s,
    files: walked.filter((f) => f.source === s).length,
    units: kept.filter((r) => r.source === s.name).length,
    rejected: rejects.filter((r) => r.source === s.name).length,
    duplicates: duplicates.filter((r) => r.source === s.name).length,
  }));
  return {
    sources: perSource,
    records: kept,
    duplicates,
    rejects,
    counts,
    toolVersions,
    durationMs: Math.round(performance.now() - started),
    timings,
  };
}

/** The job kind of ingest's synthesis step (a queue worker's handler for it is runIngestSynthJob). */
export const INGEST_SYNTH = "ingest.synth";

/** One synthesis job: a batch of stand-alone design units (VHDL ones through GHDL first), self-contained JSON. */
export interface IngestSynthJob {
  units: Array<{ key: string; code: string; top: string; tokens: number; language: "verilog" | "vhdl" }>;
  timeoutMs: number;
}

/** Per unit: what Yosys made of it, or GHDL's error; and the tool versions the job ran with. */
export interface IngestSynthJobResult {
  units: Array<{ key: string; synth?: SynthResult; ghdlError?: string }>;
  tools: Record<string, string>;
}

/**
 * The synthesis jobs of an ingest: units batched as the in-process run always batched them (planBatches), each job
 * named by a hash of its content, so the same input gives the same jobs and ids on every run and every path.
 */
export function ingestSynthJobs(
  records: ReadonlyArray<Pick<DataRecord, "id" | "code" | "top" | "language" | "stats">>,
  opts: Pick<IngestOptions, "synthBatch" | "synthTimeoutMs">,
): Array<{ id: string; data: IngestSynthJob }> {
  const units = records.map((r) => ({
    key: r.id,
    code: r.code,
    top: r.top,
    tokens: r.stats.tokens,
    language: r.language === "vhdl" ? ("vhdl" as const) : ("verilog" as const),
  }));
  return planBatches(units, { batch: opts.synthBatch, batchTokens: DEFAULT_SYNTH.batchTokens }).map((batch) => {
    const data: IngestSynthJob = { units: batch, timeoutMs: opts.synthTimeoutMs };
    return { id: jobId(INGEST_SYNTH, data), data };
  });
}

let versions: Promise<string> | undefined;
const yosysVersion = () => {
  versions ??= yosysBackend().then(async (y) => `${y.name}: ${await y.version()}`);
  return versions;
};

/** Runs one synthesis job (in this process or on a queue worker): GHDL for VHDL units, then one Yosys batch. */
export async function runIngestSynthJob(job: IngestSynthJob): Promise<IngestSynthJobResult> {
  const tools: Record<string, string> = { yosys: await yosysVersion() };
  const out = new Map<string, { key: string; synth?: SynthResult; ghdlError?: string }>();
  const verilog: Array<{ key: string; code: string; top: string; tokens: number }> = [];
  for (const u of job.units) {
    if (u.language !== "vhdl") {
      verilog.push(u);
      continue;
    }
    tools.ghdl ??= await ghdlVersion();
    const r = await synthesizeVhdl(u.code, u.top, { timeoutMs: job.timeoutMs });
    if (r.kind === "ok") verilog.push({ ...u, code: r.verilog });
    else
      out.set(u.key, {
        key: u.key,
        ghdlError:
          r.kind === "timeout"
            ? `ghdl timed out (${job.timeoutMs} ms)`
            : `ghdl ${r.kind === "analyse_error" ? "-a" : "synth"}: ${ghdlMessage(r.log)}`,
      });
  }
  const synth = await synthesiseUnits(verilog, {
    // The job is one batch: the planning happened when the jobs were made.
    batch: Math.max(1, verilog.length),
    batchTokens: Number.POSITIVE_INFINITY,
    concurrency: 1,
    timeoutMs: job.timeoutMs,
  });
  for (const [key, r] of synth) out.set(key, { key, synth: r });
  return { units: job.units.flatMap((u) => out.get(u.key) ?? []), tools };
}
