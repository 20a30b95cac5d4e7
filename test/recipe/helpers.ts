import { readFile } from "node:fs/promises";
import { rtlgym as cli } from "../data/cli.js";

/** Runs the real CLI (`rtlgym ...`) in a child process. */
export const rtlgym = (...args: string[]) => cli(args);

/** The rows of a JSONL file (typed loosely: tests check their shape). */
// biome-ignore lint/suspicious/noExplicitAny: rows of any shape, checked by the tests
export const readJsonl = async (path: string): Promise<any[]> =>
  (await readFile(path, "utf8"))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l));
