// Where a recipe's held-out gain comes from, problem by problem. The SFT model's own evaluations sort the held-out
// problems into classes (always solved, sometimes, only at high temperature, never); each trained model's gain is then
// split over those classes. RL and rejection sampling can sharpen what the start model already writes sometimes; a
// gain on a problem it never solves would be a new skill. The split says which of the two a recipe did, and the
// classes bound what sharpening alone could reach.
//   tsx bench/learning/gains.ts --db DB --base ID,ID,ID [--reach ID] [--train FILE [--foothold 0.1]] [--json OUT]
//       NAME=ID,ID,ID ...
// --base: the SFT model's evaluations at the recipes' own settings (heldout-params, n = 5, temperature 0.2), one per
//   seed, pooled for the classes.
// --reach: more evaluations of the SFT model (comma-separated), e.g. many samples at a high temperature: a problem
//   solved there and never in --base is "reach", within the model's distribution but not among its likely answers.
// --train: a difficulty report of the SFT model on the train split (`rtlgym data difficulty`). The families (the
//   testbed's ids end in `_<family>`) it solves at least --foothold of the time there are its foothold; the held-out
//   problems are split into those families and the rest, and each recipe's gain is given on both, per seed.
// NAME=IDS: a recipe's evaluations after training, one per seed, in the same seed order as --base.
// A seed's runs on different problems join with `+` (ID1+ID2: e.g. the first and the second 100 of a split).
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { readDifficulty } from "../../src/bench/difficulty.js";
import type { BenchSummary } from "../../src/contracts/index.js";
import { openStore } from "../../src/runs/index.js";
import { pct, pp, stats } from "./summary-args.js";

const CLASSES = ["always", "sometimes", "reach", "never"] as const;
type ProblemClass = (typeof CLASSES)[number];

/** Passes and samples per problem, pooled over runs. */
type Pool = Map<string, { c: number; n: number }>;

const { values, positionals } = parseArgs({
  options: {
    db: { type: "string" },
    base: { type: "string" },
    reach: { type: "string" },
    train: { type: "string" },
    foothold: { type: "string", default: "0.1" },
    json: { type: "string" },
  },
  allowPositionals: true,
});
if (!values.db || !values.base || positionals.length === 0) {
  console.error(
    "usage: gains.ts --db DB --base ID,ID,ID [--reach ID,...] [--train FILE [--foothold 0.1]] [--json OUT] NAME=ID,ID,ID ...",
  );
  process.exit(2);
}

const store = openStore(values.db);
function summary(id: string): BenchSummary {
  const run = store.getRun(id);
  if (!run?.summary) throw new Error(`no finished bench run "${id}" in ${values.db}`);
  return run.summary;
}
/** Adds c passes of n samples to `key`'s count. */
function add(into: Pool, key: string, c: number, n: number): void {
  const acc = into.get(key) ?? { c: 0, n: 0 };
  into.set(key, { c: acc.c + c, n: acc.n + n });
}
function pool(ids: string[]): Pool {
  const out: Pool = new Map();
  for (const id of ids) for (const p of summary(id).problems) add(out, p.id, p.c, p.n);
  return out;
}
/** One entry per seed; a seed's runs on different problems are joined with `+`. */
const seedList = (list: string) =>
  list
    .split(",")
    .filter((s) => s !== "")
    .map((seed) => seed.split("+"));
const familyOf = (id: string) => id.slice(id.indexOf("_") + 1);

const baseIds = seedList(values.base);
const base = pool(baseIds.flat());
const baseBySeed = baseIds.map(pool);
const reach = values.reach ? pool(seedList(values.reach).flat()) : undefined;
const problems = [...base.keys()].sort();
const total = problems.length;
const rate = (p: Pool, id: string) => {
  const x = p.get(id);
  if (!x) throw new Error(`problem ${id} is missing from a run: every run must cover the same problems`);
  return x.c / x.n;
};
/** pass@1 over a set of problems (the mean of their pass rates). */
const passAt1 = (p: Pool, ids: string[]) => (ids.length ? ids.reduce((a, id) => a + rate(p, id), 0) / ids.length : 0);

const classOf = new Map<string, ProblemClass>();
for (const id of problems) {
  const b = base.get(id) as { c: number; n: number };
  const r = reach ? rate(reach, id) : 0;
  classOf.set(id, b.c === b.n ? "always" : b.c > 0 ? "sometimes" : r > 0 ? "reach" : "never");
}
const inClass = (k: ProblemClass) => problems.filter((id) => classOf.get(id) === k);
const counts = Object.fromEntries(CLASSES.map((k) => [k, inClass(k).length])) as Record<ProblemClass, number>;

// The foothold: held-out problems whose family the SFT model solves at least --foothold of the time on train.
const foothold = Number(values.foothold);
if (!(foothold >= 0 && foothold <= 1))
  throw new Error(`--foothold must be a pass rate in 0..1, got "${values.foothold}"`);
let footholdFamilies: Set<string> | undefined;
let trainRate: number | undefined;
if (values.train) {
  const report = readDifficulty(values.train);
  const byFamily: Pool = new Map();
  for (const p of report.problems) add(byFamily, familyOf(p.id), p.c, p.n);
  footholdFamilies = new Set([...byFamily].filter(([, x]) => x.c / x.n >= foothold).map(([f]) => f));
  trainRate = report.problems.reduce((a, p) => a + p.c, 0) / report.problems.reduce((a, p) => a + p.n, 0);
}
const inFoothold = problems.filter((id) => footholdFamilies?.has(familyOf(id)));
const outsideFoothold = problems.filter((id) => !footholdFamilies?.has(familyOf(id)));

