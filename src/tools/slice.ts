import { type SliceAnswer, SliceAnswerSchema, type Span } from "../contracts/index.js";
import { BadInputError, ToolCrashError, tail } from "../core/errors.js";
import { runProcess, withTempDir } from "./process.js";

/** One design to slice: its text, the signals (default: every output of the top) and the top module. */
export interface SliceRequest {
  text: string;
  signals?: readonly string[];
  top?: string;
}

export interface SliceRunOptions {
  /** A Python that has rtlgym_train and pyslang (`.venv-adapters/bin/python`, see findPython in src/train). */
  python: string;
  /** Wall-clock limit of the whole batch (default: 20 s plus 1 s per design). */
  timeoutMs?: number;
}

/**
 * Signal slices with slang (pyslang), on the original text of each design: spans are UTF-16 offsets (JavaScript
 * string indices). One Python process answers the whole batch, in order. Designs slang cannot elaborate come back
 * with `ok: false` and their errors; a crashed or hung slicer is a ToolCrashError.
 *
 * Not sandboxed like iverilog and yosys: slang only parses and elaborates (no system task runs, `include is refused,
 * constant functions are evaluated under slang's step limit), and the venv it needs lives outside the sandbox's
 * view. The hard timeout and a memory cap still apply.
 */
export async function sliceDesigns(
  requests: readonly SliceRequest[],
  options: SliceRunOptions,
): Promise<SliceAnswer[]> {
  if (requests.length === 0) return [];
  const stdin = requests
    .map((r, i) => JSON.stringify({ id: i, text: r.text, signals: r.signals ?? null, top: r.top ?? null }))
    .join("\n");
  const timeoutMs = options.timeoutMs ?? 20_000 + 1_000 * requests.length;
  const run = await withTempDir("slice", (cwd) =>
    runProcess(options.python, ["-m", "rtlgym_train", "slice"], {
      cwd,
      timeoutMs,
      stdin: `${stdin}\n`,
      memoryLimitMb: 4096,
      maxOutputBytes: 64 << 20,
      env: { ...process.env, PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" },
    }),
  );
  const context = { command: options.python, args: ["-m", "rtlgym_train", "slice"], exitCode: run.exitCode };
  if (run.spawnError) throw new BadInputError(`cannot run ${options.python}: ${run.spawnError.message}`, context);
  if (run.timedOut || run.exitCode !== 0) {
    const why = run.timedOut ? `timed out after ${timeoutMs} ms` : `exited with ${run.exitCode ?? run.signal}`;
    const hint = /No module named '?(pyslang|rtlgym_train)/.test(run.stderr)
      ? " (run `bash scripts/setup-python.sh`: the slicer needs pyslang in .venv-adapters)"
      : "";
    throw new ToolCrashError(`the slicer ${why}${hint}`, { ...context, stderrTail: tail(run.stderr) });
  }
  const lines = run.stdout.split("\n").filter((l) => l.trim() !== "");
  if (lines.length !== requests.length) {
    throw new ToolCrashError(`the slicer answered ${lines.length} of ${requests.length} designs`, {
      ...context,
      stderrTail: tail(run.stderr),
    });
  }
  return lines.map((line, i) => {
    const answer = SliceAnswerSchema.parse(JSON.parse(line));
    return toUtf16(answer, (requests[i] as SliceRequest).text);
  });
}

/** Slices one design (see sliceDesigns). */
export async function sliceDesign(request: SliceRequest, options: SliceRunOptions): Promise<SliceAnswer> {
  const [answer] = await sliceDesigns([request], options);
  return answer as SliceAnswer;
}

/** The slicer counts code points (Python string indices); JavaScript strings count UTF-16 units. */
function toUtf16(answer: SliceAnswer, text: string): SliceAnswer {
  const conv = codePointsToUtf16(text);
  const span = ([a, b]: Span): Span => [conv(a), conv(b)];
  const signals: SliceAnswer["signals"] = {};
  for (const [name, s] of Object.entries(answer.signals)) {
    signals[name] =
      "error" in s
        ? s
        : { ...s, spans: s.spans.map(span), items: s.items.map((it) => ({ ...it, span: span(it.span) })) };
  }
  return {
    ...answer,
    signals,
    errors: answer.errors.map((e) => ({ ...e, offset: e.offset === null ? null : conv(e.offset) })),
  };
}

/** A function from a code point offset of `text` to its UTF-16 offset (the identity on BMP-only text). */
export function codePointsToUtf16(text: string): (offset: number) => number {
  if (!/[\uD800-\uDFFF]/.test(text)) return (o) => o;
  const map: number[] = [];
  for (let i = 0; i < text.length; i++) {
    map.push(i);
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) i++;
  }
  map.push(text.length);
  return (o) => map[Math.min(o, map.length - 1)] as number;
}

/** A function from a UTF-16 offset of `text` to its code point offset (what Python tokenizers count). */
export function utf16ToCodePoints(text: string): (offset: number) => number {
  if (!/[\uD800-\uDFFF]/.test(text)) return (o) => o;
  const map = new Array<number>(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    map[i] = cp;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) map[++i] = cp;
    cp++;
  }
  map[text.length] = cp;
  return (o) => map[Math.min(o, text.length)] as number;
}

/** Sorted, merged spans (touching spans join). */
export function mergeSpans(spans: readonly Span[]): Span[] {
  const out: Span[] = [];
  for (const [a, b] of [...spans].filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0] || x[1] - y[1])) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** Moves spans of a design by `offset` (the design's position inside a longer text, e.g. a model response). */
export function shiftSpans(spans: readonly Span[], offset: number): Span[] {
  return spans.map(([a, b]) => [a + offset, b + offset]);
}
