import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { VerifyResult } from "../../src/contracts/index.js";
import { ghdlVersion } from "../../src/tools/ghdl.js";
import { liveProcessCount } from "../../src/tools/process.js";
import { toolVersions, verifyAny, verifyGroupAny } from "../../src/verify/index.js";

// Real GHDL, iverilog and Yosys on fixtures of ours (test/vhdl/fixtures): exact statuses, failing signals, routes.
const FIX = join(import.meta.dirname, "fixtures");
const read = (name: string) => readFileSync(join(FIX, name), "utf8");
const failing = (r: VerifyResult) => r.signals.filter((s) => !s.ok).map((s) => s.name);

async function check(ref: string, cand: string, extra: Record<string, unknown> = {}): Promise<VerifyResult> {
  const reference = ref.includes("\n") ? ref : read(ref);
  const candidate = cand.includes("\n") ? cand : read(cand);
  return verifyAny({ reference, candidate, ...extra });
}

const AND = (body: string, ports = "a : in std_logic; b : in std_logic; y : out std_logic") => `library ieee;
use ieee.std_logic_1164.all;
entity and2 is
  port (${ports});
end entity;
architecture rtl of and2 is
begin
${body}
end architecture;
`;

afterAll(() => expect(liveProcessCount()).toBe(0));

describe("VHDL vs VHDL", () => {
  it("passes an equivalent counter with generics through the validated translation, formally proved", async () => {
    const r = await check("counter_ref.vhd", "counter_good.vhd");
    expect(r.status).toBe("pass");
    expect(r.route?.kind).toBe("translated");
    expect(r.route?.translations.map((t) => t.status)).toEqual(["validated", "validated"]);
    expect(r.engines.formal.status).toBe("proved");
    expect(r.toolVersions.ghdl).toMatch(/^GHDL \d/);
    expect(r.interface?.clock).toBe("clk");
    expect(r.interface?.resets).toEqual([{ name: "rst", activeHigh: true, kind: "sync" }]);
  });

  it("fails an off-by-one counter on the right outputs", async () => {
    const r = await check("counter_ref.vhd", "counter_bad.vhd");
    expect(r.status).toBe("fail");
    expect(failing(r)).toEqual(["q", "wrap"]);
    expect(r.counterexample?.signal).toBe("q");
  });

  it("restores the 'when others' GHDL 2.0 drops, then passes an FSM with another encoding", async () => {
    const r = await check("fsm_ref.vhd", "fsm_others.vhd");
    expect(r.status).toBe("pass");
    expect(r.route?.kind).toBe("translated");
    expect(r.route?.translations.every((t) => t.status === "validated" && /restored/.test(t.reason ?? ""))).toBe(true);
    expect(r.engines.formal.status).toBe("proved");
  });

  it("fails a non-overlapping sequence detector", async () => {
    const r = await check("fsm_ref.vhd", "fsm_bad.vhd");
    expect(r.status).toBe("fail");
    expect(failing(r)).toEqual(["hit"]);
  });

  it("passes a combinational ALU written with other types (unsigned ports, a process) exhaustively", async () => {
    const r = await check("alu_ref.vhd", "alu_good.vhd");
    expect(r.status).toBe("pass");
    expect(r.engines.sim.exhaustive).toBe(true);
  });

  it("fails a reversed subtraction on y only", async () => {
    const r = await check("alu_ref.vhd", "alu_bad.vhd");
    expect(r.status).toBe("fail");
    expect(failing(r)).toEqual(["y"]);
  });

  it("judges an incomplete sensitivity list by native simulation: the netlist (an AND gate) is not trusted", async () => {
    const r = await check("and_ref.vhd", "and_sens.vhd");
    expect(r.route?.kind).toBe("native");
    expect(r.route?.translations.find((t) => t.design === "candidate")?.status).toBe("mismatch");
    expect(r.status).toBe("fail");
    expect(failing(r)).toEqual(["y"]);
    expect(r.engines.formal.status).toBe("skipped");
  });

  it("fails a design whose delta cycles never settle", async () => {
    const r = await check("and_ref.vhd", "and_osc.vhd");
    expect(r.status).toBe("fail");
    expect(r.message).toMatch(/stopped the simulation/);
  });

  it("times out a process that spins forever (not synthesizable: simulated natively)", async () => {
    const started = performance.now();
    const r = await check("and_ref.vhd", "and_hang.vhd", { timeoutMs: 2500 });
    expect(r.status).toBe("timeout");
    expect(performance.now() - started).toBeLessThan(6000);
  });
});

