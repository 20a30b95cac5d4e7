// Imports flow one way: a layer may import only from layers below it (and from its own folder).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const RANK: Record<string, number> = {
  contracts: 0,
  core: 0,
  verilog: 1,
  vhdl: 1,
  tools: 1,
  queue: 1,
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

const src = resolve(import.meta.dirname, "..", "src");
const files: string[] = [];
const walk = (dir: string) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (path.endsWith(".ts")) files.push(path);
  }
};
walk(src);

const layerOf = (file: string) => relative(src, file).split("/")[0] ?? "";
const problems: string[] = [];
for (const file of files) {
  const from = layerOf(file);
  if (!from.endsWith(".ts") && RANK[from] === undefined)
    problems.push(`${relative(src, file)}: folder ${from} has no rank in scripts/check-layers.ts`);
  const text = readFileSync(file, "utf8");
  for (const m of text.matchAll(/from\s+["'](\.[^"']+)["']/g)) {
    const target = resolve(dirname(file), m[1] as string);
    const to = layerOf(target);
    if (to === from || from.endsWith(".ts")) continue; // same folder, or the package entry (src/index.ts)
    const a = RANK[from];
    const b = RANK[to];
    if (a === undefined || b === undefined || b >= a)
      problems.push(`${relative(src, file)} imports ${m[1]} (${from} -> ${to})`);
  }
}
if (problems.length) {
  console.error(`layer violations:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`layers ok (${files.length} files)`);
