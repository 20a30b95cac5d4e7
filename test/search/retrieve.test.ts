import { existsSync } from "node:fs";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import MiniSearch from "minisearch";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPrompt } from "../../src/bench/prompts.js";
import type { Problem } from "../../src/contracts/bench.js";
import { BadInputError } from "../../src/core/errors.js";
import { exportRaft, loadCorpus, Retriever, withExamples } from "../../src/search/index.js";
import { designKey, readTaskRows } from "../../src/search/retrieve.js";
import { type GeneratedTask, generateTasks, type PromptSet, type Split, writeSplits } from "../../src/tasks/index.js";

function prompts(problem: Problem): PromptSet {
  const chat = buildPrompt(problem, { api: "chat", style: "rtlgym" });
  const completion = buildPrompt(problem, { api: "completions", style: "rtlgym" });
  return {
    chat: { ...(chat.system !== undefined && { system: chat.system }), prompt: chat.prompt },
    completion: { prompt: completion.prompt, ...(completion.prefill !== undefined && { prefill: completion.prefill }) },
  };
}

let dir = "";
let splits: Record<Split, GeneratedTask[]>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rtlgym-search-retrieve-"));
  splits = generateTasks({ seed: 3, train: 120, heldout: 6 });
  await writeSplits(dir, splits, prompts, { seed: 3, train: 120, heldout: 6 });
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("retrieval corpus", () => {
  it("reads a tasks folder's train split and refuses a held-out split", async () => {
    const corpus = await loadCorpus(dir);
    expect(corpus.docs).toHaveLength(120);
    expect(corpus.source).toBe(`tasks:${join(dir, "train")}`);
    await expect(loadCorpus(join(dir, "heldout-params"))).rejects.toThrow(BadInputError);
    await expect(loadCorpus(join(dir, "nowhere"))).rejects.toThrow(/expected a tasks folder/);
  });

  it("ranks designs of the same family first, never the problem itself or its design reworded", async () => {
    const corpus = await loadCorpus(dir);
    const retriever = new Retriever(corpus);
    const familyOf = new Map(splits.train.map((t) => [t.problem.id, t.meta.family]));
    const trainFamilies = new Set(familyOf.values());
    const probes = splits["heldout-params"].filter((t) => trainFamilies.has(t.meta.family));
    expect(probes.length).toBeGreaterThan(2);
    let sameFamily = 0;
    for (const t of probes) {
      const hits = retriever.forProblem(t.problem, 3);
      expect(hits.length).toBeGreaterThan(0);
      expect(hits[0]?.score).toBeGreaterThanOrEqual(hits.at(-1)?.score ?? 0);
      if (familyOf.get(hits[0]?.doc.id ?? "") === t.meta.family) sameFamily++;
    }
    expect(sameFamily / probes.length).toBeGreaterThanOrEqual(0.75);

    // A train task used as the query: its own row and a copy of its design (re-commented, other id) are excluded.
    const own = splits.train[0] as GeneratedTask;
    const copy = {
      id: "copy",
      spec: own.problem.prompt,
      code: `// the same design\n${own.problem.reference}`,
      key: designKey(`// the same design\n${own.problem.reference}`),
    };
    const withCopy = new Retriever({ source: "test", docs: [...corpus.docs, copy] });
    const hits = withCopy.forProblem(own.problem, 10);
    expect(hits.map((h) => h.doc.id)).not.toContain(own.problem.id);
    expect(hits.map((h) => h.doc.id)).not.toContain("copy");
    expect(hits).toHaveLength(10);
  });

  it("scores every match as MiniSearch's BM25+ does, repeated query terms and both fields included", async () => {
    const corpus = await loadCorpus(dir);
    const retriever = new Retriever(corpus);
    const mini = new MiniSearch({ idField: "idx", fields: ["spec", "code"], storeFields: [] });
    mini.addAll(corpus.docs.map((d, idx) => ({ idx, spec: d.spec, code: d.code })));
    const queries = [
      ...splits["heldout-params"].map((t) => t.problem.prompt),
      "counter counter counter with enable, and a reset: reset",
      "assign out = a & b; // module TopModule",
    ];
    for (const query of queries) {
      const theirs = mini.search(query, { boost: { spec: 2 } });
      const ours = retriever.search(query, corpus.docs.length);
      expect(ours.length).toBe(theirs.length);
      const byId = new Map(theirs.map((h) => [corpus.docs[h.id as number]?.id, h.score]));
      for (const hit of ours) expect(hit.score).toBeCloseTo(byId.get(hit.doc.id) ?? Number.NaN, 9);
      // The same order (equal scores aside).
      expect(ours.map((h) => h.score)).toEqual([...ours.map((h) => h.score)].sort((a, b) => b - a));
      expect(ours[0]?.score).toBeCloseTo(theirs[0]?.score ?? Number.NaN, 9);
    }
    expect(retriever.search("zzzqqq xyzzy", 3)).toEqual([]);
  });

  it("puts renamed examples before the specification, leaving the answer's header alone", async () => {
    const retriever = new Retriever(await loadCorpus(dir));
    const problem = (splits["heldout-params"][0] as GeneratedTask).problem;
    const hits = retriever.forProblem(problem, 2);
    const augmented = withExamples(problem, hits);
    expect(augmented.prompt).toContain("Example 1:");
    expect(augmented.prompt).toContain("module Example1");
    expect(augmented.prompt.endsWith(problem.prompt)).toBe(true);
    expect(augmented.prompt.split("module TopModule").length).toBe(1);
    const built = buildPrompt(augmented, { api: "completions", style: "rtlgym" });
    expect(built.prefill).toBe(`\`\`\`verilog\n${problem.header?.trimEnd()}\n`);
    expect(built.prompt).toContain("Example 2:");
  });
});

