import { applyEdits } from "../core/edits.js";
import type { Token } from "./lexer.js";
import { isWord, tokenize } from "./lexer.js";
import { KEYWORDS, listModules } from "./modules.js";

/** Declarations other than modules whose names are global across files: two candidates must not share them. */
const GLOBAL_UNITS = new Set(["package", "primitive", "interface", "program"]);
const NOT_A_DECLARATION_AFTER = new Set(["virtual", "typedef", "extends", "implements", "import", "export"]);

/** Names of packages, UDPs, interfaces and programs declared in `tokens` (escaped names excluded). */
function globalUnitNames(tokens: readonly Token[]): string[] {
  const names: string[] = [];
  tokens.forEach((t, i) => {
    if (t.kind !== "ident" || !GLOBAL_UNITS.has(t.text)) return;
    const prev = tokens[i - 1];
    if (prev?.kind === "ident" && NOT_A_DECLARATION_AFTER.has(prev.text)) return;
    let j = i + 1;
    if (isWord(tokens[j], "automatic") || isWord(tokens[j], "static")) j++;
    const name = tokens[j];
    if (name?.kind === "ident" && !KEYWORDS.has(name.text)) names.push(name.text);
  });
  return names;
}

/**
 * Renames modules declared in `src`: for each one where `rename(name)` gives a new name, the declaration and every
 * identifier token equal to the old name (instantiations, `defparam`, hierarchical references) are replaced.
 * Comments, strings and escaped identifiers are left alone (modules declared with an escaped name are not renamed);
 * splicing is token-based so everything else keeps its exact text.
 */
export function renameModules(
  src: string,
  rename: (name: string) => string | undefined,
  options: { globalUnits?: boolean } = {},
): string {
  const renames = new Map<string, string>();
  const tokens = tokenize(src);
  const declared = listModules(src)
    .filter((m) => src[m.nameStart] !== "\\")
    .map((m) => m.name);
  if (options.globalUnits) declared.push(...globalUnitNames(tokens));
  for (const name of declared) {
    if (renames.has(name)) continue;
    const to = rename(name);
    if (to !== undefined && to !== name) renames.set(name, to);
  }
  if (renames.size === 0) return src;
  return applyEdits(
    src,
    tokens.flatMap((t) => {
      const to = t.kind === "ident" ? renames.get(t.text) : undefined;
      return to === undefined ? [] : [[t.start, t.end, to] as const];
    }),
  );
}

/**
 * Appends `suffix` to every declared module name (and package, UDP, interface and program name: those are global
 * too) and returns the old->new map, so a reference and several candidates compile side by side without clashes
 * and a candidate cannot instantiate the reference by its name.
 */
export function suffixModules(src: string, suffix: string): { code: string; names: Map<string, string> } {
  const names = new Map<string, string>();
  const code = renameModules(
    src,
    (name) => {
      names.set(name, name + suffix);
      return name + suffix;
    },
    { globalUnits: true },
  );
  return { code, names };
}
