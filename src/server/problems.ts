import { existsSync, statSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import { z } from "zod";
import type { Problem } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import { findTop } from "../verilog/index.js";
import { findTopEntity } from "../vhdl/index.js";

/** Problems the server can name by `<suite>/<id>`. */
export class ProblemIndex {
  readonly #byName = new Map<string, Problem>();
  /** Problems whose candidates may name their top freely (folders of references: no prompt fixed a name). */
  readonly #anyTop = new Set<string>();

  constructor(problems: Iterable<Problem> = []) {
    for (const p of problems) this.add(p);
  }

  /** Adds a problem; with `inferCandTop` the candidate's top is found like `rtlgym check` does instead of required. */
  add(problem: Problem, options: { inferCandTop?: boolean } = {}): void {
    const name = `${problem.suite}/${problem.id}`;
    this.#byName.set(name, problem);
    if (options.inferCandTop) this.#anyTop.add(name);
    else this.#anyTop.delete(name);
  }

  /** The top module a candidate for `problem` must declare, or undefined when any top is accepted. */
  candTopOf(problem: Problem): string | undefined {
    return this.#anyTop.has(`${problem.suite}/${problem.id}`) ? undefined : problem.candTop;
  }

  /** The problem named `<suite>/<id>`, or undefined. */
  get(name: string): Problem | undefined {
    return this.#byName.get(name);
  }

  get size(): number {
    return this.#byName.size;
  }

  /** Suite names with their problem counts. */
  suites(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const p of this.#byName.values()) counts[p.suite] = (counts[p.suite] ?? 0) + 1;
    return counts;
  }
}

const PairMetaTops = z.object({ refTop: z.string().optional(), candTop: z.string().optional() }).passthrough();

const VHDL_EXT = [".vhd", ".vhdl"];

function problemFromSource(
  suite: string,
  id: string,
  reference: string,
  tops: z.infer<typeof PairMetaTops>,
  language: "verilog" | "vhdl" = "verilog",
): Problem {
  const refTop = tops.refTop ?? (language === "vhdl" ? findTopEntity(reference) : findTop(reference));
  if (!refTop)
    throw new BadInputError(`${suite}/${id}: the reference contains no ${language === "vhdl" ? "entity" : "module"}`);
  return {
    suite,
    id,
    task: "spec-to-rtl",
    prompt: "",
    reference,
    refTop,
    candTop: tops.candTop ?? refTop,
    tags: [],
    ...(language === "vhdl" && { language }),
  };
}

/**
 * A folder of references as a suite named after the folder: each `<id>.v` / `<id>.sv` file is a problem, and so is
 * each `<id>/ref.v` folder (the fixtures/pairs layout, whose meta.json may name refTop and candTop). VHDL references
 * (`<id>.vhd`, `<id>.vhdl`, `<id>/ref.vhd`) make VHDL problems, whose answers are VHDL unless a request says otherwise.
 * Without a named candTop, a candidate's top is inferred (the reference's top name if it declares one, else its top).
 */
export async function loadProblemDir(
  dir: string,
  suite = basename(resolve(dir)),
): Promise<Array<{ problem: Problem; inferCandTop: boolean }>> {
  const entries = await readdir(dir, { withFileTypes: true });
  const problems: Array<{ problem: Problem; inferCandTop: boolean }> = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, e.name);
    const ext = extname(e.name).toLowerCase();
    if (e.isFile() && [".v", ".sv", ...VHDL_EXT].includes(ext)) {
      const reference = await readFile(path, "utf8");
      const language = VHDL_EXT.includes(ext) ? "vhdl" : "verilog";
      problems.push({
        problem: problemFromSource(suite, basename(e.name, extname(e.name)), reference, {}, language),
        inferCandTop: true,
      });
    } else if (e.isDirectory() && (existsSync(join(path, "ref.v")) || existsSync(join(path, "ref.vhd")))) {
      const metaPath = join(path, "meta.json");
      const meta = existsSync(metaPath) ? PairMetaTops.parse(JSON.parse(await readFile(metaPath, "utf8"))) : {};
      const language = existsSync(join(path, "ref.v")) ? "verilog" : "vhdl";
      const reference = await readFile(join(path, language === "vhdl" ? "ref.vhd" : "ref.v"), "utf8");
      problems.push({
        problem: problemFromSource(suite, e.name, reference, meta, language),
        inferCandTop: meta.candTop === undefined,
      });
    }
  }
  if (problems.length === 0)
    throw new BadInputError(
      `${dir} holds no references (<id>.v / <id>.vhd files or <id>/ref.v / <id>/ref.vhd folders)`,
    );
  return problems;
}

/**
 * Loads `--problems` entries: a registered suite name (read from `dataDir` when it needs data), `NAME=DIR` for a
 * registered suite at DIR, or a folder of references (see {@link loadProblemDir}).
 */
export async function loadProblems(specs: readonly string[], dataDir?: string): Promise<ProblemIndex> {
  const index = new ProblemIndex();
  for (const spec of specs) {
    const eq = spec.indexOf("=");
    if (eq < 0 && existsSync(spec) && statSync(spec).isDirectory()) {
      for (const { problem, inferCandTop } of await loadProblemDir(spec)) index.add(problem, { inferCandTop });
      continue;
    }
    const name = eq < 0 ? spec : spec.slice(0, eq);
    const dir = eq < 0 ? dataDir : spec.slice(eq + 1);
    // Loaded on demand: suites pull in their loaders, which a server without --problems never needs.
    const { loadSuite } = await import("../bench/suites/registry.js");
    const suite = await loadSuite(name, dir);
    for (const p of suite.problems) index.add(p);
  }
  return index;
}
