import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { SliceAnswer } from "../../contracts/index.js";
import { BadInputError } from "../../core/errors.js";
import { sliceDesign } from "../../tools/slice.js";
import { findPython } from "../../train/index.js";
import { EXIT } from "../exit.js";

interface SliceFlags {
  signal?: string[];
  top?: string;
  python?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `rtlgym slice FILE --signal NAME`: the code that determines a signal, as spans of the original text. */
export function registerSlice(program: Command): void {
  program
    .command("slice")
    .description(
      "the code that determines a signal (the items driving it and, transitively, what they read), as character spans of FILE (slang)",
    )
    .argument("<file>", "a Verilog/SystemVerilog file")
    .option("--signal <name>", "signal to slice (repeatable; default: every output of the top)", collect)
    .option("--top <module>", "module to slice in (default: the only module no other instantiates)")
    .option(
      "--python <path>",
      "the Python with adapters/python and pyslang (default: $RTLGYM_PYTHON or .venv-adapters)",
    )
    .option(
      "--json",
      "print one JSON object: {file, ok, top, modules, errors, signals: {name: {direction, spans, items}}}",
    )
    .action(async (file: string, flags: SliceFlags) => {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (e) {
        throw new BadInputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const answer = await sliceDesign(
        { text, ...(flags.signal && { signals: flags.signal }), ...(flags.top !== undefined && { top: flags.top }) },
        { python: findPython(flags.python) },
      );
      if (answer.fatal) throw new BadInputError(`cannot slice ${file}: ${answer.fatal}`);
      const unknown = Object.entries(answer.signals).filter(([, s]) => "error" in s);
      const { id: _id, ...shown } = answer;
      if (flags.json) process.stdout.write(`${JSON.stringify({ file, ...shown })}\n`);
      else process.stdout.write(formatSlices(file, text, answer));
      if (answer.top === null || answer.top === undefined || unknown.length > 0) process.exitCode = EXIT.usage;
      else if (!answer.ok) process.exitCode = EXIT.notEquivalent;
    });
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Each signal's spans with their line numbers and text. */
export function formatSlices(file: string, text: string, answer: SliceAnswer): string {
  const out: string[] = [];
  for (const e of answer.errors) {
    out.push(`${file}${e.offset === null ? "" : `:${lineOf(text, e.offset)}`}: error: ${e.message}`);
  }
  for (const [name, s] of Object.entries(answer.signals)) {
    if ("error" in s) {
      out.push(`${name}: ${s.error}`);
      continue;
    }
    const chars = s.spans.reduce((n, [a, b]) => n + b - a, 0);
    out.push(
      `== ${name} (${s.direction}) in ${answer.top}: ${s.items.length} items, ${s.spans.length} spans, ${chars} chars`,
    );
    for (const [a, b] of s.spans) {
      out.push(`-- [${a}, ${b}) line ${lineOf(text, a)}`);
      out.push(text.slice(a, b));
    }
  }
  return `${out.join("\n")}\n`;
}
