import { clog2, family } from "../family.js";

type ParP = { w: number; odd: boolean };
const parity = family<ParP>({
  name: "parity",
  summary: "even or odd parity bit of a W-bit word",
  tags: ["combinational", "logic"],
  sequential: false,
  difficulty: () => 1,
  sample: (r) => ({ w: r.int(2, 32), odd: r.chance(0.5) }),
  heldout: (p) => p.w === 13 || p.w === 21,
  ports: (p) => [
    { name: "data", dir: "input", width: p.w, desc: "data word" },
    { name: "parity", dir: "output", width: 1, desc: `${p.odd ? "odd" : "even"} parity bit` },
  ],
  phrasings: [
    (p, t) =>
      `Generate the ${p.odd ? "odd" : "even"} parity bit of the ${t.bits(p.w)} input: together with \`data\`, it makes the number of ones ${p.odd ? "odd" : "even"}.`,
    (p, t) => `parity = ${p.odd ? "NOT " : ""}(XOR of all ${t.n(p.w)} bits of data).`,
    (p, t) =>
      `Output 1 when the ${t.n(p.w)}-bit \`data\` has ${p.odd ? "an even" : "an odd"} number of set bits, and 0 otherwise.`,
    (p, t) =>
      `Compute a${p.odd ? "n odd" : "n even"}-parity check bit over a ${t.n(p.w)}-bit bus so that data and check bit have ${p.odd ? "odd" : "even"} weight in total.`,
  ],
  a: (p) => `  assign parity = ${p.odd ? "~" : ""}^data;`,
  b: (p) =>
    `  integer i;\n  reg acc;\n  always @(*) begin\n    acc = 1'b${p.odd ? 1 : 0};\n    for (i = 0; i < ${p.w}; i = i + 1) acc = acc ^ data[i];\n  end\n  assign parity = acc;`,
  wrong: (p) => `  assign parity = ${p.odd ? "~" : ""}^data[${p.w - 2}:0];`,
});

