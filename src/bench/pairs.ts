import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { VerifyStatus } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";

/** meta.json of a bundled reference/candidate pair (see fixtures/pairs/README.md). */
export const PairMeta = z.object({
  expect: VerifyStatus,
  category: z.string(),
  failing: z.array(z.string()).optional(),
  needsFormal: z.boolean().optional(),
  refTop: z.string().optional(),
  candTop: z.string().optional(),
  note: z.string(),
});
export type PairMeta = z.infer<typeof PairMeta>;

export interface Pair {
  id: string;
  reference: string;
  candidate: string;
  meta: PairMeta;
}

/** Loads every pair folder under `dir` (ref.v, cand.v, meta.json), sorted by name. */
export async function loadPairs(dir: string): Promise<Pair[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((e: NodeJS.ErrnoException) => {
    throw new BadInputError(`cannot read pairs directory ${dir}: ${e.code ?? e.message}`);
  });
  const folders = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    folders.map(async (id) => {
      const base = join(dir, id);
      const [reference, candidate, meta] = await Promise.all([
        readFile(join(base, "ref.v"), "utf8"),
        readFile(join(base, "cand.v"), "utf8"),
        readFile(join(base, "meta.json"), "utf8"),
      ]);
      const parsed = PairMeta.safeParse(JSON.parse(meta));
      if (!parsed.success) throw new BadInputError(`${base}/meta.json: ${parsed.error.message}`);
      return { id, reference, candidate, meta: parsed.data };
    }),
  );
}
