import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import MiniSearch from "minisearch";
import type { Problem } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import { DATASET_FILES, readDataset } from "../data/store.js";
import { commentText, normalisedTokens, tokenHash } from "../data/text.js";
import { renameModules } from "../verilog/index.js";

/** One verified design retrieval can show: its specification (what the query is matched against) and its code. */
export interface CorpusDoc {
  id: string;
  spec: string;
  code: string;
  /** Hash of the code's token stream (comments and whitespace aside): the same design under another name or layout. */
  key: string;
}

export interface Corpus {
  docs: CorpusDoc[];
  /** Where it came from: `tasks:<dir>` (a tasks folder's train split) or `dataset:<dir>` (a `data ingest` dataset). */
  source: string;
  /** Dataset corpora: records left out because `rtlgym data decontaminate` flagged them. */
  contaminated?: number;
  /** Dataset corpora: whether `rtlgym data decontaminate` ran on it (a corpus that was not may hold benchmark code). */
  decontaminated?: boolean;
}

/** Token-stream key of a design: equal for the same code reformatted or re-commented. */
export const designKey = (code: string) => tokenHash(normalisedTokens(code));

/** problems.jsonl rows of a tasks split: the bench problem plus its provenance. */
export async function readTaskRows(file: string): Promise<Array<Problem & Record<string, unknown>>> {
  const text = await readFile(file, "utf8");
  const rows: Array<Problem & Record<string, unknown>> = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    try {
      rows.push(JSON.parse(line));
    } catch {
      throw new BadInputError(`${file} line ${i + 1} is not JSON`);
    }
  }
  return rows;
}

const splitOf = (row: Record<string, unknown>) => (row.meta as { split?: string } | undefined)?.split;

/**
 * Loads a retrieval corpus of verified designs: a tasks folder (its `train/` split), a tasks train split folder, or
 * a dataset written by `rtlgym data ingest` (synthesizable designs not flagged by `rtlgym data decontaminate`; the spec
 * is the unit's written spec, else its comments and module names). Held-out task splits are refused: their references
 * are what is being evaluated.
 */
export async function loadCorpus(dir: string): Promise<Corpus> {
  const root = resolve(dir);
  const split = existsSync(join(root, "problems.jsonl"))
    ? root
    : existsSync(join(root, "train", "problems.jsonl"))
      ? join(root, "train")
      : undefined;
  if (split !== undefined) {
    const rows = await readTaskRows(join(split, "problems.jsonl"));
    const heldout = rows.filter((r) => splitOf(r) !== undefined && splitOf(r) !== "train");
    if (heldout.length > 0 || (splitOf(rows[0] ?? {}) === undefined && basename(split) !== "train")) {
      throw new BadInputError(
        `retrieval corpus ${dir} is not a training split (${heldout.length > 0 ? `split ${splitOf(heldout[0] as Record<string, unknown>)}` : "no split recorded"}): retrieve from the train split only`,
      );
    }
    return {
      source: `tasks:${split}`,
      docs: rows.map((r) => ({ id: r.id, spec: r.prompt, code: r.reference, key: designKey(r.reference) })),
    };
  }
  if (existsSync(join(root, DATASET_FILES.manifest))) {
    const data = await readDataset(root);
    // Records decontamination flagged (benchmark code or specs) are never shown, as `data export` leaves them out.
    const d = data.manifest.decontamination as { contaminated?: string[] } | undefined;
    const flagged = new Set(d?.contaminated ?? []);
    const docs = data.records
      .filter((r) => r.kind === "design" && r.synthesizable && r.language !== "vhdl" && !flagged.has(r.id))
      .map((r) => ({
        id: r.id,
        spec: r.spec ?? `${r.modules.join(" ")} ${commentText(r.code)}`,
        code: r.code,
        key: designKey(r.code),
      }));
    const contaminated = data.records.filter((r) => flagged.has(r.id)).length;
    return { source: `dataset:${root}`, docs, contaminated, decontaminated: d !== undefined };
  }
  throw new BadInputError(
    `retrieval corpus ${dir}: expected a tasks folder (train/problems.jsonl), a train split folder (problems.jsonl) or a dataset from \`rtlgym data ingest\` (manifest.json)`,
  );
}

export interface Retrieved {
  doc: CorpusDoc;
  score: number;
}

/** BM25 (MiniSearch's BM25+) over a corpus: the spec field weighs twice the code's identifiers. */
export class Retriever {
  private readonly index: MiniSearch<{ idx: number; spec: string; code: string }>;

  constructor(readonly corpus: Corpus) {
    this.index = new MiniSearch({ idField: "idx", fields: ["spec", "code"], storeFields: [] });
    this.index.addAll(corpus.docs.map((d, idx) => ({ idx, spec: d.spec, code: d.code })));
  }

  /**
   * The `k` best matches of `query`. Documents for which `exclude` is true never come back (the problem itself,
   * the same design under another wording).
   */
  search(query: string, k: number, exclude: (doc: CorpusDoc) => boolean = () => false): Retrieved[] {
    if (k < 1) return [];
    const hits = this.index.search(query, {
      boost: { spec: 2 },
      filter: (r) => !exclude(this.corpus.docs[r.id as number] as CorpusDoc),
    });
    return hits.slice(0, k).map((h) => ({ doc: this.corpus.docs[h.id as number] as CorpusDoc, score: h.score }));
  }

  /** Matches for an evaluation problem: never the problem itself (same id) nor its reference in any layout. */
  forProblem(problem: Problem, k: number): Retrieved[] {
    const own = designKey(problem.reference);
    return this.search(problem.prompt, k, (d) => d.id === problem.id || d.key === own);
  }
}

/**
 * The problem with retrieved examples put before its specification. Example modules are renamed (`Example1`,
 * `Example1_<name>`, ...) so no example declares the module the answer must declare (prompt builders look for its
 * header).
 */
export function withExamples(problem: Problem, examples: readonly Retrieved[]): Problem {
  if (examples.length === 0) return problem;
  const blocks = examples.map((e, i) => {
    const name = (m: string) => (m === problem.candTop ? `Example${i + 1}` : `Example${i + 1}_${m}`);
    const code = renameModules(e.doc.code, name).trimEnd();
    return `Example ${i + 1}:\n${e.doc.spec.trim()}\n\n\`\`\`verilog\n${code}\n\`\`\``;
  });
  const intro = "Verified designs for similar specifications, as examples:";
  return { ...problem, prompt: `${intro}\n\n${blocks.join("\n\n")}\n\nYour task:\n${problem.prompt}` };
}
