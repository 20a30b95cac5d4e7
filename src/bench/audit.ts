import pLimit from "p-limit";
import type {
  LoadedSuite,
  OfficialVerdict,
  Problem,
  ToolVersions,
  VerifyResult,
  VerifyStatus,
} from "../contracts/index.js";
import { generateMutants, type Mutant } from "../data/mutate.js";
import { vhdlMutantsThatAnalyse } from "../data/mutate-vhdl.js";
import type { VerifyOptions } from "../verify/index.js";
import { architectureSpans, entityDeclaration, lexVhdl, listEntities, type VhdlPort } from "../vhdl/index.js";
import { runOfficial } from "./official.js";
import { referenceAsCandidate } from "./samples.js";
import { verifyProblemGroup } from "./score.js";

export interface AuditOptions {
  /** Mutants generated per reference. */
  mutants?: number;
  seed?: number;
  verify?: Omit<VerifyOptions, "refTop" | "candTop">;
  /** Run the suite's own testbench (default true); without it only rtlgym's side is audited. */
  official?: boolean;
  officialTimeoutMs?: number;
  /** Problems audited at once. */
  concurrency?: number;
  onProblem?: (row: AuditRow) => void;
}

/** A mutant the suite's testbench accepts although rtlgym shows it differs from the reference. */
export interface TestbenchMiss {
  mutant: string;
  description: string;
  decidedBy: VerifyResult["decidedBy"];
  /** The counterexample rtlgym found (signal, cycle, expected, got). */
  evidence: string;
}

/** How sound one problem of a benchmark is. */
export interface AuditRow {
  id: string;
  excluded?: string;
  /** The reference against the suite's own testbench (`none`: the suite has no testbench). */
  referenceOfficial: OfficialVerdict["verdict"] | "none";
  /** The reference against itself through rtlgym (anything but pass is a harness or reference problem). */
  referenceSelf: VerifyStatus;
  mutants: number;
  /** Mutants rtlgym shows are different from the reference. */
  nonEquivalent: number;
  /** Of those, mutants the official testbench rejects. */
  officialCaught: number;
  /** Non-equivalent mutants the testbench accepts: a weak testbench. */
  testbenchMisses: TestbenchMiss[];
  /** Mutants the testbench rejects but rtlgym passes (testbench races or an rtlgym miss: read the evidence). */
  rtlgymPassesOfficialRejects: string[];
  /** A wrong design that prints the suite's pass line: what our hardened run says (must never be pass). */
  forgedVerdict: OfficialVerdict["verdict"] | "none";
  /** The same forged sample through rtlgym's own check (must never be pass); `none` when no wrong design was found. */
  forgedRtlgym: VerifyStatus | "none";
  durationMs: number;
}

/** The pass line each testbench convention prints, as a forging candidate would print it. */
const FORGED_LINE: Record<string, string> = {
  "verilog-eval": "Mismatches: 0 in 100 samples",
  rtllm: "===========Your Design Passed===========",
};

/**
 * Inserts an `initial` block that prints the suite's pass line and stops the simulation into the candidate's
 * top module: the cheapest forgery against stdout-grepping harnesses. VHDL candidates get the same as a process
 * in their last architecture: `report` of the pass line, then `std.env.stop`.
 */
export function forge(candidate: string, kind: string, language: "verilog" | "vhdl" = "verilog"): string {
  const line = FORGED_LINE[kind] ?? FORGED_LINE["verilog-eval"];
  if (language === "vhdl") {
    const { tokens } = lexVhdl(candidate);
    const end = tokens[architectureSpans(tokens).at(-1)?.end ?? -1];
    if (end === undefined) return candidate;
    const process = `  forged_verdict: process\n  begin\n    report "${line}" severity note;\n    std.env.stop;\n    wait;\n  end process;\n`;
    return `${candidate.slice(0, end.start)}${process}${candidate.slice(end.start)}`;
  }
  const at = candidate.lastIndexOf("endmodule");
  if (at < 0) return candidate;
  return `${candidate.slice(0, at)}  initial begin #1 $display("${line}"); $finish; end\n${candidate.slice(at)}`;
}

/**
 * A design rtlgym has shown to be wrong, to forge from: the first non-equivalent mutant, else one that drives every
 * output with a constant (checked too: a constant can be right). Forging a correct design would prove nothing.
 */
