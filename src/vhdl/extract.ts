import { listEntities } from "./entity.js";

export interface VhdlExtraction {
  code: string;
  method: "fence-vhdl" | "fence" | "raw" | "none";
}

const FENCE = /```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n([\s\S]*?)(?:```|$)/g;
const VHDL_LANGS = new Set(["vhdl", "vhd"]);

/**
 * VHDL from a model response: the last ```vhdl fence that declares an entity, else the last fence of any language
 * that does, else the whole text when it declares one (a plain .vhd file). A <think> section is never read.
 */
export function extractVhdl(response: string): VhdlExtraction {
  const text = response.replace(/<think>[\s\S]*?(<\/think>|$)/g, "");
  const fences = [...text.matchAll(FENCE)].map((m) => ({ lang: (m[1] ?? "").toLowerCase(), body: m[2] ?? "" }));
  // Only the last fence that declares an entity counts: search from the end, and lex (listEntities) only fences
  // that contain the word, each at most once, so a megabyte of fences costs one pass over the text.
  const memo = new Map<number, boolean>();
  const declares = (i: number) => {
    let d = memo.get(i);
    if (d === undefined) {
      const body = fences[i]?.body ?? "";
      d = /\bentity\b/i.test(body) && listEntities(body).length > 0;
      memo.set(i, d);
    }
    return d;
  };
  const last = (want: (i: number) => boolean) => {
    for (let i = fences.length - 1; i >= 0; i--) if (want(i)) return fences[i]?.body.trim() ?? "";
    return undefined;
  };
  const tagged = last((i) => VHDL_LANGS.has(fences[i]?.lang ?? "") && declares(i));
  if (tagged !== undefined) return { code: tagged, method: "fence-vhdl" };
  const any = last(declares);
  if (any !== undefined) return { code: any, method: "fence" };
  if (!text.includes("```") && /\bentity\b/i.test(text) && listEntities(text).length > 0)
    return { code: text.trim(), method: "raw" };
  return { code: "", method: "none" };
}
