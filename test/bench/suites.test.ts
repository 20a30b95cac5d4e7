/**
 * Suite loaders on tiny upstream-shaped layouts built in a temp dir (from the fixtures/official problems): every
 * `--data` layout they accept, exclusions, revisions, and the errors that say what was expected where.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rtllmV11, rtllmV20 } from "../../src/bench/suites/rtllm.js";
import {
  problemFamily,
  verilogEvalV1Human,
  verilogEvalV1Machine,
  verilogEvalV2,
  verilogEvalV2CodeComplete,
} from "../../src/bench/suites/verilog-eval.js";
import { BadInputError } from "../../src/core/errors.js";
import { packageRoot } from "../../src/core/paths.js";
import { listModules } from "../../src/verilog/index.js";

const FIX = join(packageRoot(), "fixtures", "official");
const fixture = (...p: string[]) => readFileSync(join(FIX, ...p), "utf8");
const VE_SHA = "c498220d0a52248f8e3fdffe279075215bde2da6";
const V1_SHA = "4fa0ac4ed70ff1685114c25cd2e4c17cbba6a0c4";
const RT20_SHA = "41b26896e33b536940116a975626455eed3de65e";
const RT11_SHA = "f6d03dee61fd80b868eddc3bf3e675424726a68f";

let root: string;
const write = (path: string, content: string) => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), content);
};

/** Two v2 problems; Prob099_m2014_q6c is in known-broken.json, so it must load marked as excluded. */
const V2_IDS = ["Prob900_counter", "Prob099_m2014_q6c"];
const COMB_REF = "module RefModule (input a, input b, output y);\n  assign y = a & b;\nendmodule\n";

function writeV2(base: string, folder: string, withIfc: boolean): void {
  write(`${base}/${folder}/problems.txt`, `${V2_IDS.join("\n")}\n`);
  for (const id of V2_IDS) {
    const ref = id === "Prob900_counter" ? fixture("verilog-eval", "ref.sv") : COMB_REF;
    write(`${base}/${folder}/${id}_prompt.txt`, `prompt of ${id}\n`);
    write(`${base}/${folder}/${id}_ref.sv`, ref);
    write(`${base}/${folder}/${id}_test.sv`, fixture("verilog-eval", "test.sv"));
    if (withIfc) write(`${base}/${folder}/${id}_ifc.txt`, "module TopModule (input a);\n");
  }
}

function writeV1(base: string): void {
  const rows = [
    {
      task_id: "and2",
      prompt: "module top_module (\n  input a,\n  input b,\n  output y\n);\n",
      canonical_solution: "  assign y = a & b;\nendmodule\n",
      test: "module reference_module (input a, input b, output y); assign y = a & b; endmodule\nmodule tb(); endmodule\n",
    },
    {
      task_id: "review2015_fsm",
      prompt: "module top_module (input clk, output reg q);\n",
      canonical_solution: "  always @(posedge clk) q <= ~q;\nendmodule\n",
      test: "module tb(); endmodule\n",
    },
  ];
  write(`${base}/data/VerilogEval_Human.jsonl`, `${rows.map((r) => JSON.stringify(r)).join("\n")}\n`);
  write(
    `${base}/descriptions/VerilogDescription_Human.jsonl`,
    `${rows.map((r) => JSON.stringify({ task_id: r.task_id, detail_description: ` describe ${r.task_id}` })).join("\n")}\n`,
  );
}

