/**
 * `fn` at most once per `ms`, except calls that `always` accepts (the last one, say): progress lines on stderr that
 * a long run writes every few seconds rather than once per item.
 */
export function throttled<A extends unknown[]>(
  ms: number,
  fn: (...args: A) => void,
  always: (...args: A) => boolean = () => false,
): (...args: A) => void {
  let last = 0;
  return (...args: A) => {
    if (!always(...args) && Date.now() - last < ms) return;
    last = Date.now();
    fn(...args);
  };
}

/** Progress on a terminal only: `label done/total`, rewritten in place. */
export function progressLine(
  label: string,
  silent: boolean,
): { tick: (done: number, total: number) => void; done: () => void } {
  const tty = process.stderr.isTTY === true && !silent;
  return {
    tick: (done, total) => {
      if (tty) process.stderr.write(`\r${label} ${done}/${total}`);
    },
    done: () => {
      if (tty) process.stderr.write("\n");
    },
  };
}
