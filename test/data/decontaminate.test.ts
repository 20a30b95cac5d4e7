import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenize } from "../../src/verilog/index.js";
import { CORPUS, rtlgym } from "../helpers/cli.js";
import { decontaminate, ingest } from "../helpers/decontaminate.js";

const BUILTIN = join(import.meta.dirname, "..", "..", "suites", "builtin");
const SUBSET = [
  "verilog-axis/LICENSE",
  "verilog-axis/SOURCE.txt",
  "verilog-axis/rtl/axis_register.v",
  "verilog-axis/rtl/arbiter.v",
  "verilog-axis/rtl/priority_encoder.v",
  "verilog-axis/rtl/axis_srl_fifo.v",
  "serv/LICENSE",
  "serv/SOURCE.txt",
  "serv/rtl/serv_alu.v",
  "serv/rtl/serv_bufreg.v",
  "serv/rtl/serv_ctrl.v",
  "serv/rtl/serv_immdec.v",
  "serv/rtl/serv_state.v",
];

/** Re-emits a design token by token: no comments, other line breaks and spacing. */
function reformat(src: string): string {
  return tokenize(src)
    .map((t) => t.text)
    .join(" ")
    .replace(/; /g, ";\n    ");
}

function renameIdents(src: string, map: Record<string, string>): string {
  return tokenize(src)
    .map((t) => (t.kind === "ident" && map[t.text] ? map[t.text] : t.text))
    .join(" ")
    .replace(/; /g, ";\n");
}

let root = "";
interface Hit {
  id: string;
  benchmark: string;
  problem: string;
  method: string;
  evidence: string;
}
let clean: { checked: number; hits: Hit[] } = { checked: 0, hits: [] };
let planted: { checked: number; hits: Hit[] } = { checked: 0, hits: [] };

const PLANTS: Array<{ top: string; problem: string }> = [
  { top: "uart_sender", problem: "b054_uart_tx" },
  { top: "crossing_ctrl", problem: "b051_traffic_light" },
  { top: "ones_count", problem: "b009_popcount16" },
  { top: "duty_gen", problem: "b041_pwm8" },
  { top: "reg8", problem: "b028_dff8_en_sync_reset" },
];

