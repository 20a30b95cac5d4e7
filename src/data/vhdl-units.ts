import { applyEdits, type TextEdit } from "../core/edits.js";
import { lexVhdl, listEntities, type VhdlToken } from "../vhdl/index.js";

/**
 * VHDL sources as self-contained units, the counterpart of units.ts for Verilog: every file is split into its design
 * units (entities, architectures, packages and bodies, configurations, each with the library/use clauses before it);
 * EVERY entity becomes one unit with the entities it instantiates and the packages they use, in analysis order
 * (packages first, each after the packages it uses; then entities, leaves first). Unlike Verilog (one unit per top),
 * a VHDL source is a library of entities whose tops are often whole systems (neorv32: a SoC of 72 entities), and its
 * entities are the useful units; near-duplicate detection compares each top's own text. The source's own design libraries (`library neorv32; use neorv32.pkg.all;`) are renamed `work`, so
 * the unit analyses alone into GHDL's work library.
 */

export interface VhdlSourceFile {
  path: string;
  text: string;
}

/** One unit of a VHDL source. */
export interface VhdlUnitDraft {
  top: string;
  /** The top entity's file. */
  path: string;
  kind: "design" | "testbench";
  files: string[];
  /** Entities in the unit (the top last). */
  entities: string[];
  packages: string[];
  /** Entities, components or packages used but defined nowhere in the source (vendor libraries). */
  missing: string[];
  code: string;
  /** Where the top entity's own text (its declaration and architectures) starts in `code`. */
  ownStart: number;
  ports: number;
}

type Kind = "entity" | "architecture" | "package" | "body" | "configuration" | "context";

interface DesignUnit {
  kind: Kind;
  /** Lower-case name (architectures and configurations: the entity's name). */
  name: string;
  path: string;
  /** Source text with its context clause. */
  text: string;
  /** `use L.P` package names and `library` names it declares (lower case). */
  uses: Array<{ library: string; name: string }>;
  libraries: string[];
  /** Names it instantiates (entity instantiations and component instantiations). */
  instantiates: Array<{ library: string | undefined; name: string }>;
}

const PREDEFINED = new Set(["ieee", "std"]);

const isStatementStart = (tokens: readonly VhdlToken[], i: number) => i === 0 || tokens[i - 1]?.norm === ";";

/** Where each design unit starts (its keyword), with its kind and name. */
function unitStarts(tokens: readonly VhdlToken[]): Array<{ at: number; kind: Kind; name: string }> {
  const starts: Array<{ at: number; kind: Kind; name: string }> = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!isStatementStart(tokens, i)) continue;
    const t = tokens[i]?.norm;
    const n1 = tokens[i + 1];
    const n2 = tokens[i + 2]?.norm;
    if (t === "entity" && n1?.kind === "id" && n2 === "is") starts.push({ at: i, kind: "entity", name: n1.norm });
    else if (t === "package" && n1?.norm === "body" && tokens[i + 2]?.kind === "id")
      starts.push({ at: i, kind: "body", name: tokens[i + 2]?.norm ?? "" });
    else if (t === "package" && n1?.kind === "id" && n2 === "is")
      starts.push({ at: i, kind: "package", name: n1.norm });
    else if ((t === "architecture" || t === "configuration") && n1?.kind === "id" && n2 === "of")
      starts.push({ at: i, kind: t, name: tokens[i + 3]?.norm ?? "" });
    else if (t === "context" && n1?.kind === "id" && n2 === "is")
      starts.push({ at: i, kind: "context", name: n1.norm });
  }
  return starts;
}

/** Index of the first token of the library/use/context clauses right before token `at` (or `at`). */
function contextStart(tokens: readonly VhdlToken[], at: number, floor: number): number {
  let start = at;
  for (;;) {
    // The statement before `start` ends at start-1 (a `;`); find where it begins.
    if (start <= floor || tokens[start - 1]?.norm !== ";") return start;
    let s = start - 2;
    while (s >= floor && tokens[s]?.norm !== ";") s--;
    const first = tokens[s + 1]?.norm;
    if (first !== "library" && first !== "use" && first !== "context") return start;
    start = s + 1;
  }
}

