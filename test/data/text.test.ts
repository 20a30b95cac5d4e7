import { describe, expect, it } from "vitest";
import { DisjointSets, estimateJaccard, jaccard, lshCandidates, MinHasher } from "../../src/data/minhash.js";
import { guessLicence, licenceFromReadme } from "../../src/data/sources.js";
import { decodeSource, normalisedTokens, tokenHash } from "../../src/data/text.js";
import { buildUnits, prepareFiles } from "../../src/data/units.js";

describe("decodeSource", () => {
  it("reads UTF-8, BOMs and UTF-16, falls back to latin1 with the reason, and refuses binary", () => {
    expect(decodeSource(Buffer.from("module é;", "utf8"))).toEqual({ text: "module é;", encoding: "utf-8" });
    expect(decodeSource(Buffer.from([0xef, 0xbb, 0xbf, 0x61]))?.encoding).toBe("utf-8-bom");
    expect(decodeSource(Buffer.from("\ufeffmodule", "utf16le"))).toEqual({ text: "module", encoding: "utf-16le" });
    const latin = decodeSource(Buffer.from([0x2f, 0x2f, 0xe9, 0x0a]));
    expect(latin).toMatchObject({ text: "//é\n", encoding: "latin1" });
    expect(latin?.note).toMatch(/not valid UTF-8 \(1 bytes/);
    expect(decodeSource(Buffer.from([0x61, 0x00, 0x62]))).toBeUndefined();
  });
});

describe("near-duplicate machinery", () => {
  it("ignores comments and spacing in the exact key", () => {
    const a = normalisedTokens("module m(input a); // x\n assign b = a; endmodule");
    const b = normalisedTokens("/* y */ module m( input a ) ;assign b=a;endmodule");
    expect(tokenHash(a)).toBe(tokenHash(b));
    expect(tokenHash(a)).not.toBe(tokenHash(normalisedTokens("module m(input a); assign b = ~a; endmodule")));
  });

  it("estimates Jaccard similarity within a few points and finds similar pairs by LSH only", () => {
    const h = new MinHasher();
    const base = Array.from({ length: 400 }, (_, i) => `t${i % 97}_${Math.floor(i / 7)}`);
    const variant = [...base.slice(0, 360), ...Array.from({ length: 40 }, (_, i) => `u${i}`)];
    const other = Array.from({ length: 400 }, (_, i) => `z${i}`);
    const [sa, sb, sc] = [base, variant, other].map((t) => h.shingles(t)) as [Uint32Array, Uint32Array, Uint32Array];
    const [ga, gb, gc] = [sa, sb, sc].map((s) => h.signature(s)) as [Uint32Array, Uint32Array, Uint32Array];
    const exact = jaccard(sa, sb);
    expect(exact).toBeGreaterThan(0.7);
    expect(Math.abs(estimateJaccard(ga, gb) - exact)).toBeLessThan(0.1);
    expect(estimateJaccard(ga, gc)).toBeLessThan(0.05);
    expect(lshCandidates([ga, gb, gc], 32)).toEqual([[0, 1]]);
    const sets = new DisjointSets(4);
    sets.union(2, 3);
    sets.union(3, 1);
    expect([sets.find(1), sets.find(2), sets.find(3), sets.find(0)]).toEqual([1, 1, 1, 0]);
  });
});

describe("licences", () => {
  it("names common licences from their text and from a README table", () => {
    expect(guessLicence("Permission is hereby granted, free of charge, to any person")).toBe("MIT");
    expect(guessLicence("Permission to use, copy, modify, and/or distribute this software for any purpose")).toBe(
      "ISC",
    );
    expect(guessLicence("Redistribution and use in source and binary forms ... Neither the name")).toBe("BSD-3-Clause");
    expect(guessLicence("Apache License, Version 2.0")).toBe("Apache-2.0");
    expect(guessLicence("all rights reserved")).toBeNull();
    const readme =
      "| folder | language | licence |\n| --- | --- | --- |\n| serv | Verilog | ISC |\n| neorv32 | VHDL | BSD-3-Clause |\n";
    expect(licenceFromReadme(readme, "neorv32")).toBe("BSD-3-Clause");
    expect(licenceFromReadme(readme, "other")).toBeNull();
  });
});

describe("units", () => {
  it("resolves instantiations to the nearest definition and hoists defines a dependency uses first", () => {
    const { files, includedBy } = prepareFiles([
      {
        path: "a/top.v",
        text: '`include "w.vh"\nmodule top(input [`W-1:0] x, output [`W-1:0] y); leaf u(.x(x), .y(y)); endmodule\n',
        encoding: "utf-8",
      },
      {
        path: "a/leaf.v",
        text: "module leaf(input [`W-1:0] x, output [`W-1:0] y); assign y = ~x; endmodule\n",
        encoding: "utf-8",
      },
      { path: "b/leaf.v", text: "module leaf(input x, output y); assign y = x; endmodule\n", encoding: "utf-8" },
      { path: "inc/w.vh", text: "`define W 4\n", encoding: "utf-8" },
    ]);
    const units = buildUnits(files, includedBy);
    const top = units.find((u) => u.top === "top");
    expect(top?.files.sort()).toEqual(["a/leaf.v", "a/top.v", "inc/w.vh"]);
    expect(top?.code).toContain("assign y = ~x");
    expect(top?.code.indexOf("`define W 4")).toBeLessThan(top?.code.indexOf("module leaf") ?? -1);
    // b/leaf.v is instantiated by nobody nearer: it is a top of its own.
    expect(units.filter((u) => u.top === "leaf").map((u) => u.path)).toEqual(["b/leaf.v"]);
  });
});
