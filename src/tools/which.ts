import { access, constants } from "node:fs/promises";
import { delimiter, isAbsolute, join } from "node:path";

/** Absolute path of an executable on PATH (or the path itself when absolute), or undefined. */
export async function findOnPath(name: string): Promise<string | undefined> {
  const candidates = isAbsolute(name)
    ? [name]
    : (process.env.PATH ?? "")
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, name));
  for (const file of candidates) {
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // keep looking
    }
  }
  return undefined;
}
