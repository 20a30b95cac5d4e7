import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli } from "../helpers/cli.js";

// A 4-bit counter with a synchronous reset: state the stimulus toggles and a small proof can cover.
const COUNTER = `module TopModule(input clk, input reset, input en, output reg [3:0] q);
  always @(posedge clk) if (reset) q <= 4'd0; else if (en) q <= q + 4'd1;
endmodule
`;

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rtlgym-check-strength-"));
  await writeFile(join(dir, "ref.v"), COUNTER);
  await writeFile(join(dir, "cand.v"), COUNTER.replace("q + 4'd1", "4'd1 + q"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("rtlgym check --min-strength", () => {
  it("accepts a pass whose evidence clears the bar and refuses one below it, saying why", async () => {
    const args = ["check", join(dir, "ref.v"), join(dir, "cand.v"), "--engine", "sim", "--seed", "1", "--json"];
    const plain = await cli(...args);
    const result = JSON.parse(plain.stdout);
    expect(result.status).toBe("pass");
    expect(result.assurance.strength).toBe("simulated");
    expect(plain.code).toBe(0);
    expect(result.belowMinStrength).toBeUndefined();

    const met = await cli(...args, "--min-strength", "simulated:0.5");
    expect(met.code).toBe(0);
    expect(JSON.parse(met.stdout).belowMinStrength).toBeUndefined();

    const below = await cli(...args, "--min-strength", "bounded");
    const refused = JSON.parse(below.stdout);
    expect(below.code).toBe(1);
    expect(refused.status).toBe("pass"); // the verdict stands; the bar decides the exit code
    expect(refused.belowMinStrength).toBe("simulated is below bounded");

    const text = await cli(
      "check",
      join(dir, "ref.v"),
      join(dir, "cand.v"),
      "--engine",
      "sim",
      "--min-strength",
      "proved",
    );
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("not accepted: below --min-strength: simulated is below proved");
  });

  it("applies the bar to every line of a batch and counts the passes below it apart", async () => {
    const line = (id: string) =>
      JSON.stringify({ id, referenceFile: "ref.v", candidateFile: "cand.v", options: { engine: "sim", seed: 1 } });
    await writeFile(join(dir, "pairs.jsonl"), `${line("a")}\n${line("b")}\n`);
    const run = await cli("check", "--batch", join(dir, "pairs.jsonl"), "--min-strength", "bounded");
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.id, l.status, l.exitCode, l.belowMinStrength])).toEqual([
      ["a", "pass", 1, "simulated is below bounded"],
      ["b", "pass", 1, "simulated is below bounded"],
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("pass 0 (+2 below --min-strength)");
  });

  it("refuses a malformed bar as a usage error", async () => {
    const bad = await cli("check", join(dir, "ref.v"), join(dir, "cand.v"), "--min-strength", "strong", "--json");
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).message).toContain("--min-strength expects LEVEL");
  });
});
