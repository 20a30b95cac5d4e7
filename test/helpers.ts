import { join } from "node:path";
import { packageRoot } from "../src/core/paths.js";

export const PAIRS_DIR = join(packageRoot(), "fixtures", "pairs");

/** Public benchmark data beside the checkout (CI has it at ../shared/benchmarks). */
export const BENCHMARKS_DIR = process.env.RTLGYM_BENCHMARKS ?? join(packageRoot(), "..", "shared", "benchmarks");
