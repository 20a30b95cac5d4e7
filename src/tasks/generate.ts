import { z } from "zod";
import type { Problem } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";
import { assemble, type Family, moduleHeader, type Params } from "./family.js";
import { listFamilies } from "./registry.js";
import { hash32, Rng } from "./rng.js";
import { renderSpec } from "./spec.js";
import { makeText, type NumberStyle } from "./text.js";

/** The splits `rtlgym tasks generate` writes; only `train` is for training. */
export const SPLITS = ["train", "heldout-params", "heldout-phrasing", "heldout-families"] as const;
export type Split = (typeof SPLITS)[number];

/** The suite name generated problems carry (`bench --suite tasks`, `serve --problems tasks=DIR`). */
export const TASKS_SUITE = "tasks";
/** Bumped whenever a family's wording, parameters or references change. */
export const GENERATOR_VERSION = "1";

/** What a task was generated from: enough to regenerate it and to check the splits are disjoint. */
export const TaskMeta = z.object({
  split: z.enum(SPLITS),
  family: z.string(),
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  /** `family:k=v,...` with keys sorted: identical parameters give identical keys. */
  paramKey: z.string(),
  /** `family/p<index>`: the wording used. */
  phrasingId: z.string(),
  numberStyle: z.enum(["digits", "words"]),
  /** Which reference writer produced the training completion (`a` = the problem's reference). */
  completionStyle: z.enum(["a", "b"]),
  sequential: z.boolean(),
});
export type TaskMeta = z.infer<typeof TaskMeta>;

/** One generated task: the bench problem, its provenance and the second writer's reference. */
export interface GeneratedTask {
  problem: Problem;
  meta: TaskMeta;
  /** Writer B's module, equivalent to `problem.reference` (verified by the tests). */
  alternative: string;
}

export interface GenerateOptions {
  seed?: number;
  /** Training tasks. */
  train?: number;
  /** Tasks in each held-out split. */
  heldout?: number;
  /** Restrict to these families (names); all by default. */
  families?: readonly string[];
}
export const DEFAULT_GENERATE_OPTIONS = { seed: 1, train: 12000, heldout: 200 } as const;

export function paramKey(family: string, p: Params): string {
  return `${family}:${Object.keys(p)
    .sort()
    .map((k) => `${k}=${String(p[k])}`)
    .join(",")}`;
}

/** Builds one task of `f` with parameters `p` and wording `phrasing`. */
export function buildTask(
  f: Family,
  p: Params,
  phrasing: number,
  numberStyle: NumberStyle,
  completionStyle: "a" | "b",
  split: Split,
  id: string,
): GeneratedTask {
  const ports = f.ports(p);
  const reference = assemble(ports, f.a(p));
  const problem: Problem = {
    suite: TASKS_SUITE,
    id,
    task: "spec-to-rtl",
    prompt: renderSpec(f, p, phrasing, makeText(numberStyle)),
    header: moduleHeader(ports),
    reference,
    refTop: "TopModule",
    candTop: "TopModule",
    tags: [...f.tags, `family:${f.name}`, ...(f.structural ? ["param-dependent"] : [])],
    difficulty: f.difficulty(p),
  };
  return {
    problem,
    alternative: assemble(ports, f.b(p)),
    meta: {
      split,
      family: f.name,
      params: { ...p },
      paramKey: paramKey(f.name, p),
      phrasingId: `${f.name}/p${phrasing}`,
      numberStyle,
      completionStyle,
      sequential: f.sequential,
    },
  };
}

const PREFIX: Record<Split, string> = {
  train: "tr",
  "heldout-params": "hp",
  "heldout-phrasing": "hw",
  "heldout-families": "hf",
};

/** Draws parameters of `f` that satisfy `keep`; BadInputError when the family cannot give any. */
function drawParams(f: Family, rng: Rng, keep: (p: Params) => boolean): Params {
  for (let i = 0; i < 500; i++) {
    const p = f.sample(rng);
    if (keep(p)) return p;
  }
  throw new Error(`family ${f.name}: no parameters of the wanted kind after 500 draws`);
}

function generateSplit(split: Split, families: readonly Family[], count: number, seed: number): GeneratedTask[] {
  const rng = new Rng(hash32(`${seed}/${split}`));
  const tasks: GeneratedTask[] = [];
  const seen = new Set<string>();
  if (families.length === 0 || count === 0) return tasks;
  // Held-out parameters are meant to need the parameter inside the body: families whose held-out values change the
  // body's shape are drawn twice as often there.
  const deck = split === "heldout-params" ? [...families, ...families.filter((f) => f.structural)] : families;
  let order: Family[] = [];
  let misses = 0;
  while (tasks.length < count) {
    if (order.length === 0) order = rng.shuffle(deck);
    const f = order.pop() as Family;
    const last = f.phrasings.length - 1;
    const p =
      split === "heldout-params"
        ? drawParams(f, rng, (q) => f.heldout(q))
        : split === "heldout-families"
          ? drawParams(f, rng, () => true)
          : drawParams(f, rng, (q) => !f.heldout(q));
    const phrasing =
      split === "heldout-phrasing" ? last : split === "heldout-families" ? rng.int(0, last) : rng.int(0, last - 1);
    const style: NumberStyle = rng.chance(0.3) ? "words" : "digits";
    const completionStyle = rng.chance(0.5) ? "a" : "b";
    const key = `${paramKey(f.name, p)}|${phrasing}|${style}`;
    if (seen.has(key)) {
      // Small families run out of distinct tasks: allow repeats only once distinct ones are exhausted.
      if (++misses < 50 * count) continue;
    }
    seen.add(key);
    const id = `${PREFIX[split]}${String(tasks.length).padStart(5, "0")}_${f.name}`;
    tasks.push(buildTask(f, p, phrasing, style, completionStyle, split, id));
  }
  return tasks;
}

/** Generates every split, deterministically from the seed. Held-out splits do not depend on the train size. */
export function generateTasks(options: GenerateOptions = {}): Record<Split, GeneratedTask[]> {
  const o = { ...DEFAULT_GENERATE_OPTIONS, ...options };
  for (const [k, v] of [
    ["seed", o.seed],
    ["train", o.train],
    ["heldout", o.heldout],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new BadInputError(`--${k} must be a non-negative integer, got ${v}`);
  }
  let all = listFamilies();
  if (options.families) {
    const unknown = options.families.filter((n) => !all.some((f) => f.name === n));
    if (unknown.length > 0) throw new BadInputError(`unknown task families: ${unknown.join(", ")}`);
    all = all.filter((f) => options.families?.includes(f.name));
  }
  const base = all.filter((f) => !f.composite);
  const composite = all.filter((f) => f.composite);
  return {
    train: generateSplit("train", base, o.train, o.seed),
    "heldout-params": generateSplit("heldout-params", base, o.heldout, o.seed),
    "heldout-phrasing": generateSplit("heldout-phrasing", base, o.heldout, o.seed),
    "heldout-families": generateSplit("heldout-families", composite, o.heldout, o.seed),
  };
}
