import { describe, expect, it } from "vitest";
import { applyEdits } from "../../src/core/edits.js";

describe("applyEdits", () => {
  it("applies replacements and insertions by original offsets, in any order", () => {
    const src = "assign y = a & b;";
    expect(applyEdits(src, [])).toBe(src);
    expect(
      applyEdits(src, [
        [13, 14, "|"],
        [0, 0, "  "],
        [7, 8, "z"],
        [17, 17, " // edited"],
      ]),
    ).toBe("  assign z = a | b; // edited");
    // Two insertions at one offset keep their order.
    expect(
      applyEdits("ab", [
        [1, 1, "1"],
        [1, 1, "2"],
      ]),
    ).toBe("a12b");
  });
});
