import { closingParen, lexVhdl, type VhdlToken } from "./lexer.js";

/** How a VHDL port type maps onto rtlgym's bit-vector interface (src/contracts/verify.ts `Port`). */
export type VhdlPortKind = "bit" | "bool" | "vector" | "integer";

export interface VhdlPort {
  name: string;
  direction: "input" | "output";
  kind: VhdlPortKind;
  /** The type mark as written, lower-cased, without its package prefix (std_logic_vector, unsigned, natural...). */
  typeMark: string;
  signed: boolean;
  /** Width when the source fixes it with literals (or generic defaults); else the netlist's width is used. */
  width?: number;
  /** integer ports: the range, when it is known. */
  range?: { lo: number; hi: number };
}

export interface VhdlGeneric {
  name: string;
  typeMark: string;
  default?: string;
}

export interface VhdlEntity {
  name: string;
  line: number;
  generics: VhdlGeneric[];
  ports: VhdlPort[];
  /** Why rtlgym cannot drive or read this entity's ports, one reason each. */
  unsupported: string[];
}

const SCALAR_BIT = new Set(["std_logic", "std_ulogic", "bit"]);
const VECTOR = new Set(["std_logic_vector", "std_ulogic_vector", "unsigned", "signed", "bit_vector"]);
const INTEGER = new Set(["integer", "natural", "positive"]);

/**
 * Every entity declared in the source, with its generics and ports mapped (or the reasons they cannot be).
 * `generics` (lower-case names) are values given by the user: they count as defaults.
 */
export function listEntities(source: string, generics: Record<string, string> = {}): VhdlEntity[] {
  const { tokens } = lexVhdl(source);
  const entities: VhdlEntity[] = [];
  const at = (k: number) => tokens[k]?.norm ?? "";
  for (let k = 0; k < tokens.length; k++) {
    // `entity NAME is` declares; `entity work.NAME` in an instantiation does not.
    if (at(k) !== "entity" || at(k + 2) !== "is") continue;
    const nameTok = tokens[k + 1] as VhdlToken;
    if (nameTok.kind !== "id" && nameTok.kind !== "extid") continue;
    // Names as declared: GHDL's netlist keeps the declared spelling (VHDL itself ignores case).
    const entity: VhdlEntity = { name: nameTok.text, line: nameTok.line, generics: [], ports: [], unsupported: [] };
    if (nameTok.kind === "extid") entity.unsupported.push(`entity name ${nameTok.text} is an extended identifier`);
    let j = k + 3;
    const consts = new Map<string, number>();
    for (;;) {
      const clause = at(j);
      if ((clause !== "generic" && clause !== "port") || at(j + 1) !== "(") break;
      const close = closingParen(tokens, j + 1);
      if (close < 0) break;
      const items = splitInterfaceList(tokens.slice(j + 2, close));
      if (clause === "generic") {
        for (const item of items) {
          for (const g of genericsOf(item)) {
            const given = generics[g.name];
            if (given !== undefined) g.default = given;
            entity.generics.push(g);
            if (g.default === undefined)
              entity.unsupported.push(`generic ${g.name} has no default value (rtlgym elaborates with defaults)`);
            const v = g.default === undefined ? undefined : evalInt(lexVhdl(g.default).tokens, consts);
            if (v !== undefined) consts.set(g.name, v);
          }
        }
      } else {
        for (const item of items) portsOf(item, consts, entity);
      }
      j = close + 1;
      if (at(j) === ";") j++;
    }
    entities.push(entity);
  }
  return entities;
}

