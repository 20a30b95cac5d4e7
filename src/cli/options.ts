import { InvalidArgumentError } from "commander";
import type { StrengthBar } from "../contracts/index.js";
import { parseStrengthBar } from "../verify/index.js";

/** Commander parser for non-negative integer flags. */
export function intOption(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return Number(value);
}

/** Commander parser for `--min-strength LEVEL[:TOGGLE]` (see parseStrengthBar). */
export function strengthOption(value: string): StrengthBar {
  try {
    return parseStrengthBar(value);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
}
