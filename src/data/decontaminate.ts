import pLimit from "p-limit";
import type { Problem } from "../contracts/index.js";
import { synthesizeVhdl } from "../tools/ghdl.js";
import { verifyAny } from "../verify/index.js";
import { moduleHeaderPortNames } from "../verilog/index.js";
import { listEntities } from "../vhdl/index.js";
import type { DataRecord } from "./dataset.js";
import { synthesiseUnits } from "./synth.js";
import { abstractTokensOf, commentTextOf, ngramSet, normalisedTokensOf, type TextLanguage, words } from "./text.js";

export interface DecontaminateOptions {
  /** Tokens per code n-gram. */
  codeN: number;
  /** Share of the benchmark reference's code n-grams found in a record (identifiers kept) that makes a hit. */
  codeThreshold: number;
  /** The same share over identifier-abstracted tokens (renamed copies), with a stricter threshold. */
  abstractThreshold: number;
  /**
   * References with fewer distinct code n-grams are too small for n-gram evidence (their port list alone would
   * match any design with the same ports); equivalence covers them.
   */
  minCodeGrams: number;
  /** The same floor for specifications. */
  minSpecGrams: number;
  /** Words per specification n-gram, and the share of a benchmark spec's n-grams in a record's comments/spec. */
  specN: number;
  specThreshold: number;
  /** Run rtlgym's equivalence check where a record's ports match a reference's ports. */
  equivalence: boolean;
  equivalenceTimeoutMs: number;
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
}

export const DEFAULT_DECONTAMINATE: Omit<DecontaminateOptions, "onProgress"> = {
  codeN: 12,
  codeThreshold: 0.5,
  abstractThreshold: 0.8,
  minCodeGrams: 40,
  minSpecGrams: 8,
  specN: 8,
  specThreshold: 0.3,
  equivalence: true,
  equivalenceTimeoutMs: 20_000,
  concurrency: 2,
};

export interface DecontaminationHit {
  id: string;
  benchmark: string;
  problem: string;
  method: "code-ngram" | "code-ngram-renamed" | "spec-ngram" | "equivalence";
  evidence: string;
  score: number;
}

export interface DecontaminationResult {
  checked: number;
  benchmarks: Record<string, number>;
  hits: DecontaminationHit[];
  contaminated: string[];
  equivalenceChecks: number;
  options: Omit<DecontaminateOptions, "onProgress">;
}

interface Indexed {
  problem: Problem;
  language: TextLanguage;
  raw: Set<number>;
  abs: Set<number>;
  spec: Set<number>;
  ports: string;
}

function portKey(names: readonly string[]): string {
  return [...names].sort().join(",");
}

function buildIndex(sets: ReadonlyArray<Set<number>>): Map<number, number[]> {
  const index = new Map<number, number[]>();
  sets.forEach((s, i) => {
    for (const g of s) {
      const list = index.get(g);
      if (list) list.push(i);
      else index.set(g, [i]);
    }
  });
  return index;
}

function containment(recordGrams: Set<number>, index: Map<number, number[]>, sizes: readonly number[]) {
  const hitsPer = new Map<number, number>();
  for (const g of recordGrams) for (const i of index.get(g) ?? []) hitsPer.set(i, (hitsPer.get(i) ?? 0) + 1);
  return [...hitsPer].map(([i, n]) => ({ i, share: n / Math.max(1, sizes[i] as number), shared: n }));
}

/**
 * Finds records overlapping benchmark problems: code n-grams (as written and with identifiers abstracted, so a
 * renamed and reformatted copy is still found), specification n-grams against the record's comments and spec, and
 * rtlgym equivalence to the reference wherever the record's ports equal the reference's ports by name. VHDL
 * records and references are tokenized by the VHDL lexer (identifiers lower-cased, `--` comments); equivalence
 * pairs either language with either (`verifyAny`).
 */