/** Splits the tokens inside `port ( ... )` at top-level semicolons. */
function splitInterfaceList(tokens: VhdlToken[]): VhdlToken[][] {
  const items: VhdlToken[][] = [];
  let depth = 0;
  let cur: VhdlToken[] = [];
  for (const t of tokens) {
    if (t.norm === "(") depth++;
    if (t.norm === ")") depth--;
    if (t.norm === ";" && depth === 0) {
      items.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length > 0) items.push(cur);
  return items;
}

/** `[signal|constant] a, b : [mode] type [:= default]` -> names, mode, subtype tokens, default tokens. */
function declaration(item: VhdlToken[]) {
  let k = 0;
  if (["signal", "constant", "variable"].includes(item[0]?.norm ?? "")) k++;
  const names: VhdlToken[] = [];
  while (k < item.length && item[k]?.norm !== ":") {
    const t = item[k] as VhdlToken;
    if (t.norm !== ",") names.push(t);
    k++;
  }
  k++; // ':'
  let mode = "in";
  if (["in", "out", "inout", "buffer", "linkage"].includes(item[k]?.norm ?? "")) mode = (item[k] as VhdlToken).norm;
  if (mode !== "in" || item[k]?.norm === "in") k++;
  const assign = item.findIndex((t, i) => i >= k && t.norm === ":=");
  const subtype = item.slice(k, assign < 0 ? item.length : assign);
  const dflt = assign < 0 ? undefined : item.slice(assign + 1);
  return { names, mode, subtype, dflt };
}

function genericsOf(item: VhdlToken[]): VhdlGeneric[] {
  if (item[0]?.norm === "type" || item[0]?.norm === "package" || item[0]?.norm === "function") {
    return [{ name: item[1]?.norm ?? "?", typeMark: item[0].norm }];
  }
  const { names, subtype, dflt } = declaration(item);
  const typeMark = typeMarkOf(subtype).mark;
  return names.map((n) => {
    const g: VhdlGeneric = { name: n.norm, typeMark };
    if (dflt) g.default = dflt.map((t) => t.text).join(" ");
    return g;
  });
}

/** The type mark (last name of `ieee.numeric_std.unsigned`) and the index of the token after it. */
function typeMarkOf(subtype: VhdlToken[]): { mark: string; next: number } {
  let k = 0;
  // A resolution function before the type mark (`resolved std_ulogic`) is rare: not mapped.
  while (subtype[k + 1]?.norm === "." && subtype[k + 2]) k += 2;
  return { mark: subtype[k]?.norm ?? "", next: k + 1 };
}

function portsOf(item: VhdlToken[], consts: Map<string, number>, entity: VhdlEntity): void {
  const { names, mode, subtype } = declaration(item);
  const { mark, next } = typeMarkOf(subtype);
  const rest = subtype.slice(next);
  for (const n of names) {
    const name = n.text;
    if (n.kind === "extid") {
      // GHDL 2.0 writes `\in\` as the Verilog escaped identifier `\in\,` (backslash and comma in the name).
      entity.unsupported.push(`port ${n.text}: extended identifiers are not mapped to Verilog names`);
      continue;
    }
    if (mode !== "in" && mode !== "out" && mode !== "buffer") {
      entity.unsupported.push(`port ${name}: mode ${mode} (only in, out and buffer ports are checked)`);
      continue;
    }
    const direction = mode === "in" ? "input" : "output";
    const port: VhdlPort = { name, direction, kind: "bit", typeMark: mark, signed: false };
    if (SCALAR_BIT.has(mark) && rest.length === 0) {
      port.width = 1;
    } else if (mark === "boolean" && rest.length === 0) {
      port.kind = "bool";
      port.width = 1;
    } else if (VECTOR.has(mark) && rest[0]?.norm === "(" && closingParen(rest, 0) === rest.length - 1) {
      port.kind = "vector";
      port.signed = mark === "signed";
      const bounds = rangeBounds(rest.slice(1, -1), consts);
      if (bounds === null) {
        entity.unsupported.push(`port ${name}: only a single index range (a downto b, a to b) is mapped`);
        continue;
      }
      if (bounds) port.width = Math.abs(bounds.lo - bounds.hi) + 1;
    } else if (INTEGER.has(mark)) {
      port.kind = "integer";
      let range: { lo: number; hi: number } | undefined;
      if (rest.length === 0) {
        range =
          mark === "integer"
            ? { lo: -(2 ** 31), hi: 2 ** 31 - 1 }
            : { lo: mark === "natural" ? 0 : 1, hi: 2 ** 31 - 1 };
      } else if (rest[0]?.norm === "range") {
        const b = rangeBounds(rest.slice(1), consts);
        if (b === null) {
          entity.unsupported.push(`port ${name}: integer range not understood`);
          continue;
        }
        if (b) range = { lo: Math.min(b.lo, b.hi), hi: Math.max(b.lo, b.hi) };
      } else {
        entity.unsupported.push(`port ${name}: integer constraint not understood`);
        continue;
      }
      if (range) {
        port.range = range;
        port.signed = range.lo < 0;
        port.width = integerWidth(range);
        // The engines drive every bit pattern of an input; a range that leaves some out would be a bound error.
        if (direction === "input" && !fullRange(range, port.width))
          entity.unsupported.push(
            `port ${name}: integer range ${range.lo} to ${range.hi} does not cover all ${port.width}-bit values (inputs are driven with every bit pattern)`,
          );
      } else if (direction === "input") {
        entity.unsupported.push(`port ${name}: integer range depends on values rtlgym cannot evaluate`);
        continue;
      }
    } else {
      const what = subtype.map((t) => t.text).join(" ");
      entity.unsupported.push(
        `port ${name}: type ${what} is not mapped (std_logic, std_logic_vector, unsigned, signed, bit, boolean and integer ranges are)`,
      );
      continue;
    }
    entity.ports.push(port);
  }
}

/** Width GHDL synthesis gives an integer subtype. */
export function integerWidth(r: { lo: number; hi: number }): number {
  if (r.lo >= 0) return Math.max(Math.ceil(Math.log2(r.hi + 1)), 1);
  let w = 1;
  while (-(2 ** (w - 1)) > r.lo || 2 ** (w - 1) - 1 < r.hi) w++;
  return w;
}

function fullRange(r: { lo: number; hi: number }, width: number): boolean {
  return r.lo < 0
    ? r.lo === -(2 ** (width - 1)) && r.hi === 2 ** (width - 1) - 1
    : r.lo === 0 && r.hi === 2 ** width - 1;
}

/**
 * `a downto b` / `a to b` with integer expressions: the bounds, undefined when they use names rtlgym cannot
 * evaluate (the netlist then gives the width), null when it is not a single range.
 */
function rangeBounds(tokens: VhdlToken[], consts: Map<string, number>): { lo: number; hi: number } | undefined | null {
  const dir = tokens.findIndex((t) => t.norm === "downto" || t.norm === "to");
  if (dir < 0 || tokens.some((t) => t.norm === ",")) return null;
  const a = evalInt(tokens.slice(0, dir), consts);
  const b = evalInt(tokens.slice(dir + 1), consts);
  if (a === undefined || b === undefined) return undefined;
  return tokens[dir]?.norm === "downto" ? { lo: b, hi: a } : { lo: a, hi: b };
}

/** Integer arithmetic (+ - * / ** and parentheses) over literals and known generics; undefined otherwise. */
export function evalInt(tokens: VhdlToken[], consts: Map<string, number>): number | undefined {
  let k = 0;
  const peek = () => tokens[k]?.norm;
  const primary = (): number | undefined => {
    const t = tokens[k++];
    if (!t) return undefined;
    if (t.norm === "(") {
      const v = sum();
      if (peek() !== ")") return undefined;
      k++;
      return v;
    }
    if (t.kind === "number" && /^[0-9_]+$/.test(t.text)) return Number(t.text.replace(/_/g, ""));
    if (t.kind === "id") return consts.get(t.norm);
    return undefined;
  };
  const power = (): number | undefined => {
    const base = primary();
    if (peek() === "**") {
      k++;
      const e = primary();
      return base === undefined || e === undefined ? undefined : base ** e;
    }
    return base;
  };
  const product = (): number | undefined => {
    let v = power();
    while (peek() === "*" || peek() === "/") {
      const op = tokens[k++]?.norm;
      const r = power();
      if (v === undefined || r === undefined || (op === "/" && r === 0)) return undefined;
      v = op === "*" ? v * r : Math.trunc(v / r);
    }
    return v;
  };
  const sum = (): number | undefined => {
    let sign = 1;
    if (peek() === "-" || peek() === "+") sign = tokens[k++]?.norm === "-" ? -1 : 1;
    let v = product();
    if (v !== undefined) v *= sign;
    while (peek() === "+" || peek() === "-") {
      const op = tokens[k++]?.norm;
      const r = product();
      if (v === undefined || r === undefined) return undefined;
      v = op === "+" ? v + r : v - r;
    }
    return v;
  };
  const v = sum();
  return k === tokens.length && v !== undefined && Number.isSafeInteger(v) ? v : undefined;
}

/** The entity no architecture of the source instantiates (the top), when there is exactly one. */
export function findTopEntity(source: string): string | undefined {
  const entities = listEntities(source);
  if (entities.length === 1) return entities[0]?.name;
  const { tokens } = lexVhdl(source);
  const used = new Set<string>();
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as VhdlToken;
    // `u: entity work.x`, `u: x port map`, `component x`
    if (t.norm === "entity" && tokens[k + 2]?.norm === ".") used.add(tokens[k + 3]?.norm ?? "");
    if (t.norm === "component") used.add(tokens[k + 1]?.norm ?? "");
  }
  const tops = entities.filter((e) => !used.has(e.name.toLowerCase()));
  return tops.length === 1 ? tops[0]?.name : undefined;
}

