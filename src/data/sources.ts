import { existsSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { runProcess } from "../tools/process.js";

/** Where a set of files came from: one repository checkout or folder. */
export interface SourceInfo {
  /** Short unique name (the root folder's name, made unique). */
  name: string;
  root: string;
  repository: string | null;
  commit: string | null;
  /** How the commit was found: a git checkout, SOURCE.txt, or not at all. */
  commitFrom: "git" | "SOURCE.txt" | null;
  licence: string | null;
  licenceFrom: string | null;
}

export interface WalkedFile {
  abs: string;
  source: SourceInfo;
  /** Path relative to the source root. */
  path: string;
  /** Set for entries that are not regular files (symbolic links are not followed, sockets are not read). */
  special?: string;
}

const SKIP_DIRS = new Set([".git", "node_modules", ".hg", ".svn"]);
const LICENCE_FILE = /^(licen[cs]e|copying)(\.(txt|md|rst))?$/i;

/** SPDX id of a licence text, by its distinctive sentences (best effort; null when unknown). */
export function guessLicence(text: string): string | null {
  const t = text.replace(/\s+/g, " ");
  if (/Apache License,? Version 2\.0/i.test(t)) return "Apache-2.0";
  if (/GNU LESSER GENERAL PUBLIC LICENSE/i.test(t)) return "LGPL";
  if (/GNU GENERAL PUBLIC LICENSE/i.test(t)) return /Version 3/i.test(t) ? "GPL-3.0" : "GPL-2.0";
  if (/Mozilla Public License/i.test(t)) return "MPL-2.0";
  if (/Solderpad Hardware License/i.test(t)) return "SHL";
  if (/CERN Open Hardware Licen[cs]e/i.test(t)) return "CERN-OHL";
  if (/Permission is hereby granted, free of charge/i.test(t)) return "MIT";
  if (/Permission to use, copy, modify, and\/or distribute this software for any purpose/i.test(t)) return "ISC";
  if (/Redistribution and use in source and binary forms/i.test(t))
    return /Neither the name|endorse or promote/i.test(t) ? "BSD-3-Clause" : "BSD-2-Clause";
  if (/This is free and unencumbered software released into the public domain/i.test(t)) return "Unlicense";
  return null;
}

/** A licence named for `folder` in a Markdown table of a README above it (a corpus README lists its sources so). */
export function licenceFromReadme(readme: string, folder: string): string | null {
  let column = -1;
  for (const line of readme.split("\n")) {
    if (!line.trim().startsWith("|")) {
      column = -1;
      continue;
    }
    const cells = line
      .trim()
      .replace(/^\||\|$/g, "")
      .split("|")
      .map((c) => c.trim());
    const header = cells.findIndex((c) => /^licen[cs]e$/i.test(c));
    if (header >= 0) {
      column = header;
      continue;
    }
    if (column >= 0 && cells[0]?.replace(/`/g, "") === folder) return cells[column] || null;
  }
  return null;
}

function field(text: string, key: string): string | null {
  const m = new RegExp(`^\\s*${key}\\s*:\\s*(\\S.*)$`, "im").exec(text);
  return m?.[1]?.trim() ?? null;
}

async function git(root: string, args: string[]): Promise<string | null> {
  const r = await runProcess("git", ["-C", root, ...args], { cwd: root, timeoutMs: 10_000, maxOutputBytes: 1 << 16 });
  return r.exitCode === 0 ? r.stdout.trim() || null : null;
}

async function describeSource(root: string, name: string): Promise<SourceInfo> {
  const info: SourceInfo = {
    name,
    root,
    repository: null,
    commit: null,
    commitFrom: null,
    licence: null,
    licenceFrom: null,
  };
  const sourceTxt = await readFile(join(root, "SOURCE.txt"), "utf8").catch(() => undefined);
  if (existsSync(join(root, ".git"))) {
    info.commit = await git(root, ["rev-parse", "HEAD"]);
    if (info.commit) info.commitFrom = "git";
    info.repository = await git(root, ["config", "--get", "remote.origin.url"]);
  }
  if (sourceTxt !== undefined) {
    info.repository ??= field(sourceTxt, "repository");
    if (!info.commit) {
      info.commit = field(sourceTxt, "commit");
      if (info.commit) info.commitFrom = "SOURCE.txt";
    }
    const lic = field(sourceTxt, "licen[cs]e");
    if (lic && !/^see /i.test(lic)) {
      info.licence = lic;
      info.licenceFrom = "SOURCE.txt";
    }
  }
  const names = await readdir(root).catch(() => [] as string[]);
  const licenceFile = names.find((n) => LICENCE_FILE.test(n));
  if (!info.licence && licenceFile) {
    info.licence = guessLicence(await readFile(join(root, licenceFile), "latin1"));
    if (info.licence) info.licenceFrom = licenceFile;
  }
  if (!info.licence) {
    // The README of the folder holding the checkouts (../shared/corpus/README.md names each folder's licence).
    for (const readmeName of ["README.md", "README"]) {
      const readme = await readFile(join(dirname(root), readmeName), "utf8").catch(() => undefined);
      const lic = readme === undefined ? null : licenceFromReadme(readme, basename(root));
      if (lic) {
        info.licence = lic;
        info.licenceFrom = relative(root, join(dirname(root), readmeName));
        break;
      }
    }
  }
  if (!info.licence && licenceFile) info.licenceFrom = `${licenceFile} (unrecognised text)`;
  return info;
}

function isSourceRoot(names: readonly string[]): boolean {
  return names.includes(".git") || names.includes("SOURCE.txt") || names.some((n) => LICENCE_FILE.test(n));
}

/**
 * Walks the input paths. A folder holding `.git`, `SOURCE.txt` or a LICENSE/COPYING file starts a new source
 * (a repository checkout); files above any such folder belong to the input path itself.
 */
export async function walkInputs(paths: readonly string[]): Promise<{ files: WalkedFile[]; sources: SourceInfo[] }> {
  const files: WalkedFile[] = [];
  const sources: SourceInfo[] = [];
  const used = new Set<string>();
  const newSource = async (root: string) => {
    let name = basename(root) || "root";
    for (let k = 2; used.has(name); k++) name = `${basename(root)}-${k}`;
    used.add(name);
    const s = await describeSource(root, name);
    sources.push(s);
    return s;
  };
  const walk = async (dir: string, current: SourceInfo | undefined, top: boolean): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    let source = current;
    if (!source || (!top && isSourceRoot(entries.map((e) => e.name)))) source = await newSource(dir);
    for (const e of entries) {
      const abs = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(abs, source, false);
      } else {
        const path = relative(source.root, abs).split(sep).join("/");
        if (e.isFile()) files.push({ abs, source, path });
        else
          files.push({
            abs,
            source,
            path,
            special: e.isSymbolicLink() ? "symbolic link (not followed)" : "not a regular file",
          });
      }
    }
  };
  for (const p of paths) {
    const abs = resolve(p);
    const st = await stat(abs);
    if (st.isDirectory()) {
      // The input folder itself is a source only if it is a checkout or holds loose files; otherwise its
      // sub-folders each start one (a folder of checkouts).
      const names = await readdir(abs);
      const own = isSourceRoot(names) ? await newSource(abs) : undefined;
      await walkTopLevel(abs, own);
    } else {
      const s = await newSource(dirname(abs));
      files.push({ abs, source: s, path: basename(abs) });
    }
  }
  async function walkTopLevel(abs: string, own: SourceInfo | undefined): Promise<void> {
    if (own) return walk(abs, own, true);
    const entries = (await readdir(abs, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    let loose: SourceInfo | undefined;
    for (const e of entries) {
      const child = join(abs, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(child, undefined, false);
      } else if (e.isFile()) {
        loose ??= await newSource(abs);
        files.push({ abs: child, source: loose, path: e.name });
      }
    }
  }
  return { files, sources };
}
