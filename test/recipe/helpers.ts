import { readFile } from "node:fs/promises";

/** Runs the real CLI (`rtlgym ...`) in a child process, the arguments spread (test/helpers/cli.ts). */
export { cli as rtlgym } from "../helpers/cli.js";

/** The rows of a JSONL file (typed loosely: tests check their shape). */
// biome-ignore lint/suspicious/noExplicitAny: rows of any shape, checked by the tests
export const readJsonl = async (path: string): Promise<any[]> =>
  (await readFile(path, "utf8"))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));

/** A `data synthesize` run against the fake model with the sim engine and a run store; `more` are appended. */
export const synthesizeArgs = (
  run: { dataset: string; endpoint: string; n: number; db: string },
  ...more: string[]
): string[] => [
  "data",
  "synthesize",
  "--dataset",
  run.dataset,
  "--endpoint",
  run.endpoint,
  "--model",
  "fake-model",
  "-n",
  String(run.n),
  "--engine",
  "sim",
  "--db",
  run.db,
  "--json",
  ...more,
];
