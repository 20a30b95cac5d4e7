import { describe, expect, it } from "vitest";
import { createProgress, type ProgressStream } from "../../src/bench/progress.js";

function sink(isTTY: boolean): ProgressStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, columns: 200, write: (c: string) => chunks.push(c), text: () => chunks.join("") };
}

describe("createProgress", () => {
  it("writes one JSON event per line when the stream is not a TTY", () => {
    const out = sink(false);
    let t = 1000;
    const p = createProgress({ total: 3, label: "score", stream: out, now: () => t });
    t += 500;
    p.tick({ problem: "Prob001_zero", sample: 0, status: "pass" });
    p.log('a "quoted"\nmessage');
    t += 500;
    p.tick({ problem: "Prob001_zero", sample: 1, status: "fail" });
    p.done();
    p.done();
    p.tick({ problem: "late", sample: 9, status: "pass" });
    const lines = out.text().trimEnd().split("\n");
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e.type)).toEqual(["start", "sample", "log", "sample", "done"]);
    expect(events.every((e) => e.label === "score" && typeof e.time === "string")).toBe(true);
    expect(events[1]).toMatchObject({ problem: "Prob001_zero", sample: 0, status: "pass", done: 1, total: 3, pass: 1 });
    expect(events[2]).toMatchObject({ message: 'a "quoted"\nmessage' });
    expect(events[4]).toMatchObject({ done: 2, total: 3, pass: 1, elapsedMs: 1000 });
  });

  it("forces JSONL on a TTY with json: true", () => {
    const out = sink(true);
    createProgress({ total: 1, label: "gen", stream: out, json: true }).done();
    expect(
      out
        .text()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l).type),
    ).toEqual(["start", "done"]);
  });

  it("redraws one bar line on a TTY with count, passes, rate and ETA", () => {
    const out = sink(true);
    let t = 0;
    const p = createProgress({ total: 4, label: "score", stream: out, now: () => t });
    t = 1000;
    p.tick({ problem: "a", sample: 0, status: "pass" });
    t = 2000;
    p.tick({ problem: "a", sample: 1, status: "fail" });
    p.log("note");
    const text = out.text();
    expect(text).not.toMatch(/\n.*\n.*\n/); // no line-per-event output
    expect(text).toContain("\r\x1b[2K");
    expect(text).toContain("note\n");
    expect(text).toMatch(/score \[#{10}-{10}\] 2\/4 pass 1 1\.0\/s ETA 0:02/);
    p.tick({ problem: "b", sample: 0, status: "pass" });
    p.tick({ problem: "b", sample: 1, status: "pass" });
    p.done();
    expect(out.text()).toMatch(/4\/4 pass 3 .*\n$/);
  });

  it("writes nothing when silent", () => {
    const out = sink(false);
    const p = createProgress({ total: 2, label: "x", stream: out, silent: true });
    p.tick({ problem: "a", sample: 0, status: "pass" });
    p.log("hi");
    p.done();
    expect(out.text()).toBe("");
  });
});