function parseFile(path: string, text: string): DesignUnit[] {
  const { tokens } = lexVhdl(text);
  const starts = unitStarts(tokens);
  const units: DesignUnit[] = [];
  let floor = 0;
  const spans = starts.map((s) => {
    const from = contextStart(tokens, s.at, floor);
    floor = s.at + 1;
    return { ...s, from };
  });
  spans.forEach((s, k) => {
    const endTok = k + 1 < spans.length ? (spans[k + 1]?.from ?? tokens.length) : tokens.length;
    const slice = tokens.slice(s.from, endTok);
    // The file's first unit keeps the comments above it (a header describing the design, its licence): they are
    // the unit's documentation, and decontamination reads comments for pasted benchmark specifications.
    const startChar = k === 0 ? 0 : (tokens[s.from]?.start ?? 0);
    const endChar = endTok < tokens.length ? (tokens[endTok]?.start ?? text.length) : text.length;
    const uses: DesignUnit["uses"] = [];
    const libraries: string[] = [];
    const instantiates: DesignUnit["instantiates"] = [];
    for (let i = 0; i < slice.length; i++) {
      const t = slice[i] as VhdlToken;
      const atStart = i === 0 || slice[i - 1]?.norm === ";";
      if (atStart && t.norm === "library") {
        for (let j = i + 1; j < slice.length && slice[j]?.norm !== ";"; j++)
          if (slice[j]?.kind === "id") libraries.push(slice[j]?.norm as string);
      } else if (atStart && t.norm === "use") {
        // use L.P.all, use L.P.item, several comma-separated
        for (let j = i + 1; j < slice.length && slice[j]?.norm !== ";"; j++) {
          if (slice[j]?.kind === "id" && slice[j + 1]?.norm === "." && slice[j + 2]?.kind === "id") {
            uses.push({ library: slice[j]?.norm as string, name: slice[j + 2]?.norm as string });
            while (j < slice.length && slice[j]?.norm !== "," && slice[j]?.norm !== ";") j++;
            if (slice[j]?.norm === ";") break;
          }
        }
      } else if (t.norm === ":" && slice[i + 1]?.norm === "entity" && slice[i + 2]?.kind === "id") {
        // label : entity L.X [(arch)] ...
        if (slice[i + 3]?.norm === "." && slice[i + 4]?.kind === "id")
          instantiates.push({ library: slice[i + 2]?.norm, name: slice[i + 4]?.norm as string });
        else instantiates.push({ library: undefined, name: slice[i + 2]?.norm as string });
      } else if (t.norm === ":" && slice[i - 1]?.kind === "id") {
        // label : [component] X [generic map | port map]
        let j = i + 1;
        if (slice[j]?.norm === "component") j++;
        const name = slice[j];
        const after = slice[j + 1]?.norm;
        if (
          name?.kind === "id" &&
          (after === "port" || after === "generic") &&
          slice[j + 2]?.norm === "map" &&
          !["entity", "configuration"].includes(name.norm)
        )
          instantiates.push({ library: undefined, name: name.norm });
      }
    }
    units.push({
      kind: s.kind,
      name: s.name,
      path,
      text: text.slice(startChar, endChar).trim(),
      uses,
      libraries,
      instantiates,
    });
  });
  return units;
}

/**
 * `library L;` clauses of local libraries dropped (or the name taken out of a list) and `L.` prefixes made `work.`:
 * the unit's own design library becomes the work library it is analysed into.
 */
export function renameLibraries(text: string, local: ReadonlySet<string>): string {
  if (local.size === 0) return text;
  const { tokens } = lexVhdl(text);
  const edits: TextEdit[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as VhdlToken;
    if (t.norm === "library" && (i === 0 || tokens[i - 1]?.norm === ";")) {
      let j = i + 1;
      const names: VhdlToken[] = [];
      for (; j < tokens.length && tokens[j]?.norm !== ";"; j++)
        if (tokens[j]?.kind === "id") names.push(tokens[j] as VhdlToken);
      const keep = names.filter((n) => !local.has(n.norm));
      if (keep.length === names.length) continue;
      const end = tokens[j]?.end ?? t.end;
      edits.push([t.start, end, keep.length > 0 ? `library ${keep.map((n) => n.text).join(", ")};` : ""]);
      i = j;
    } else if (t.kind === "id" && local.has(t.norm) && tokens[i + 1]?.norm === "." && tokens[i - 1]?.norm !== ".") {
      edits.push([t.start, t.end, "work"]);
    }
  }
  return applyEdits(text, edits);
}

/** VHDL tokens of a text (comments and spacing dropped, identifiers lower-cased): duplicate keys and shingles. */
export function vhdlTokens(text: string): string[] {
  return lexVhdl(text).tokens.map((t) => t.norm);
}

