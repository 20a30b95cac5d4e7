import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { z } from "zod";
import type { LoadedSuite, Problem, Task } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { findTop, renameModules } from "../../verilog/index.js";
import {
  isFile,
  kindTag,
  knownBrokenProblems,
  locateTaskDir,
  readProblemFile,
  type SuiteFile,
  suiteRevision,
  upstreamCommit,
} from "./locate.js";
import type { SuiteDefinition } from "./registry.js";

const UPSTREAM = "https://github.com/NVlabs/verilog-eval";
/** SOURCE.txt labels of the upstream commit each version was copied from (v2 is main, v1 the 1.0 release). */
const V2_COMMIT_LABELS = ["commit main:", "main:", "main"];
const V1_COMMIT_LABELS = ["release/1.0.0:", "release/1.0.0", "v1"];

/**
 * HDLBits-style family of a problem name: the first `_` part when there is one (`m2014`, `review2015`, `ece241`,
 * `fsm`), else the leading letters (`vector2` -> `vector`, `dff8ar` -> `dff`).
 */
export function problemFamily(name: string): string {
  const first = name.split("_")[0] ?? name;
  if (name.includes("_")) return first;
  return name.match(/^[A-Za-z]+/)?.[0] ?? first;
}

function tagsFor(name: string, reference: string): string[] {
  return [kindTag(reference), `family:${problemFamily(name)}`];
}

function withExclusion(problem: Problem, broken: Record<string, string>): Problem {
  const reason = broken[problem.id];
  return reason === undefined ? problem : { ...problem, excluded: reason };
}

interface V2Variant {
  suite: string;
  task: Task;
  folder: "dataset_spec-to-rtl" | "dataset_code-complete-iccad2023";
}

/** Problem ids of a v2 task folder: problems.txt in its order, else every `<id>_test.sv` sorted. */
async function v2Ids(dir: string): Promise<{ ids: string[]; list?: SuiteFile }> {
  const list = await readFile(join(dir, "problems.txt"), "utf8").catch(() => undefined);
  if (list !== undefined) {
    const ids = list
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l.length > 0 && !l.startsWith("#"));
    return { ids, list: { path: "problems.txt", content: list } };
  }
  const names = await readdir(dir);
  return {
    ids: names
      .filter((n) => /^Prob\d+_.+_test\.sv$/.test(n))
      .map((n) => n.slice(0, -"_test.sv".length))
      .sort(),
  };
}

async function isV2TaskDir(dir: string, variant: V2Variant): Promise<boolean> {
  const name = basename(dir);
  if (name.startsWith("dataset_") && name !== variant.folder) return false;
  const names = await readdir(dir).catch(() => [] as string[]);
  const hasTests = names.includes("problems.txt") || names.some((n) => /^Prob\d+_.+_test\.sv$/.test(n));
  const hasIfc = names.some((n) => n.endsWith("_ifc.txt"));
  return hasTests && (variant.task === "code-complete" ? hasIfc : true);
}

async function loadV2(variant: V2Variant, dataDir: string | undefined): Promise<LoadedSuite> {
  const f = variant.folder;
  const dir = await locateTaskDir(dataDir, {
    suite: variant.suite,
    what: `VerilogEval v2 ${f} folder`,
    expects: `problems.txt and ProbNNN_<name>_{prompt.txt,${variant.task === "code-complete" ? "ifc.txt," : ""}ref.sv,test.sv}`,
    candidates: ["", f, `v2/${f}`, `verilog-eval/v2/${f}`, `verilog-eval/${f}`],
    accept: (d) => isV2TaskDir(d, variant),
    upstream: UPSTREAM,
  });
  const { ids, list } = await v2Ids(dir);
  if (ids.length === 0) throw new BadInputError(`suite ${variant.suite}: ${dir} lists no problems`, { dir });
  const broken = await knownBrokenProblems(variant.suite);
  const files: SuiteFile[] = list ? [list] : [];
  const problems = await Promise.all(
    ids.map(async (id): Promise<Problem> => {
      const read = async (suffix: string) => {
        const content = await readProblemFile(variant.suite, id, join(dir, `${id}_${suffix}`));
        files.push({ path: `${id}_${suffix}`, content });
        return content;
      };
      const [prompt, reference, test, header] = await Promise.all([
        read("prompt.txt"),
        read("ref.sv"),
        read("test.sv"),
        variant.task === "code-complete" ? read("ifc.txt") : Promise.resolve(undefined),
      ]);
      const problem: Problem = {
        suite: variant.suite,
        id,
        task: variant.task,
        prompt,
        ...(header !== undefined && { header }),
        reference,
        refTop: findTop(reference, "RefModule") ?? "RefModule",
        candTop: "TopModule",
        tags: tagsFor(id.replace(/^Prob\d+_/, ""), reference),
        testbench: { kind: "verilog-eval", source: test, top: "tb", files: {}, includeReference: true },
      };
      return withExclusion(problem, broken);
    }),
  );
  const commit = await upstreamCommit(dir, V2_COMMIT_LABELS);
  return { name: variant.suite, revision: suiteRevision(files, commit), dataDir: dir, problems };
}

const V1Row = z.object({
  task_id: z.string().min(1),
  prompt: z.string(),
  canonical_solution: z.string(),
  test: z.string(),
});
const V1Description = z.object({ task_id: z.string().min(1), detail_description: z.string() });

