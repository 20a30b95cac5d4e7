/** One finished sample (generated or scored) as the progress reporter sees it. */
export interface ProgressEvent {
  problem: string;
  sample: number;
  status: string;
}

/** The part of a stream the reporter uses (process.stderr satisfies it). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  total: number;
  label: string;
  /** Default process.stderr, so stdout stays clean for `--json`. */
  stream?: ProgressStream;
  /** Force JSONL events even on a TTY. */
  json?: boolean;
  /** Write nothing at all. */
  silent?: boolean;
  /** Clock in ms, for tests. */
  now?: () => number;
}

export interface Progress {
  tick(event: ProgressEvent): void;
  log(message: string): void;
  /** Final line (or `done` event); later calls do nothing. */
  done(): void;
}

const REDRAW_MS = 80;

/**
 * A progress reporter: one redrawn bar line (done/total, passes, rate, ETA) on a TTY, otherwise one JSON object per
 * line (`start`, `sample`, `log`, `done` events), or nothing when silent.
 */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const start = now();
  const total = Math.max(0, options.total);
  let count = 0;
  let pass = 0;
  let finished = false;
  if (options.silent) return { tick: () => {}, log: () => {}, done: () => {} };

  const counts = () => ({ done: count, total, pass, elapsedMs: now() - start });

  if (options.json || !stream.isTTY) {
    const emit = (event: Record<string, unknown>) =>
      stream.write(`${JSON.stringify({ ...event, label: options.label, time: new Date().toISOString() })}\n`);
    emit({ type: "start", total });
    return {
      tick(e) {
        if (finished) return;
        count++;
        if (e.status === "pass") pass++;
        emit({ type: "sample", problem: e.problem, sample: e.sample, status: e.status, ...counts() });
      },
      log(message) {
        emit({ type: "log", message });
      },
      done() {
        if (finished) return;
        finished = true;
        emit({ type: "done", ...counts() });
      },
    };
  }

  let lastDraw = Number.NEGATIVE_INFINITY;
  const line = (): string => {
    const elapsed = (now() - start) / 1000;
    const rate = elapsed > 0 ? count / elapsed : 0;
    const eta = rate > 0 && count < total ? ` ETA ${clock((total - count) / rate)}` : "";
    const speed = rate === 0 ? "" : rate >= 1 ? ` ${rate.toFixed(1)}/s` : ` ${(1 / rate).toFixed(1)}s each`;
    const width = 20;
    const filled = total > 0 ? Math.round((Math.min(count, total) / total) * width) : width;
    const text = `${options.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${count}/${total} pass ${pass}${speed}${eta} ${clock(elapsed)}`;
    const cols = stream.columns ?? 0;
    return cols > 1 && text.length >= cols ? text.slice(0, cols - 1) : text;
  };
  const draw = (force: boolean) => {
    const t = now();
    if (!force && t - lastDraw < REDRAW_MS) return;
    lastDraw = t;
    stream.write(`\r\x1b[2K${line()}`);
  };
  draw(true);
  return {
    tick(e) {
      if (finished) return;
      count++;
      if (e.status === "pass") pass++;
      draw(count >= total);
    },
    log(message) {
      stream.write(`\r\x1b[2K${message}\n`);
      if (!finished) draw(true);
    },
    done() {
      if (finished) return;
      finished = true;
      draw(true);
      stream.write("\n");
    },
  };
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}