beforeAll(async () => {
  if (!existsSync(CORPUS)) return;
  root = await mkdtemp(join(tmpdir(), "rtlgym-decon-"));
  for (const name of ["clean", "planted"]) {
    for (const rel of SUBSET) {
      await mkdir(join(root, name, rel, ".."), { recursive: true });
      await copyFile(join(CORPUS, rel), join(root, name, rel));
    }
  }
  const ref = (id: string) => readFile(join(BUILTIN, id, "ref.v"), "utf8");
  const dir = join(root, "planted", "verilog-axis", "rtl");
  // 1. renamed and reformatted (comments dropped, spacing and line breaks changed)
  await writeFile(
    join(dir, "uart_sender.v"),
    `// Simple UART transmitter.\n${reformat((await ref("b054_uart_tx")).replace(/\bTopModule\b/g, "uart_sender"))}\n`,
  );
  // 2. renamed module and every internal name
  await writeFile(
    join(dir, "crossing_ctrl.v"),
    renameIdents(await ref("b051_traffic_light"), {
      TopModule: "crossing_ctrl",
      state: "st_q",
      next: "st_d",
      timer: "dwell",
      NS_GREEN: "S_NG",
      NS_YELLOW: "S_NY",
      EW_GREEN: "S_EG",
      EW_YELLOW: "S_EY",
    }),
  );
  // 3. the same function written another way: only the equivalence check can see it
  await writeFile(
    join(dir, "ones_count.v"),
    `module ones_count (input [15:0] in, output [4:0] count);
  wire [1:0] p [0:7];
  wire [2:0] q [0:3];
  wire [3:0] r [0:1];
  genvar g;
  generate
    for (g = 0; g < 8; g = g + 1) begin : l0
      assign p[g] = in[2*g] + in[2*g+1];
    end
    for (g = 0; g < 4; g = g + 1) begin : l1
      assign q[g] = p[2*g] + p[2*g+1];
    end
    for (g = 0; g < 2; g = g + 1) begin : l2
      assign r[g] = q[2*g] + q[2*g+1];
    end
  endgenerate
  assign count = r[0] + r[1];
endmodule
`,
  );
  // 4. the benchmark's specification pasted into a comment above an unrelated design
  const spec = await readFile(join(BUILTIN, "b041_pwm8", "spec.md"), "utf8");
  await writeFile(
    join(dir, "duty_gen.v"),
    `/*\n${spec.split("## Interface")[0]}*/\nmodule duty_gen (input clk, input [3:0] d, output reg [3:0] q);\n  always @(posedge clk) q <= d ^ 4'h5;\nendmodule\n`,
  );
  // 5. verbatim but renamed, in a file beside another module
  await writeFile(
    join(dir, "regs.v"),
    `${(await ref("b028_dff8_en_sync_reset")).replace(/\bTopModule\b/g, "reg8")}\nmodule other_inv (input a, output y);\n  assign y = ~a;\nendmodule\n`,
  );
  for (const name of ["clean", "planted"]) {
    const out = join(root, `${name}-ds`);
    await ingest(join(root, name), out);
    const result = await decontaminate<typeof clean>(out, "builtin");
    if (name === "clean") clean = result;
    else planted = result;
  }
}, 120_000);

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe.skipIf(!existsSync(CORPUS))("rtlgym data decontaminate", () => {
  it("finds every planted benchmark reference, by the method each plant leaves open", () => {
    for (const plant of PLANTS) {
      const hits = planted.hits.filter((h) => h.id.endsWith(`#${plant.top}`));
      expect(
        hits.map((h) => `${h.benchmark}/${h.problem}`),
        plant.top,
      ).toContain(`builtin/${plant.problem}`);
      for (const h of hits) expect(h.evidence.length).toBeGreaterThan(10);
    }
    const method = (top: string) => planted.hits.filter((h) => h.id.endsWith(`#${top}`)).map((h) => h.method);
    expect(method("uart_sender")).toContain("code-ngram");
    expect(method("crossing_ctrl")).toContain("code-ngram-renamed");
    expect(method("ones_count")).toEqual(["equivalence"]);
    expect(method("duty_gen")).toEqual(["spec-ngram"]);
    // The module sharing a file with a plant is not flagged.
    expect(planted.hits.some((h) => h.id.endsWith("#other_inv"))).toBe(false);
  });

  it("flags nothing in the clean corpus subset", () => {
    expect(clean.checked).toBeGreaterThan(5);
    expect(clean.hits).toEqual([]);
    expect(planted.checked).toBe(clean.checked + PLANTS.length + 1);
  });
});

describe("rtlgym data decontaminate --tasks", () => {
  it("checks against the held-out splits of a tasks folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rtlgym-decon-tasks-"));
    try {
      const gen = await rtlgym([
        "tasks",
        "generate",
        "--out",
        join(dir, "tasks"),
        "--train",
        "4",
        "--heldout",
        "3",
        "--json",
      ]);
      expect(gen.code, gen.stderr).toBe(0);
      const line = (await readFile(join(dir, "tasks", "heldout-params", "problems.jsonl"), "utf8")).split(
        "\n",
      )[0] as string;
      const problem = JSON.parse(line) as { id: string; reference: string };
      await mkdir(join(dir, "src"));
      await writeFile(join(dir, "src", "leak.v"), problem.reference.replace(/\bTopModule\b/g, "leaky"));
      const ing = await rtlgym(["data", "ingest", join(dir, "src"), "--out", join(dir, "ds"), "--quiet"]);
      expect(ing.code, ing.stderr).toBe(0);
      const dec = await rtlgym([
        "data",
        "decontaminate",
        "--dataset",
        join(dir, "ds"),
        "--suites",
        "builtin",
        "--tasks",
        join(dir, "tasks"),
        "--json",
        "--quiet",
      ]);
      expect(dec.code, dec.stderr).toBe(0);
      const result = JSON.parse(dec.stdout) as { benchmarks: Record<string, number>; hits: Hit[] };
      expect(Object.keys(result.benchmarks).sort()).toEqual([
        "builtin",
        "tasks:heldout-families",
        "tasks:heldout-params",
        "tasks:heldout-phrasing",
      ]);
      expect(result.hits.map((h) => `${h.benchmark}/${h.problem}`)).toContain(`tasks:heldout-params/${problem.id}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
