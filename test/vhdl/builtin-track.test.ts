import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../../src/core/paths.js";
import { verifyAny } from "../../src/verify/index.js";

// The VHDL track's references (suites/builtin-vhdl/<id>/ref.vhd, same specs as suites/builtin/<id>) must be
// equivalent to the Verilog references: checked here as mixed checks on real GHDL, iverilog and Yosys.
const ROOT = join(packageRoot(), "suites");
const ids = readdirSync(join(ROOT, "builtin-vhdl"), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe("builtin suite, VHDL track", () => {
  it("has at least 10 problems, each with a Verilog twin", () => {
    expect(ids.length).toBeGreaterThanOrEqual(10);
    for (const id of ids) expect(readFileSync(join(ROOT, "builtin", id, "spec.md"), "utf8").length).toBeGreaterThan(0);
  });

  it.each(ids)(
    "%s: the VHDL reference passes against the Verilog reference through a validated translation",
    async (id) => {
      const r = await verifyAny({
        reference: readFileSync(join(ROOT, "builtin", id, "ref.v"), "utf8"),
        candidate: readFileSync(join(ROOT, "builtin-vhdl", id, "ref.vhd"), "utf8"),
        referenceLanguage: "verilog",
        candidateLanguage: "vhdl",
      });
      expect(r.status, r.message).toBe("pass");
      expect(r.route?.kind).toBe("translated");
    },
  );

  it("fails a VHDL reference with one operator changed (b016: overflow from the carry)", async () => {
    const good = readFileSync(join(ROOT, "builtin-vhdl", "b016_adder8_flags", "ref.vhd"), "utf8");
    const bad = good.replace("ovf <= '1' when a(7) = b(7) and full(7) /= a(7) else '0';", "ovf <= full(8);");
    expect(bad).not.toBe(good);
    const r = await verifyAny({
      reference: readFileSync(join(ROOT, "builtin", "b016_adder8_flags", "ref.v"), "utf8"),
      candidate: bad,
      candidateLanguage: "vhdl",
    });
    expect(r.status).toBe("fail");
    expect(r.signals.filter((s) => !s.ok).map((s) => s.name)).toEqual(["ovf"]);
  });
});
