import { expect } from "vitest";
import { rtlgym } from "./cli.js";

/** `rtlgym data ingest SRC --out OUT`, which must exit 0 (its stderr is the failure message). */
export async function ingest(src: string, out: string): Promise<void> {
  const ing = await rtlgym(["data", "ingest", src, "--out", out, "--json", "--quiet"]);
  expect(ing.code, ing.stderr).toBe(0);
}

/** `rtlgym data decontaminate --dataset DATASET --suites SUITES --json`, which must exit 0: its parsed summary. */
export async function decontaminate<T>(dataset: string, suites: string): Promise<T> {
  const dec = await rtlgym(["data", "decontaminate", "--dataset", dataset, "--suites", suites, "--json", "--quiet"]);
  expect(dec.code, dec.stderr).toBe(0);
  return JSON.parse(dec.stdout) as T;
}
