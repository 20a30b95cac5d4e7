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

/** MiniSearch's BM25+ parameters (its defaults) and the field weights: the spec weighs twice the code's identifiers. */
const BM25 = { k: 1.2, b: 0.7, d: 0.5 } as const;
const FIELDS = [
  { name: "spec", boost: 2 },
  { name: "code", boost: 1 },
] as const;

/** One term's postings in one field: the documents holding it and how often. */
interface Postings {
  docs: number[];
  freqs: number[];
}

/**
 * BM25+ over a fixed corpus, ranked exactly as MiniSearch's `search` ranks it (its tokenizer and term processing, its
 * BM25+ and field lengths, a repeated query term counted each time, the sum times the distinct query terms a document
 * matches), in flat arrays. MiniSearch itself keeps per-match bookkeeping (the matched terms of every document) that
 * cost 0.34-0.45 s a query (idle; 2.2 s under load) on 12,000 generated tasks, whose prompts share most words: RAFT
 * rows for such a split took hours. test/search/retrieve.test.ts checks the scores against MiniSearch's own.
 */
class Bm25Index {
  private readonly tokenize: (text: string, field: string) => string[] = MiniSearch.getDefault("tokenize");
  private readonly processTerm: (term: string, field: string) => string | string[] | null | undefined | false =
    MiniSearch.getDefault("processTerm");
  /** term -> postings per field (FIELDS' order). */
  private readonly postings = new Map<string, Array<Postings | undefined>>();
  /** Documents indexed. */
  private readonly size: number;
  /** Per field, each document's BM25 length normaliser: k (1 - b + b length / mean length). */
  private readonly norms: Float64Array[];

  constructor(docs: ReadonlyArray<{ spec: string; code: string }>) {
    this.size = docs.length;
    // Field length as MiniSearch counts it (distinct raw tokens), and its running mean as MiniSearch keeps it, so the
    // floating-point values agree.
    const lengths = FIELDS.map(() => new Float64Array(docs.length));
    const means = FIELDS.map(() => 0);
    for (const [doc, fields] of docs.entries()) {
      for (const [f, field] of FIELDS.entries()) {
        const tokens = this.tokenize(fields[field.name], field.name);
        const length = new Set(tokens).size;
        (lengths[f] as Float64Array)[doc] = length;
        means[f] = ((means[f] as number) * doc + length) / (doc + 1);
        for (const term of this.terms(tokens, field.name)) {
          let perField = this.postings.get(term);
          if (!perField) {
            perField = FIELDS.map(() => undefined);
            this.postings.set(term, perField);
          }
          let p = perField[f];
          if (!p) {
            p = { docs: [], freqs: [] };
            perField[f] = p;
          }
          const last = p.docs.length - 1;
          if (p.docs[last] === doc) (p.freqs as number[])[last] = (p.freqs[last] as number) + 1;
          else {
            p.docs.push(doc);
            p.freqs.push(1);
          }
        }
      }
    }
    this.norms = lengths.map((perDoc, f) =>
      perDoc.map((length) => BM25.k * (1 - BM25.b + (BM25.b * length) / (means[f] as number))),
    );
  }

  private terms(tokens: readonly string[], field: string): string[] {
    return tokens.flatMap((t) => {
      const processed = this.processTerm(t, field);
      return Array.isArray(processed) ? processed : processed ? [processed] : [];
    });
  }

  /** Every matching document's score (unsorted): `[document index, score]`. */
  score(query: string): Array<[number, number]> {
    const n = this.size;
    const terms = this.terms(this.tokenize(query, "spec"), "spec");
    const repeats = new Map<string, number>();
    for (const t of terms) repeats.set(t, (repeats.get(t) ?? 0) + 1);
    const sum = new Float64Array(n);
    const distinct = new Int32Array(n);
    const lastTerm = new Int32Array(n).fill(-1);
    const touched: number[] = [];
    let termIndex = 0;
    for (const [term, times] of repeats) {
      const perField = this.postings.get(term);
      if (perField) {
        for (const [f, field] of FIELDS.entries()) {
          const p = perField[f];
          if (!p) continue;
          const idf = Math.log(1 + (n - p.docs.length + 0.5) / (p.docs.length + 0.5));
          const norms = this.norms[f] as Float64Array;
          for (let i = 0; i < p.docs.length; i++) {
            const doc = p.docs[i] as number;
            const tf = p.freqs[i] as number;
            const norm = norms[doc] as number;
            sum[doc] = (sum[doc] as number) + times * field.boost * idf * (BM25.d + (tf * (BM25.k + 1)) / (tf + norm));
            if (lastTerm[doc] !== termIndex) {
              if (lastTerm[doc] === -1) touched.push(doc);
              lastTerm[doc] = termIndex;
              distinct[doc] = (distinct[doc] as number) + 1;
            }
          }
        }
      }
      termIndex++;
    }
    return touched.map((doc) => [doc, (sum[doc] as number) * (distinct[doc] as number)]);
  }
}

/** BM25 (MiniSearch's BM25+ ranking) over a corpus: the spec field weighs twice the code's identifiers. */
export class Retriever {
  private readonly index: Bm25Index;

  constructor(readonly corpus: Corpus) {
    this.index = new Bm25Index(corpus.docs);
  }

  /**
   * The `k` best matches of `query` (equal scores: the earlier document first). Documents for which `exclude` is true
   * never come back (the problem itself, the same design under another wording); it is asked of every match.
   */
  search(query: string, k: number, exclude: (doc: CorpusDoc) => boolean = () => false): Retrieved[] {
    if (k < 1) return [];
    return this.index
      .score(query)
      .filter(([doc]) => !exclude(this.corpus.docs[doc] as CorpusDoc))
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, k)
      .map(([doc, score]) => ({ doc: this.corpus.docs[doc] as CorpusDoc, score }));
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
