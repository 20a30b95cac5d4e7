import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProblemIndex, type RunningServer, startServer } from "../../src/server/index.js";
import { postJson } from "../helpers/http.js";

// "Both selects are never 1": the candidate differs from the reference only there.
const REF =
  "module Pick(input s1, input s2, input a, input b, output y); assign y = s1 ? a : (s2 ? b : 1'b0); endmodule\n";
const CAND =
  "module Pick(input s1, input s2, input a, input b, output y); assign y = s2 ? b : (s1 ? a : 1'b0); endmodule\n";
const RULE = "!(s1 && s2)";
const answer = (code: string) => `\`\`\`verilog\n${code}\`\`\``;

let server: RunningServer;
beforeAll(async () => {
  const problems = new ProblemIndex();
  const base = { task: "spec-to-rtl" as const, prompt: "", reference: REF, refTop: "Pick", candTop: "Pick", tags: [] };
  problems.add({ ...base, suite: "local", id: "stated", assume: RULE });
  problems.add({ ...base, suite: "local", id: "plain" });
  server = await startServer({ host: "127.0.0.1", port: 0, verify: { timeoutMs: 8000 }, problems });
});
afterAll(() => server?.close());

const post = (path: string, body: unknown) => postJson(server.url, path, body);

describe("input constraints over HTTP", () => {
  it("applies a named problem's stated constraint, and a request's own in its place", async () => {
    const verify = (body: object) => post("/v1/verify", { candidate: CAND, options: { engine: "sim" }, ...body });
    expect((await verify({ problem: "local/stated" })).json.status).toBe("pass");
    expect((await verify({ problem: "local/plain" })).json.status).toBe("fail");
    const own = await verify({ problem: "local/plain", options: { engine: "sim", assume: RULE } });
    expect(own.json.status).toBe("pass");
    const inline = await verify({ reference: REF, options: { engine: "both", assume: RULE } });
    expect(inline.json.status).toBe("pass");
    // The request's constraint replaces the stated one: `1` allows every input, so the difference shows.
    const wider = await verify({ problem: "local/stated", options: { engine: "sim", assume: "1" } });
    expect(wider.json.status).toBe("fail");
  });

  it("scores rewards of named problems under their constraint (/v1/rewards and /get_reward)", async () => {
    const rewards = await post("/v1/rewards", {
      reward: "codev-noformat",
      options: { engine: "sim" },
      items: [
        { problem: "local/stated", response: answer(CAND) },
        { problem: "local/plain", response: answer(CAND) },
      ],
    });
    expect(rewards.status).toBe(200);
    expect(rewards.json.results.map((r: { status: string }) => r.status)).toEqual(["pass", "fail"]);
    const openrlhf = await post("/get_reward?reward=codev-noformat", {
      query: [answer(CAND)],
      prompts: [""],
      labels: ["local/stated"],
    });
    expect(openrlhf.status).toBe(200);
    expect(openrlhf.json.rewards).toEqual([1]);
  });

  it("refuses a constraint that names anything but the reference's inputs", async () => {
    const bad = await post("/v1/verify", {
      reference: REF,
      candidate: CAND,
      options: { engine: "sim", assume: '$system("id")' },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toMatch(/assume/);
  });
});
