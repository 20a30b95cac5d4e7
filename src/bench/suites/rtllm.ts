import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { LoadedSuite, Problem } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { findTop, listModules } from "../../verilog/index.js";
import {
  kindTag,
  knownBrokenProblems,
  locateTaskDir,
  readProblemFile,
  type SuiteFile,
  suiteRevision,
  upstreamCommit,
} from "./locate.js";
import type { SuiteDefinition } from "./registry.js";

const UPSTREAM = "https://github.com/hkust-zhiyao/RTLLM";
const DESCRIPTION = "design_description.txt";
const TESTBENCH = "testbench.v";

interface Variant {
  suite: string;
  /** Folder name in the benchmarks copy (`v2.0`, `v1.1`). */
  version: string;
  /** Path segments from the task folder to a design folder: 1 for v1.1, 3 for v2.0 (<Category>/<Subcategory>/). */
  depth: number;
  commitLabels: readonly string[];
}

/** A version folder of the benchmarks copy (`v1.1`, `v2.0`): never a category or design folder. */
const VERSION_FOLDER = /^v\d+(\.\d+)*$/;

/**
 * Design folders (those holding design_description.txt) exactly `depth` levels below `dir`, as path segments;
 * version folders are not walked into, so `rtllm/` never passes for a v2.0 tree because v1.1/<design> is below it.
 */
async function designFolders(dir: string, depth: number): Promise<string[][]> {
  const found: string[][] = [];
  const walk = async (segments: string[]): Promise<void> => {
    const here = join(dir, ...segments);
    const entries = await readdir(here, { withFileTypes: true }).catch(() => []);
    if (segments.length === depth) {
      if (entries.some((e) => e.isFile() && e.name === DESCRIPTION)) found.push(segments);
      return;
    }
    const subdirs = entries
      .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !VERSION_FOLDER.test(e.name))
      .map((e) => e.name);
    await Promise.all(subdirs.map((name) => walk([...segments, name])));
  };
  await walk([]);
  return found.sort((a, b) => a.join("/").localeCompare(b.join("/")));
}

/**
 * The module the candidate must declare: the one the testbench's top instantiates without declaring it; else the
 * "Module name:" of the description; else the design folder's name.
 */
export function rtllmCandidateTop(testbench: string, description: string, folder: string): string {
  const modules = listModules(testbench);
  const declared = new Set(modules.map((m) => m.name));
  const top = findTop(testbench);
  const external = (modules.find((m) => m.name === top)?.instantiates ?? []).filter((n) => !declared.has(n));
  if (external.length === 1 && external[0] !== undefined) return external[0];
  const named = description.match(/module\s+name\s*:?\s*([A-Za-z_][A-Za-z0-9_$]*)/i)?.[1];
  return named ?? folder;
}

async function loadRtllm(variant: Variant, dataDir: string | undefined): Promise<LoadedSuite> {
  const layout = variant.depth === 1 ? "<design>/" : "<Category>/<Subcategory>/<design>/";
  const dir = await locateTaskDir(dataDir, {
    suite: variant.suite,
    what: `RTLLM ${variant.version} design tree`,
    expects: `${layout}{${DESCRIPTION},${TESTBENCH},verified_<x>.v}`,
    candidates: [`rtllm/${variant.version}`, `RTLLM/${variant.version}`, variant.version, "", "RTLLM", "rtllm"],
    accept: async (d) => (await designFolders(d, variant.depth)).length > 0,
    upstream: `${UPSTREAM} (${variant.version === "v1.1" ? "tag v1.1" : "main"})`,
  });
  const folders = await designFolders(dir, variant.depth);
  const names = folders.map((s) => s.at(-1) as string);
  const unique = new Set(names).size === names.length;
  const broken = await knownBrokenProblems(variant.suite);
  const files: SuiteFile[] = [];

  const problems = await Promise.all(
    folders.map(async (segments): Promise<Problem> => {
      const folder = segments.at(-1) as string;
      const id = unique ? folder : segments.join("/");
      const designDir = join(dir, ...segments);
      const entries = (await readdir(designDir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
      const verified = entries.filter((n) => /^verified_.*\.s?v$/.test(n)).sort();
      if (verified.length !== 1) {
        throw new BadInputError(
          `suite ${variant.suite}, problem ${id}: expected one verified_<x>.v in ${designDir}, found ${verified.length}`,
          { suite: variant.suite, id },
        );
      }
      const refFile = verified[0] as string;
      const read = async (name: string) => {
        const content = await readProblemFile(variant.suite, id, join(designDir, name));
        files.push({ path: [...segments, name].join("/"), content });
        return content;
      };
      const auxNames = entries.filter((n) => n !== DESCRIPTION && n !== TESTBENCH && n !== refFile).sort();
      const [prompt, testbench, reference, ...aux] = await Promise.all([
        read(DESCRIPTION),
        read(TESTBENCH),
        read(refFile),
        ...auxNames.map(read),
      ]);
      const candTop = rtllmCandidateTop(testbench, prompt, folder);
      const refTop = findTop(reference, candTop);
      if (refTop === undefined) {
        throw new BadInputError(`suite ${variant.suite}, problem ${id}: ${refFile} declares no module`, {
          suite: variant.suite,
          id,
        });
      }
      const tbTop = findTop(testbench);
      if (tbTop === undefined) {
        throw new BadInputError(`suite ${variant.suite}, problem ${id}: ${TESTBENCH} declares no module`, {
          suite: variant.suite,
          id,
        });
      }
      const tags: string[] = [kindTag(reference)];
      if (variant.depth === 3) tags.push(`category:${segments[0]}`, `subcategory:${segments[1]}`);
      const problem: Problem = {
        suite: variant.suite,
        id,
        task: "spec-to-rtl",
        prompt,
        reference,
        refTop,
        candTop,
        tags,
        testbench: {
          kind: "rtllm",
          source: testbench,
          top: tbTop,
          files: Object.fromEntries(auxNames.map((n, i) => [n, aux[i] as string])),
          includeReference: false,
        },
      };
      const reason = broken[id];
      return reason === undefined ? problem : { ...problem, excluded: reason };
    }),
  );
  const commit = await upstreamCommit(dir, variant.commitLabels);
  return { name: variant.suite, revision: suiteRevision(files, commit), dataDir: dir, problems };
}

/** RTLLM v1.1: 29 designs from natural-language descriptions, judged by their own testbenches. */
export const rtllmV11: SuiteDefinition = {
  name: "rtllm-v1.1",
  description: "RTLLM v1.1 (hkust-zhiyao): 29 designs from descriptions, each with its own testbench",
  embedded: false,
  dataHint: "a folder holding rtllm/v1.1 (or the RTLLM clone at tag v1.1)",
  load: (dataDir) =>
    loadRtllm({ suite: "rtllm-v1.1", version: "v1.1", depth: 1, commitLabels: ["v1.1 =", "v1.1"] }, dataDir),
};

/** RTLLM v2.0: 50 designs in <Category>/<Subcategory>/<design>/ folders. */
export const rtllmV20: SuiteDefinition = {
  name: "rtllm-v2.0",
  description: "RTLLM v2.0 (hkust-zhiyao): 50 designs from descriptions in category folders, own testbenches",
  embedded: false,
  dataHint: "a folder holding rtllm/v2.0 (or the RTLLM clone, main branch)",
  load: (dataDir) =>
    loadRtllm({ suite: "rtllm-v2.0", version: "v2.0", depth: 3, commitLabels: ["v2.0 =", "v2.0"] }, dataDir),
};
