import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { BadInputError } from "../core/errors.js";
import { packageRoot } from "../core/paths.js";

/** The environment variable that names the Python of the trainer and model server. */
export const PYTHON_ENV = "RTLGYM_PYTHON";

/**
 * The Python interpreter that has rtlgym_train (adapters/python): `explicit`, else `$RTLGYM_PYTHON`, else the
 * project's `.venv-adapters/bin/python`. Throws a BadInputError that says how to set it up when it is missing.
 */
export function findPython(explicit?: string): string {
  const chosen = explicit ?? (process.env[PYTHON_ENV] || undefined);
  const root = packageRoot();
  const path = chosen ?? join(root, ".venv-adapters", "bin", "python");
  if (!existsSync(path)) {
    const hint = `run \`bash ${join(root, "scripts", "setup-python.sh")}\` (it installs torch, transformers and rtlgym_train into .venv-adapters), or point --python / $${PYTHON_ENV} at a Python that has adapters/python installed`;
    throw new BadInputError(
      chosen !== undefined
        ? `python not found at ${resolve(path)}: ${hint}`
        : `the training Python is not set up: ${hint}`,
      { python: path },
    );
  }
  return path;
}

/** The child's environment: offline Hugging Face (nothing is downloaded at run time), unbuffered output. */
export function pythonEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HF_HUB_OFFLINE: "1",
    HF_DATASETS_OFFLINE: "1",
    TRANSFORMERS_OFFLINE: "1",
    HF_HUB_DISABLE_TELEMETRY: "1",
    PYTHONUNBUFFERED: "1",
    TOKENIZERS_PARALLELISM: "false",
    ...extra,
  };
}