async function wrongDesign(
  problem: Problem,
  mutants: readonly { source: string }[],
  verdicts: readonly VerifyResult[],
  self: VerifyResult,
  options: AuditOptions,
): Promise<string | undefined> {
  const i = mutants.findIndex((_m, k) => verdicts[k + 1]?.status === "fail");
  if (i >= 0) return mutants[i]?.source;
  if (problem.language === "vhdl") {
    const constant = constantVhdl(problem);
    if (constant === undefined) return undefined;
    const [check] = await verifyProblemGroup(problem, [constant], { engine: "sim", ...options.verify });
    return check?.status === "fail" ? constant : undefined;
  }
  const ports = self.interface?.ports;
  if (!ports || ports.length === 0) return undefined;
  const decl = ports
    .map((p) => `${p.direction} ${p.signed ? "signed " : ""}${p.width > 1 ? `[${p.width - 1}:0] ` : ""}${p.name}`)
    .join(", ");
  const assigns = ports
    .filter((p) => p.direction === "output")
    .map((p) => `  assign ${p.name} = {${Math.ceil(p.width / 2)}{2'b10}};`)
    .join("\n");
  const constant = `module ${problem.candTop}(${decl});\n${assigns}\nendmodule\n`;
  const [check] = await verifyProblemGroup(problem, [constant], { engine: "sim", ...options.verify });
  return check?.status === "fail" ? constant : undefined;
}

/** The reference's top entity with an architecture that drives every output with a constant (all ones). */
function constantVhdl(problem: Problem): string | undefined {
  const entity = entityDeclaration(problem.reference, problem.refTop);
  const ports = listEntities(problem.reference).find(
    (e) => e.name.toLowerCase() === problem.refTop.toLowerCase(),
  )?.ports;
  if (entity === undefined || ports === undefined) return undefined;
  const value = (p: VhdlPort) =>
    p.kind === "bit"
      ? "'1'"
      : p.kind === "bool"
        ? "true"
        : p.kind === "vector"
          ? "(others => '1')"
          : `${p.range?.hi ?? 1}`;
  const drives = ports
    .filter((p) => p.direction === "output")
    .map((p) => `  ${p.name} <= ${value(p)};`)
    .join("\n");
  const head = "library ieee;\nuse ieee.std_logic_1164.all;\nuse ieee.numeric_std.all;\n\n";
  const renamed = entity.replace(new RegExp(`\\b${problem.refTop}\\b`, "gi"), problem.candTop);
  return `${head}${renamed}\n\narchitecture constant of ${problem.candTop} is\nbegin\n${drives}\nend architecture;\n`;
}

/**
 * Audits a suite problem by problem: the reference against its own testbench and against itself, generated
 * mutants against the testbench and against rtlgym's equivalence check (sim + formal), and a forged sample.
 */
export async function auditProblems(problems: readonly Problem[], options: AuditOptions = {}): Promise<AuditRow[]> {
  const limit = pLimit(Math.max(options.concurrency ?? 2, 1));
  return Promise.all(
    problems.map((p) =>
      limit(async () => {
        const row = await auditProblem(p, options);
        options.onProblem?.(row);
        return row;
      }),
    ),
  );
}

