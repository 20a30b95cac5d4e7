import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asyncBufferFromFile, parquetReadObjects } from "hyparquet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verify } from "../../src/verify/index.js";
import { rtlgym } from "../helpers/cli.js";

let root = "";
let ds = "";

const DESIGNS: Record<string, string> = {
  "counter.v": `// A 4-bit counter with synchronous reset and enable.
module counter4 (input clk, input reset, input en, output reg [3:0] q);
  always @(posedge clk)
    if (reset) q <= 4'd0;
    else if (en) q <= q + 4'd1;
endmodule
`,
  "mux.v": `// Selects a or b.
module mux2x8 (input sel, input [7:0] a, input [7:0] b, output [7:0] y);
  assign y = sel ? b : a;
endmodule
`,
  "cmp.v": `module cmp8 (input [7:0] a, input [7:0] b, output gt, output eq);
  assign gt = a > b;
  assign eq = a == b;
endmodule
`,
  "tb.v": "module tb; reg clk = 0; always #1 clk = ~clk; initial #10 $finish; endmodule\n",
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "rtlgym-export-"));
  const src = join(root, "proj");
  await mkdir(src, { recursive: true });
  await writeFile(
    join(src, "LICENSE"),
    "Permission is hereby granted, free of charge, to any person obtaining a copy\n",
  );
  for (const [name, text] of Object.entries(DESIGNS)) await writeFile(join(src, name), text);
  ds = join(root, "ds");
  const r = await rtlgym(["data", "ingest", src, "--out", ds, "--json", "--quiet"]);
  expect(r.code, r.stderr).toBe(0);
  const d = await rtlgym(["data", "decontaminate", "--dataset", ds, "--suites", "builtin", "--json", "--quiet"]);
  expect(d.code, d.stderr).toBe(0);
}, 90_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function exportFormat(format: string) {
  const out = join(root, format);
  const r = await rtlgym(["data", "export", "--dataset", ds, "--format", format, "--out", out, "--json", "--quiet"]);
  expect(r.code, r.stderr).toBe(0);
  return {
    out,
    summary: JSON.parse(r.stdout) as { files: Array<{ path: string; rows: number }>; filtered: Record<string, number> },
  };
}

