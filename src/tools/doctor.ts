import { ghdlYosysPlugin } from "./ghdl.js";
import { runProcess, withTempDir } from "./process.js";
import { type SandboxStatus, sandboxStatus } from "./sandbox.js";
import { findOnPath } from "./which.js";
import { yosysBackend } from "./yosys.js";

export interface ToolStatus {
  name: string;
  found: boolean;
  path?: string;
  version?: string;
  required: boolean;
  hint?: string;
}

export interface DoctorReport {
  tools: ToolStatus[];
  yosysBackend: string;
  /** The OS sandbox around the tools and the protections in force. */
  sandbox: SandboxStatus;
  /** Everything a check needs is present. */
  ready: boolean;
}

async function probe(name: string, args: string[], required: boolean, hint: string): Promise<ToolStatus> {
  const path = await findOnPath(name);
  if (!path) return { name, found: false, required, hint };
  const version = await withTempDir("doctor", async (cwd) => {
    const r = await runProcess(path, args, { cwd, timeoutMs: 15_000 });
    return (
      `${r.stdout}${r.stderr}`
        .split("\n")
        .find((l) => l.trim())
        ?.trim() ?? "unknown"
    );
  });
  return { name, found: true, path, version, required };
}

/** What `rtlgym doctor` reports: the tools found, their versions, the yosys backend in use. */
export async function doctor(): Promise<DoctorReport> {
  const tools = await Promise.all([
    probe("iverilog", ["-V"], true, "apt-get install iverilog"),
    probe("vvp", ["-V"], true, "apt-get install iverilog"),
    probe("yosys", ["-V"], false, "apt-get install yosys (else the bundled @yowasp/yosys WASM build is used)"),
    probe("verilator", ["--version"], false, "apt-get install verilator (optional: lint)"),
    probe("ghdl", ["--version"], false, "apt-get install ghdl (needed for VHDL checks)"),
    probe("bwrap", ["--version"], false, "apt-get install bubblewrap (the OS sandbox around every tool)"),
  ]);
  let sandbox: SandboxStatus;
  let sandboxOk = true;
  try {
    sandbox = sandboxStatus();
  } catch (e) {
    sandbox = { kind: "none", reason: (e as Error).message, dropsToNobody: false, protections: [] };
    sandboxOk = false;
  }
  let backend = "none";
  let ready = sandboxOk && tools.filter((t) => t.required).every((t) => t.found);
  try {
    const y = await yosysBackend();
    const version = await y.version();
    backend = `${y.name}: ${version}`;
    if (y.name === "wasm") tools.push({ name: "@yowasp/yosys", found: true, version, required: false });
    // Optional: a user-installed GHDL Yosys plugin (Debian does not package it); rtlgym never requires it.
    const plugin = ghdlYosysPlugin();
    tools.push({
      name: "ghdl-yosys-plugin",
      found: plugin !== undefined,
      ...(plugin && { path: plugin }),
      required: false,
      hint: "not packaged in Debian 12; VHDL formal runs on GHDL's validated Verilog netlist instead",
    });
  } catch (e) {
    backend = `unavailable: ${(e as Error).message}`;
    ready = false;
  }
  return { tools, yosysBackend: backend, sandbox, ready };
}