function parseJsonl<T>(suite: string, file: string, text: string, schema: z.ZodType<T>): T[] {
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => line.trim() !== "")
    .map(({ line, i }) => {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        throw new BadInputError(`suite ${suite}: ${file} line ${i + 1} is not JSON`, { suite, file });
      }
      const row = schema.safeParse(json);
      if (!row.success) {
        const issue = row.error.issues[0];
        throw new BadInputError(
          `suite ${suite}: ${file} line ${i + 1}: ${issue?.path.join(".") ?? ""} ${issue?.message ?? "invalid"}`,
          { suite, file },
        );
      }
      return row.data;
    });
}

/** The name a v1 reference is renamed to, so it never collides with the candidate's `top_module`. */
const V1_REF_TOP = "RefModule";

async function loadV1(suite: string, kind: "Human" | "Machine", dataDir: string | undefined): Promise<LoadedSuite> {
  const dataFile = `data/VerilogEval_${kind}.jsonl`;
  const descFile = `descriptions/VerilogDescription_${kind}.jsonl`;
  const dir = await locateTaskDir(dataDir, {
    suite,
    what: `VerilogEval v1 ${kind} data`,
    expects: `${dataFile} and ${descFile}`,
    candidates: ["", "v1", "verilog-eval/v1", "verilog-eval", ".."],
    accept: async (d) => (await isFile(join(d, dataFile))) && (await isFile(join(d, descFile))),
    upstream: `${UPSTREAM} (branch release/1.0.0)`,
  });
  const [dataText, descText] = await Promise.all([
    readFile(join(dir, dataFile), "utf8"),
    readFile(join(dir, descFile), "utf8"),
  ]);
  const rows = parseJsonl(suite, dataFile, dataText, V1Row);
  const descriptions = new Map(
    parseJsonl(suite, descFile, descText, V1Description).map((d) => [d.task_id, d.detail_description]),
  );
  const broken = await knownBrokenProblems(suite);
  const problems = rows.map((row): Problem => {
    const prompt = descriptions.get(row.task_id);
    if (prompt === undefined) {
      throw new BadInputError(`suite ${suite}: task ${row.task_id} has no description in ${descFile}`, {
        suite,
        id: row.task_id,
      });
    }
    const full = `${row.prompt}${row.canonical_solution}`;
    const reference = renameModules(full, (n) => (n === "top_module" ? V1_REF_TOP : undefined));
    const problem: Problem = {
      suite,
      id: row.task_id,
      task: "code-complete",
      prompt: prompt.trim(),
      header: row.prompt,
      reference,
      refTop: findTop(reference, V1_REF_TOP) ?? V1_REF_TOP,
      candTop: "top_module",
      tags: tagsFor(row.task_id, reference),
      testbench: { kind: "verilog-eval", source: row.test, top: "tb", files: {}, includeReference: false },
    };
    return withExclusion(problem, broken);
  });
  const commit = await upstreamCommit(dir, V1_COMMIT_LABELS);
  const revision = suiteRevision(
    [
      { path: dataFile, content: dataText },
      { path: descFile, content: descText },
    ],
    commit,
  );
  return { name: suite, revision, dataDir: dir, problems };
}

/** VerilogEval v2, spec-to-rtl: write `module TopModule` from a natural-language spec. */
export const verilogEvalV2: SuiteDefinition = {
  name: "verilog-eval-v2",
  description: "VerilogEval v2 spec-to-rtl (NVlabs): 156 HDLBits problems, module TopModule from a spec",
  embedded: false,
  dataHint: "a folder holding verilog-eval/ (or the NVlabs/verilog-eval clone, or its dataset_spec-to-rtl folder)",
  load: (dataDir) => loadV2({ suite: "verilog-eval-v2", task: "spec-to-rtl", folder: "dataset_spec-to-rtl" }, dataDir),
};

/** VerilogEval v2, code completion (ICCAD 2023 prompts): continue the ifc.txt module header. */
export const verilogEvalV2CodeComplete: SuiteDefinition = {
  name: "verilog-eval-v2-cc",
  description: "VerilogEval v2 code-complete-iccad2023 (NVlabs): 156 problems, complete the TopModule header",
  embedded: false,
  dataHint:
    "a folder holding verilog-eval/ (or the NVlabs/verilog-eval clone, or its dataset_code-complete-iccad2023 folder)",
  load: (dataDir) =>
    loadV2(
      {
        suite: "verilog-eval-v2-cc",
        task: "code-complete",
        folder: "dataset_code-complete-iccad2023",
      },
      dataDir,
    ),
};

/** VerilogEval v1 Human: complete `module top_module` from the hand-written description. */
export const verilogEvalV1Human: SuiteDefinition = {
  name: "verilog-eval-v1-human",
  description: "VerilogEval v1 Human (NVlabs, release 1.0): 156 problems, complete top_module",
  embedded: false,
  dataHint: "a folder holding verilog-eval/v1 (or the release/1.0.0 clone with data/ and descriptions/)",
  load: (dataDir) => loadV1("verilog-eval-v1-human", "Human", dataDir),
};

/** VerilogEval v1 Machine: complete `module top_module` from the machine-written description. */
export const verilogEvalV1Machine: SuiteDefinition = {
  name: "verilog-eval-v1-machine",
  description: "VerilogEval v1 Machine (NVlabs, release 1.0): 143 problems, complete top_module",
  embedded: false,
  dataHint: "a folder holding verilog-eval/v1 (or the release/1.0.0 clone with data/ and descriptions/)",
  load: (dataDir) => loadV1("verilog-eval-v1-machine", "Machine", dataDir),
};