describe("a dataset corpus", () => {
  it("takes synthesizable designs and leaves out what decontamination flagged", async () => {
    const ds = await mkdtemp(join(tmpdir(), "rtlgym-search-ds-"));
    try {
      const record = (id: string, code: string, extra: Record<string, unknown> = {}) => ({
        id,
        source: "s",
        repository: null,
        commit: null,
        licence: null,
        path: `${id}.v`,
        files: [`${id}.v`],
        top: id,
        modules: [id],
        kind: "design",
        missing: [],
        unresolvedIncludes: [],
        undefinedMacros: [],
        importedMacros: [],
        encoding: ["utf-8"],
        stats: { lines: 3, bytes: code.length, tokens: 10, modules: 1, ports: 2 },
        synth: null,
        synthesizable: true,
        hash: id,
        code,
        ...extra,
      });
      const rows = [
        record(
          "counter8",
          "// 8-bit up counter with enable\nmodule counter8(input clk, output reg [7:0] q);\nendmodule\n",
        ),
        record(
          "leaked",
          "// 8-bit up counter copied from a benchmark\nmodule leaked(input clk, output [7:0] q);\nendmodule\n",
        ),
        record("mux", "module mux(input a, b, s, output y); assign y = s ? b : a; endmodule\n", {
          spec: "A two-input multiplexer.",
        }),
        record("slow", "module slow(input a, output y); endmodule\n", { synthesizable: false }),
      ];
      const manifest = {
        kind: "rtlgym-dataset",
        version: 1,
        created: "2026-12-01T00:00:00Z",
        inputs: [],
        sources: [],
        counts: {},
        options: {},
        toolVersions: {},
        durationMs: 0,
        decontamination: { contaminated: ["leaked"] },
      };
      await writeFile(join(ds, "manifest.json"), JSON.stringify(manifest));
      await writeFile(join(ds, "records.jsonl"), rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
      await writeFile(join(ds, "rejects.jsonl"), "");
      await writeFile(join(ds, "duplicates.jsonl"), "");
      const corpus = await loadCorpus(ds);
      expect(corpus.docs.map((d) => d.id)).toEqual(["counter8", "mux"]);
      expect(corpus).toMatchObject({ contaminated: 1, decontaminated: true });
      expect(corpus.docs[1]?.spec).toBe("A two-input multiplexer.");
      const hits = new Retriever(corpus).search("an up counter with enable", 2);
      expect(hits[0]?.doc.id).toBe("counter8");
    } finally {
      await rm(ds, { recursive: true, force: true });
    }
  });
});

describe("rtlgym data raft", () => {
  it("writes SFT rows with retrieved examples, drops train tasks whose design is held out", async () => {
    // Plant a training row whose design is a held-out reference: decontamination must drop it.
    const leaked = splits["heldout-params"][1] as GeneratedTask;
    const row = {
      ...leaked.problem,
      id: "tr-leaked",
      meta: { ...leaked.meta, split: "train" },
      alternative: leaked.alternative,
    };
    const planted = await mkdtemp(join(tmpdir(), "rtlgym-search-raft-"));
    try {
      await writeSplits(planted, splits, prompts, { seed: 3, train: 120, heldout: 6 });
      await appendFile(join(planted, "train", "problems.jsonl"), `${JSON.stringify(row)}\n`);
      const out = join(planted, "raft");
      const summary = await exportRaft({ tasks: planted, out, k: 2 });
      // heldout-phrasing rewords designs that can also be in train: those rows go too, with the planted one.
      expect(summary.contaminatedRows).toBeGreaterThanOrEqual(1);
      expect(summary.rows + summary.contaminatedRows).toBe(121);
      for (const f of summary.files) expect(existsSync(join(out, f))).toBe(true);
      const lines = (await readFile(join(out, "train", "sft-completion.jsonl"), "utf8")).trim().split("\n");
      const rows = lines.map(
        (l) => JSON.parse(l) as { id: string; prompt: string; completion: string; retrieved: string[] },
      );
      expect(rows).toHaveLength(summary.rows);
      expect(rows.map((r) => r.id)).not.toContain("tr-leaked");
      const heldoutKeys = new Set<string>();
      for (const split of ["heldout-params", "heldout-phrasing", "heldout-families"]) {
        for (const r of await readTaskRows(join(planted, split, "problems.jsonl")))
          heldoutKeys.add(designKey(r.reference));
      }
      const trainById = new Map(splits.train.map((t) => [t.problem.id, t]));
      for (const r of rows) {
        expect(heldoutKeys.has(designKey(trainById.get(r.id)?.problem.reference ?? ""))).toBe(false);
        expect(r.retrieved).toHaveLength(2);
        expect(r.retrieved).not.toContain(r.id);
        expect(r.retrieved).not.toContain("tr-leaked");
        for (const id of r.retrieved) {
          expect(heldoutKeys.has(designKey(trainById.get(id)?.problem.reference ?? ""))).toBe(false);
        }
        expect(r.prompt).toContain("Example 2:");
        expect(r.completion.startsWith("```verilog\nmodule TopModule")).toBe(true);
      }
      const chat = (await readFile(join(out, "train", "sft.jsonl"), "utf8")).trim().split("\n");
      const first = JSON.parse(chat[0] as string) as { messages: { role: string; content: string }[] };
      expect(first.messages.map((m) => m.role)).toEqual(["system", "user", "assistant"]);
      expect(first.messages[1]?.content).toContain("Example 1:");
    } finally {
      await rm(planted, { recursive: true, force: true });
    }
  });
});
