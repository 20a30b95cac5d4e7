import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parquetWriteFile, type SchemaElement } from "hyparquet-writer";
import pLimit from "p-limit";
import { verifyGroup, verifyGroupAny } from "../verify/index.js";
import { closingIndex, isPunct, listModules, tokenize } from "../verilog/index.js";
import { entityDeclaration } from "../vhdl/index.js";
import type { DataRecord, Manifest } from "./dataset.js";
import { generateMutants, type Mutant } from "./mutate.js";
import { vhdlMutantsThatAnalyse } from "./mutate-vhdl.js";
import { commentText, commentTextOf } from "./text.js";

export const EXPORT_FORMATS = ["sft", "rl", "dpo", "ranking", "verl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  /** Units longer than this (lines) are left out: too long for a training context. */
  maxLines: number;
  /** At most this many rows (after filters), in id order. */
  maxRows: number;
  /** Mutants tried per record for dpo/ranking (only those rtlgym proves different are used). */
  mutants: number;
  seed: number;
  verifyTimeoutMs: number;
  concurrency: number;
  dataSource: string;
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_EXPORT: Omit<ExportOptions, "onProgress"> = {
  maxLines: 1500,
  maxRows: Number.MAX_SAFE_INTEGER,
  mutants: 4,
  seed: 1,
  verifyTimeoutMs: 30_000,
  concurrency: 2,
  dataSource: "rtlgym-data",
};

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

const SYSTEM =
  "You are an expert digital hardware designer. Answer with the complete Verilog module in one ```verilog fenced block.";
const SYSTEM_VHDL =
  "You are an expert digital hardware designer. Answer with the complete VHDL design (entity and architecture) in one ```vhdl fenced block.";

const isVhdl = (record: DataRecord) => record.language === "vhdl";
/** The system message of a record's rows: its answer's language. */
export const systemOf = (record: DataRecord) => (isVhdl(record) ? SYSTEM_VHDL : SYSTEM);

/** The top module's header (`module name #(...) (...);`), from the unit's code. */
export function moduleHeader(code: string, top: string): string {
  const m = listModules(code).find((x) => x.name === top);
  if (!m) return `module ${top}`;
  const text = code.slice(m.start, m.end);
  const tokens = tokenize(text);
  let i = tokens.findIndex((t) => t.text === top) + 1;
  if (isPunct(tokens[i], "#") && isPunct(tokens[i + 1], "(")) i = closingIndex(tokens, i + 1) + 1;
  if (isPunct(tokens[i], "(")) i = closingIndex(tokens, i) + 1;
  const semi = tokens[i];
  return semi && isPunct(semi, ";") ? text.slice(0, semi.end) : text.slice(0, (tokens[i - 1]?.end ?? 0) || text.length);
}

/** Comment lines of a source worth showing as a description: licence boilerplate dropped, at most 40. */
function describingLines(comments: string): string {
  return comments
    .split("\n")
    .map((l) => l.replace(/^[\s*/-]+/, "").trimEnd())
    .filter(
      (l) =>
        l.length > 0 &&
        !/copyright|permission|licen[cs]e|warrant|liab|\bmerchant|the software|furnished|sublicense|notice/i.test(l) &&
        // VHDL banners (`-- ######`, `-- =====`) carry no words.
        /[A-Za-z0-9]/.test(l),
    )
    .slice(0, 40)
    .join("\n");
}

/**
 * The description a row asks for: the record's spec when it has one, else its header (a VHDL record: its entity
 * declaration) and its own comments.
 */
export function promptOf(record: DataRecord): string {
  const unit = isVhdl(record) ? "entity" : "module";
  if (record.spec) return `${record.spec.trim()}\n\nName the ${unit} ${record.top}.`;
  const facts: string[] = [];
  const s = record.synth;
  if (s?.ok) {
    facts.push(s.clocked ? `It is clocked by \`${s.clock ?? "its clock"}\`.` : "It is combinational.");
    if (s.resets?.length)
      facts.push(
        `Reset: ${s.resets.map((r) => `\`${r.name}\` (${r.kind}, active ${r.activeHigh ? "high" : "low"})`).join(", ")}.`,
      );
  }
  if (isVhdl(record)) {
    const entity = entityDeclaration(record.code, record.top) ?? `entity ${record.top}`;
    const notes = describingLines(commentTextOf(record.code, "vhdl"));
    const deps =
      record.modules.length > 1
        ? ` It may use entities and packages of its own (the original uses ${record.modules.length - 1} other entities).`
        : "";
    return `Implement the VHDL entity \`${record.top}\` (with its architecture) with exactly this interface:\n\n\`\`\`vhdl\n${entity}\n\`\`\`\n\n${facts.join(" ")}${deps}${notes ? `\n\nDescription (from the original source):\n${notes}` : ""}`.trim();
  }
  const header = moduleHeader(record.code, record.top);
  const m = listModules(record.code).find((x) => x.name === record.top);
  const notes = describingLines(commentText(m ? record.code.slice(0, m.end) : record.code));
  const deps =
    record.modules.length > 1
      ? ` It may use sub-modules of its own (the original uses ${record.modules.length - 1}).`
      : "";
  return `Implement the Verilog module \`${record.top}\` with exactly this interface:\n\n\`\`\`verilog\n${header}\n\`\`\`\n\n${facts.join(" ")}${deps}${notes ? `\n\nDescription (from the original source):\n${notes}` : ""}`.trim();
}

