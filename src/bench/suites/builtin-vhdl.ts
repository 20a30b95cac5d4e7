import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { LoadedSuite, Problem } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { packageRoot } from "../../core/paths.js";
import { entityDeclaration } from "../../vhdl/index.js";
import { loadBuiltinSuite } from "./builtin.js";
import type { SuiteDefinition } from "./registry.js";

const SUITE = "builtin-vhdl";
const TOP = "TopModule";

/** Where the VHDL track's references live inside the package. */
export function builtinVhdlDir(): string {
  return join(packageRoot(), "suites", SUITE);
}

/** The spec with its ```verilog interface block replaced by the VHDL entity declaration. */
function vhdlSpec(spec: string, entity: string): string {
  const block = /```verilog\n[\s\S]*?```/;
  const vhdl = `\`\`\`vhdl\n${entity.trim()}\n\`\`\``;
  return block.test(spec) ? spec.replace(block, vhdl) : `${spec.trimEnd()}\n\n## Interface\n\n${vhdl}\n`;
}

/**
 * The builtin suite's VHDL track: every problem of suites/builtin that has a VHDL reference in suites/builtin-vhdl,
 * with the same spec (its interface shown as the VHDL entity) and `language: "vhdl"`.
 */
export async function loadBuiltinVhdlSuite(dir: string = builtinVhdlDir()): Promise<LoadedSuite> {
  const base = await loadBuiltinSuite();
  const ids = new Set(
    (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((d) => d.isDirectory()).map((d) => d.name),
  );
  const hash = createHash("sha256").update(base.revision).update("\0");
  const problems: Problem[] = [];
  for (const p of base.problems) {
    if (!ids.has(p.id)) continue;
    const path = join(dir, p.id, "ref.vhd");
    const reference = await readFile(path, "utf8");
    hash.update(`${p.id}/ref.vhd\0`).update(reference).update("\0");
    const entity = entityDeclaration(reference, TOP);
    if (!entity) throw new BadInputError(`builtin-vhdl: ${path} declares no entity ${TOP}`, { path });
    problems.push({
      ...p,
      suite: SUITE,
      prompt: vhdlSpec(p.prompt, entity),
      header: entity,
      reference,
      refTop: TOP,
      candTop: TOP,
      language: "vhdl",
    });
  }
  return { name: SUITE, revision: `${SUITE}+sha256:${hash.digest("hex").slice(0, 8)}`, dataDir: dir, problems };
}

export const builtinVhdlSuite: SuiteDefinition = {
  name: SUITE,
  description: "the builtin suite's VHDL track: VHDL references, same specs, answers in VHDL (41 problems)",
  embedded: true,
  dataHint: "none needed: the suite ships with rtlgym",
  load: async () => loadBuiltinVhdlSuite(),
};
