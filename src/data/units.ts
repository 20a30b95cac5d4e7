import { posix } from "node:path";
import {
  listModules,
  type ModuleInfo,
  moduleHeaderPortNames,
  normaliseLineEndings,
  tokenize,
} from "../verilog/index.js";

/** One HDL file of a source, read and with its `include`s expanded. */
export interface SourceFile {
  path: string;
  text: string;
  /** The text with every resolvable `include replaced by the included file (recursively). */
  expanded: string;
  encoding: string;
  encodingNote?: string;
  includes: string[];
  unresolvedIncludes: string[];
  modules: ModuleInfo[];
}

/** A self-contained unit: a top module and every module it instantiates (transitively) that the source defines. */
export interface UnitDraft {
  top: string;
  /** The top's file. */
  path: string;
  kind: "design" | "testbench";
  /** Files contributing modules, then the files they include. */
  files: string[];
  modules: string[];
  /** Instantiated names no file of the source defines (vendor primitives, files outside the input). */
  missing: string[];
  unresolvedIncludes: string[];
  /** Macros used but defined nowhere in the source. */
  undefinedMacros: string[];
  /** Macros taken from other files of the source (a `define in a header nobody includes here). */
  importedMacros: string[];
  code: string;
  ports: number;
}

export const HDL_EXTENSIONS = /\.(v|sv|vh|svh|vlog|verilog|vams|inc)$/i;
export const VHDL_EXTENSIONS = /\.(vhd|vhdl)$/i;

const BUILTIN_DIRECTIVES = new Set(
  `define undef ifdef ifndef else elsif endif include timescale default_nettype resetall celldefine endcelldefine
  line pragma unconnected_drive nounconnected_drive begin_keywords end_keywords __FILE__ __LINE__ protect endprotect
  default_decay_time default_trireg_strength delay_mode_distributed delay_mode_path delay_mode_unit delay_mode_zero`
    .split(/\s+/)
    .map((d) => `\`${d}`),
);

const INCLUDE = /^[ \t]*`include[ \t]+["<]([^">\n]+)[">][^\n]*$/gm;

/** Resolves `name` included from `from`: its own folder, the source root, then any file of that name (nearest). */
export function resolveInclude(name: string, from: string, paths: ReadonlySet<string>, byBase: Map<string, string[]>) {
  const local = posix.normalize(posix.join(posix.dirname(from), name));
  if (paths.has(local)) return local;
  const rooted = posix.normalize(name);
  if (paths.has(rooted)) return rooted;
  const candidates = byBase.get(posix.basename(name)) ?? [];
  return nearest(from, candidates);
}

function commonPrefix(a: string, b: string): number {
  const x = a.split("/");
  const y = b.split("/");
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i;
}

function nearest(from: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let score = -1;
  for (const c of candidates) {
    const s = commonPrefix(from, c);
    if (s > score || (s === score && best !== undefined && c < best)) {
      best = c;
      score = s;
    }
  }
  return best;
}

/** Expands the includes of every file (depth 16, cycles broken) and lists its modules. */
export function prepareFiles(
  raw: ReadonlyArray<{ path: string; text: string; encoding: string; encodingNote?: string }>,
): { files: SourceFile[]; includedBy: Map<string, string[]> } {
  const texts = new Map(raw.map((f) => [f.path, normaliseLineEndings(f.text)]));
  const paths = new Set(texts.keys());
  const byBase = new Map<string, string[]>();
  for (const p of paths) {
    const b = posix.basename(p);
    byBase.set(b, [...(byBase.get(b) ?? []), p]);
  }
  const includedBy = new Map<string, string[]>();
  const files: SourceFile[] = [];
  for (const f of raw) {
    const includes = new Set<string>();
    const unresolved = new Set<string>();
    const expand = (path: string, text: string, stack: string[]): string =>
      text.replace(INCLUDE, (line, name: string) => {
        const target = resolveInclude(name, path, paths, byBase);
        if (target === undefined) {
          unresolved.add(name);
          return line;
        }
        if (stack.includes(target) || stack.length > 16) return `// rtlgym: include cycle ${name}`;
        includes.add(target);
        return expand(target, texts.get(target) ?? "", [...stack, target]);
      });
    const text = texts.get(f.path) ?? "";
    const expanded = expand(f.path, text, [f.path]);
    for (const inc of includes) includedBy.set(inc, [...(includedBy.get(inc) ?? []), f.path]);
    files.push({
      path: f.path,
      text,
      expanded,
      encoding: f.encoding,
      ...(f.encodingNote !== undefined && { encodingNote: f.encodingNote }),
      includes: [...includes],
      unresolvedIncludes: [...unresolved],
      modules: listModules(expanded),
    });
  }
  return { files, includedBy };
}

const TB_TASKS =
  /\$(finish|stop|dumpfile|dumpvars|from_myhdl|to_myhdl|fdisplay|fwrite|monitor|fopen|test\$plusargs|value\$plusargs)\b/;

/** A testbench module: no ports, or simulation-control system tasks a design never needs. */
export function isTestbenchModule(text: string, name: string): boolean {
  if (moduleHeaderPortNames(text, name).length === 0) return true;
  return TB_TASKS.test(text);
}