/** The text of entity `name`'s declaration, from `entity` to the `;` after its `end`; undefined when absent. */
export function entityDeclaration(source: string, name: string): string | undefined {
  const { tokens } = lexVhdl(source);
  const want = name.toLowerCase();
  for (let k = 0; k + 2 < tokens.length; k++) {
    if (tokens[k]?.norm !== "entity" || tokens[k + 1]?.norm.toLowerCase() !== want || tokens[k + 2]?.norm !== "is")
      continue;
    for (let j = k + 3; j < tokens.length; j++) {
      if (tokens[j]?.norm !== "end") continue;
      let e = j + 1;
      while (e < tokens.length && tokens[e]?.norm !== ";") e++;
      const end = tokens[e];
      return end ? source.slice(tokens[k]?.start, end.end) : undefined;
    }
  }
  return undefined;
}

/** An architecture body in the token list: `architecture` .. the last token before the next design unit. */
export interface ArchitectureSpan {
  name: string;
  /** The entity it belongs to, lower-cased. */
  entity: string;
  /** Token index of `architecture`, and of its closing `end`. */
  start: number;
  end: number;
}

const UNIT_WORDS = new Set(["entity", "architecture", "package", "configuration", "context", "library", "use"]);

/**
 * Every architecture (`architecture A of E is ... end [architecture] [A];`) of the tokens: it runs to the last `end`
 * before the next design unit, i.e. the next context or unit keyword that follows a `;` and is not a `use` of the
 * architecture's declarative part (a `use` after the architecture's own `end ...;`).
 */
