export * from "./bench.js";
export * from "./verify.js";
