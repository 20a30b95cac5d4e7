import type { Problem } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";

export interface Selection {
  /** Problem ids or globs (`Prob00*`), comma-separated lists allowed. */
  problems?: readonly string[];
  /** Keep problems carrying any of these tags. */
  tags?: readonly string[];
  /** The first N problems after the other filters. */
  limit?: number;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${body}$`);
}

/**
 * Picks the problems a command runs on, in suite order. A pattern that matches nothing is an error (a typo
 * must not silently shrink the benchmark).
 */
export function selectProblems(problems: readonly Problem[], selection: Selection): Problem[] {
  let out = [...problems];
  const patterns = (selection.problems ?? [])
    .flatMap((p) => p.split(","))
    .map((p) => p.trim())
    .filter(Boolean);
  if (patterns.length > 0) {
    const res = patterns.map((p) => ({ p, re: globToRegExp(p) }));
    for (const { p, re } of res) {
      if (!out.some((x) => re.test(x.id))) throw new BadInputError(`--problems ${p} matches no problem`);
    }
    out = out.filter((x) => res.some(({ re }) => re.test(x.id)));
  }
  const tags = (selection.tags ?? [])
    .flatMap((t) => t.split(","))
    .map((t) => t.trim())
    .filter(Boolean);
  if (tags.length > 0) {
    out = out.filter((x) => x.tags.some((t) => tags.includes(t)));
    if (out.length === 0) throw new BadInputError(`--tags ${tags.join(",")} matches no problem`);
  }
  if (selection.limit !== undefined) out = out.slice(0, selection.limit);
  return out;
}
