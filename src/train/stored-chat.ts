import { z } from "zod";

/** A chat message of a training row's prompt or answer. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** The prompt a bench run stores with each sample it sent through the chat API. */
const StoredPrompt = z.object({ system: z.string().optional(), prompt: z.string(), prefill: z.string().optional() });

/** A chat prompt as rtlgym's prompt builder makes it and a bench run stores it. */
export type ChatPrompt = z.infer<typeof StoredPrompt>;

/**
 * A chat prompt as the messages the model was sent (system, then user: what the OpenAI client builds), and the
 * prefill its raw answer continues (`""` without one). Trainers must train on these messages, rendered by the
 * tokenizer's chat template as the server renders them, or they teach the model a prompt it is never given.
 */
export function chatOf(prompt: ChatPrompt): { messages: ChatMessage[]; prefill: string } {
  const messages: ChatMessage[] = [];
  if (prompt.system !== undefined) messages.push({ role: "system", content: prompt.system });
  messages.push({ role: "user", content: prompt.prompt });
  return { messages, prefill: prompt.prefill ?? "" };
}

/** A stored sample's prompt as `chatOf` gives it; undefined when the sample stored no chat prompt. */
export function storedChat(prompt: unknown): { messages: ChatMessage[]; prefill: string } | undefined {
  const p = StoredPrompt.safeParse(prompt);
  return p.success ? chatOf(p.data) : undefined;
}
