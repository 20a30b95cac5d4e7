import { type Family, type Params, type Port, type ResetParams, resetSentence } from "./family.js";
import type { Text } from "./text.js";

function width(p: Port, t: Text): string {
  return p.width === 1 ? "1 bit" : `${t.n(p.width)} bits${p.signed ? ", signed" : ""}`;
}

/** Interface sections in four layouts; layout 3 is only used by the held-out phrasing. */
const LAYOUTS: ReadonlyArray<(ports: readonly Port[], t: Text) => string> = [
  (ports, t) => `Ports:\n${ports.map((p) => `- \`${p.name}\` (${p.dir}, ${width(p, t)}): ${p.desc}`).join("\n")}`,
  (ports, t) => {
    const list = (dir: Port["dir"]) =>
      ports
        .filter((p) => p.dir === dir)
        .map((p) => `\`${p.name}\` [${width(p, t)}] - ${p.desc}`)
        .join("; ");
    return `Inputs: ${list("input")}.\nOutputs: ${list("output")}.`;
  },
  (ports, t) =>
    `| port | direction | width | meaning |\n| --- | --- | --- | --- |\n${ports
      .map((p) => `| ${p.name} | ${p.dir} | ${p.width === 1 ? t.n(1) : t.n(p.width)} | ${p.desc} |`)
      .join("\n")}`,
  (ports, t) => {
    const say = (p: Port) => `${p.name} (${width(p, t)}: ${p.desc})`;
    const inputs = ports.filter((p) => p.dir === "input").map(say);
    const outputs = ports.filter((p) => p.dir === "output").map(say);
    return `The module reads ${inputs.join(", ")} and drives ${outputs.join(", ")}.`;
  },
];

function hasReset(p: Params): p is Params & ResetParams {
  return typeof p.asyncReset === "boolean" && typeof p.activeLow === "boolean";
}

/** The full spec of one task: the family's wording, the reset convention (sequential), the interface section. */
export function renderSpec(f: Family, p: Params, phrasing: number, t: Text): string {
  const heldoutWording = phrasing === f.phrasings.length - 1;
  const say = f.phrasings[phrasing];
  if (!say) throw new Error(`family ${f.name} has no phrasing ${phrasing}`);
  const parts = [say(p, t)];
  if (f.sequential) {
    const asyncReset = hasReset(p) && p.asyncReset;
    const clock =
      phrasing % 2 === 0
        ? `Registers are clocked on the rising edge of \`clk\`${asyncReset ? " (the reset aside)" : ""}.`
        : `State changes on rising edges of \`clk\`${asyncReset ? " or when reset is asserted" : " only"}.`;
    parts.push(hasReset(p) ? `${clock} ${resetSentence(p, phrasing)}` : clock);
  }
  const layout = LAYOUTS[heldoutWording ? 3 : Math.min(phrasing, 2)] as (typeof LAYOUTS)[number];
  parts.push(layout(f.ports(p), t));
  return parts.join("\n\n");
}
