import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { LoadedSuite, Problem } from "../../contracts/index.js";
import { Task } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { packageRoot } from "../../core/paths.js";
import { closingIndex, isPunct, listModules, tokenize } from "../../verilog/index.js";
import type { SuiteDefinition } from "./registry.js";

const SUITE = "builtin";
/** Module name every builtin reference declares and every candidate must declare. */
const TOP = "TopModule";

/** Tags a builtin problem may carry; the list is closed so reports can group by tag reliably. */
export const BUILTIN_TAGS = [
  "combinational",
  "sequential",
  "fsm",
  "arithmetic",
  "memory",
  "control",
  "datapath",
  "hierarchy",
  "pipeline",
  "logic",
] as const;

const ProblemEntry = z.object({
  id: z.string().regex(/^b\d{3}_[a-z0-9_]+$/, "ids look like b001_name"),
  title: z.string().min(1),
  tags: z.array(z.enum(BUILTIN_TAGS)).min(1),
  difficulty: z.number().int().min(1).max(4),
  task: Task,
});

const ProblemsFile = z.object({
  version: z.string().min(1),
  problems: z.array(ProblemEntry).min(1),
});

/** Where the builtin suite's files live inside the package. */
export function builtinSuiteDir(): string {
  return join(packageRoot(), "suites", SUITE);
}

/**
 * The module header of `top` in `source`: from the `module` keyword to the `;` that ends the port list, as written.
 * Undefined when the module or its port list cannot be found.
 */
export function moduleHeader(source: string, top: string): string | undefined {
  const info = listModules(source).find((m) => m.name === top);
  if (!info) return undefined;
  const tokens = tokenize(source);
  let i = tokens.findIndex((t) => t.start === info.nameStart);
  if (i < 0) return undefined;
  i++;
  if (isPunct(tokens[i], "#") && isPunct(tokens[i + 1], "(")) i = closingIndex(tokens, i + 1) + 1;
  if (!isPunct(tokens[i], "(")) return undefined;
  const close = closingIndex(tokens, i);
  const semi = tokens[close + 1];
  if (close < 0 || semi === undefined || !isPunct(semi, ";")) return undefined;
  return source.slice(info.start, semi.end);
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new BadInputError(`builtin suite: cannot read ${what} (${path}): ${reason}`, { path });
  }
}

/** Loads the builtin suite from `dir` (the packaged folder by default); BadInputError on missing or ill-formed files. */
export async function loadBuiltinSuite(dir: string = builtinSuiteDir()): Promise<LoadedSuite> {
  const listPath = join(dir, "problems.json");
  const listText = await readText(listPath, "problems.json");
  let raw: unknown;
  try {
    raw = JSON.parse(listText);
  } catch (cause) {
    throw new BadInputError(`builtin suite: problems.json is not valid JSON: ${(cause as Error).message}`, {
      path: listPath,
    });
  }
  const parsed = ProblemsFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadInputError(
      `builtin suite: problems.json is ill-formed at ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? ""}`,
      { path: listPath },
    );
  }
  const { version, problems: entries } = parsed.data;
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.id)) throw new BadInputError(`builtin suite: duplicate problem id ${e.id}`, { path: listPath });
    seen.add(e.id);
  }

  // The revision hashes every file of the suite (listed problems and anything else in the folder), sorted by path.
  const hash = createHash("sha256");
  hash.update("problems.json\0").update(listText).update("\0");
  const problems: Problem[] = [];
  for (const entry of entries) {
    const problemDir = join(dir, entry.id);
    const files = (await readdir(problemDir).catch(() => [] as string[])).sort();
    const spec = await readText(join(problemDir, "spec.md"), `the spec of ${entry.id}`);
    const reference = await readText(join(problemDir, "ref.v"), `the reference of ${entry.id}`);
    for (const file of files) {
      const text = file === "spec.md" ? spec : file === "ref.v" ? reference : await readFile(join(problemDir, file));
      hash.update(`${entry.id}/${file}\0`).update(text).update("\0");
    }
    const header = moduleHeader(reference, TOP);
    if (header === undefined) {
      throw new BadInputError(
        `builtin suite: the reference of ${entry.id} declares no module ${TOP} with a port list`,
        {
          path: join(problemDir, "ref.v"),
        },
      );
    }
    problems.push({
      suite: SUITE,
      id: entry.id,
      task: entry.task,
      prompt: spec,
      header,
      reference,
      refTop: TOP,
      candTop: TOP,
      tags: entry.tags,
      difficulty: entry.difficulty,
    });
  }
  return {
    name: SUITE,
    revision: `builtin-${version}+sha256:${hash.digest("hex").slice(0, 8)}`,
    dataDir: dir,
    problems,
  };
}

/** rtlgym's own problems, shipped in the package: works with no data download. */
export const builtinSuite: SuiteDefinition = {
  name: SUITE,
  description: "rtlgym's own spec-to-RTL problems (combinational, sequential, FSM, memory, pipeline, hierarchy)",
  embedded: true,
  dataHint: "none needed: the suite ships with rtlgym",
  load: async () => loadBuiltinSuite(),
};