async function auditProblem(problem: Problem, options: AuditOptions): Promise<AuditRow> {
  const started = performance.now();
  const base: AuditRow = {
    id: problem.id,
    referenceOfficial: "none",
    referenceSelf: "pass",
    mutants: 0,
    nonEquivalent: 0,
    officialCaught: 0,
    testbenchMisses: [],
    rtlgymPassesOfficialRejects: [],
    forgedVerdict: "none",
    forgedRtlgym: "none",
    durationMs: 0,
  };
  if (problem.excluded !== undefined) return { ...base, excluded: problem.excluded };

  const reference = referenceAsCandidate(problem);
  const mutateOptions = { limit: options.mutants ?? 4, seed: options.seed ?? 1 };
  // VHDL mutants are kept only when GHDL analyses them: an illegal mutant would only measure the compiler.
  const mutants: Mutant[] =
    problem.language === "vhdl"
      ? await vhdlMutantsThatAnalyse(reference, mutateOptions)
      : generateMutants(reference, mutateOptions);
  const verdicts = await verifyProblemGroup(problem, [reference, ...mutants.map((m) => m.source)], {
    engine: "both",
    ...options.verify,
  });
  const self = verdicts[0] as VerifyResult;
  const row: AuditRow = { ...base, referenceSelf: self.status, mutants: mutants.length };

  const official = (code: string) =>
    problem.testbench && options.official !== false
      ? runOfficial(problem, code, { timeoutMs: options.officialTimeoutMs ?? 30_000 })
      : undefined;
  // A forged sample (a wrong design printing the pass line) must pass neither the suite's testbench nor rtlgym.
  const wrong = await wrongDesign(problem, mutants, verdicts, self, options);
  const forged =
    wrong === undefined ? undefined : forge(wrong, problem.testbench?.kind ?? "verilog-eval", problem.language);
  if (forged !== undefined) {
    const [check] = await verifyProblemGroup(problem, [forged], { engine: "both", ...options.verify });
    row.forgedRtlgym = check?.status ?? "none";
  }
  if (problem.testbench && options.official !== false) {
    row.referenceOfficial = ((await official(reference)) as OfficialVerdict).verdict;
    if (forged !== undefined) row.forgedVerdict = ((await official(forged)) as OfficialVerdict).verdict;
  }
  for (const [i, m] of mutants.entries()) {
    const v = verdicts[i + 1] as VerifyResult;
    const different = v.status === "fail" || v.status === "timeout";
    if (different) row.nonEquivalent++;
    const off = await official(m.source);
    if (!off) continue;
    const accepted = off.verdict === "pass" || off.verdict === "inconclusive";
    if (different && !accepted) row.officialCaught++;
    if (different && accepted && v.status === "fail") {
      const cex = v.counterexample;
      row.testbenchMisses.push({
        mutant: m.id,
        description: m.description,
        decidedBy: v.decidedBy,
        evidence: cex
          ? `${cex.signal}: expected ${cex.expected}, got ${cex.got} at ${cex.phase} cycle ${cex.cycle} (${cex.engine})`
          : v.message,
      });
    }
    if (v.status === "pass" && !accepted && off.verdict !== "infra_error") row.rtlgymPassesOfficialRejects.push(m.id);
  }
  row.durationMs = Math.round(performance.now() - started);
  return row;
}

/** The audit of a whole suite: the summary fields every bench report has, the totals, and one row per problem. */
export interface AuditReport {
  suite: string;
  suiteRevision: string;
  attempted: number;
  scored: number;
  excluded: { id: string; reason: string }[];
  /** pass@1 of the references scored as samples by rtlgym (anything below 1 is a harness or data problem). */
  passAtK: Record<string, number>;
  totals: {
    mutants: number;
    nonEquivalent: number;
    officialCaught: number;
    testbenchMisses: number;
    /** Problems whose testbench accepts at least one mutant rtlgym shows is wrong. */
    problemsWithMisses: string[];
    /** Of those, problems where formal (not simulation) found the difference. */
    problemsWithFormalOnlyMisses: string[];
    referencesFailingOfficial: string[];
    referencesFailingSelf: string[];
    /** Problems where a forged sample passed the hardened testbench run or rtlgym's check (must stay empty). */
    forgeable: string[];
    rtlgymPassesOfficialRejects: number;
  };
  problems: AuditRow[];
  mutantsPerProblem: number;
  seed: number;
  seconds: number;
  toolVersions: ToolVersions;
  createdAt: string;
}

export function auditReport(
  suite: LoadedSuite,
  rows: readonly AuditRow[],
  meta: { seconds: number; mutantsPerProblem: number; seed: number; toolVersions: ToolVersions },
): AuditReport {
  const active = rows.filter((r) => r.excluded === undefined);
  const sum = (f: (r: AuditRow) => number) => active.reduce((a, r) => a + f(r), 0);
  return {
    suite: suite.name,
    suiteRevision: suite.revision,
    attempted: active.length,
    scored: active.length,
    excluded: rows.filter((r) => r.excluded !== undefined).map((r) => ({ id: r.id, reason: r.excluded as string })),
    passAtK: { "1": active.length === 0 ? 0 : active.filter((r) => r.referenceSelf === "pass").length / active.length },
    totals: {
      mutants: sum((r) => r.mutants),
      nonEquivalent: sum((r) => r.nonEquivalent),
      officialCaught: sum((r) => r.officialCaught),
      testbenchMisses: sum((r) => r.testbenchMisses.length),
      problemsWithMisses: active.filter((r) => r.testbenchMisses.length > 0).map((r) => r.id),
      problemsWithFormalOnlyMisses: active
        .filter((r) => r.testbenchMisses.some((m) => m.decidedBy === "formal"))
        .map((r) => r.id),
      referencesFailingOfficial: active
        .filter((r) => r.referenceOfficial !== "none" && r.referenceOfficial !== "pass")
        .map((r) => `${r.id} (${r.referenceOfficial})`),
      referencesFailingSelf: active
        .filter((r) => r.referenceSelf !== "pass")
        .map((r) => `${r.id} (${r.referenceSelf})`),
      forgeable: active.filter((r) => r.forgedVerdict === "pass" || r.forgedRtlgym === "pass").map((r) => r.id),
      rtlgymPassesOfficialRejects: sum((r) => r.rtlgymPassesOfficialRejects.length),
    },
    problems: [...rows],
    ...meta,
    createdAt: new Date().toISOString(),
  };
}

