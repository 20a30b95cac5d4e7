import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type LoadedSuite, Problem } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import { SPLITS, TASKS_SUITE } from "./generate.js";

/**
 * Loads one split folder written by `rtlgym tasks generate` (its problems.jsonl) as a bench suite. Pointing at the
 * output folder itself is an error that names the split folders, since mixing splits would mix training and held-out
 * problems.
 */
export async function loadTasksSuite(dataDir: string | undefined): Promise<LoadedSuite> {
  if (dataDir === undefined) {
    throw new BadInputError(
      "suite tasks needs --data: a split folder written by `rtlgym tasks generate`, e.g. --data DIR/heldout-params",
    );
  }
  const dir = resolve(dataDir);
  const file = join(dir, "problems.jsonl");
  if (!existsSync(file)) {
    const splits = SPLITS.filter((s) => existsSync(join(dir, s, "problems.jsonl")));
    const hint =
      splits.length > 0
        ? `; it holds the splits ${splits.join(", ")}: point --data at one of them, e.g. ${join(dataDir, splits.find((s) => s !== "train") ?? splits[0] ?? "")}`
        : "; write one with `rtlgym tasks generate --out DIR`";
    throw new BadInputError(`suite tasks: ${dataDir} holds no problems.jsonl${hint}`, { path: dir });
  }
  const text = await readFile(file, "utf8");
  const problems: Problem[] = [];
  const ids = new Set<string>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === "") continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (cause) {
      throw new BadInputError(`suite tasks: ${file} line ${i + 1} is not JSON: ${(cause as Error).message}`, {
        path: file,
      });
    }
    const parsed = Problem.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BadInputError(
        `suite tasks: ${file} line ${i + 1} is not a problem (${issue?.path.join(".") || "(root)"}: ${issue?.message ?? ""})`,
        { path: file },
      );
    }
    const p = parsed.data;
    if (p.suite !== TASKS_SUITE) {
      throw new BadInputError(`suite tasks: ${file} line ${i + 1} belongs to suite "${p.suite}"`, { path: file });
    }
    if (ids.has(p.id)) throw new BadInputError(`suite tasks: duplicate problem id ${p.id} in ${file}`, { path: file });
    ids.add(p.id);
    problems.push(p);
  }
  if (problems.length === 0) throw new BadInputError(`suite tasks: ${file} holds no problems`, { path: file });
  return {
    name: TASKS_SUITE,
    revision: `tasks+sha256:${createHash("sha256").update(text).digest("hex").slice(0, 12)}`,
    dataDir: dir,
    problems,
  };
}

/** The `tasks` suite for bench's registry (shaped like bench's SuiteDefinition; bench sits above this layer). */
export const tasksSuite = {
  name: TASKS_SUITE,
  description: "procedurally generated tasks (`rtlgym tasks generate`): one split folder per run",
  embedded: false,
  dataHint: "a split folder written by `rtlgym tasks generate`, e.g. DIR/heldout-params",
  load: loadTasksSuite,
} as const;
