// Worker thread for the WASM yosys: runYosys blocks its thread for the whole run.
import { parentPort } from "node:worker_threads";
import { runYosys, version } from "@yowasp/yosys";

interface Job {
  files: Record<string, string>;
  commands: string[];
  outputs: string[];
  versionOnly: boolean;
}

parentPort?.on("message", async (job: Job) => {
  if (job.versionOnly) {
    parentPort?.postMessage({ ok: true, log: "", outputs: {}, version: `Yosys ${version} (YoWASP)` });
    return;
  }
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const sink = (bytes: Uint8Array | null) => {
    if (bytes) chunks.push(decoder.decode(bytes, { stream: true }));
  };
  let ok = true;
  let tree: Record<string, unknown> = {};
  try {
    const files = { ...job.files, "script.ys": `${job.commands.join("\n")}\n` };
    tree = ((await runYosys(["-q", "-s", "script.ys"], files, { stdin: null, stdout: sink, stderr: sink })) ??
      {}) as Record<string, unknown>;
  } catch (e) {
    ok = false;
    const files = (e as { files?: Record<string, unknown> }).files;
    if (files) tree = files;
    if (!(e as { code?: number }).code) chunks.push(`ERROR: ${(e as Error).message}\n`);
  }
  const outputs: Record<string, string | undefined> = {};
  for (const name of job.outputs) {
    const v = tree[name];
    outputs[name] = typeof v === "string" ? v : v instanceof Uint8Array ? decoder.decode(v) : undefined;
  }
  parentPort?.postMessage({ ok, log: chunks.join(""), outputs });
});
