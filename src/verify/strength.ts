import { Strength, type StrengthBar, type VerifyResult } from "../contracts/index.js";
import { BadInputError } from "../core/errors.js";

const RANK: Record<Strength, number> = { simulated: 0, bounded: 1, proved: 2 };

/**
 * The strength of a pass's evidence; undefined for anything but a pass with an engine verdict. Results recorded
 * before `assurance.strength` existed fall back to their formal outcome (an exhaustive run then counts as simulated).
 */
export function passStrength(result: VerifyResult): Strength | undefined {
  const a = result.assurance;
  if (result.status !== "pass" || !a) return undefined;
  return a.strength ?? (a.formal === "none" ? "simulated" : a.formal);
}

/** The share of the reference's state bits a pass's simulation toggled; undefined when the design has no state. */
export function toggleCoverage(result: VerifyResult): number | undefined {
  const c = result.assurance?.coverage;
  if (c) return c.stateBits === 0 ? undefined : c.toggled / c.stateBits;
  return undefined;
}

/** Why a pass falls below the bar, or null when it clears it (and for anything that is not a pass). */
export function belowBar(result: VerifyResult, bar: StrengthBar): string | null {
  const strength = passStrength(result);
  if (result.status !== "pass") return null;
  if (strength === undefined) return `no evidence recorded (needs ${bar.level})`;
  if (RANK[strength] < RANK[bar.level]) return `${strength} is below ${bar.level}`;
  // A proof covers every state; only weaker passes answer for how much of the state their stimulus reached.
  if (bar.toggle === undefined || strength === "proved") return null;
  const coverage = result.assurance?.coverage;
  if (!coverage) {
    if (result.interface?.sequential === false) return null;
    return `no toggle coverage was measured (needs ${percent(bar.toggle)})`;
  }
  if (coverage.stateBits === 0) return null;
  const share = coverage.toggled / coverage.stateBits;
  if (share < bar.toggle)
    return `toggled ${coverage.toggled} of ${coverage.stateBits} state bits (${percent(share)}), below ${percent(bar.toggle)}`;
  return null;
}

const percent = (x: number) => `${Math.round(x * 1000) / 10}%`;

export function strengthRank(s: Strength): number {
  return RANK[s];
}

/**
 * Parses a `--min-strength` value: a level (`simulated`, `bounded`, `proved`), optionally with a minimum share of
 * the reference's state bits toggled, `LEVEL:FRACTION` (`simulated:0.9`, or a percentage `simulated:90%`).
 */
export function parseStrengthBar(text: string): StrengthBar {
  const [level, toggle, ...rest] = text.trim().split(":");
  const parsed = Strength.safeParse(level);
  if (!parsed.success || rest.length > 0)
    throw new BadInputError(
      `--min-strength expects LEVEL or LEVEL:TOGGLE with LEVEL one of ${Strength.options.join(", ")} (got "${text}")`,
    );
  const bar: StrengthBar = { level: parsed.data };
  if (toggle !== undefined) {
    const pct = toggle.endsWith("%");
    const value = Number(pct ? toggle.slice(0, -1) : toggle) / (pct ? 100 : 1);
    if (toggle.trim() === "" || !Number.isFinite(value) || value < 0 || value > 1)
      throw new BadInputError(`--min-strength: the toggle share must be in 0..1 or 0%..100% (got "${toggle}")`);
    bar.toggle = value;
  }
  return bar;
}

export function describeBar(bar: StrengthBar): string {
  return bar.toggle === undefined ? bar.level : `${bar.level} with ${percent(bar.toggle)} of state bits toggled`;
}