describe("generic values given by the user", () => {
  it("elaborates both VHDL sides with them (GHDL -g, the testbench's generic map) and refuses odd values", async () => {
    const five = await check("counter_ref.vhd", "counter_good.vhd", { generics: { MAXV: "5", w: "3" } });
    expect(five.status).toBe("pass");
    expect(five.interface?.ports.find((p) => p.name === "q")?.width).toBe(3);
    expect(five.interface?.stateConstants).toEqual([5]);
    const mixed = await check("counter_ref.vhd", "counter.v", {
      candidateLanguage: "verilog",
      generics: { maxv: "5" },
    });
    expect(mixed.status).toBe("fail");
    expect(failing(mixed)).toEqual(["q", "wrap"]);
    await expect(check("counter_ref.vhd", "counter_good.vhd", { generics: { maxv: "5; end" } })).rejects.toThrow(
      /give an integer/,
    );
  });

  it("lets a generic without a default be given instead of making the design unsupported", async () => {
    const src = read("and_ref.vhd").replace("entity and2 is", "entity and2 is\n  generic (INV : boolean);");
    expect((await check(src, "and_ref.vhd")).status).toBe("unsupported");
    expect((await check(src, "and_ref.vhd", { generics: { inv: "false" } })).status).toBe("pass");
  });
});

describe("groups (benchmark samples, RL groups)", () => {
  it("gives every candidate of a mixed group the verdict it gets alone", async () => {
    const candidates = [
      read("and_ref.vhd"),
      AND("  y <= a or b;"),
      read("and_sens.vhd"),
      "module and2(input a, input b, output y); assign y = a & b; endmodule\n",
      AND("  y <= a and b"),
      read("and_ref.vhd"),
    ];
    const group = await verifyGroupAny({ reference: read("and_ref.vhd"), candidates });
    expect(group.map((r) => r.status)).toEqual(["pass", "fail", "fail", "pass", "compile_error", "pass"]);
    expect(group.map((r) => r.route?.kind)).toEqual([
      "translated",
      "translated",
      "native",
      "translated",
      "frontend",
      "translated",
    ]);
    for (const [i, c] of candidates.entries()) {
      const alone = await verifyAny({ reference: read("and_ref.vhd"), candidate: c });
      expect(group[i]?.status, `candidate ${i}`).toBe(alone.status);
      expect(group[i]?.signals.map((s) => s.ok)).toEqual(alone.signals.map((s) => s.ok));
    }
  });
});

// A reference GHDL takes minutes to synthesize (it evaluates the constant's loop): a check of it is still preparing
// the reference when the test cancels it.
const SPIN_REF = AND(`  y <= (a and b) when K >= 0 else '0';`).replace(
  "architecture rtl of and2 is\n",
  `architecture rtl of and2 is
  function spin return integer is
    variable x : integer := 0;
  begin
    for i in 0 to 400000000 loop
      x := (x + i) mod 7;
    end loop;
    return x;
  end function;
  constant K : integer := spin;
`,
);

/** Runs `run(signal)`, aborts it once a tool process of it is running, and says how it ended. */
async function cancelMidway<T>(run: (signal: AbortSignal) => Promise<T>) {
  // The version probes run once per process: out of the way, the first process of the check is GHDL's.
  await toolVersions();
  await ghdlVersion();
  const cancel = new AbortController();
  const pending = run(cancel.signal);
  const began = performance.now();
  while (liveProcessCount() === 0 && performance.now() - began < 30_000) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 1000));
  const liveAtAbort = liveProcessCount();
  cancel.abort();
  const aborted = performance.now();
  const result = await pending;
  return { result, liveAtAbort, settleMs: performance.now() - aborted, liveAfter: liveProcessCount() };
}

describe("cancellation", () => {
  it("kills the VHDL preparation of a cancelled group or single check: it answers timeout at once, no process left", async () => {
    const options = { timeoutMs: 60_000 };
    const group = await cancelMidway((signal) =>
      verifyGroupAny({
        reference: SPIN_REF,
        candidates: [AND("  y <= a and b;"), AND("  y <= a or b;")],
        ...options,
        signal,
      }),
    );
    // GHDL was synthesizing the reference when the abort came; it was killed, nothing was started after it.
    expect(group.liveAtAbort).toBeGreaterThan(0);
    expect(group.settleMs).toBeLessThan(3000);
    expect(group.liveAfter).toBe(0);
    expect(group.result.map((r) => r.status)).toEqual(["timeout", "timeout"]);
    expect(group.result[0]?.message).toMatch(/cancelled/);

    const single = await cancelMidway((signal) =>
      verifyAny({ reference: SPIN_REF, candidate: AND("  y <= a and b;"), ...options, signal }),
    );
    expect(single.liveAtAbort).toBeGreaterThan(0);
    expect(single.settleMs).toBeLessThan(3000);
    expect(single.liveAfter).toBe(0);
    expect(single.result.status).toBe("timeout");
  }, 180_000);
});

