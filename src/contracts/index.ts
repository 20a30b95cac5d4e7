export * from "./bench.js";
export * from "./slice.js";
export * from "./verify.js";
