import { InvalidArgumentError } from "commander";
import { EngineChoice, type StrengthBar } from "../contracts/index.js";
import { parseStrengthBar } from "../verify/index.js";

/** Commander parser for non-negative integer flags. */
export function intOption(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return Number(value);
}

/** Commander parser for `--engine`: sim | formal | both. */
export function engineOption(value: string): EngineChoice {
  const parsed = EngineChoice.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`--engine must be sim, formal or both (got "${value}")`);
  return parsed.data;
}

/** Commander parser for `--min-strength LEVEL[:TOGGLE]` (see parseStrengthBar). */
export function strengthOption(value: string): StrengthBar {
  try {
    return parseStrengthBar(value);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
}
