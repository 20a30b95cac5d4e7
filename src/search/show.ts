import type { NodeRecord } from "./store.js";

/** The chosen node and its ancestors: the path the search answered with. */
export function chosenPath(nodes: readonly NodeRecord[]): Set<number> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out = new Set<number>();
  let n = nodes.find((x) => x.info.chosen === true);
  while (n) {
    out.add(n.id);
    n = n.parent === null ? undefined : byId.get(n.parent);
  }
  return out;
}

const fmt = (x: number | null) => (x === null ? "-" : x.toFixed(3));
const oneLine = (s: string, max = 70) => {
  const t = JSON.stringify(s);
  return t.length > max ? `${t.slice(0, max - 3)}..."` : t;
};

function label(n: NodeRecord): string {
  const mean = n.visits > 0 ? n.valueSum / n.visits : null;
  const flags = [
    n.terminal ? `end:${n.finish ?? "?"}` : "",
    n.info.compiles === true ? "compiles" : n.info.compiles === false ? "no-compile" : "",
    typeof n.info.prm === "number" ? `prm=${(n.info.prm as number).toFixed(3)}` : "",
    typeof n.info.cluster === "number" ? `cluster=${n.info.cluster}` : "",
    typeof n.info.verified === "string" ? `verified=${n.info.verified}` : "",
    n.duplicates > 0 ? `dup=${n.duplicates}` : "",
  ].filter(Boolean);
  return `#${n.id} score=${fmt(n.score)} visits=${n.visits} mean=${fmt(mean)}${flags.length ? ` [${flags.join(" ")}]` : ""} ${oneLine(n.step)}`;
}

/** The tree as indented text, the chosen path marked with `*`. */
export function treeText(nodes: readonly NodeRecord[]): string {
  const kids = new Map<number, NodeRecord[]>();
  for (const n of nodes) if (n.parent !== null) kids.set(n.parent, [...(kids.get(n.parent) ?? []), n]);
  const chosen = chosenPath(nodes);
  const lines: string[] = [];
  const walk = (n: NodeRecord, depth: number) => {
    lines.push(`${chosen.has(n.id) ? "*" : " "} ${"  ".repeat(depth)}${label(n)}`);
    for (const c of kids.get(n.id) ?? []) walk(c, depth + 1);
  };
  const root = nodes.find((n) => n.parent === null);
  if (root) walk(root, 0);
  return `${lines.join("\n")}\n`;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A self-contained HTML page of one problem's search tree: nodes, scores, the chosen path and its design. */
export function treeHtml(title: string, nodes: readonly NodeRecord[], code: string | null): string {
  const kids = new Map<number, NodeRecord[]>();
  for (const n of nodes) if (n.parent !== null) kids.set(n.parent, [...(kids.get(n.parent) ?? []), n]);
  const chosen = chosenPath(nodes);
  const item = (n: NodeRecord): string => {
    const children = kids.get(n.id) ?? [];
    const cls = [chosen.has(n.id) ? "chosen" : "", n.terminal ? "terminal" : ""].filter(Boolean).join(" ");
    const body = `<span class="${cls}">${esc(label(n))}</span><pre>${esc(n.step)}</pre>`;
    return `<li>${children.length > 0 ? `<details open><summary>${body}</summary><ul>${children.map(item).join("")}</ul></details>` : body}</li>`;
  };
  const root = nodes.find((n) => n.parent === null);
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5em}ul{list-style:none;padding-left:1.2em;border-left:1px solid #ddd}
pre{margin:.1em 0 .4em 0;background:#f6f6f6;padding:.2em .4em;white-space:pre-wrap;font-size:12px}
.chosen{font-weight:bold;color:#0a6}.terminal{text-decoration:underline}summary{cursor:pointer}
</style></head><body>
<h1>${esc(title)}</h1>
<p>${nodes.length} nodes. <span class="chosen">Bold green</span>: the chosen path; underlined: finished designs.
score = the node's own evaluation (value or terminal reward), mean = backed-up value / visits.</p>
<ul>${root ? item(root) : ""}</ul>
<h2>Chosen design</h2><pre>${esc(code ?? "(none)")}</pre>
</body></html>
`;
}
