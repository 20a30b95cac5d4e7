import { describe, expect, it } from "vitest";
import type { TokenKind } from "../../src/verilog/lexer.js";
import { closingIndex, stripComments, tokenize } from "../../src/verilog/lexer.js";

const kinds = (src: string): Array<[TokenKind, string]> => tokenize(src).map((t) => [t.kind, t.text]);
const texts = (src: string): string[] => tokenize(src).map((t) => t.text);

describe("tokenize", () => {
  it("splits identifiers, keywords and punctuation with exact offsets", () => {
    const src = "assign y = a & b;";
    const tokens = tokenize(src);
    expect(tokens.map((t) => t.text)).toEqual(["assign", "y", "=", "a", "&", "b", ";"]);
    for (const t of tokens) expect(src.slice(t.start, t.end)).toBe(t.text);
  });

  it("skips line and block comments", () => {
    expect(texts("a // b c\n/* d\ne */ f")).toEqual(["a", "f"]);
  });

  it("keeps // and /* inside strings as part of the string", () => {
    expect(kinds('s = "a // b /* c */";')).toEqual([
      ["ident", "s"],
      ["punct", "="],
      ["string", '"a // b /* c */"'],
      ["punct", ";"],
    ]);
  });

  it("does not end a string at an escaped quote", () => {
    expect(kinds('"say \\"hi\\"" x')).toEqual([
      ["string", '"say \\"hi\\""'],
      ["ident", "x"],
    ]);
  });

  it("treats quotes and $names inside comments as comment text", () => {
    expect(texts('// "not a string\n/* $display("x"); */ y')).toEqual(["y"]);
  });

  it("reads system names, including ones with $ inside", () => {
    expect(kinds("$display $value$plusargs a$b")).toEqual([
      ["system", "$display"],
      ["system", "$value$plusargs"],
      ["ident", "a$b"],
    ]);
  });

  it("reads directives and macro operators", () => {
    expect(kinds('`define W 8 `timescale `include "x.v" a``b')).toEqual([
      ["directive", "`define"],
      ["ident", "W"],
      ["number", "8"],
      ["directive", "`timescale"],
      ["directive", "`include"],
      ["string", '"x.v"'],
      ["ident", "a"],
      ["punct", "``"],
      ["ident", "b"],
    ]);
  });

  it("reads escaped identifiers up to whitespace", () => {
    const tokens = tokenize("wire \\bus[0]+x ;");
    expect(tokens[1]).toEqual({ kind: "escaped", text: "\\bus[0]+x", start: 5, end: 14 });
    expect(tokens[2]?.text).toBe(";");
  });

  it("reads sized, based, signed and unbased literals as one number", () => {
    expect(kinds("8'hFF 'b1 4'sd3 1'bx 16 'h dead_beef '0 12_000 3'o7z")).toEqual([
      ["number", "8'hFF"],
      ["number", "'b1"],
      ["number", "4'sd3"],
      ["number", "1'bx"],
      ["number", "16 'h dead_beef"],
      ["number", "'0"],
      ["number", "12_000"],
      ["number", "3'o7z"],
    ]);
  });

  it("reads real numbers", () => {
    expect(texts("1.5 2e10 3.25E-3 7")).toEqual(["1.5", "2e10", "3.25E-3", "7"]);
  });

  it("takes the longest operator", () => {
    expect(texts("a <<<= b === c !== d <= e ** f [i +: 4] [j -: 2] p::q")).toEqual([
      "a",
      "<<<=",
      "b",
      "===",
      "c",
      "!==",
      "d",
      "<=",
      "e",
      "**",
      "f",
      "[",
      "i",
      "+:",
      "4",
      "]",
      "[",
      "j",
      "-:",
      "2",
      "]",
      "p",
      "::",
      "q",
    ]);
  });

  it("keeps @(*) balanced", () => {
    const tokens = tokenize("always @(*) x = 1;");
    expect(tokens.map((t) => t.text).slice(1, 5)).toEqual(["@", "(", "*", ")"]);
    expect(closingIndex(tokens, 2)).toBe(4);
  });

  it("never throws on unterminated comments and strings", () => {
    expect(texts("a /* never closed")).toEqual(["a"]);
    expect(kinds('x = "open')).toEqual([
      ["ident", "x"],
      ["punct", "="],
      ["string", '"open'],
    ]);
    expect(tokenize("\\")).toEqual([{ kind: "punct", text: "\\", start: 0, end: 1 }]);
  });

  it("ends an unterminated string at the line break, as Verilog does", () => {
    expect(kinds('"open\n$finish;')).toEqual([
      ["string", '"open'],
      ["system", "$finish"],
      ["punct", ";"],
    ]);
  });

  it("ends a string even at a backslash-escaped line break, which iverilog rejects", () => {
    expect(kinds('"a\\\n$finish;"')[1]).toEqual(["system", "$finish"]);
  });

  it("does not treat prose apostrophes as numbers", () => {
    expect(texts("it's")).toEqual(["it", "'", "s"]);
  });
});

describe("stripComments", () => {
  it("blanks comments, keeping offsets and line breaks", () => {
    const src = "a // one\n/* two\nthree */ b\n";
    const out = stripComments(src);
    expect(out).toHaveLength(src.length);
    expect(out.split("\n")).toHaveLength(src.split("\n").length);
    expect(out.replace(/\s+/g, " ").trim()).toBe("a b");
    expect(out.indexOf("b")).toBe(src.indexOf(" b") + 1);
  });

  it("leaves comment markers inside strings alone", () => {
    const src = '$display("// not a comment"); // comment';
    expect(stripComments(src).trimEnd()).toBe('$display("// not a comment");');
  });
});