const parquet = async (path: string) => parquetReadObjects({ file: await asyncBufferFromFile(path) });
const jsonl = async (path: string) =>
  (await readFile(path, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("rtlgym data export", () => {
  it("writes verl rows in verl's parquet layout, with a label rtlgym verifies", async () => {
    const { out, summary } = await exportFormat("verl");
    expect(summary.filtered.testbench).toBe(1);
    // mux2x8 is builtin's b002_mux2_8bit: decontamination flagged it and the export leaves it out.
    expect(summary.filtered.contaminated).toBe(1);
    const rows = await parquet(join(out, "verl.parquet"));
    expect(rows).toHaveLength(2);
    expect(Object.keys(rows[0] as object).sort()).toEqual([
      "ability",
      "data_source",
      "extra_info",
      "prompt",
      "reward_model",
    ]);
    const row = rows.find((r) => (r.extra_info as { id: string }).id.endsWith("#cmp8")) as Record<string, unknown>;
    expect(row.reward_model).toMatchObject({ style: "rule" });
    expect((row.prompt as Array<{ role: string; content: string }>)[1]?.content).toContain("module cmp8");
    const label = JSON.parse((row.reward_model as { ground_truth: string }).ground_truth);
    const good =
      "module cmp8 (input [7:0] a, input [7:0] b, output gt, output eq); assign gt = b < a; assign eq = !(a ^ b); endmodule";
    const bad =
      "module cmp8 (input [7:0] a, input [7:0] b, output gt, output eq); assign gt = a >= b; assign eq = a == b; endmodule";
    expect(
      (await verify({ reference: label.reference, candidate: good, refTop: label.refTop, candTop: label.candTop }))
        .status,
    ).toBe("pass");
    expect(
      (await verify({ reference: label.reference, candidate: bad, refTop: label.refTop, candTop: label.candTop }))
        .status,
    ).toBe("fail");
    const card = await readFile(join(out, "README.md"), "utf8");
    expect(card).toContain("| proj |");
    expect(card).toContain("MIT");
    expect(card).toMatch(/Checked 4 records against builtin \(71\): \d+ hits on 1 records/);
    const decon = JSON.parse(await readFile(join(ds, "decontamination.json"), "utf8"));
    expect(decon.hits.map((h: { problem: string; method: string }) => `${h.problem} ${h.method}`)).toContain(
      "b002_mux2_8bit equivalence",
    );
  }, 60_000);

  it("writes SFT chat and completion rows and tasks-style RL rows", async () => {
    const sft = await exportFormat("sft");
    const chat = await parquet(join(sft.out, "sft.parquet"));
    expect(chat).toEqual(await jsonl(join(sft.out, "sft.jsonl")));
    const msgs = (chat[0] as { messages: Array<{ role: string; content: string }> }).messages;
    expect(msgs.map((m) => m.role)).toEqual(["system", "user", "assistant"]);
    expect(msgs[2]?.content).toMatch(/^```verilog\nmodule cmp8/);
    expect((await parquet(join(sft.out, "sft-completion.parquet"))).length).toBe(2);
    const rl = await exportFormat("rl");
    const rows = await jsonl(join(rl.out, "rl.jsonl"));
    expect(rows[0]).toMatchObject({ ability: "verilog", data_source: "rtlgym-data" });
    expect(rows[0].ground_truth).toBe(rows[0].reward_model.ground_truth);
  }, 60_000);

  it("writes DPO and ranking rows whose rejected answers rtlgym proves wrong", async () => {
    const dpo = await exportFormat("dpo");
    const rows = await parquet(join(dpo.out, "dpo.parquet"));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows as Array<{
      id: string;
      chosen: Array<{ content: string }>;
      rejected: Array<{ content: string }>;
    }>) {
      const code = (s: string) => s.replace(/^```verilog\n|```$/g, "");
      const chosen = code(row.chosen[0]?.content ?? "");
      const rejected = code(row.rejected[0]?.content ?? "");
      const top = row.id.split("#")[1] as string;
      expect((await verify({ reference: chosen, candidate: rejected, refTop: top, candTop: top })).status).toBe("fail");
    }
    const ranking = await exportFormat("ranking");
    const ranked = (await jsonl(join(ranking.out, "ranking.jsonl"))) as Array<{
      completions: string[];
      scores: number[];
    }>;
    for (const r of ranked) {
      expect(r.scores[0]).toBe(1);
      expect(r.scores.slice(1).every((s) => s < 1)).toBe(true);
      expect(r.completions).toHaveLength(r.scores.length);
    }
  }, 90_000);

  const python = join(import.meta.dirname, "..", "..", ".venv-adapters", "bin", "python");
  it.skipIf(!existsSync(python))(
    "is read by Hugging Face datasets (verl and dpo parquet)",
    async () => {
      const verl = join(root, "verl", "verl.parquet");
      const dpo = join(root, "dpo", "dpo.parquet");
      if (!existsSync(verl)) await exportFormat("verl");
      if (!existsSync(dpo)) await exportFormat("dpo");
      const out = execFileSync(
        python,
        [
          "-c",
          "import sys, json, datasets\nfor f in sys.argv[1:]:\n  d = datasets.load_dataset('parquet', data_files=f)['train']\n  print(json.dumps([d.num_rows, sorted(d.column_names), d[0]['prompt'][0]['role']]))",
          verl,
          dpo,
        ],
        {
          encoding: "utf8",
          timeout: 60_000,
          env: { ...process.env, HF_DATASETS_OFFLINE: "1", HF_HOME: join(root, "hf") },
        },
      )
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(out[0]).toEqual([2, ["ability", "data_source", "extra_info", "prompt", "reward_model"], "system"]);
      expect(out[1][1]).toEqual(["chosen", "id", "prompt", "rejected", "rejected_kind"]);
    },
    90_000,
  );
});
