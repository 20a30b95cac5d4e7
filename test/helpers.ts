import { join } from "node:path";
import { packageRoot } from "../src/core/paths.js";

export const PAIRS_DIR = join(packageRoot(), "fixtures", "pairs");
