import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { BenchSummary, type SampleScore } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import type { ReportOptions } from "./shared.js";

export {
  type CountDelta,
  compareSummaries,
  type FlippedProblem,
  type KDelta,
  type RunRef,
  renderComparison,
  type SummaryDiff,
} from "./compare.js";
export { esc, renderHtml } from "./html.js";
export { mdFence, mdText, renderMarkdown } from "./markdown.js";
export type { ReportOptions } from "./shared.js";

/** The summary as pretty-printed JSON (validated, so a report never carries a malformed summary). */
export function renderJson(summary: BenchSummary): string {
  const parsed = BenchSummary.safeParse(summary);
  if (!parsed.success) throw new BadInputError(`invalid bench summary: ${parsed.error.message}`);
  return `${JSON.stringify(parsed.data, null, 2)}\n`;
}

export interface WrittenReports {
  json: string;
  markdown: string;
  html: string;
}

/** Writes summary.json, report.md and report.html into `dir` (created when needed); each file appears whole or not at all. */
export async function writeReports(
  dir: string,
  summary: BenchSummary,
  scores?: readonly SampleScore[],
  options?: ReportOptions,
): Promise<WrittenReports> {
  await mkdir(dir, { recursive: true });
  const files: WrittenReports = {
    json: join(dir, "summary.json"),
    markdown: join(dir, "report.md"),
    html: join(dir, "report.html"),
  };
  const contents: [string, string][] = [
    [files.json, renderJson(summary)],
    [files.markdown, renderMarkdown(summary, scores, options)],
    [files.html, renderHtml(summary, scores, options)],
  ];
  for (const [path, text] of contents) {
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, text, "utf8");
    await rename(tmp, path);
  }
  return files;
}