/** The `define directives of a text (with continuation lines), by name. */
export function defineTable(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /^[ \t]*`define[ \t]+([A-Za-z_][A-Za-z0-9_$]*)(?:[^\n\\]|\\\n|\\(?!\n))*$/gm;
  for (const m of text.matchAll(re)) if (m[1] && !out.has(m[1])) out.set(m[1], m[0].trim());
  return out;
}

/** Macros used, with the offset of their first use. */
function macrosUsed(text: string): Map<string, number> {
  const used = new Map<string, number>();
  for (const t of tokenize(text))
    if (t.kind === "directive" && !BUILTIN_DIRECTIVES.has(t.text) && !used.has(t.text.slice(1)))
      used.set(t.text.slice(1), t.start);
  return used;
}

interface ModuleRef {
  file: SourceFile;
  module: ModuleInfo;
  testbench: boolean;
}

/**
 * Builds one unit per top module of a source. Instantiations resolve to the module of that name in the same file,
 * else the nearest file by path; a module is a top when no design module instantiates it (a testbench's DUT stays a
 * design top), and a testbench is a top when nothing instantiates it.
 */
export function buildUnits(files: readonly SourceFile[], includedBy: Map<string, string[]>): UnitDraft[] {
  const defs = new Map<string, ModuleRef[]>();
  const refs: ModuleRef[] = [];
  const globalDefines = new Map<string, string>();
  for (const f of files) {
    for (const [k, v] of defineTable(f.expanded)) if (!globalDefines.has(k)) globalDefines.set(k, v);
    // Files only included by others contribute through their includer.
    if (includedBy.has(f.path)) continue;
    for (const m of f.modules) {
      const body = f.expanded.slice(m.start, m.end);
      const ref = { file: f, module: m, testbench: isTestbenchModule(body, m.name) };
      refs.push(ref);
      defs.set(m.name, [...(defs.get(m.name) ?? []), ref]);
    }
  }
  const resolve = (from: ModuleRef, name: string): ModuleRef | undefined => {
    const all = defs.get(name);
    if (!all) return undefined;
    const same = all.find((r) => r.file === from.file);
    if (same) return same;
    const path = nearest(
      from.file.path,
      all.map((r) => r.file.path),
    );
    return all.find((r) => r.file.path === path);
  };
  const instantiatedByDesign = new Set<ModuleRef>();
  const instantiated = new Set<ModuleRef>();
  for (const r of refs) {
    for (const name of r.module.instantiates) {
      const target = resolve(r, name);
      if (!target || target === r) continue;
      instantiated.add(target);
      if (!r.testbench) instantiatedByDesign.add(target);
    }
  }
  const tops = refs.filter((r) => (r.testbench ? !instantiated.has(r) : !instantiatedByDesign.has(r)));
  return tops.map((top) => unitOf(top, resolve, globalDefines));
}

function unitOf(
  top: ModuleRef,
  resolve: (from: ModuleRef, name: string) => ModuleRef | undefined,
  globalDefines: Map<string, string>,
): UnitDraft {
  const members: ModuleRef[] = [top];
  const seen = new Set<ModuleRef>([top]);
  const missing = new Set<string>();
  for (let i = 0; i < members.length; i++) {
    const r = members[i] as ModuleRef;
    for (const name of r.module.instantiates) {
      const t = resolve(r, name);
      if (!t) missing.add(name);
      else if (!seen.has(t)) {
        seen.add(t);
        members.push(t);
      }
    }
  }
  // Each contributing file appears once, with the modules outside the unit cut out (directives, packages and
  // defines around them stay), dependencies first so that their defines precede the top's uses.
  const byFile = new Map<SourceFile, Set<ModuleInfo>>();
  for (const r of [...members].reverse()) byFile.set(r.file, (byFile.get(r.file) ?? new Set()).add(r.module));
  const parts: string[] = [];
  for (const [file, keep] of byFile) {
    let out = "";
    let at = 0;
    for (const m of file.modules) {
      if (keep.has(m)) continue;
      // An attribute instance right before a removed module belongs to it.
      out += file.expanded.slice(at, m.start).replace(/\(\*[\s\S]*?\*\)\s*$/, "");
      at = m.end;
    }
    out += file.expanded.slice(at);
    parts.push(out.replace(/\n{3,}/g, "\n\n").trim());
  }
  let code = parts.join("\n\n");
  const local = defineTable(code);
  const imported: string[] = [];
  const undefinedMacros: string[] = [];
  for (const [name, firstUse] of macrosUsed(code)) {
    // Defined here before its first use: nothing to add. Used first and defined later (a dependency's file reads a
    // header that only the top's file includes): the definition is hoisted.
    const definedAt = local.has(name) ? code.search(new RegExp(`\`define[ \t]+${name.replace(/\$/g, "\\$")}\\b`)) : -1;
    if (definedAt >= 0 && definedAt < firstUse) continue;
    const def = globalDefines.get(name) ?? local.get(name);
    if (def !== undefined) imported.push(def);
    else undefinedMacros.push(name);
  }
  if (imported.length > 0) code = `${imported.join("\n")}\n\n${code}`;
  const files = [...byFile.keys()].map((f) => f.path).reverse();
  const includes = [...byFile.keys()].flatMap((f) => f.includes);
  return {
    top: top.module.name,
    path: top.file.path,
    kind: top.testbench ? "testbench" : "design",
    files: [...new Set([...files, ...includes])],
    modules: members.map((m) => m.module.name),
    missing: [...missing].sort(),
    unresolvedIncludes: [...new Set([...byFile.keys()].flatMap((f) => f.unresolvedIncludes))],
    undefinedMacros: undefinedMacros.sort(),
    importedMacros: imported.map((d) => /`define\s+(\S+)/.exec(d)?.[1] ?? d).sort(),
    code: `${code}\n`,
    ports: moduleHeaderPortNames(top.file.expanded.slice(top.module.start, top.module.end), top.module.name).length,
  };
}
