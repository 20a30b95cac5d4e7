import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BadInputError } from "../core/errors.js";
import { type EvaluateModelOptions, evaluateModel } from "./evaluate.js";
import { type NewTrainRun, openTrainStore, type TrainStore } from "./store.js";

/** The name under which every recipe records held-out pass@1 in the run store (one name, so reports can compare). */
export const HELDOUT_PASS_AT_1 = "heldout.pass@1";

/** Minutes since `started`, rounded to a tenth (the summaries' `minutes`). */
export function minutesSince(started: number): number {
  return Math.round(((Date.now() - started) / 60_000) * 10) / 10;
}

/** A recipe's resumable state in its out folder, and the settings it was started with. */
export interface RecipeRunDir<S> {
  state: S;
  /** Writes the state (after each finished phase, so a rerun resumes after it). */
  save(): void;
}

/**
 * Opens (or starts) a recipe's out folder: `<name>-config.json` holds the settings of the run, and a rerun with
 * other settings is refused (its state would not be this run's); `<name>-state.json` holds what is done.
 * `raisable` names settings a rerun may raise to continue a run (e.g. `rounds`: a finished 2-round run goes on to a
 * third), each with its value in a settings file written without it; lowering one is refused like any other change.
 */
export function openRecipeDir<S>(
  out: string,
  name: string,
  label: string,
  settings: Record<string, unknown>,
  initial: S,
  raisable: Readonly<Record<string, number>> = {},
): RecipeRunDir<S> {
  mkdirSync(out, { recursive: true });
  const keyFile = join(out, `${name}-config.json`);
  const key = JSON.stringify(settings);
  if (existsSync(keyFile)) {
    const stored = readFileSync(keyFile, "utf8");
    if (stored !== key) checkRaisedOnly(stored, settings, raisable, out, label);
  }
  writeFileSync(keyFile, key);
  const stateFile = join(out, `${name}-state.json`);
  const dir: RecipeRunDir<S> = {
    state: existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, "utf8")) as S) : initial,
    save: () => writeFileSync(stateFile, JSON.stringify(dir.state, null, 2)),
  };
  return dir;
}

/**
 * Throws unless `now` differs from the stored settings only by raising `raisable` settings. A settings file that is
 * not a JSON object (damaged) counts as other settings.
 */
function checkRaisedOnly(
  storedText: string,
  now: Record<string, unknown>,
  raisable: Readonly<Record<string, number>>,
  out: string,
  label: string,
): void {
  const other = new BadInputError(`${out} holds ${label} run with other settings; use another out folder`, { out });
  let stored: Record<string, unknown>;
  try {
    stored = JSON.parse(storedText);
  } catch {
    throw other;
  }
  if (typeof stored !== "object" || stored === null || Array.isArray(stored)) throw other;
  const fixed = (o: Record<string, unknown>) => JSON.stringify(Object.entries(o).filter(([k]) => !(k in raisable)));
  if (fixed(stored) !== fixed(now)) throw other;
  for (const [k, absent] of Object.entries(raisable)) {
    const was = stored[k] ?? absent;
    const is = now[k] ?? absent;
    if (typeof was !== "number" || typeof is !== "number") throw other;
    if (is < was) {
      throw new BadInputError(
        `${out} holds ${label} run with ${k}: ${was}; ${k} can be raised to continue it, not lowered (use another out folder)`,
        { out },
      );
    }
  }
}

/** Where a recipe records its run: the run store path (default `$RTLGYM_HOME/rtlgym.db`) and the cancel signal. */
export interface TrainRunOptions {
  db?: string;
  signal?: AbortSignal;
}

/**
 * Runs a recipe as one training run of the store: starts the run, gives `body` the store and the run id, and ends
 * the run `done` with the summary `body` returns, `cancelled` when the signal fired, `failed` with the error otherwise.
 */
export async function withTrainRun<T extends object>(
  options: TrainRunOptions,
  run: NewTrainRun,
  body: (store: TrainStore, runId: string) => Promise<T>,
): Promise<T> {
  const store = openTrainStore(...(options.db === undefined ? [] : [options.db]));
  const runId = store.startRun(run);
  try {
    const summary = await body(store, runId);
    store.finishRun(runId, "done", summary as Record<string, unknown>);
    return summary;
  } catch (e) {
    store.finishRun(runId, options.signal?.aborted ? "cancelled" : "failed", { error: String((e as Error).message) });
    throw e;
  } finally {
    store.close();
  }
}

/** A recipe config's `eval` block: which held-out split, how many problems and samples, at what temperature. */
export interface RecipeEval {
  split: string;
  n: number;
  limit?: number | undefined;
  temperature: number;
}

/**
 * Held-out pass@1 of a model as every recipe measures it (before and after training): `evaluateModel` on the
 * config's split with the run's seed and the recipe's response token limit.
 */
export async function heldoutPassAt1(
  common: Omit<EvaluateModelOptions, "model" | "split" | "n" | "limit" | "temperature" | "seed" | "maxTokens">,
  model: string,
  ev: RecipeEval,
  seed: number,
  maxTokens: number,
): Promise<{ "pass@1": number; runId: string }> {
  const r = await evaluateModel({
    ...common,
    model,
    split: ev.split,
    n: ev.n,
    ...(ev.limit !== undefined && { limit: ev.limit }),
    temperature: ev.temperature,
    seed,
    maxTokens,
  });
  return { "pass@1": r.passAt1, runId: r.runId };
}
