import { buildPrompt, type PromptStyle } from "../bench/prompts.js";
import type { Problem } from "../contracts/index.js";
import type { Api } from "../llm/index.js";
import type { SearchPrompt } from "./tree.js";

/**
 * How the raw completions prompt is written. `none`: rtlgym's raw prompt (system, prompt, prefill). `chatml`: the chat
 * prompt (system, user) rendered in ChatML (`<|im_start|>role\n...<|im_end|>\n`, then `<|im_start|>assistant\n`),
 * the answer prefilled after it and `<|im_end|>` added to the stops: for models trained on chat rows with that template
 * (the testbed's), which end the raw prompt at once. Rendered once; no continuation is re-templated.
 */
export const CHAT_TEMPLATES = ["none", "chatml"] as const;
export type ChatTemplate = (typeof CHAT_TEMPLATES)[number];

/** The raw prompt a problem's search continues (completions: rtlgym or upstream style; retrieval examples first). */
export function searchPrompt(problem: Problem, api: Api, style: PromptStyle): SearchPrompt {
  const built = buildPrompt(problem, { api, style });
  return {
    ...(built.system !== undefined && { system: built.system }),
    prompt: built.prompt,
    prefill: built.prefill ?? "",
    stop: built.stop ?? [],
  };
}

/** What a PRM is told the model continued: the raw completions prompt (system, prompt, prefill), whatever template. */
export function scoredPrompt(p: SearchPrompt): string {
  return p.scored ?? `${p.system !== undefined ? `${p.system}\n\n` : ""}${p.prompt}${p.prefill}`;
}

/**
 * The completions prompt of `problem` under `template` (see {@link CHAT_TEMPLATES}): `none` is
 * {@link searchPrompt}; `chatml` renders the chat prompt and keeps the raw prompt's prefill, stops (plus
 * `<|im_end|>`) and, as `scored`, the raw prompt text a PRM is trained on.
 */
export function templatedPrompt(problem: Problem, style: PromptStyle, template: ChatTemplate = "none"): SearchPrompt {
  const raw = searchPrompt(problem, "completions", style);
  if (template === "none") return raw;
  const chat = buildPrompt(problem, { api: "chat", style });
  const turn = (role: string, content: string) => `<|im_start|>${role}\n${content}<|im_end|>\n`;
  return {
    prompt: `${chat.system !== undefined ? turn("system", chat.system) : ""}${turn("user", chat.prompt)}<|im_start|>assistant\n`,
    prefill: raw.prefill,
    stop: [...raw.stop, "<|im_end|>"],
    scored: scoredPrompt(raw),
  };
}
