import type { Port } from "../contracts/index.js";

/**
 * What the vvp assembly iverilog writes says about a root module: its ports (`.port_info`, iverilog 11 and later)
 * and whether it provably holds no state. This reads iverilog's own generated output, a line format with one
 * statement per line, never the candidate's Verilog: the scope headers (`S_<id> .scope module, "inst" "type" ...;`,
 * with `, S_<parent>` for a child), the port lines under them, and the declarations that can hold state.
 */
export interface ElaboratedRoot {
  ports: Port[];
  /**
   * True when nothing under the root can hold a value across time: no procedural variable, memory, UDP or edge
   * event anywhere in its scope tree (only nets and continuous logic). Otherwise undefined: vvp alone cannot tell
   * a combinational `always @*` from a latch, so the caller asks Yosys when it matters.
   */
  stateless?: true;
}

const SCOPE_HEADER = /^(S_0x[0-9a-f]+) \.scope ([\w.]+), "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"(.*);$/;
const CODE_SCOPE = /^\s+\.scope (S_0x[0-9a-f]+);$/;
const PORT_INFO = /^\s+\.port_info (\d+) \/(INPUT|OUTPUT|INOUT) (\d+) "((?:[^"\\]|\\.)*)";$/;
const DECLARATION = /^\S+ \.(net|var|array|udp|event)(\S*) (?:"((?:[^"\\]|\\.)*)")?(.*)$/;
const DIRECTIONS = { INPUT: "input", OUTPUT: "output", INOUT: "inout" } as const;

/** A vvp string's text: iverilog escapes a quote or backslash with a backslash, other characters as three octal digits. */
function unescapeVvp(text: string): string {
  return text.replace(/\\([0-7]{3}|[\s\S])/g, (_m, e: string) =>
    e.length === 3 ? String.fromCharCode(Number.parseInt(e, 8)) : e,
  );
}

interface Scope {
  kind: string;
  name: string;
  parent?: string;
  ports: Port[];
  signed: Set<string>;
  holdsState: boolean;
}

/**
 * The roots named in `tops` as `vvp` describes them; a top is missing from the map when its scope or its port
 * lines are not there (an older iverilog, or a module without ports), so the caller falls back to another reader.
 */
export function readElaboratedRoots(vvp: string, tops: readonly string[]): Map<string, ElaboratedRoot> {
  const scopes = new Map<string, Scope>();
  let current: Scope | undefined;
  for (const line of vvp.split("\n")) {
    const header = SCOPE_HEADER.exec(line);
    if (header) {
      const [, id, kind, name, , rest] = header as unknown as [string, string, string, string, string, string];
      const parent = /, (S_0x[0-9a-f]+)$/.exec(rest)?.[1];
      current = {
        kind,
        name: unescapeVvp(name),
        ports: [],
        signed: new Set(),
        holdsState: false,
        ...(parent && { parent }),
      };
      scopes.set(id, current);
      continue;
    }
    const code = CODE_SCOPE.exec(line);
    if (code) {
      current = scopes.get(code[1] as string);
      continue;
    }
    if (!current) continue;
    const port = PORT_INFO.exec(line);
    if (port) {
      const [, , dir, width, name] = port as unknown as [string, string, keyof typeof DIRECTIONS, string, string];
      current.ports.push({ name: unescapeVvp(name), direction: DIRECTIONS[dir], width: Number(width), signed: false });
      continue;
    }
    const decl = DECLARATION.exec(line);
    if (!decl) continue;
    const [, what, flavour, name, rest] = decl as unknown as [string, string, string, string | undefined, string];
    if ((what === "net" || what === "var") && name !== undefined && /\/(s|2s|i)\b/.test(flavour))
      current.signed.add(unescapeVvp(name));
    // Nets and anyedge events (an `always @*` waiting on its inputs) hold nothing; everything else may.
    if (what === "var" || what === "array" || what === "udp") current.holdsState = true;
    if (what === "event" && /^\s*(posedge|negedge)/.test(`${name ?? ""}${rest}`)) current.holdsState = true;
  }

  const children = new Map<string, string[]>();
  for (const [id, s] of scopes) if (s.parent) children.set(s.parent, [...(children.get(s.parent) ?? []), id]);
  const holdsState = (id: string): boolean =>
    (scopes.get(id)?.holdsState ?? true) || (children.get(id) ?? []).some(holdsState);

  const out = new Map<string, ElaboratedRoot>();
  for (const [id, s] of scopes) {
    if (s.kind !== "module" || s.parent !== undefined || !tops.includes(s.name) || s.ports.length === 0) continue;
    const ports = s.ports.map((p) => ({ ...p, signed: s.signed.has(p.name) }));
    out.set(s.name, { ports, ...(!holdsState(id) && { stateless: true as const }) });
  }
  return out;
}
