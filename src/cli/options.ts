import { InvalidArgumentError } from "commander";

/** Commander parser for non-negative integer flags. */
export function intOption(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return Number(value);
}
