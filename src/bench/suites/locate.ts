import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { BadInputError, RtlgymError } from "../../core/errors.js";
import { packageRoot } from "../../core/paths.js";
import { stripComments } from "../../verilog/index.js";

/** A problem file as read from disk: its path relative to the task folder and its content (for the revision hash). */
export interface SuiteFile {
  path: string;
  content: string;
}

/** Whether `path` is an existing directory. */
export async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** Whether `path` is an existing regular file. */
export async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** What a loader needs to find its task folder under whatever `--data` names. */
export interface LayoutSpec {
  suite: string;
  /** Human wording of the folder looked for, e.g. "VerilogEval v2 dataset_spec-to-rtl". */
  what: string;
  /** Files that identify the folder, for the error message. */
  expects: string;
  /** Folders to try, relative to `--data` ("" is `--data` itself), in order. */
  candidates: readonly string[];
  /** Whether a folder is the task folder. */
  accept: (dir: string) => Promise<boolean>;
  /** Where the upstream data comes from, for the error message. */
  upstream: string;
}

/**
 * Finds a suite's task folder under `dataDir`, trying each layout in turn (the benchmarks folder holding the
 * upstream clones, the upstream repository root, an intermediate folder, the task folder itself). Throws
 * BadInputError naming every place it looked and what it expected there.
 */
export async function locateTaskDir(dataDir: string | undefined, spec: LayoutSpec): Promise<string> {
  if (dataDir === undefined || dataDir === "") {
    throw new BadInputError(
      `suite ${spec.suite} needs the upstream data: pass --data <dir> or set RTLGYM_BENCHMARKS (${spec.what} from ${spec.upstream})`,
      { suite: spec.suite },
    );
  }
  const root = resolve(dataDir);
  if (!(await isDirectory(root))) {
    throw new BadInputError(`suite ${spec.suite}: data directory not found: ${root}`, { suite: spec.suite, dataDir });
  }
  for (const rel of spec.candidates) {
    const dir = rel === "" ? root : join(root, rel);
    if ((await isDirectory(dir)) && (await spec.accept(dir))) return dir;
  }
  const tried = spec.candidates.map((rel) => (rel === "" ? root : join(root, rel))).join(", ");
  throw new BadInputError(
    `suite ${spec.suite}: no ${spec.what} found under ${root}; expected ${spec.expects} in one of: ${tried} (data from ${spec.upstream})`,
    { suite: spec.suite, dataDir: root },
  );
}

/** Reads a file a problem needs; BadInputError naming the suite, problem and file when it is missing. */
export async function readProblemFile(suite: string, id: string, file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch {
    throw new BadInputError(`suite ${suite}, problem ${id}: missing ${file}`, { suite, id, file });
  }
}

/**
 * The upstream commit named by a SOURCE.txt beside the data (the benchmarks copy), or by a `.git` folder (an
 * upstream clone), found in `dirs` or their parents up to three levels. `labels` pick the commit when SOURCE.txt
 * names several (`v2.0 = main <sha>`, `release/1.0.0: <sha>`): the first label found before a sha wins.
 */
export async function upstreamCommit(dir: string, labels: readonly string[]): Promise<string | undefined> {
  let current = dir;
  for (let level = 0; level < 4; level++) {
    const source = await readFile(join(current, "SOURCE.txt"), "utf8").catch(() => undefined);
    if (source !== undefined) return commitFromSource(source, labels);
    const git = await gitHead(join(current, ".git"));
    if (git !== undefined) return git;
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return undefined;
}

const SHA = /\b[0-9a-f]{40}\b/g;

/** Picks the sha that follows one of `labels` in SOURCE.txt text, else the first sha when there is only one. */
export function commitFromSource(text: string, labels: readonly string[]): string | undefined {
  for (const label of labels) {
    const at = text.indexOf(label);
    if (at < 0) continue;
    const sha = text.slice(at + label.length).match(/\b[0-9a-f]{40}\b/);
    if (sha) return sha[0];
  }
  const all = [...text.matchAll(SHA)].map((m) => m[0]);
  return all.length === 1 ? all[0] : undefined;
}

async function gitHead(gitDir: string): Promise<string | undefined> {
  const head = (await readFile(join(gitDir, "HEAD"), "utf8").catch(() => undefined))?.trim();
  if (head === undefined) return undefined;
  if (/^[0-9a-f]{40}$/.test(head)) return head;
  const ref = head.match(/^ref:\s*(\S+)$/)?.[1];
  if (ref === undefined) return undefined;
  const loose = (await readFile(join(gitDir, ref), "utf8").catch(() => undefined))?.trim();
  if (loose && /^[0-9a-f]{40}$/.test(loose)) return loose;
  const packed = await readFile(join(gitDir, "packed-refs"), "utf8").catch(() => "");
  return packed
    .split("\n")
    .find((l) => l.endsWith(` ${ref}`))
    ?.slice(0, 40);
}

/**
 * `<commit8>+sha256:<hash8>` (or `sha256:<hash8>` without a commit): the hash covers every problem file's path and
 * content in path order, so any edit to the data changes the revision.
 */
export function suiteRevision(files: readonly SuiteFile[], commit: string | undefined): string {
  const hash = createHash("sha256");
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(f.path).update("\0").update(f.content).update("\0");
  }
  const content = `sha256:${hash.digest("hex").slice(0, 8)}`;
  return commit === undefined ? content : `${commit.slice(0, 8)}+${content}`;
}

const KnownBroken = z.record(z.string(), z.record(z.string(), z.string().min(1)));
let knownBroken: Promise<Record<string, Record<string, string>>> | undefined;

/** Where known-broken.json is: beside this module (src, tsx) or in the package's src folder (from dist). */
function knownBrokenPaths(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  return [join(here, "known-broken.json"), join(packageRoot(), "src", "bench", "suites", "known-broken.json")];
}

/** Problem id -> reason for the known-broken problems of `suite` (from known-broken.json). */
export async function knownBrokenProblems(suite: string): Promise<Record<string, string>> {
  knownBroken ??= (async () => {
    const path = knownBrokenPaths().find((p) => existsSync(p));
    if (path === undefined) {
      throw new RtlgymError("INTERNAL", `known-broken.json not found (looked in ${knownBrokenPaths().join(", ")})`);
    }
    return KnownBroken.parse(JSON.parse(await readFile(path, "utf8")));
  })();
  return (await knownBroken)[suite] ?? {};
}

/**
 * Cheap deterministic tags from the reference text: "sequential" when it has a clock edge (posedge/negedge),
 * else "combinational".
 */
export function kindTag(reference: string): "sequential" | "combinational" {
  return /\b(posedge|negedge)\b/.test(stripComments(reference)) ? "sequential" : "combinational";
}
