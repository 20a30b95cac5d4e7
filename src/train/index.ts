export { readConfigFile } from "./config.js";
export {
  type EvaluateModelOptions,
  type EvaluateModelResult,
  evaluateModel,
  type SampleTasksOptions,
  type SampleTasksResult,
  sampleTasks,
} from "./evaluate.js";
export { ItertlConfig, type ItertlEvent, type ItertlSummary, trainItertl } from "./itertl.js";
export {
  PRM_LABELS,
  type PrmLabel,
  type PrmTrainSummary,
  type ServedPrm,
  servePrm,
  trainPrm,
} from "./prm.js";
export { findPython, PYTHON_ENV, pythonEnv } from "./python.js";
export { minutesSince } from "./recipe-run.js";
export { RL_ALGORITHMS, RlConfig, type RlOptions, type RlProgress, type RlSummary, trainRl } from "./rl.js";
export {
  buildSalvPairs,
  type CharSpan,
  readSalvPairs,
  type SalvPairOptions,
  type SalvRow,
  type SalvStats,
  type ScoredSample,
  samplesFromFile,
  samplesFromRun,
  spanText,
  writeSalvPairs,
} from "./salv.js";
export { SalvConfig, type SalvEvent, type SalvRecipeOptions, type SalvSummary, trainSalv } from "./salv-recipe.js";
export { DEFAULT_MODEL_SERVE_OPTIONS, type ModelServeOptions, type ServedModel, serveModel } from "./serve.js";
export {
  DEFAULT_SFT_OPTIONS,
  formatModelShape,
  type ModelShape,
  parseModelShape,
  SFT_PRECISIONS,
  SFT_PRESETS,
  type SftDone,
  SftEvent,
  type SftOptions,
  type SftPrecision,
  type SftPreset,
  type SftResult,
  trainSft,
} from "./sft.js";
export {
  isTrainRunKind,
  type NewTrainRun,
  openTrainStore,
  TRAIN_KIND_PREFIX,
  type TrainMetric,
  type TrainRunRecord,
  type TrainStore,
  type TrainValue,
} from "./store.js";
export { type StreamHandle, type StreamOptions, type StreamResult, spawnStreaming } from "./stream.js";