/** Units of one source's VHDL files, and the files in no unit with the reason. */
export function buildVhdlUnits(files: readonly VhdlSourceFile[]): {
  units: VhdlUnitDraft[];
  uncovered: Array<{ path: string; reason: string }>;
} {
  const all = files.flatMap((f) => parseFile(f.path, f.text));
  const entities = new Map<string, DesignUnit>();
  const archs = new Map<string, DesignUnit[]>();
  const packages = new Map<string, DesignUnit>();
  const bodies = new Map<string, DesignUnit>();
  for (const u of all) {
    if (u.kind === "entity" && !entities.has(u.name)) entities.set(u.name, u);
    else if (u.kind === "architecture") archs.set(u.name, [...(archs.get(u.name) ?? []), u]);
    else if (u.kind === "package" && !packages.has(u.name)) packages.set(u.name, u);
    else if (u.kind === "body" && !bodies.has(u.name)) bodies.set(u.name, u);
  }
  const partsOfEntity = (name: string) => [entities.get(name) as DesignUnit, ...(archs.get(name) ?? [])];
  const partsOfPackage = (name: string) => [
    packages.get(name) as DesignUnit,
    ...(bodies.has(name) ? [bodies.get(name) as DesignUnit] : []),
  ];
  // Names an entity instantiates that are entities of the source.
  const children = (name: string) => [
    ...new Set(
      partsOfEntity(name)
        .flatMap((u) => u.instantiates.map((x) => x.name))
        .filter((n) => entities.has(n) && n !== name),
    ),
  ];

  const units: VhdlUnitDraft[] = [];
  const covered = new Set<string>();
  for (const [top, decl] of entities) {
    // Entities, leaves first.
    const order: string[] = [];
    const seen = new Set<string>();
    const visit = (e: string) => {
      if (seen.has(e)) return;
      seen.add(e);
      for (const c of children(e)) visit(c);
      order.push(e);
    };
    visit(top);
    const parts = order.flatMap(partsOfEntity);
    // Packages used, each after the ones it uses.
    const pkgOrder: string[] = [];
    const missing = new Set<string>();
    const pseen = new Set<string>();
    const localLibs = new Set<string>();
    const usePackages = (u: DesignUnit) => {
      for (const use of u.uses) {
        if (PREDEFINED.has(use.library)) continue;
        if (packages.has(use.name)) {
          if (use.library !== "work") localLibs.add(use.library);
          visitPkg(use.name);
        } else missing.add(`${use.library}.${use.name}`);
      }
    };
    const visitPkg = (p: string) => {
      if (pseen.has(p)) return;
      pseen.add(p);
      for (const u of partsOfPackage(p)) usePackages(u);
      pkgOrder.push(p);
    };
    for (const u of parts) {
      usePackages(u);
      for (const x of u.instantiates) {
        if (x.library !== undefined && x.library !== "work" && entities.has(x.name)) localLibs.add(x.library);
        if (!entities.has(x.name)) missing.add(x.name);
      }
    }
    const pkgParts = [
      ...pkgOrder.map((p) => packages.get(p) as DesignUnit),
      ...pkgOrder.flatMap((p) => (bodies.has(p) ? [bodies.get(p) as DesignUnit] : [])),
    ];
    const texts = [...pkgParts, ...parts].map((u) => renameLibraries(u.text, localLibs));
    const ownParts = partsOfEntity(top).length;
    const code = `${texts.join("\n\n")}\n`;
    const ownStart = code.length - 1 - texts.slice(-ownParts).join("\n\n").length;
    const unitParts = [...pkgParts, ...parts];
    const fileList = [...new Set(unitParts.map((u) => u.path))];
    for (const p of fileList) covered.add(p);
    const entity = listEntities(decl.text).find((e) => e.name.toLowerCase() === top);
    const ports = entity?.ports.length ?? 0;
    units.push({
      top: entity?.name ?? top,
      path: decl.path,
      // No ports: a testbench (or a simulation-only top); otherwise a design.
      kind: ports === 0 ? "testbench" : "design",
      files: fileList,
      entities: order,
      packages: pkgOrder,
      missing: [...missing].sort(),
      code,
      ownStart,
      ports,
    });
  }
  const uncovered = files
    .filter((f) => !covered.has(f.path))
    .map((f) => {
      const kinds = new Set(all.filter((u) => u.path === f.path).map((u) => u.kind));
      const reason =
        kinds.size === 0
          ? f.text.trim() === ""
            ? "empty file"
            : "no VHDL design unit (entity, architecture, package)"
          : kinds.has("package") || kinds.has("body")
            ? "VHDL package no entity of the source uses"
            : kinds.has("architecture") && !kinds.has("entity")
              ? "VHDL architecture of an entity defined nowhere in the source"
              : "VHDL entity only reachable through an instantiation cycle";
      return { path: f.path, reason };
    });
  return { units, uncovered };
}