function writeRtllmDesign(dir: string, name: string): void {
  write(`${dir}/design_description.txt`, fixture("rtllm", "design_description.txt"));
  write(`${dir}/testbench.v`, fixture("rtllm", "testbench.v"));
  write(`${dir}/verified_${name}.v`, fixture("rtllm", "verified_counter.v"));
  write(`${dir}/expected.dat`, fixture("rtllm", "expected.dat"));
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "rtlgym-suites-"));
  // The benchmarks layout: <bench>/verilog-eval/{v1,v2}, <bench>/rtllm/{v1.1,v2.0}, each with SOURCE.txt.
  write("bench/verilog-eval/SOURCE.txt", `commit main: ${VE_SHA}; release/1.0.0: ${V1_SHA}\n`);
  writeV2("bench/verilog-eval/v2", "dataset_spec-to-rtl", false);
  writeV2("bench/verilog-eval/v2", "dataset_code-complete-iccad2023", true);
  writeV1("bench/verilog-eval/v1");
  write("bench/rtllm/SOURCE.txt", `v2.0 = main ${RT20_SHA} ; v1.1 = tag v1.1 ${RT11_SHA}\n`);
  writeRtllmDesign("bench/rtllm/v1.1/counter", "counter");
  writeRtllmDesign("bench/rtllm/v1.1/radix2_div", "radix2_div");
  writeRtllmDesign("bench/rtllm/v2.0/Control/Counter/counter", "counter");
  writeRtllmDesign("bench/rtllm/v2.0/Miscellaneous/Frequency divider/clkgenerator", "clkgenerator");
  // An upstream clone of verilog-eval main: dataset folders at the root, commit in .git.
  writeV2("clone", "dataset_spec-to-rtl", false);
  write("clone/.git/HEAD", "ref: refs/heads/main\n");
  write("clone/.git/refs/heads/main", `${VE_SHA}\n`);
  write("empty/readme.txt", "nothing here\n");
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("VerilogEval v2 loaders", () => {
  it("loads spec-to-rtl from the benchmarks folder, with exclusions, tags and a revision", async () => {
    const suite = await verilogEvalV2.load(join(root, "bench"));
    expect(suite.name).toBe("verilog-eval-v2");
    expect(suite.dataDir).toBe(join(root, "bench/verilog-eval/v2/dataset_spec-to-rtl"));
    expect(suite.problems.map((p) => p.id)).toEqual(V2_IDS);
    const [counter, broken] = suite.problems;
    expect(counter).toMatchObject({
      task: "spec-to-rtl",
      refTop: "RefModule",
      candTop: "TopModule",
      prompt: "prompt of Prob900_counter\n",
      tags: ["sequential", "family:counter"],
      testbench: { kind: "verilog-eval", top: "tb", includeReference: true, files: {} },
    });
    expect(counter?.excluded).toBeUndefined();
    expect(counter?.header).toBeUndefined();
    expect(broken?.tags).toEqual(["combinational", "family:m2014"]);
    expect(broken?.excluded).toMatch(/Y2\/Y4/);
    expect(suite.revision).toMatch(/^c498220d\+sha256:[0-9a-f]{8}$/);
  });

  it("finds the same data from the upstream-clone, v2/ and task-folder layouts", async () => {
    const reference = await verilogEvalV2.load(join(root, "bench"));
    for (const dir of ["bench/verilog-eval", "bench/verilog-eval/v2", "bench/verilog-eval/v2/dataset_spec-to-rtl"]) {
      const suite = await verilogEvalV2.load(join(root, dir));
      expect(suite.problems).toEqual(reference.problems);
      expect(suite.revision).toBe(reference.revision);
    }
    const clone = await verilogEvalV2.load(join(root, "clone"));
    expect(clone.dataDir).toBe(join(root, "clone/dataset_spec-to-rtl"));
    expect(clone.revision).toBe(reference.revision); // same files, same commit (read from .git)
  });

  it("loads code-complete with the ifc header, and never takes the other task's folder", async () => {
    const suite = await verilogEvalV2CodeComplete.load(join(root, "bench"));
    expect(suite.problems[0]).toMatchObject({ task: "code-complete", header: "module TopModule (input a);\n" });
    await expect(
      verilogEvalV2CodeComplete.load(join(root, "bench/verilog-eval/v2/dataset_spec-to-rtl")),
    ).rejects.toThrow(/dataset_code-complete-iccad2023/);
  });

  it("changes the revision when a problem file changes", async () => {
    const before = (await verilogEvalV2.load(join(root, "clone"))).revision;
    write("clone/dataset_spec-to-rtl/Prob900_counter_prompt.txt", "changed\n");
    const after = (await verilogEvalV2.load(join(root, "clone"))).revision;
    expect(after).not.toBe(before);
    expect(after.startsWith("c498220d+")).toBe(true);
  });

  it("names the missing file of a listed problem", async () => {
    write("partial/dataset_spec-to-rtl/problems.txt", "Prob001_zero\n");
    write("partial/dataset_spec-to-rtl/Prob001_zero_prompt.txt", "p\n");
    write("partial/dataset_spec-to-rtl/Prob001_zero_test.sv", "module tb(); endmodule\n");
    const error = await verilogEvalV2.load(join(root, "partial")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    expect((error as Error).message).toMatch(/Prob001_zero: missing .*Prob001_zero_ref\.sv/);
  });
});

describe("VerilogEval v1 loaders", () => {
  it("builds the reference from header and solution, renamed away from top_module", async () => {
    for (const dir of ["bench", "bench/verilog-eval", "bench/verilog-eval/v1", "bench/verilog-eval/v1/data"]) {
      const suite = await verilogEvalV1Human.load(join(root, dir));
      expect(suite.dataDir).toBe(join(root, "bench/verilog-eval/v1"));
      expect(suite.revision).toMatch(/^4fa0ac4e\+sha256:/);
      const [and2, fsm] = suite.problems;
      expect(and2).toMatchObject({
        id: "and2",
        task: "code-complete",
        prompt: "describe and2",
        header: "module top_module (\n  input a,\n  input b,\n  output y\n);\n",
        refTop: "RefModule",
        candTop: "top_module",
        tags: ["combinational", "family:and"],
        testbench: { kind: "verilog-eval", top: "tb", includeReference: false },
      });
      expect(listModules(and2?.reference ?? "").map((m) => m.name)).toEqual(["RefModule"]);
      expect(fsm?.excluded).toMatch(/enum cast/);
      expect(fsm?.tags[0]).toBe("sequential");
    }
  });

  it("says which files it expected when the Machine set is absent", async () => {
    await expect(verilogEvalV1Machine.load(join(root, "bench"))).rejects.toThrow(
      /data\/VerilogEval_Machine\.jsonl and descriptions\/VerilogDescription_Machine\.jsonl/,
    );
  });
});

describe("RTLLM loaders", () => {
  it("loads v2.0 from category folders with spaces, with data files and tags", async () => {
    for (const dir of ["bench", "bench/rtllm", "bench/rtllm/v2.0"]) {
      const suite = await rtllmV20.load(join(root, dir));
      expect(suite.dataDir).toBe(join(root, "bench/rtllm/v2.0"));
      expect(suite.revision).toMatch(/^41b26896\+sha256:/);
      expect(suite.problems.map((p) => p.id)).toEqual(["counter", "clkgenerator"]);
      const [counter, clk] = suite.problems;
      expect(counter).toMatchObject({
        task: "spec-to-rtl",
        refTop: "verified_counter",
        candTop: "counter",
        tags: ["sequential", "category:Control", "subcategory:Counter"],
        testbench: { kind: "rtllm", top: "testbench", includeReference: false },
      });
      expect(Object.keys(counter?.testbench?.files ?? {})).toEqual(["expected.dat"]);
      expect(counter?.prompt).toContain("Module name:");
      expect(clk?.tags).toEqual(["sequential", "category:Miscellaneous", "subcategory:Frequency divider"]);
      expect(clk?.excluded).toMatch(/race/);
    }
  });

  it("loads v1.1 flat design folders, and never mistakes v1.1 for v2.0", async () => {
    const suite = await rtllmV11.load(join(root, "bench"));
    expect(suite.dataDir).toBe(join(root, "bench/rtllm/v1.1"));
    expect(suite.revision).toMatch(/^f6d03dee\+sha256:/);
    expect(suite.problems.map((p) => [p.id, p.excluded === undefined])).toEqual([
      ["counter", true],
      ["radix2_div", false],
    ]);
    expect(suite.problems[0]?.tags).toEqual(["sequential"]);
    await expect(rtllmV20.load(join(root, "bench/rtllm/v1.1"))).rejects.toThrow(
      /<Category>\/<Subcategory>\/<design>\//,
    );
  });
});

describe("errors", () => {
  it("asks for --data when no directory is given", async () => {
    await expect(verilogEvalV2.load(undefined)).rejects.toThrow(/--data <dir> or set RTLGYM_BENCHMARKS/);
    await expect(rtllmV11.load(undefined)).rejects.toBeInstanceOf(BadInputError);
  });

  it("names the directory that does not exist", async () => {
    await expect(verilogEvalV1Human.load(join(root, "nope"))).rejects.toThrow(/data directory not found: .*nope/);
  });

  it("lists where it looked and what it expected", async () => {
    const error = await verilogEvalV2.load(join(root, "empty")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadInputError);
    const message = (error as Error).message;
    expect(message).toMatch(/problems\.txt and ProbNNN_<name>_\{prompt\.txt,ref\.sv,test\.sv\}/);
    expect(message).toContain(join(root, "empty", "verilog-eval/v2/dataset_spec-to-rtl"));
    expect(message).toContain("github.com/NVlabs/verilog-eval");
    await expect(rtllmV11.load(join(root, "empty"))).rejects.toThrow(/<design>\/\{design_description\.txt/);
  });
});

describe("problemFamily", () => {
  it("takes the exam prefix or the leading letters", () => {
    expect(problemFamily("m2014_q4i")).toBe("m2014");
    expect(problemFamily("review2015_fsm")).toBe("review2015");
    expect(problemFamily("vector2")).toBe("vector");
    expect(problemFamily("dff8ar")).toBe("dff");
    expect(problemFamily("zero")).toBe("zero");
  });
});
