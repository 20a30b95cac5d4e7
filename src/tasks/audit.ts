import type { VerifyStatus } from "../contracts/index.js";
import { verifyGroup } from "../verify/index.js";
import { assemble, type Family, type Params } from "./family.js";
import { paramKey } from "./generate.js";
import { Rng } from "./rng.js";

/** One audited parameter set: writer B must pass against writer A, the wrong variant must fail. */
export interface AuditCase {
  family: string;
  params: Params;
  heldout: boolean;
  alternative: VerifyStatus;
  wrong: VerifyStatus;
  ok: boolean;
  /** Why it is not ok (the verifier's message), when it is not. */
  detail?: string;
}

export interface AuditOptions {
  seed?: number;
  /** Training-side parameter sets per family. */
  train?: number;
  /** Held-out parameter sets per family (compositions: extra draws). */
  heldout?: number;
  timeoutMs?: number;
}
const AUDIT_DEFAULTS = { seed: 7, train: 2, heldout: 1, timeoutMs: 20_000 } as const;

/** Distinct parameter sets of a family: `train` training-side draws then `heldout` held-out ones. */
export function auditParams(
  f: Family,
  seed: number,
  train: number,
  heldout: number,
): Array<{ p: Params; heldout: boolean }> {
  const rng = new Rng(seed);
  const out: Array<{ p: Params; heldout: boolean }> = [];
  const keys = new Set<string>();
  const want = (side: boolean, count: number) => {
    for (let i = 0, got = 0; i < 500 && got < count; i++) {
      const p = f.sample(rng);
      const key = paramKey(f.name, p);
      if ((f.composite || f.heldout(p) === side) && !keys.has(key)) {
        keys.add(key);
        out.push({ p, heldout: side });
        got++;
      }
    }
  };
  want(false, train);
  want(true, heldout);
  return out;
}

/**
 * Checks a family with rtlgym's own verifier: for each sampled parameter set, writer B's module against writer A's
 * (must be `pass`) and the wrong variant (must be `fail`), as one verifyGroup call.
 */
export async function auditFamily(f: Family, options: AuditOptions = {}): Promise<AuditCase[]> {
  const o = { ...AUDIT_DEFAULTS, ...options };
  const cases: AuditCase[] = [];
  for (const { p, heldout } of auditParams(f, o.seed, o.train, o.heldout)) {
    const ports = f.ports(p);
    const check = () =>
      verifyGroup({
        reference: assemble(ports, f.a(p)),
        candidates: [assemble(ports, f.b(p)), assemble(ports, f.wrong(p))],
        timeoutMs: o.timeoutMs,
      });
    let [alt, wrong] = await check();
    // A timeout or tool failure is no verdict (a loaded machine, not the generator): check once more before judging.
    if ([alt?.status, wrong?.status].some((s) => s === "timeout" || s === "infra_error")) [alt, wrong] = await check();
    const altStatus = alt?.status ?? "infra_error";
    const wrongStatus = wrong?.status ?? "infra_error";
    const ok = altStatus === "pass" && wrongStatus === "fail";
    const detail = ok
      ? undefined
      : altStatus !== "pass"
        ? `writer B: ${alt?.message ?? "no result"}`
        : `wrong variant: ${wrong?.message ?? "no result"}`;
    cases.push({
      family: f.name,
      params: p,
      heldout,
      alternative: altStatus,
      wrong: wrongStatus,
      ok,
      ...(detail !== undefined && { detail }),
    });
  }
  return cases;
}
