/**
 * Runs shared by every caller asking for the same key (a reference analysed once for a whole group, benchmark and
 * service), cancellation-aware: a run whose caller's signal aborted may have ended on a killed tool, so it is never
 * reused, and any other caller still waiting on it runs it again under its own signal. Failures are not kept, and
 * `keep(value)` can refuse a finished value too. At most `limit` entries; the oldest goes first.
 */
export class SharedRuns<T> {
  /** `cancelled`: the run's signal had aborted when it settled. */
  readonly #entries = new Map<string, { run: Promise<T>; cancelled: boolean }>();

  constructor(readonly limit: number) {}

  /** The shared run of `key`, started with `start` (which must use `signal`) when there is none to share. */
  get(
    key: string,
    start: () => Promise<T>,
    signal?: AbortSignal,
    keep: (value: T) => boolean = () => true,
  ): Promise<T> {
    let entry = this.#entries.get(key);
    if (!entry) {
      const made = { run: start(), cancelled: false };
      const drop = () => this.#entries.get(key) === made && this.#entries.delete(key);
      made.run.then(
        (value) => {
          made.cancelled = signal?.aborted === true;
          if (made.cancelled || !keep(value)) drop();
        },
        () => {
          made.cancelled = signal?.aborted === true;
          drop();
        },
      );
      if (this.#entries.size >= this.limit) this.#entries.delete(this.#entries.keys().next().value as string);
      this.#entries.set(key, made);
      entry = made;
    }
    // Registered after the handlers above, so `cancelled` is set by the time these run.
    const shared = entry;
    const again = () => shared.cancelled && !signal?.aborted;
    return shared.run.then(
      (value) => (again() ? this.get(key, start, signal, keep) : value),
      (error: unknown) => {
        if (again()) return this.get(key, start, signal, keep);
        throw error;
      },
    );
  }
}
