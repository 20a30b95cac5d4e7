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
  const declares = (body: string) => listEntities(body).length > 0;
  const tagged = fences.filter((f) => VHDL_LANGS.has(f.lang) && declares(f.body));
  if (tagged.length > 0) return { code: (tagged[tagged.length - 1]?.body ?? "").trim(), method: "fence-vhdl" };
  const any = fences.filter((f) => declares(f.body));
  if (any.length > 0) return { code: (any[any.length - 1]?.body ?? "").trim(), method: "fence" };
  if (!text.includes("```") && declares(text)) return { code: text.trim(), method: "raw" };
  return { code: "", method: "none" };
}
