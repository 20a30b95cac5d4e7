import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkLayers, importsOf } from "../scripts/check-layers.js";
import { ROOT, TSX } from "./helpers/cli.js";

const execFileP = promisify(execFile);

// A small src tree: verify (rank 2) has an index.ts, tasks (rank 3) and cli (rank 7) do not.
const TREE: Record<string, string> = {
  "index.ts": 'export * from "./verify/coverage.js";\n', // the package entry: exempt from both rules
  "verify/index.ts": 'export { a } from "./a.js";\n',
  "verify/a.ts": "export const a = 1;\n",
  "verify/coverage.ts": "export const c = 1;\n",
  // A dynamic import upwards (verify -> cli), which the old regex (`from "..."` only) missed.
  "verify/dyn.ts": 'export const load = () => import("../cli/main.js");\n',
  // An `export ... from` upwards (verify -> tasks).
  "verify/reexp.ts": 'export { ok } from "../tasks/ok.js";\n',
  // Through the index, a type import from below, and an import that only appears in a comment and a string.
  "tasks/ok.ts": [
    'import { a } from "../verify/index.js";',
    'import type { Missing } from "../core/types.js";',
    '// import("../cli/main.js")',
    "export const ok: Missing | number = a;",
    'export const text = `import { x } from "../cli/main.js"`;',
    "",
  ].join("\n"),
  // Past verify's index to a file inside it.
  "tasks/bypass.ts": 'import { c } from "../verify/coverage.js";\nexport const b = c;\n',
  "cli/main.ts": 'import { ok } from "../tasks/ok.js";\nexport const main = ok;\n',
};

let root = "";
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "rtlgym-layers-"));
  for (const [path, text] of Object.entries(TREE)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("scripts/check-layers.ts", () => {
  it("reads static, type, re-export and dynamic imports, not comments or strings", () => {
    expect(importsOf(TREE["tasks/ok.ts"] as string)).toEqual([
      { spec: "../verify/index.js", line: 1 },
      { spec: "../core/types.js", line: 2 },
    ]);
    expect(importsOf('const m = await import("./x.js");\nexport * from "../y.js";\n')).toEqual([
      { spec: "./x.js", line: 1 },
      { spec: "../y.js", line: 2 },
    ]);
  });

  it("reports a dynamic import upwards, an `export from` upwards and an index bypass, and nothing else", () => {
    const { files, problems } = checkLayers(root);
    expect(files).toBe(Object.keys(TREE).length);
    expect(problems).toEqual([
      "tasks/bypass.ts:1 imports ../verify/coverage.js, bypassing verify/index.ts",
      "verify/dyn.ts:1 imports ../cli/main.js (verify -> cli)",
      "verify/reexp.ts:1 imports ../tasks/ok.js (verify -> tasks)",
    ]);
  });

  it("exits 1 and lists the violations for a root given on the command line", async () => {
    const err = await execFileP(TSX, [join(ROOT, "scripts", "check-layers.ts"), root], {
      encoding: "utf8",
      timeout: 60_000,
      maxBuffer: 1 << 20,
    }).then(
      () => undefined,
      (e: { code?: number; stderr?: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain("layer violations (3)");
    expect(err?.stderr).toContain("tasks/bypass.ts:1 imports ../verify/coverage.js");
  });

  it("passes on the real src/", () => {
    const { files, problems } = checkLayers(join(ROOT, "src"));
    expect(problems).toEqual([]);
    expect(files).toBeGreaterThan(100);
  });
});