export async function decontaminate(
  records: readonly DataRecord[],
  problems: readonly Problem[],
  options: Partial<DecontaminateOptions> = {},
): Promise<DecontaminationResult> {
  const opts = { ...DEFAULT_DECONTAMINATE, ...options };
  const refs: Indexed[] = problems.map((p) => {
    const language = p.language ?? "verilog";
    return {
      problem: p,
      language,
      raw: ngramSet(stripTop(normalisedTokensOf(p.reference, language), p.refTop, language), opts.codeN),
      abs: ngramSet(abstractTokensOf(p.reference, language), opts.codeN),
      spec: ngramSet(words(p.prompt), opts.specN),
      ports: portKey(referencePortNames(p, language)),
    };
  });
  const rawIndex = buildIndex(refs.map((r) => r.raw));
  const absIndex = buildIndex(refs.map((r) => r.abs));
  const specIndex = buildIndex(refs.map((r) => r.spec));
  // The references' n-gram counts, once: the same for every record.
  const rawSizes = refs.map((r) => r.raw.size);
  const absSizes = refs.map((r) => r.abs.size);
  const specSizes = refs.map((r) => r.spec.size);
  const byPorts = new Map<string, number[]>();
  refs.forEach((r, i) => {
    if (r.ports.length > 0) byPorts.set(r.ports, [...(byPorts.get(r.ports) ?? []), i]);
  });
  const hits: DecontaminationHit[] = [];
  const hitKey = new Set<string>();
  const add = (h: DecontaminationHit) => {
    const k = `${h.id}\0${h.benchmark}\0${h.problem}\0${h.method}`;
    if (hitKey.has(k)) return;
    hitKey.add(k);
    hits.push(h);
  };
  const equivalenceJobs: Array<{ record: DataRecord; ref: Indexed }> = [];
  const benchmarks: Record<string, number> = {};
  for (const p of problems) benchmarks[p.suite] = (benchmarks[p.suite] ?? 0) + 1;

  for (const record of records) {
    const language = record.language ?? "verilog";
    const raw = ngramSet(stripTop(normalisedTokensOf(record.code, language), record.top, language), opts.codeN);
    const abs = ngramSet(abstractTokensOf(record.code, language), opts.codeN);
    for (const { i, share, shared } of containment(raw, rawIndex, rawSizes)) {
      const ref = refs[i] as Indexed;
      if (ref.raw.size >= opts.minCodeGrams && share >= opts.codeThreshold)
        add(
          hit(
            record,
            ref,
            "code-ngram",
            share,
            `${shared} of the reference's ${ref.raw.size} distinct ${opts.codeN}-token n-grams occur in the record (${pct(share)})`,
          ),
        );
    }
    for (const { i, share, shared } of containment(abs, absIndex, absSizes)) {
      const ref = refs[i] as Indexed;
      if (ref.abs.size >= opts.minCodeGrams && share >= opts.abstractThreshold)
        add(
          hit(
            record,
            ref,
            "code-ngram-renamed",
            share,
            `${shared} of ${ref.abs.size} identifier-abstracted ${opts.codeN}-token n-grams of the reference occur in the record (${pct(share)})`,
          ),
        );
    }
    const prose = words(`${commentTextOf(record.code, language)}\n${record.spec ?? ""}`);
    if (prose.length >= opts.specN) {
      const spec = ngramSet(prose, opts.specN);
      for (const { i, share, shared } of containment(spec, specIndex, specSizes)) {
        const ref = refs[i] as Indexed;
        if (ref.spec.size >= opts.minSpecGrams && share >= opts.specThreshold)
          add(
            hit(
              record,
              ref,
              "spec-ngram",
              share,
              `${shared} of the benchmark specification's ${ref.spec.size} distinct ${opts.specN}-word n-grams occur in the record's comments or spec (${pct(share)})`,
            ),
          );
      }
    }
    // Either language against either: verifyAny checks VHDL natively or through a validated GHDL translation.
    if (opts.equivalence && record.kind === "design" && record.synthesizable && record.synth?.ports) {
      const key = portKey(record.synth.ports.map((p) => p.name));
      const matched = (byPorts.get(key) ?? []).map((i) => refs[i] as Indexed);
      // Twins (the same problem id in both languages, e.g. builtin and builtin-vhdl) are equivalent references:
      // one check, in the record's own language when there is one, is enough.
      for (const ref of matched) {
        const twins = matched.filter((r) => r.problem.id === ref.problem.id && r.language !== ref.language);
        if (ref.language !== language && twins.some((r) => r.language === language)) continue;
        equivalenceJobs.push({ record, ref });
      }
    }
  }

  // Names alone match too often (clk/reset/in/out): keep the pairs whose ports also agree in direction and width,
  // read from the references by Yosys (batched, like ingest; a VHDL reference through GHDL's netlist first).
  const refKeys = [...new Set(equivalenceJobs.map((j) => j.ref))];
  const ghdlLimit = pLimit(Math.max(1, opts.concurrency));
  const refCode = await Promise.all(
    refKeys.map(async (r) => {
      if (r.language !== "vhdl") return r.problem.reference;
      const netlist = await ghdlLimit(() =>
        synthesizeVhdl(r.problem.reference, r.problem.refTop, { timeoutMs: opts.equivalenceTimeoutMs }),
      );
      return netlist.kind === "ok" ? netlist.verilog : undefined;
    }),
  );
  const refPorts = await synthesiseUnits(
    refKeys.flatMap((r, i) => {
      const code = refCode[i];
      if (code === undefined) return [];
      return [{ key: `${r.problem.suite}/${r.problem.id}`, code, top: r.problem.refTop, tokens: code.length / 4 }];
    }),
    { concurrency: opts.concurrency },
  );
  const shape = (ports: ReadonlyArray<{ name: string; direction: string; width: number }>) =>
    ports
      .map((p) => `${p.name}:${p.direction}:${p.width}`)
      .sort()
      .join(",");
  const matching = equivalenceJobs.filter(({ record, ref }) => {
    const read = refPorts.get(`${ref.problem.suite}/${ref.problem.id}`);
    // A reference Yosys cannot read keeps its name-matched pairs: verify decides with simulation.
    if (!read?.ok) return true;
    return shape(read.iface.ports) === shape(record.synth?.ports ?? []);
  });
  equivalenceJobs.splice(0, equivalenceJobs.length, ...matching);
  let done = 0;
  const limit = pLimit(Math.max(1, opts.concurrency));
  await Promise.all(
    equivalenceJobs.map(({ record, ref }) =>
      limit(async () => {
        const result = await verifyAny({
          reference: ref.problem.reference,
          candidate: record.code,
          referenceLanguage: ref.language,
          candidateLanguage: record.language ?? "verilog",
          refTop: ref.problem.refTop,
          candTop: record.top,
          timeoutMs: opts.equivalenceTimeoutMs,
        });
        opts.onProgress?.(++done, equivalenceJobs.length);
        if (result.status === "pass") {
          const how = result.assurance
            ? `formal ${result.assurance.formal}, ${result.assurance.simulated} simulated ${result.assurance.exhaustive ? "(exhaustive)" : ""}`.trim()
            : result.decidedBy;
          add(
            hit(
              record,
              ref,
              "equivalence",
              1,
              `rtlgym verify: equivalent to the reference (${how}); ports ${ref.ports}`,
            ),
          );
        }
      }),
    ),
  );
  hits.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.problem < b.problem ? -1 : 1));
  const { onProgress: _, ...recorded } = opts;
  return {
    checked: records.length,
    benchmarks,
    hits,
    contaminated: [...new Set(hits.map((h) => h.id))].sort(),
    equivalenceChecks: equivalenceJobs.length,
    options: recorded,
  };
}

/** The reference's own module name is not evidence: a renamed copy must match as well as a verbatim one. */
function stripTop(tokens: string[], top: string, language: TextLanguage): string[] {
  // VHDL tokens are lower-cased (a basic identifier's case means nothing).
  const name = language === "vhdl" ? top.toLowerCase() : top;
  return tokens.map((t) => (t === name ? "$top" : t));
}

/** Port names of the reference's top, as declared (GHDL's netlist and Yosys keep VHDL's declared spelling). */
function referencePortNames(p: Problem, language: TextLanguage): string[] {
  if (language === "verilog") return moduleHeaderPortNames(p.reference, p.refTop);
  const entity = listEntities(p.reference).find((e) => e.name.toLowerCase() === p.refTop.toLowerCase());
  return entity?.ports.map((port) => port.name) ?? [];
}

const pct = (x: number) => `${Math.round(x * 100)}%`;

function hit(
  record: DataRecord,
  ref: Indexed,
  method: DecontaminationHit["method"],
  score: number,
  evidence: string,
): DecontaminationHit {
  return {
    id: record.id,
    benchmark: ref.problem.suite,
    problem: ref.problem.id,
    method,
    evidence,
    score: Math.round(score * 1000) / 1000,
  };
}
