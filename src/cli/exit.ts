/** Exit codes: 0 equivalent / all good, 1 not equivalent, 2 usage or infrastructure error. */
export const EXIT = { ok: 0, notEquivalent: 1, usage: 2 } as const;