/** The answer block of a record's rows, in its language. */
const fenceOf = (record: DataRecord, code: string) =>
  `\`\`\`${isVhdl(record) ? "vhdl" : "verilog"}\n${code.endsWith("\n") ? code : `${code}\n`}\`\`\``;

/**
 * The inline-reference label `rtlgym serve` and the adapters accept as ground truth. A VHDL record's names both
 * languages, so the reward service extracts a ```vhdl answer and checks it with GHDL.
 */
export function rewardLabel(record: DataRecord): string {
  return JSON.stringify({
    reference: record.code,
    refTop: record.top,
    candTop: record.top,
    ...(isVhdl(record) && { language: "vhdl", referenceLanguage: "vhdl" }),
  });
}

export interface ExportSummary {
  format: ExportFormat;
  out: string;
  files: Array<{ path: string; rows: number }>;
  selected: number;
  filtered: Record<string, number>;
  skipped: Record<string, number>;
}

const str = (name: string): SchemaElement => ({
  name,
  type: "BYTE_ARRAY",
  converted_type: "UTF8",
  repetition_type: "REQUIRED",
});
const int = (name: string): SchemaElement => ({ name, type: "INT32", repetition_type: "REQUIRED" });
const dbl = (name: string): SchemaElement => ({ name, type: "DOUBLE", repetition_type: "REQUIRED" });
const list = (name: string, element: SchemaElement[]): SchemaElement[] =>
  element.length === 1
    ? [
        { name, repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { ...(element[0] as SchemaElement), name: "element" },
      ]
    : [
        { name, repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", repetition_type: "REQUIRED", num_children: element.length },
        ...element,
      ];
const messages = (name: string) => list(name, [str("role"), str("content")]);
const struct = (name: string, children: SchemaElement[]): SchemaElement[] => [
  { name, repetition_type: "REQUIRED", num_children: children.length },
  ...children,
];

function writeParquet(
  path: string,
  schema: SchemaElement[],
  rows: ReadonlyArray<Record<string, unknown>>,
  names: string[],
) {
  parquetWriteFile({
    filename: path,
    schema: [{ name: "root", num_children: names.length }, ...schema],
    columnData: names.map((name) => ({ name, data: rows.map((r) => r[name]) })),
    createdBy: "rtlgym data export",
  });
}

interface Table {
  name: string;
  rows: Array<Record<string, unknown>>;
  schema: SchemaElement[];
  columns: string[];
}

/** Records an export uses: synthesizable designs, not contaminated, not too long. */
export function selectRecords(
  records: readonly DataRecord[],
  contaminated: ReadonlySet<string>,
  opts: Pick<ExportOptions, "maxLines" | "maxRows">,
) {
  const filtered: Record<string, number> = {
    testbench: 0,
    notSynthesizable: 0,
    contaminated: 0,
    tooLong: 0,
    overMaxRows: 0,
  };
  const kept: DataRecord[] = [];
  for (const r of [...records].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (r.kind !== "design") filtered.testbench = (filtered.testbench ?? 0) + 1;
    else if (!r.synthesizable) filtered.notSynthesizable = (filtered.notSynthesizable ?? 0) + 1;
    else if (contaminated.has(r.id)) filtered.contaminated = (filtered.contaminated ?? 0) + 1;
    else if (r.stats.lines > opts.maxLines) filtered.tooLong = (filtered.tooLong ?? 0) + 1;
    else if (kept.length >= opts.maxRows) filtered.overMaxRows = (filtered.overMaxRows ?? 0) + 1;
    else kept.push(r);
  }
  return { kept, filtered };
}

/** Mutants of a record that rtlgym's verifier finds different from it (status fail), with the verdict summary. */
async function failingMutants(
  record: DataRecord,
  opts: ExportOptions,
): Promise<Array<{ code: string; kind: string; matched: number }>> {
  const mutants: Mutant[] = isVhdl(record)
    ? await vhdlMutantsThatAnalyse(record.code, { limit: opts.mutants, seed: opts.seed })
    : generateMutants(record.code, { limit: opts.mutants, seed: opts.seed });
  if (mutants.length === 0) return [];
  const check = {
    reference: record.code,
    candidates: mutants.map((m) => m.source),
    refTop: record.top,
    candTop: record.top,
    timeoutMs: opts.verifyTimeoutMs,
  };
  const results = isVhdl(record)
    ? await verifyGroupAny({ ...check, referenceLanguage: "vhdl", candidateLanguage: "vhdl" })
    : await verifyGroup(check);
  return mutants
    .map((m, i) => ({ m, r: results[i] }))
    .filter(({ r }) => r?.status === "fail")
    .map(({ m, r }) => {
      const signals = r?.signals ?? [];
      const ok = signals.filter((s) => s.ok).length;
      return { code: m.source, kind: m.kind, matched: signals.length ? ok / signals.length : 0 };
    });
}

/** Writes one export format (JSONL + Parquet) and returns the files and row counts. */
export async function exportDataset(
  records: readonly DataRecord[],
  manifest: Manifest,
  contaminated: ReadonlySet<string>,
  format: ExportFormat,
  out: string,
  options: Partial<ExportOptions> = {},
): Promise<ExportSummary> {
  const opts = { ...DEFAULT_EXPORT, ...options };
  const { kept, filtered } = selectRecords(records, contaminated, opts);
  const skipped: Record<string, number> = {};
  const tables: Table[] = [];
  const extra = (r: DataRecord, index: number) => ({
    split: "train",
    index,
    id: r.id,
    source: r.source,
    licence: r.licence ?? "unknown",
  });
  const extraSchema = struct("extra_info", [str("split"), int("index"), str("id"), str("source"), str("licence")]);
  const chat = (r: DataRecord): ChatMessage[] => [
    { role: "system", content: systemOf(r) },
    { role: "user", content: promptOf(r) },
  ];

  if (format === "sft") {
    tables.push({
      name: "sft",
      rows: kept.map((r) => ({ id: r.id, messages: [...chat(r), { role: "assistant", content: fenceOf(r, r.code) }] })),
      schema: [str("id"), ...messages("messages")],
      columns: ["id", "messages"],
    });
    tables.push({
      name: "sft-completion",
      rows: kept.map((r) => ({ id: r.id, prompt: promptOf(r), completion: fenceOf(r, r.code) })),
      schema: [str("id"), str("prompt"), str("completion")],
      columns: ["id", "prompt", "completion"],
    });
  } else if (format === "rl" || format === "verl") {
    const rows = kept.map((r, index) => {
      const label = rewardLabel(r);
      const base = {
        data_source: opts.dataSource,
        prompt: chat(r),
        ability: isVhdl(r) ? "vhdl" : "verilog",
        reward_model: { style: "rule", ground_truth: label },
        extra_info: extra(r, index),
      };
      return format === "verl"
        ? base
        : { id: r.id, ...base, prompt_text: promptOf(r), ground_truth: label, problem: r.id };
    });
    const common = [
      str("data_source"),
      ...messages("prompt"),
      str("ability"),
      ...struct("reward_model", [str("style"), str("ground_truth")]),
      ...extraSchema,
    ];
    tables.push(
      format === "verl"
        ? {
            name: "verl",
            rows,
            schema: common,
            columns: ["data_source", "prompt", "ability", "reward_model", "extra_info"],
          }
        : {
            name: "rl",
            rows,
            schema: [str("id"), ...common, str("prompt_text"), str("ground_truth"), str("problem")],
            columns: [
              "id",
              "data_source",
              "prompt",
              "ability",
              "reward_model",
              "extra_info",
              "prompt_text",
              "ground_truth",
              "problem",
            ],
          },
    );
  } else {
    const limit = pLimit(Math.max(1, opts.concurrency));
    let done = 0;
    const pairs = await Promise.all(
      kept.map((r) =>
        limit(async () => {
          const m = await failingMutants(r, opts).catch(() => []);
          opts.onProgress?.(++done, kept.length);
          return { r, m };
        }),
      ),
    );
    const usable = pairs.filter((p) => p.m.length > 0);
    skipped.noFailingMutant = pairs.length - usable.length;
    if (format === "dpo") {
      tables.push({
        name: "dpo",
        rows: usable.map(({ r, m }) => ({
          id: r.id,
          prompt: chat(r),
          chosen: [{ role: "assistant", content: fenceOf(r, r.code) }],
          rejected: [{ role: "assistant", content: fenceOf(r, (m[0] as { code: string }).code) }],
          rejected_kind: (m[0] as { kind: string }).kind,
        })),
        schema: [
          str("id"),
          ...messages("prompt"),
          ...messages("chosen"),
          ...messages("rejected"),
          str("rejected_kind"),
        ],
        columns: ["id", "prompt", "chosen", "rejected", "rejected_kind"],
      });
    } else {
      tables.push({
        name: "ranking",
        rows: usable.map(({ r, m }) => {
          const ranked = [
            { code: r.code, score: 1 },
            ...m.map((x) => ({ code: x.code, score: Math.round(x.matched * 1000) / 2000 })),
          ];
          ranked.sort((a, b) => b.score - a.score);
          return {
            id: r.id,
            prompt: chat(r),
            completions: ranked.map((x) => fenceOf(r, x.code)),
            scores: ranked.map((x) => x.score),
          };
        }),
        schema: [
          str("id"),
          ...messages("prompt"),
          ...list("completions", [str("element")]),
          ...list("scores", [dbl("element")]),
        ],
        columns: ["id", "prompt", "completions", "scores"],
      });
    }
  }
  await mkdir(out, { recursive: true });
  const files: Array<{ path: string; rows: number }> = [];
  for (const t of tables) {
    const jsonlPath = join(out, `${t.name}.jsonl`);
    await writeFile(jsonlPath, t.rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
    const pq = join(out, `${t.name}.parquet`);
    writeParquet(pq, t.schema, t.rows, t.columns);
    files.push({ path: jsonlPath, rows: t.rows.length }, { path: pq, rows: t.rows.length });
  }
  const summary: ExportSummary = { format, out, files, selected: kept.length, filtered, skipped };
  const card = join(out, "README.md");
  await writeFile(card, datasetCard(manifest, summary, kept, opts));
  summary.files.push({ path: card, rows: 0 });
  return summary;
}

/** The card's difficulty section: the round-trip pass rates (`rtlgym data synthesize`) of the exported records. */
function difficultyLines(kept: readonly DataRecord[]): string[] {
  const rates = kept.flatMap((r) => (r.roundtrip ? [r.roundtrip.passRate] : []));
  if (rates.length === 0)
    return [
      "No difficulty labels: they come from round-trip synthesis (`rtlgym data synthesize`: regeneration pass rates), which this dataset has not been through.",
    ];
  const buckets = [0, 0, 0, 0, 0];
  for (const x of rates) buckets[Math.min(4, Math.floor(x * 5))] = (buckets[Math.min(4, Math.floor(x * 5))] ?? 0) + 1;
  return [
    `Round-trip pass rate (regenerations from the specification equivalent to the original; low = hard) of ${rates.length} of ${kept.length} records:`,
    "",
    "| pass rate | records |",
    "| --- | ---: |",
    ...buckets.map(
      (c, i) => `| ${(i / 5).toFixed(1)}-${((i + 1) / 5).toFixed(1)}${i === 4 ? " (incl. 1)" : ""} | ${c} |`,
    ),
  ];
}

/** The dataset card: sources and licences, filters and counts, the decontamination result. */
export function datasetCard(
  manifest: Manifest,
  s: ExportSummary,
  kept: readonly DataRecord[],
  opts: ExportOptions,
): string {
  const bySource = new Map<string, number>();
  for (const r of kept) bySource.set(r.source, (bySource.get(r.source) ?? 0) + 1);
  const d = manifest.decontamination as
    | { checked: number; hits: unknown[]; contaminated: string[]; benchmarks: Record<string, number>; at?: string }
    | undefined;
  const lines = [
    `# rtlgym dataset export: ${s.format}`,
    "",
    `Written by \`rtlgym data export --format ${s.format}\` from a dataset ingested on ${manifest.created}.`,
    "",
    "## Sources and licences",
    "",
    "| source | repository | commit | licence | rows |",
    "| --- | --- | --- | --- | ---: |",
    ...manifest.sources.map(
      (x) =>
        `| ${x.name} | ${x.repository ?? "-"} | ${x.commit ?? "-"} | ${x.licence ?? "unknown"} | ${bySource.get(x.name) ?? 0} |`,
    ),
    "",
    "Every row carries its source and licence in `extra_info` (or `id`); keep the licences' notices when you redistribute.",
    "",
    "## Filters and counts",
    "",
    `Ingest: ${Object.entries(manifest.counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}.`,
    "",
    `Export: ${s.selected} records selected; left out: ${Object.entries(s.filtered)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")} (max ${opts.maxLines} lines).`,
    ...(Object.keys(s.skipped).length
      ? [
          `Skipped after verification: ${Object.entries(s.skipped)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ")} (rejected answers are mutants rtlgym proved different).`,
        ]
      : []),
    "",
    "| file | rows |",
    "| --- | ---: |",
    ...s.files.map((f) => `| ${f.path.split("/").pop()} | ${f.rows} |`),
    "",
    "## Decontamination",
    "",
    d
      ? `Checked ${d.checked} records against ${Object.entries(d.benchmarks)
          .map(([k, v]) => `${k} (${v})`)
          .join(", ")}: ${d.hits.length} hits on ${d.contaminated.length} records, all left out of this export.`
      : "**Not decontaminated**: run `rtlgym data decontaminate --dataset D` before training on this export.",
    "",
    "## Difficulty",
    "",
    ...difficultyLines(kept),
    "",
  ];
  return `${lines.join("\n")}\n`;
}