type Stats = ReturnType<typeof stats>;
interface GroupRow {
  name: string;
  /** Per seed, its runs. */
  runs: string[][];
  before: number;
  after: number;
  /** Points of pass@1 gained on each class of problems (they sum to after - before). */
  gainByClass: Record<ProblemClass, number>;
  /** Problems of the class solved at least once after training. */
  solvedByClass: Record<ProblemClass, number>;
  /** The gain per seed, each seed's after against its own before (mean, sd, range). */
  gain: Stats;
  /** With --train: pass@1 before -> after on the foothold families and on the rest, and the per-seed gains. */
  foothold?: { before: number; after: number; gain: Stats; rest: { before: number; after: number; gain: Stats } };
}

const groups: GroupRow[] = positionals.map((arg) => {
  const eq = arg.indexOf("=");
  if (eq < 1) throw new Error(`expected NAME=ID,ID,...; got "${arg}"`);
  const name = arg.slice(0, eq);
  const runs = seedList(arg.slice(eq + 1));
  if (runs.length !== baseIds.length) {
    throw new Error(`${name}: ${runs.length} seeds against ${baseIds.length} in --base (one entry per seed each)`);
  }
  const after = pool(runs.flat());
  // Per seed: the seed's own "before" evaluation against its "after".
  const afterBySeed = runs.map(pool);
  const perSeed = (ids: string[]) =>
    stats(afterBySeed.map((p, i) => passAt1(p, ids) - passAt1(baseBySeed[i] as Pool, ids)));
  const gainByClass = {} as Record<ProblemClass, number>;
  const solvedByClass = {} as Record<ProblemClass, number>;
  for (const k of CLASSES) {
    const members = inClass(k);
    gainByClass[k] = members.reduce((a, id) => a + rate(after, id) - rate(base, id), 0) / total;
    solvedByClass[k] = members.filter((id) => (after.get(id)?.c ?? 0) > 0).length;
  }
  const row: GroupRow = {
    name,
    runs,
    before: passAt1(base, problems),
    after: passAt1(after, problems),
    gainByClass,
    solvedByClass,
    gain: perSeed(problems),
  };
  if (footholdFamilies) {
    row.foothold = {
      before: passAt1(base, inFoothold),
      after: passAt1(after, inFoothold),
      gain: perSeed(inFoothold),
      rest: {
        before: passAt1(base, outsideFoothold),
        after: passAt1(after, outsideFoothold),
        gain: perSeed(outsideFoothold),
      },
    };
  }
  return row;
});
store.close();

const gainText = (s: Stats) => (s ? `**${pp(s.mean)}** (sd ${(100 * s.sd).toFixed(1)})` : "-");
const baseRate = passAt1(base, problems);
// What the SFT model would score if every problem it solves sometimes (or at high temperature) were always solved:
// the most that sharpening its own answers, with no new skill, could give.
const sharpenCeiling = (counts.always + counts.sometimes + counts.reach) / total;

const lines = [
  `Held-out problems by what the SFT model does with them (${total} problems; base: ${baseIds.length} runs pooled${
    values.reach ? `; reach: ${values.reach}` : ""
  }):`,
  "",
  "| always | sometimes | reach (only in --reach) | never | SFT pass@1 | sharpening ceiling |",
  "| --- | --- | --- | --- | --- | --- |",
  `| ${counts.always} | ${counts.sometimes} | ${counts.reach} | ${counts.never} | ${pct(baseRate)} | ${pct(sharpenCeiling)} |`,
  "",
  "Gain in points of pass@1 per class (they sum to the total), and the never-class problems solved at least once after:",
  "",
  "| recipe (seeds pooled) | pass@1 before -> after | total gain per seed (sd) | always | sometimes | reach | never | never solved |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ...groups.map(
    (g) =>
      `| ${g.name} (${g.runs.length}) | ${pct(g.before)} -> ${pct(g.after)} | ${gainText(g.gain)} | ${CLASSES.map((k) =>
        pp(g.gainByClass[k]),
      ).join(" | ")} | ${g.solvedByClass.never} of ${counts.never} |`,
  ),
];
if (footholdFamilies && trainRate !== undefined) {
  lines.push(
    "",
    `The SFT model passes ${pct(trainRate)} of its train-split answers (${values.train}). ${footholdFamilies.size} families reach ${pct(
      foothold,
    )} there (the foothold); ${inFoothold.length} of the ${total} held-out problems are theirs. Gain per seed (mean, sd):`,
    "",
    `| recipe | foothold (${inFoothold.length}): before -> after | gain | rest (${outsideFoothold.length}): before -> after | gain |`,
    "| --- | --- | --- | --- | --- |",
    ...groups.map((g) => {
      const f = g.foothold as NonNullable<GroupRow["foothold"]>;
      return `| ${g.name} | ${pct(f.before)} -> ${pct(f.after)} | ${gainText(f.gain)} | ${pct(f.rest.before)} -> ${pct(
        f.rest.after,
      )} | ${gainText(f.rest.gain)} |`;
    }),
  );
}
console.log(lines.join("\n"));
if (values.json) {
  const out = {
    problems: total,
    counts,
    baseRate,
    sharpenCeiling,
    trainRate,
    footholdFamilies: footholdFamilies ? [...footholdFamilies].sort() : undefined,
    classes: Object.fromEntries(classOf),
    groups,
  };
  writeFileSync(values.json, `${JSON.stringify(out, null, 2)}\n`);
}