/** Audited (not excluded) problems of the report for which `f` holds. */
const active = (r: AuditReport, f: (row: AuditRow) => boolean) =>
  r.problems.filter((p) => p.excluded === undefined && f(p)).length;

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The audit as Markdown: totals, then one table row per problem, then every testbench miss with its evidence. */
export function renderAuditMarkdown(r: AuditReport): string {
  const t = r.totals;
  const out: string[] = [];
  out.push(`# Audit of ${r.suite}`, "");
  out.push(
    `Suite revision ${r.suiteRevision}; ${r.mutantsPerProblem} mutants per reference, seed ${r.seed}; ${r.seconds.toFixed(0)} s; tools: ${Object.entries(
      r.toolVersions,
    )
      .map(([k, v]) => `${k} ${v ?? "-"}`)
      .join("; ")}.`,
    "",
  );
  out.push(`- problems: ${r.attempted} audited, ${r.excluded.length} excluded`);
  for (const e of r.excluded) out.push(`  - ${e.id}: ${e.reason}`);
  const hasTestbench = r.problems.some((p) => p.referenceOfficial !== "none");
  if (!hasTestbench)
    out.push("- this suite has no testbenches of its own: the audit checks the references and that mutants are caught");
  else {
    out.push(
      `- references failing their own testbench: ${t.referencesFailingOfficial.length}${t.referencesFailingOfficial.length ? ` (${t.referencesFailingOfficial.join(", ")})` : ""}`,
    );
  }
  out.push(
    `- references not equivalent to themselves under rtlgym: ${t.referencesFailingSelf.length}${t.referencesFailingSelf.length ? ` (${t.referencesFailingSelf.join(", ")})` : ""}`,
  );
  out.push(
    `- mutants: ${t.mutants}; non-equivalent (rtlgym): ${t.nonEquivalent}${hasTestbench ? `; rejected by the official testbench: ${t.officialCaught}` : ""}`,
  );
  if (hasTestbench) {
    out.push(
      `- **testbenches that accept a wrong design: ${t.problemsWithMisses.length} problems** (${t.testbenchMisses} mutants)${t.problemsWithFormalOnlyMisses.length ? `; found by formal: ${t.problemsWithFormalOnlyMisses.length}` : ""}`,
    );
    out.push(`- forged samples passing the hardened testbench run: ${active(r, (p) => p.forgedVerdict === "pass")}`);
    out.push(`- mutants rtlgym passes but the testbench rejects: ${t.rtlgymPassesOfficialRejects}`);
  }
  out.push(
    `- forged samples (a wrong design printing the pass line) rtlgym passes: ${active(r, (p) => p.forgedRtlgym === "pass")}`,
  );
  out.push("");
  if (hasTestbench) {
    out.push(
      "| problem | ref vs testbench | ref vs itself | mutants | non-equivalent | testbench caught | testbench misses | forged sample: testbench, rtlgym |",
      "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |",
    );
  } else {
    out.push(
      "| problem | ref vs itself | mutants | non-equivalent | forged sample (rtlgym) |",
      "| --- | --- | ---: | ---: | --- |",
    );
  }
  for (const row of r.problems) {
    if (row.excluded !== undefined) {
      out.push(`| ${row.id} | excluded: ${cell(row.excluded)} |${hasTestbench ? " | | | | | |" : " | | |"}`);
    } else if (hasTestbench) {
      out.push(
        `| ${row.id} | ${row.referenceOfficial} | ${row.referenceSelf} | ${row.mutants} | ${row.nonEquivalent} | ${row.officialCaught} | ${row.testbenchMisses.length} | ${row.forgedVerdict}, ${row.forgedRtlgym} |`,
      );
    } else {
      out.push(`| ${row.id} | ${row.referenceSelf} | ${row.mutants} | ${row.nonEquivalent} | ${row.forgedRtlgym} |`);
    }
  }
  const misses = r.problems.filter((p) => p.testbenchMisses.length > 0);
  if (misses.length > 0) {
    out.push("", "## Wrong designs the official testbench accepts", "");
    for (const p of misses) {
      for (const m of p.testbenchMisses)
        out.push(`- ${p.id} ${m.mutant} (${m.description}; ${m.decidedBy}): ${cell(m.evidence)}`);
    }
  }
  return `${out.join("\n")}\n`;
}
