import { describe, expect, it } from "vitest";
import { renameLibraries } from "../../src/data/vhdl-units.js";

describe("renameLibraries", () => {
  it("drops the project's own libraries from library clauses and names them work where they are used", () => {
    const text = "library mylib, ieee;\nuse ieee.std_logic_1164.all;\nuse mylib.pkg.all;\nlibrary mylib;\n";
    expect(renameLibraries(text, new Set(["mylib"]))).toBe(
      "library ieee;\nuse ieee.std_logic_1164.all;\nuse work.pkg.all;\n\n",
    );
    expect(renameLibraries(text, new Set())).toBe(text);
  });
});