export function architectureSpans(tokens: readonly VhdlToken[]): ArchitectureSpan[] {
  const at = (k: number) => tokens[k]?.norm ?? "";
  const spans: ArchitectureSpan[] = [];
  for (let k = 0; k < tokens.length; k++) {
    if (at(k) !== "architecture" || at(k + 2) !== "of" || at(k + 4) !== "is" || at(k - 1) === "end") continue;
    let stop = tokens.length;
    for (let j = k + 5; j < tokens.length; j++) {
      if (!UNIT_WORDS.has(at(j)) || at(j - 1) !== ";") continue;
      // A `use` inside the declarative part follows a `;` as well: only one after `end ...;` starts a unit.
      if (at(j) === "use" && !endsWithEnd(tokens, j - 1)) continue;
      stop = j;
      break;
    }
    let end = -1;
    for (let j = stop - 1; j > k; j--) {
      if (at(j) === "end") {
        end = j;
        break;
      }
    }
    if (end < 0) continue;
    spans.push({ name: at(k + 1), entity: at(k + 3), start: k, end });
    k = end;
  }
  return spans;
}

/** Whether the statement ending with the `;` at `semi` is `end [word] [name] ;`. */
function endsWithEnd(tokens: readonly VhdlToken[], semi: number): boolean {
  for (let j = semi - 1; j >= Math.max(semi - 3, 0); j--) if (tokens[j]?.norm === "end") return true;
  return false;
}