describe("mixed VHDL and Verilog", () => {
  it("passes a Verilog candidate against a VHDL reference and the other way round", async () => {
    for (const [ref, cand] of [
      ["fsm_ref.vhd", "seqdet.v"],
      ["counter.v", "counter_good.vhd"],
      ["alu_ref.vhd", "alu.v"],
    ] as const) {
      const r = await verifyAny({
        reference: read(ref),
        candidate: read(cand),
        referenceLanguage: ref.endsWith(".v") ? "verilog" : "vhdl",
        candidateLanguage: cand.endsWith(".v") ? "verilog" : "vhdl",
      });
      expect(r.status, `${ref} vs ${cand}: ${r.message}`).toBe("pass");
      expect(r.route?.kind).toBe("translated");
    }
  });

  it("fails a wrong VHDL candidate against a Verilog reference", async () => {
    const r = await check("alu.v", "alu_bad.vhd");
    expect(r.route).toMatchObject({ reference: "verilog", candidate: "vhdl" });
    expect(r.status).toBe("fail");
    expect(failing(r)).toEqual(["y"]);
  });

  it("says unsupported when the VHDL side's translation does not reproduce its simulation", async () => {
    const ref = "module and2(input a, input b, output y); assign y = a & b; endmodule\n";
    const r = await check(ref, "and_sens.vhd");
    expect(r.status).toBe("unsupported");
    expect(r.message).toMatch(/validated GHDL translation/);
  });
});

describe("hostile and broken VHDL candidates", () => {
  it("refuses textio, even when it prints lines that look like a verdict", async () => {
    const cand = `library ieee;
use ieee.std_logic_1164.all;
use std.textio.all;
entity and2 is port (a : in std_logic; b : in std_logic; y : out std_logic); end entity;
architecture rtl of and2 is
begin
  y <= '0';
  process
    variable l : line;
  begin
    write(l, string'("PASS all outputs match")); writeline(output, l);
    wait;
  end process;
end architecture;
`;
    const r = await check("and_ref.vhd", cand);
    expect(r.status).toBe("compile_error");
    expect(r.message).toMatch(/textio/);
  });

  it("refuses std.env.finish and report statements", async () => {
    const fin = await check(
      "and_ref.vhd",
      AND("  y <= '0';\n  process begin wait for 1 ns; std.env.finish; end process;"),
    );
    expect(fin.status).toBe("compile_error");
    expect(fin.message).toMatch(/std\.env/);
    const rep = await check(
      "and_ref.vhd",
      AND("  y <= '0';\n  process begin report \"equivalent\"; wait; end process;"),
    );
    expect(rep.status).toBe("compile_error");
    expect(rep.message).toMatch(/report/);
  });

  it("gives compile_error with GHDL's message for a syntax error", async () => {
    const r = await check("and_ref.vhd", AND("  y <= a and b"));
    expect(r.status).toBe("compile_error");
    expect(r.diagnostics.join("\n")).toMatch(/design\.vhd:\d+/);
  });

  it("gives interface_mismatch for a wider output", async () => {
    const r = await check(
      "and_ref.vhd",
      AND("  y <= (a and b) & '0';", "a : in std_logic; b : in std_logic; y : out std_logic_vector(1 downto 0)"),
    );
    expect(r.status).toBe("interface_mismatch");
    expect(r.message).toMatch(/y: reference 1 bits, candidate 2/);
  });

  it("says unsupported for matching case (case?) and for integer inputs that do not fill their bits", async () => {
    const caseq = await check(
      "and_ref.vhd",
      AND(
        "  process (a, b) begin\n    case? std_logic_vector'(a & b) is\n      when \"11\" => y <= '1';\n      when others => y <= '0';\n    end case?;\n  end process;",
      ),
    );
    expect(caseq.status).toBe("unsupported");
    expect(caseq.message).toMatch(/case\?/);
    const int = await check(
      "and_ref.vhd",
      AND("  y <= a and b;", "a, b : in std_logic; n : in integer range 0 to 9; y : out std_logic"),
    );
    expect(int.status).toBe("unsupported");
    expect(int.message).toMatch(/integer range 0 to 9/);
  });
});