type PopP = { w: number };
const popcount = family<PopP>({
  name: "popcount",
  summary: "number of set bits of a W-bit word",
  tags: ["combinational", "arithmetic"],
  sequential: false,
  difficulty: () => 2,
  sample: (r) => ({ w: r.int(3, 24) }),
  heldout: (p) => p.w === 11 || p.w === 17,
  ports: (p) => [
    { name: "in", dir: "input", width: p.w, desc: "input word" },
    { name: "count", dir: "output", width: clog2(p.w + 1), desc: "number of ones" },
  ],
  phrasings: [
    (p, t) => `Count the ones in the ${t.bits(p.w)} input \`in\` and output the count.`,
    (p, t) => `count = number of bits of \`in\` (${t.n(p.w)} bits) that are 1 (population count / Hamming weight).`,
    (p, t) => `Write a population counter for a ${t.n(p.w)}-bit word; \`count\` is ${t.n(clog2(p.w + 1))} bits wide.`,
    (p, t) => `How many of the ${t.n(p.w)} input lines are high? Output that number in binary.`,
  ],
  a: (p) =>
    `  integer i;\n  reg [${clog2(p.w + 1) - 1}:0] c;\n  always @(*) begin\n    c = 0;\n    for (i = 0; i < ${p.w}; i = i + 1) if (in[i]) c = c + 1'b1;\n  end\n  assign count = c;`,
  b: (p) => {
    const cw = clog2(p.w + 1);
    // cw >= 2 (w >= 3): every term is a zero-extended bit.
    return `  assign count = ${Array.from({ length: p.w }, (_, i) => `{${cw - 1}'d0, in[${i}]}`).join(" + ")};`;
  },
  wrong: (p) =>
    `  integer i;\n  reg [${clog2(p.w + 1) - 1}:0] c;\n  always @(*) begin\n    c = 0;\n    for (i = 1; i < ${p.w}; i = i + 1) if (in[i]) c = c + 1'b1;\n  end\n  assign count = c;`,
});

type ZcP = { w: number; leading: boolean };
const zeroCount = family<ZcP>({
  name: "zero_count",
  summary: "leading- or trailing-zero count of a W-bit word (W when the word is 0)",
  tags: ["combinational", "arithmetic"],
  sequential: false,
  difficulty: () => 2,
  sample: (r) => ({ w: r.int(3, 16), leading: r.chance(0.5) }),
  heldout: (p) => (p.w === 10 && p.leading) || (p.w === 6 && !p.leading) || p.w === 13,
  ports: (p) => [
    { name: "in", dir: "input", width: p.w, desc: "input word" },
    {
      name: "zeros",
      dir: "output",
      width: clog2(p.w + 1),
      reg: true,
      desc: `number of ${p.leading ? "leading" : "trailing"} zeros`,
    },
  ],
  phrasings: [
    (p, t) =>
      `Count the ${p.leading ? "leading" : "trailing"} zeros of the ${t.bits(p.w)} input: the number of 0 bits ${p.leading ? "above the highest 1 (starting from the MSB)" : "below the lowest 1 (starting from the LSB)"}. An all-zero input gives ${t.n(p.w)}.`,
    (p, t) =>
      `zeros = ${p.leading ? "clz" : "ctz"}(in) for a ${t.n(p.w)}-bit word, with ${p.leading ? "clz" : "ctz"}(0) = ${t.n(p.w)}.`,
    (p, t) =>
      `Scan \`in\` (${t.n(p.w)} bits) from bit ${p.leading ? `${t.n(p.w - 1)} downwards` : `${t.n(0)} upwards`} and output how many zeros come before the first 1 (all ${t.n(p.w)} if there is no 1).`,
    (p, t) => `Write a ${p.leading ? "leading" : "trailing"}-zero counter over ${t.n(p.w)} bits.`,
  ],
  a: (p) => {
    const loop = p.leading ? `for (i = 0; i < ${p.w}; i = i + 1)` : `for (i = ${p.w - 1}; i >= 0; i = i - 1)`;
    const val = p.leading ? `${p.w - 1} - i` : "i";
    return `  integer i;\n  always @(*) begin\n    zeros = ${p.w};\n    ${loop}\n      if (in[i]) zeros = ${val};\n  end`;
  },
  b: (p) => {
    const cw = clog2(p.w + 1);
    const arms: string[] = [];
    for (let k = 0; k < p.w; k++) {
      const bit = p.leading ? p.w - 1 - k : k;
      arms.push(`    ${k === 0 ? "if" : "else if"} (in[${bit}]) zeros = ${cw}'d${k};`);
    }
    return `  always @(*) begin\n${arms.join("\n")}\n    else zeros = ${cw}'d${p.w};\n  end`;
  },
  wrong: (p) => {
    const loop = p.leading ? `for (i = 0; i < ${p.w}; i = i + 1)` : `for (i = ${p.w - 1}; i >= 0; i = i - 1)`;
    const val = p.leading ? `${p.w - 1} - i` : "i";
    return `  integer i;\n  always @(*) begin\n    zeros = ${p.w - 1};\n    ${loop}\n      if (in[i]) zeros = ${val};\n  end`;
  },
});

type ShP = { w: number; left: boolean; arith: boolean };
const shifter = family<ShP>({
  name: "shifter",
  summary: "barrel shifter: logical left/right or arithmetic right by a variable amount",
  tags: ["combinational", "datapath"],
  sequential: false,
  difficulty: () => 2,
  sample: (r) => {
    const left = r.chance(0.4);
    return { w: r.pick([4, 5, 6, 8, 10, 12, 16]), left, arith: !left && r.chance(0.5) };
  },
  heldout: (p) => (p.w === 10 && p.arith) || (p.w === 12 && p.left),
  ports: (p) => [
    { name: "in", dir: "input", width: p.w, desc: "value to shift" },
    { name: "amt", dir: "input", width: clog2(p.w), desc: "shift amount" },
    { name: "out", dir: "output", width: p.w, desc: "shifted value" },
  ],
  phrasings: [
    (p, t) =>
      `Shift the ${t.bits(p.w)} input ${p.left ? "left" : "right"} by \`amt\` positions${p.left ? ", filling with zeros" : p.arith ? ", copying the sign bit into the vacated positions (arithmetic shift)" : ", filling with zeros (logical shift)"}. Shift amounts of ${t.n(p.w)} or more give ${p.arith ? "all copies of the sign bit" : "zero"}.`,
    (p, t) =>
      `out = in ${p.left ? "<<" : p.arith ? ">>> (arithmetic, in treated as signed)" : ">>"} amt, with ${t.n(p.w)}-bit in and out.`,
    (p, t) =>
      `Write a ${t.n(p.w)}-bit barrel shifter that moves bits toward the ${p.left ? "MSB" : "LSB"}; ${p.arith ? "the MSB is replicated" : "zeros enter"} on the ${p.left ? "right" : "left"}.`,
    (p, t) =>
      `${p.arith ? "Divide the signed value by 2^amt rounding toward minus infinity" : p.left ? `Multiply by 2^amt modulo 2^${t.n(p.w)}` : "Divide the unsigned value by 2^amt (floor)"} using a shifter; \`in\` and \`out\` have ${t.n(p.w)} bits.`,
  ],
  a: (p) => `  assign out = ${p.left ? "in << amt" : p.arith ? "$signed(in) >>> amt" : "in >> amt"};`,
  b: (p) => {
    const aw = clog2(p.w);
    const lines: string[] = [`  wire [${p.w - 1}:0] s0 = in;`];
    for (let k = 0; k < aw; k++) {
      const d = 1 << k;
      let moved: string;
      if (d >= p.w) moved = p.arith ? `{${p.w}{s${k}[${p.w - 1}]}}` : `${p.w}'d0`;
      else if (p.left) moved = `{s${k}[${p.w - 1 - d}:0], ${d}'d0}`;
      else moved = `{${p.arith ? `{${d}{s${k}[${p.w - 1}]}}` : `${d}'d0`}, s${k}[${p.w - 1}:${d}]}`;
      lines.push(`  wire [${p.w - 1}:0] s${k + 1} = amt[${k}] ? ${moved} : s${k};`);
    }
    lines.push(`  assign out = s${aw};`);
    return lines.join("\n");
  },
  wrong: (p) =>
    `  assign out = ${p.left ? `in << amt[${clog2(p.w) - 2}:0]` : p.arith ? "in >> amt" : "$signed(in) >>> amt"};`,
});

type RotP = { w: number; left: boolean };
const rotator = family<RotP>({
  name: "rotator",
  summary: "rotate a W-bit word left or right by a variable amount",
  tags: ["combinational", "datapath"],
  sequential: false,
  difficulty: () => 2,
  sample: (r) => ({ w: r.pick([4, 6, 8, 12, 16]), left: r.chance(0.5) }),
  heldout: (p) => p.w === 6 && !p.left,
  ports: (p) => [
    { name: "in", dir: "input", width: p.w, desc: "value to rotate" },
    { name: "amt", dir: "input", width: clog2(p.w), desc: "rotate amount" },
    { name: "out", dir: "output", width: p.w, reg: true, desc: "rotated value" },
  ],
  phrasings: [
    (p, t) =>
      `Rotate the ${t.bits(p.w)} input ${p.left ? "left" : "right"} by \`amt\` positions: bits shifted out of one end re-enter at the other. An amount of ${t.n(p.w)} or more rotates by amt modulo ${t.n(p.w)}.`,
    (p, t) =>
      `Circular shift ${p.left ? "toward the MSB" : "toward the LSB"}: out = in rotated ${p.left ? "left" : "right"} (amt mod ${t.n(p.w)}) times, ${t.n(p.w)} bits.`,
    (p, t) =>
      `Write a barrel rotator (${p.left ? "left" : "right"}) for ${t.n(p.w)}-bit words; nothing is lost, bits wrap around. Rotation counts wrap modulo the width.`,
    (p, t) => `Bit i of \`in\` must land at position (i ${p.left ? "+" : "-"} amt) mod ${t.n(p.w)} of \`out\`.`,
  ],
  a: (p) =>
    `  wire [${2 * p.w - 1}:0] dbl = {in, in};\n  always @(*) out = ${p.left ? `dbl[${2 * p.w - 1} - (amt % ${p.w}) -: ${p.w}]` : `dbl[(amt % ${p.w}) +: ${p.w}]`};`,
  b: (p) =>
    `  integer i;\n  always @(*) begin\n    for (i = 0; i < ${p.w}; i = i + 1)\n      out[(i ${p.left ? "+" : `+ ${p.w} -`} (amt % ${p.w})) % ${p.w}] = in[i];\n  end`,
  wrong: (p) =>
    `  wire [${2 * p.w - 1}:0] dbl = {in, in};\n  always @(*) out = ${p.left ? `dbl[(amt % ${p.w}) +: ${p.w}]` : `dbl[${2 * p.w - 1} - (amt % ${p.w}) -: ${p.w}]`};`,
});

type GrayP = { w: number };
const bin2gray = family<GrayP>({
  name: "bin_to_gray",
  summary: "binary to reflected Gray code",
  tags: ["combinational", "logic"],
  sequential: false,
  difficulty: () => 1,
  sample: (r) => ({ w: r.int(2, 16) }),
  heldout: (p) => p.w === 7 || p.w === 14,
  ports: (p) => [
    { name: "bin", dir: "input", width: p.w, desc: "binary value" },
    { name: "gray", dir: "output", width: p.w, desc: "Gray code" },
  ],
  phrasings: [
    (p, t) => `Convert the ${t.bits(p.w)} binary input to reflected binary Gray code.`,
    (p, t) => `gray = bin ^ (bin >> 1), ${t.n(p.w)} bits.`,
    (p, t) =>
      `Output the Gray code of \`bin\`: the top bit is copied and every other bit i is bin[i] XOR bin[i+1] (${t.n(p.w)} bits).`,
    (p, t) =>
      `Encode a ${t.n(p.w)}-bit count so that consecutive values differ in exactly one bit (standard reflected Gray code).`,
  ],
  a: () => "  assign gray = bin ^ (bin >> 1);",
  b: (p) =>
    `  assign gray[${p.w - 1}] = bin[${p.w - 1}];\n  genvar i;\n  generate\n    for (i = 0; i < ${p.w - 1}; i = i + 1) begin : g\n      assign gray[i] = bin[i+1] ^ bin[i];\n    end\n  endgenerate`,
  wrong: () => "  assign gray = bin ^ (bin << 1);",
});

const gray2bin = family<GrayP>({
  name: "gray_to_bin",
  summary: "reflected Gray code to binary",
  tags: ["combinational", "logic"],
  sequential: false,
  difficulty: () => 2,
  sample: (r) => ({ w: r.int(2, 16) }),
  heldout: (p) => p.w === 5 || p.w === 12,
  ports: (p) => [
    { name: "gray", dir: "input", width: p.w, desc: "Gray code" },
    { name: "bin", dir: "output", width: p.w, desc: "binary value" },
  ],
  phrasings: [
    (p, t) => `Convert a ${t.bits(p.w)} reflected Gray code to plain binary.`,
    (p, t) => `bin[i] = XOR of gray[${t.n(p.w - 1)}] down to gray[i], for every i (${t.n(p.w)} bits).`,
    (p, t) =>
      `Decode Gray code: the MSB passes through, and each lower binary bit is the XOR of the next higher binary bit and the Gray bit (${t.n(p.w)} bits).`,
    (p, t) => `Invert the mapping gray = bin ^ (bin >> 1) for ${t.n(p.w)}-bit values.`,
  ],
  a: (p) =>
    `  assign bin[${p.w - 1}] = gray[${p.w - 1}];\n  genvar i;\n  generate\n    for (i = ${p.w - 2}; i >= 0; i = i - 1) begin : g\n      assign bin[i] = bin[i+1] ^ gray[i];\n    end\n  endgenerate`,
  b: (p) =>
    `  genvar i;\n  generate\n    for (i = 0; i < ${p.w}; i = i + 1) begin : g\n      assign bin[i] = ^(gray >> i);\n    end\n  endgenerate`,
  wrong: (p) =>
    `  assign bin[0] = gray[0];\n  genvar i;\n  generate\n    for (i = 1; i < ${p.w}; i = i + 1) begin : g\n      assign bin[i] = ^(gray >> i);\n    end\n  endgenerate`,
});

type BcdP = { w: number };
const digitsOf = (w: number) => String(2 ** w - 1).length;
const bin2bcd = family<BcdP>({
  name: "bin_to_bcd",
  summary: "unsigned binary to packed BCD digits",
  tags: ["combinational", "arithmetic"],
  sequential: false,
  structural: true,
  difficulty: () => 3,
  sample: (r) => ({ w: r.int(4, 12) }),
  heldout: (p) => p.w === 7 || p.w === 11,
  ports: (p) => [
    { name: "bin", dir: "input", width: p.w, desc: "unsigned value" },
    { name: "bcd", dir: "output", width: 4 * digitsOf(p.w), desc: "BCD digits, least significant digit in bits 3:0" },
  ],
  phrasings: [
    (p, t) =>
      `Convert the ${t.bits(p.w)} unsigned input to ${t.n(digitsOf(p.w))} packed BCD digits: bits 3:0 of \`bcd\` hold the ones digit, bits 7:4 the tens digit, and so on.`,
    (p, t) =>
      `Write a binary-to-decimal converter: \`bcd\` shows \`bin\` (0 to ${t.n(2 ** p.w - 1)}) as ${t.n(digitsOf(p.w))} decimal digits of 4 bits each, ones digit lowest.`,
    (p, t) =>
      `Output the decimal digits of the ${t.n(p.w)}-bit number \`bin\` in BCD, one nibble per digit (units in the lowest nibble).`,
    (p, t) =>
      `Build a double-dabble style converter from ${t.n(p.w)} binary bits to a ${t.n(4 * digitsOf(p.w))}-bit BCD word.`,
  ],
  a: (p) => {
    const d = digitsOf(p.w);
    const parts = Array.from({ length: d }, (_, i) => `  assign bcd[${4 * i + 3}:${4 * i}] = (bin / ${10 ** i}) % 10;`);
    return parts.join("\n");
  },
  b: (p) => {
    const d = digitsOf(p.w);
    return `  integer i, j;\n  reg [${4 * d - 1}:0] acc;\n  always @(*) begin\n    acc = 0;\n    for (i = ${p.w - 1}; i >= 0; i = i - 1) begin\n      for (j = 0; j < ${d}; j = j + 1)\n        if (acc[j*4 +: 4] >= 5) acc[j*4 +: 4] = acc[j*4 +: 4] + 3;\n      acc = {acc[${4 * d - 2}:0], bin[i]};\n    end\n  end\n  assign bcd = acc;`;
  },
  wrong: (p) => {
    const d = digitsOf(p.w);
    const parts = Array.from({ length: d }, (_, i) => `  assign bcd[${4 * i + 3}:${4 * i}] = (bin / ${16 ** i}) % 16;`);
    return parts.join("\n");
  },
});

export const codeFamilies = [parity, popcount, zeroCount, shifter, rotator, bin2gray, gray2bin, bin2bcd];
