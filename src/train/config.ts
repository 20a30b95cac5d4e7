import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { BadInputError } from "../core/errors.js";

/**
 * Reads a recipe config (YAML, or JSON, which YAML reads too) and validates it with `schema`. Every problem is
 * reported with its key path, so a typo in a 20-line config points at the line's key.
 */
export function readConfigFile<S extends z.ZodType>(path: string, schema: S): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new BadInputError(`cannot read config ${path}: ${(e as Error).message}`, { path });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (e) {
    throw new BadInputError(`config ${path} is not YAML or JSON: ${(e as Error).message}`, { path });
  }
  const parsed = schema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`);
    throw new BadInputError(`config ${path}:\n  ${issues.join("\n  ")}`, { path });
  }
  return parsed.data;
}
