import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildPrompt, extractCandidate } from "../../src/bench/prompts.js";
import { scoreProblem } from "../../src/bench/score.js";
import { loadSuite } from "../../src/bench/suites/registry.js";
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
  it("has at least 40 problems, each with a Verilog twin", () => {
    expect(ids.length).toBeGreaterThanOrEqual(40);
    for (const id of ids) expect(readFileSync(join(ROOT, "builtin", id, "spec.md"), "utf8").length).toBeGreaterThan(0);
  });

  it.each(ids)(
    "%s: the VHDL and Verilog references pass against each other (both ways, validated translations)",
    async (id) => {
      const r = await verifyAny({
        reference: readFileSync(join(ROOT, "builtin", id, "ref.v"), "utf8"),
        candidate: readFileSync(join(ROOT, "builtin-vhdl", id, "ref.vhd"), "utf8"),
        referenceLanguage: "verilog",
        candidateLanguage: "vhdl",
      });
      expect(r.status, r.message).toBe("pass");
      expect(r.route?.kind).toBe("translated");
      const back = await verifyAny({
        reference: readFileSync(join(ROOT, "builtin-vhdl", id, "ref.vhd"), "utf8"),
        candidate: readFileSync(join(ROOT, "builtin", id, "ref.v"), "utf8"),
        referenceLanguage: "vhdl",
        candidateLanguage: "verilog",
      });
      expect(back.status, `VHDL reference, Verilog candidate: ${back.message}`).toBe("pass");
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

describe("the builtin-vhdl suite in rtlgym bench", () => {
  it("loads with VHDL references and specs, asks for a ```vhdl block and scores VHDL answers", async () => {
    const suite = await loadSuite("builtin-vhdl");
    expect(suite.problems.map((p) => p.id)).toEqual(ids);
    const p = suite.problems.find((x) => x.id === "b016_adder8_flags");
    if (!p) throw new Error("b016 missing");
    expect(p.language).toBe("vhdl");
    const chat = buildPrompt(p, { api: "chat", style: "rtlgym" });
    expect(chat.system).toMatch(/VHDL/);
    expect(chat.prompt).toMatch(/```vhdl\nentity TopModule is/);
    expect(chat.prompt).not.toMatch(/```verilog/);
    expect(buildPrompt(p, { api: "completions" }).prefill).toBe("```vhdl\n");
    const good = `Here it is:\n\`\`\`vhdl\n${p.reference}\`\`\`\n`;
    const bad = good.replace("ovf <= '1' when a(7) = b(7) and full(7) /= a(7) else '0';", "ovf <= full(8);");
    const verilog = "```verilog\nmodule TopModule(input a); endmodule\n```";
    const samples = [good, good, bad, verilog].map((r, i) => ({ sample: i, code: extractCandidate(p, r) || null }));
    const scores = await scoreProblem(p, samples, { official: false });
    expect(scores.map((s) => s.status)).toEqual(["pass", "pass", "fail", "compile_error"]);
    expect(scores[2]?.failingSignals).toEqual(["ovf"]);
  });
});
