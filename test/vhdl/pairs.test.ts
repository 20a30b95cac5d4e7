import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HdlLanguage, VerifyResult } from "../../src/contracts/index.js";
import { liveProcessCount } from "../../src/tools/process.js";
import { languageOfPath, verifyGroupAny } from "../../src/verify/index.js";

// VHDL fixture pairs of our own on real GHDL, iverilog and Yosys: test/vhdl/pairs/<family>/cases.json names a
// reference and candidates (paths relative to the family: its own files, or another family's or the builtin suite's,
// reused rather than copied) with the exact expected status, failing signals and, where it matters, the route. Each family is ONE verifyGroupAny call (the reference prepared
// once, the candidates' Verilog forms in one shared group check), which keeps the CI time small.
const DIR = join(import.meta.dirname, "pairs");

interface Case {
  expect: string;
  category: "equivalent" | "subtle_bug" | "forgery" | "hang" | "compile_error" | "interface" | "unsupported";
  failing?: string[];
  route?: "translated" | "native" | "frontend";
  message?: string;
  note: string;
}
interface Family {
  name: string;
  reference: string;
  referenceLanguage: HdlLanguage;
  timeoutMs?: number;
  cases: Record<string, Case>;
}

const families: Family[] = readdirSync(DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => {
    const meta = JSON.parse(readFileSync(join(DIR, d.name, "cases.json"), "utf8")) as Omit<Family, "name">;
    return { ...meta, name: d.name };
  })
  .sort((a, b) => (a.name < b.name ? -1 : 1));
const all = families.flatMap((f) => Object.entries(f.cases).map(([file, c]) => ({ family: f, file, c })));
const results = new Map<string, VerifyResult>();

beforeAll(async () => {
  for (const f of families) {
    const files = Object.keys(f.cases);
    const verdicts = await verifyGroupAny({
      reference: readFileSync(join(DIR, f.name, f.reference), "utf8"),
      referenceLanguage: f.referenceLanguage,
      candidates: files.map((file) => readFileSync(join(DIR, f.name, file), "utf8")),
      ...(f.timeoutMs !== undefined && { timeoutMs: f.timeoutMs }),
    });
    for (const [i, file] of files.entries()) results.set(`${f.name}/${file}`, verdicts[i] as VerifyResult);
  }
}, 600_000);

afterAll(() => expect(liveProcessCount()).toBe(0));

describe("VHDL fixture pairs", () => {
  it("has at least 40 pairs in every category, VHDL and mixed", () => {
    expect(all.length).toBeGreaterThanOrEqual(40);
    const categories = new Set(all.map((p) => p.c.category));
    for (const c of ["equivalent", "subtle_bug", "forgery", "hang", "compile_error", "interface", "unsupported"])
      expect(categories).toContain(c);
    const mixed = all.filter((p) => languageOfPath(p.file) !== p.family.referenceLanguage);
    expect(mixed.length).toBeGreaterThanOrEqual(6);
  });

  it.each(all.map((p) => [`${p.family.name}/${p.file}`, p] as const))("%s", (key, { c }) => {
    const r = results.get(key);
    if (!r) throw new Error(`no verdict for ${key}`);
    expect(VerifyResult.safeParse(r).success).toBe(true);
    expect(r.status, `${c.note}\n${r.message}`).toBe(c.expect);
    const failing = r.signals.filter((s) => !s.ok).map((s) => s.name);
    if (c.expect === "fail") expect(failing.sort(), r.message).toEqual([...(c.failing ?? [])].sort());
    if (c.expect === "pass") expect(r.signals.every((s) => s.ok)).toBe(true);
    if (c.route !== undefined) expect(r.route?.kind).toBe(c.route);
    if (c.message !== undefined) expect(r.message).toMatch(new RegExp(c.message));
  });
});
