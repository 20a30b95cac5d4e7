import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDataset } from "../../src/data/store.js";
import { loadProblems, type RunningServer, startServer } from "../../src/server/index.js";
import { rtlgym } from "../helpers/cli.js";

const SUITES = join(import.meta.dirname, "..", "..", "suites");

let root = "";
let server: RunningServer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "rtlgym-export-vhdl-"));
  const src = join(root, "src");
  await mkdir(src);
  const counter = await readFile(join(SUITES, "builtin-vhdl", "b031_updown_counter8", "ref.vhd"), "utf8");
  await writeFile(
    join(src, "updown.vhd"),
    `-- An up/down counter with a load.\n-- Copyright (c) nobody; licence text is left out of prompts.\n${counter.replace(/\bTopModule\b/g, "updown")}`,
  );
  await writeFile(
    join(src, "blink.v"),
    "module blink(input clk, input reset, output reg led);\n  always @(posedge clk) led <= reset ? 1'b0 : ~led;\nendmodule\n",
  );
  const ing = await rtlgym(["data", "ingest", src, "--out", join(root, "ds"), "--quiet"]);
  expect(ing.code, ing.stderr).toBe(0);
  for (const format of ["rl", "dpo"]) {
    const ex = await rtlgym([
      "data",
      "export",
      "--dataset",
      join(root, "ds"),
      "--format",
      format,
      "--out",
      join(root, format),
      "--json",
    ]);
    expect(ex.code, ex.stderr).toBe(0);
  }
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    problems: await loadProblems([]),
    verify: { timeoutMs: 20_000 },
  });
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

const rows = async (format: string) =>
  (await readFile(join(root, format, `${format}.jsonl`), "utf8"))
    .trim()
    .split("\n")
    // biome-ignore lint/suspicious/noExplicitAny: rows are asserted field by field
    .map((l) => JSON.parse(l) as any);

describe("data export with VHDL records", () => {
  it("asks for a ```vhdl block with the entity, and labels the row VHDL", async () => {
    const ds = await readDataset(join(root, "ds"));
    expect(ds.records.map((r) => r.language ?? "verilog").sort()).toEqual(["verilog", "vhdl"]);
    const rl = await rows("rl");
    expect(rl).toHaveLength(2);
    const vhdl = rl.find((r) => r.id.endsWith("#updown"));
    const verilog = rl.find((r) => r.id.endsWith("#blink"));
    expect(vhdl.ability).toBe("vhdl");
    expect(verilog.ability).toBe("verilog");
    expect(vhdl.prompt[0].content).toMatch(/```vhdl fenced block/);
    expect(vhdl.prompt_text).toMatch(/^Implement the VHDL entity `updown`/);
    expect(vhdl.prompt_text).toContain("```vhdl\nentity updown is");
    expect(vhdl.prompt_text).toContain("An up/down counter with a load.");
    expect(vhdl.prompt_text).not.toMatch(/copyright/i);
    const label = JSON.parse(vhdl.ground_truth);
    expect(label).toMatchObject({ refTop: "updown", candTop: "updown", language: "vhdl", referenceLanguage: "vhdl" });
    expect(JSON.parse(verilog.ground_truth).language).toBeUndefined();

    // The reward service reads the label: the reference itself scores 1, a Verilog-fenced copy is no VHDL answer.
    const answer = (fence: string) =>
      `<think>\nreuse\n</think>\n<answer>\n\`\`\`${fence}\n${label.reference}\`\`\`\n</answer>`;
    const res = await fetch(`${server.url}/get_reward?reward=codev`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: [answer("vhdl"), answer("verilog")],
        prompts: ["", ""],
        labels: [vhdl.ground_truth, vhdl.ground_truth],
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rewards: number[] };
    expect(body.rewards).toEqual([1, 0]);
  }, 60_000);

  it("pairs a VHDL record with a GHDL-analysed mutant rtlgym proved different (dpo)", async () => {
    const dpo = await rows("dpo");
    const vhdl = dpo.find((r) => r.id.endsWith("#updown"));
    expect(vhdl).toBeDefined();
    expect(vhdl.chosen[0].content).toMatch(/^```vhdl\n/);
    expect(vhdl.rejected[0].content).toMatch(/^```vhdl\n/);
    expect(vhdl.rejected[0].content).not.toBe(vhdl.chosen[0].content);
    expect(vhdl.rejected_kind).toMatch(
      /^(binop|logic|literal|drop-negation|cond-invert|choice-swap|shift|signedness|reduction)$/,
    );
  });
});
