import { BadInputError } from "../core/errors.js";
import { arithFamilies } from "./families/arith.js";
import { codeFamilies } from "./families/code.js";
import { compositeFamilies } from "./families/compose.js";
import { fsmFamilies } from "./families/fsm.js";
import { selectFamilies } from "./families/select.js";
import { seqFamilies } from "./families/seq.js";
import type { Family } from "./family.js";

const FAMILIES: readonly Family[] = [
  ...selectFamilies,
  ...arithFamilies,
  ...codeFamilies,
  ...seqFamilies,
  ...fsmFamilies,
  ...compositeFamilies,
];

/** Every family, base families first, then the compositions (held out as whole families). */
export function listFamilies(): readonly Family[] {
  return FAMILIES;
}

export function getFamily(name: string): Family {
  const f = FAMILIES.find((x) => x.name === name);
  if (!f) throw new BadInputError(`unknown task family "${name}"; known: ${FAMILIES.map((x) => x.name).join(", ")}`);
  return f;
}
