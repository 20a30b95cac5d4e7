import { tokenize } from "./lexer.js";
import { listModules } from "./modules.js";

/**
 * Renames modules declared in `src`: for each one where `rename(name)` gives a new name, the declaration and every
 * identifier token equal to the old name (instantiations, `defparam`, hierarchical references) are replaced.
 * Comments, strings and escaped identifiers are left alone (modules declared with an escaped name are not renamed);
 * splicing is token-based so everything else keeps its exact text.
 */
export function renameModules(src: string, rename: (name: string) => string | undefined): string {
  const renames = new Map<string, string>();
  for (const m of listModules(src)) {
    if (src[m.nameStart] === "\\" || renames.has(m.name)) continue;
    const to = rename(m.name);
    if (to !== undefined && to !== m.name) renames.set(m.name, to);
  }
  if (renames.size === 0) return src;
  let out = "";
  let from = 0;
  for (const t of tokenize(src)) {
    const to = t.kind === "ident" ? renames.get(t.text) : undefined;
    if (to === undefined) continue;
    out += src.slice(from, t.start) + to;
    from = t.end;
  }
  return out + src.slice(from);
}

/**
 * Appends `suffix` to every declared module name and returns the old->new map, so a reference and several
 * candidates compile side by side without clashes and a candidate cannot instantiate the reference by its name.
 */
export function suffixModules(src: string, suffix: string): { code: string; names: Map<string, string> } {
  const names = new Map<string, string>();
  const code = renameModules(src, (name) => {
    names.set(name, name + suffix);
    return name + suffix;
  });
  return { code, names };
}
