import { z } from "zod";

/** A chat message of a training row's prompt or answer. */
export interface ChatMessage {
  role: string;
  content: string;
}

/** The prompt a bench run stores with each sample it sent through the chat API. */
const StoredPrompt = z.object({ system: z.string().optional(), prompt: z.string(), prefill: z.string().optional() });

/**
 * A stored sample's prompt as the chat messages the model was sent (system, then user: what the OpenAI client
 * builds), and the prefill its raw answer continues (`""` without one); undefined when the sample stored no chat
 * prompt. Trainers must train on these messages, rendered by the tokenizer's chat template as the server renders
 * them, or they teach the model a prompt it is never given.
 */
export function storedChat(prompt: unknown): { messages: ChatMessage[]; prefill: string } | undefined {
  const p = StoredPrompt.safeParse(prompt);
  if (!p.success) return undefined;
  const messages: ChatMessage[] = [];
  if (p.data.system !== undefined) messages.push({ role: "system", content: p.data.system });
  messages.push({ role: "user", content: p.data.prompt });
  return { messages, prefill: p.data.prefill ?? "" };
}
