/** A replacement of `src.slice(start, end)` by `text` (an insertion when start === end). */
export type TextEdit = readonly [start: number, end: number, text: string];

/**
 * `src` with every edit applied, all offsets into the original text. Edits must not overlap; they may come in any
 * order (sorted here, stably, so two insertions at one offset keep their order).
 */
export function applyEdits(src: string, edits: Iterable<TextEdit>): string {
  let out = "";
  let from = 0;
  for (const [start, end, text] of [...edits].sort((a, b) => a[0] - b[0])) {
    out += src.slice(from, start) + text;
    from = end;
  }
  return out + src.slice(from);
}
