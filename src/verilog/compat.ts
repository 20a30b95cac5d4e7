/** Yosys 0.23 rejects `always_comb` bodies that infer latches; `always @(*)` has the same meaning here. */
export function yosysCompatible(source: string): string {
  return source.replace(/\balways_comb\b/g, "always @(*)").replace(/\balways_latch\b/g, "always @(*)");
}
