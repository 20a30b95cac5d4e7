// Imports flow one way: a layer may import only from layers below it (and from its own folder).
// A layer with an index.ts is entered only through it: another layer imports "../verify/index.js", never
// "../verify/coverage.js", so the index is the layer's whole public surface.
// Usage: tsx scripts/check-layers.ts [root]   (root defaults to src/; exits 1 on any violation)
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";

const RANK: Record<string, number> = {
  contracts: 0,
  core: 0,
  verilog: 1,
  vhdl: 1,
  tools: 1,
  queue: 1,
  runs: 1,
  verify: 2,
  llm: 2,
  reward: 3,
  data: 3,
  tasks: 3,
  bench: 4,
  train: 5,
  search: 5,
  recipe: 5,
  server: 6,
  cli: 7,
};

/** Every relative module specifier in a file: static imports, `export ... from`, `import type` and `import("...")`. */
export function importsOf(text: string): Array<{ spec: string; line: number }> {
  // preProcessFile tokenizes (comments and strings are not mistaken for imports); `true, true` adds import() calls.
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles
    .filter((f) => f.fileName.startsWith("."))
    .map((f) => ({ spec: f.fileName, line: text.slice(0, f.pos).split("\n").length }));
}

const walk = (dir: string, out: string[]) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (path.endsWith(".ts")) out.push(path);
  }
  return out;
};

/** Checks every .ts file under root; returns the files seen and one line per violation. */
export function checkLayers(root: string): { files: number; problems: string[] } {
  const files = walk(root, []);
  const layerOf = (file: string) => relative(root, file).split("/")[0] ?? "";
  // Layers without an index.ts (today bench, cli, core, data, recipe, tools) are exempt from the index rule
  // until they get one; their files may be imported directly, subject to the rank rule.
  const indexed = (layer: string) => existsSync(join(root, layer, "index.ts"));
  const problems: string[] = [];
  for (const file of files) {
    const from = layerOf(file);
    const rel = relative(root, file);
    // The package entry (root/index.ts) re-exports from every layer it publishes: exempt from both rules.
    if (from.endsWith(".ts")) continue;
    if (RANK[from] === undefined) problems.push(`${rel}: folder ${from} has no rank in scripts/check-layers.ts`);
    for (const { spec, line } of importsOf(readFileSync(file, "utf8"))) {
      const target = resolve(dirname(file), spec);
      const to = layerOf(target);
      if (to === from) continue;
      const a = RANK[from];
      const b = RANK[to];
      if (a === undefined || b === undefined || b >= a)
        problems.push(`${rel}:${line} imports ${spec} (${from} -> ${to})`);
      const inside = relative(join(root, to), target).replace(/\.(js|ts)$/, "");
      if (!to.startsWith("..") && indexed(to) && inside !== "index")
        problems.push(`${rel}:${line} imports ${spec}, bypassing ${to}/index.ts`);
    }
  }
  return { files: files.length, problems };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = resolve(process.argv[2] ?? join(import.meta.dirname, "..", "src"));
  const { files, problems } = checkLayers(root);
  if (problems.length) {
    console.error(`layer violations (${problems.length}):\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`layers ok (${files} files)`);
}
