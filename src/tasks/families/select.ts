import { clog2, family, lit, type Port } from "../family.js";

const ins = (n: number, w: number, prefix = "in"): Port[] =>
  Array.from({ length: n }, (_, i) => ({
    name: `${prefix}${i}`,
    dir: "input" as const,
    width: w,
    desc: `data input ${i}`,
  }));

type MuxP = { n: number; w: number };
const mux = family<MuxP>({
  name: "mux",
  summary: "N-to-1 multiplexer of W-bit words; out-of-range select gives 0",
  tags: ["combinational", "datapath"],
  sequential: false,
  structural: true,
  difficulty: (p) => (p.n > 8 ? 2 : 1),
  sample: (r) => ({ n: r.int(2, 12), w: r.int(1, 8) }),
  heldout: (p) => p.n === 5 || p.n === 11,
  ports: (p) => [
    ...ins(p.n, p.w),
    { name: "sel", dir: "input", width: clog2(p.n), desc: "select" },
    { name: "out", dir: "output", width: p.w, reg: true, desc: "the selected input" },
  ],
  phrasings: [
    (p, t) =>
      `Build a ${t.n(p.n)}-to-1 multiplexer for ${t.bits(p.w)} data. \`sel\` = k drives \`out\` with \`ink\` (k from ${t.n(0)} to ${t.n(p.n - 1)}).${p.n & (p.n - 1) ? ` Any other value of \`sel\` makes \`out\` zero.` : ""}`,
    (p, t) =>
      `Write a combinational selector with ${t.n(p.n)} data inputs (\`in0\` to \`in${p.n - 1}\`), each ${t.n(p.w)} bit${p.w > 1 ? "s" : ""} wide. The output \`out\` copies the input whose index equals \`sel\`${p.n & (p.n - 1) ? "; for an index with no input, `out` is all zeros" : ""}.`,
    (p, t) =>
      `Design a multiplexer: out = in[sel], where the inputs are the ${t.n(p.n)} words in0..in${p.n - 1} of width ${t.n(p.w)}.${p.n & (p.n - 1) ? ` Select values of ${t.n(p.n)} and above output 0.` : ""} No clock, no state.`,
    (p, t) =>
      `Implement a ${t.n(p.n)}-way mux: forward the data word whose number matches \`sel\` to \`out\`.${p.n & (p.n - 1) ? ` Codes ${t.n(p.n)} to ${t.n((1 << clog2(p.n)) - 1)} have no input and must produce all zeros.` : ""} Data words are ${t.bits(p.w)}.`,
  ],
  a: (p) => {
    const s = clog2(p.n);
    const arms = Array.from({ length: p.n }, (_, i) => `      ${lit(i, s)}: out = in${i};`);
    return `  always @(*) begin\n    case (sel)\n${arms.join("\n")}\n      default: out = ${lit(0, p.w)};\n    endcase\n  end\n`;
  },
  b: (p) => {
    const s = clog2(p.n);
    const terms = Array.from({ length: p.n }, (_, i) => `({${p.w}{sel == ${s}'d${i}}} & in${i})`);
    return `  always @(*) out = ${terms.join("\n    | ")};\n`;
  },
  wrong: (p) => {
    const s = clog2(p.n);
    const arms = Array.from({ length: p.n }, (_, i) => `      ${lit(i, s)}: out = in${i === p.n - 1 ? p.n - 2 : i};`);
    return `  always @(*) begin\n    case (sel)\n${arms.join("\n")}\n      default: out = ${lit(0, p.w)};\n    endcase\n  end\n`;
  },
});

type DemuxP = { n: number; w: number };
const demux = family<DemuxP>({
  name: "demux",
  summary: "1-to-N demultiplexer: the data goes to the selected output, the others are 0",
  tags: ["combinational", "datapath"],
  sequential: false,
  structural: true,
  difficulty: () => 1,
  sample: (r) => ({ n: r.int(2, 10), w: r.int(1, 8) }),
  heldout: (p) => p.n === 6 || p.n === 9,
  ports: (p) => [
    { name: "d", dir: "input", width: p.w, desc: "data" },
    { name: "sel", dir: "input", width: clog2(p.n), desc: "which output receives the data" },
    ...Array.from({ length: p.n }, (_, i) => ({
      name: `out${i}`,
      dir: "output" as const,
      width: p.w,
      desc: `output ${i}`,
    })),
  ],
  phrasings: [
    (p, t) =>
      `Build a 1-to-${t.n(p.n)} demultiplexer for ${t.bits(p.w)} data: output \`outk\` equals \`d\` when \`sel\` = k and is zero otherwise.`,
    (p, t) =>
      `Route the ${t.n(p.w)}-bit input \`d\` to exactly one of ${t.n(p.n)} outputs (out0 .. out${p.n - 1}), chosen by \`sel\`. Every output that is not selected is all zeros${p.n & (p.n - 1) ? ", and a select value with no matching output leaves every output at zero" : ""}.`,
    (p, t) =>
      `Write a combinational demux with ${t.n(p.n)} outputs: out_i = (sel == i) ? d : 0 for i from ${t.n(0)} to ${t.n(p.n - 1)}. The data is ${t.n(p.w)} bits wide.`,
    (p, t) =>
      `Design a distributor: whichever output index \`sel\` names gets a copy of \`d\` (${t.bits(p.w)}); all ${t.n(p.n - 1)} other outputs read 0.`,
  ],
  a: (p) => Array.from({ length: p.n }, (_, i) => `  assign out${i} = (sel == ${i}) ? d : ${p.w}'d0;`).join("\n"),
  b: (p) => {
    const s = clog2(p.n);
    const lines = [`  wire [${(1 << s) - 1}:0] hot = ${1 << s}'d1 << sel;`];
    for (let i = 0; i < p.n; i++) lines.push(`  assign out${i} = d & {${p.w}{hot[${i}]}};`);
    return lines.join("\n");
  },
  wrong: (p) =>
    Array.from(
      { length: p.n },
      (_, i) => `  assign out${i} = (sel == ${i}) ? d : ${i === 0 ? "~d" : `${p.w}'d0`};`,
    ).join("\n"),
});

type DecP = { n: number; en: "none" | "high" | "low" };
const decoder = family<DecP>({
  name: "decoder",
  summary: "n-to-2^n one-hot decoder, optional active-high or active-low enable",
  tags: ["combinational", "logic"],
  sequential: false,
  difficulty: () => 1,
  sample: (r) => ({ n: r.int(1, 5), en: r.pick(["none", "high", "low"] as const) }),
  heldout: (p) => (p.n === 4 && p.en === "low") || (p.n === 2 && p.en === "high") || (p.n === 5 && p.en === "none"),
  ports: (p) => [
    ...(p.en === "none"
      ? []
      : [{ name: p.en === "high" ? "en" : "en_n", dir: "input" as const, width: 1, desc: `enable, active ${p.en}` }]),
    { name: "a", dir: "input", width: p.n, desc: "binary code" },
    { name: "y", dir: "output", width: 1 << p.n, desc: "one-hot output" },
  ],
  phrasings: [
    (p, t) =>
      `Build a ${t.n(p.n)}-to-${t.n(1 << p.n)} decoder: bit a of \`y\` is 1 and every other bit is 0.${p.en === "high" ? " When `en` is 0, `y` is all zeros." : p.en === "low" ? " The enable `en_n` is active low: when it is 1, `y` is all zeros." : ""}`,
    (p, t) =>
      `Write a binary-to-one-hot converter for a ${t.n(p.n)}-bit code \`a\`: the output \`y\` has ${t.n(1 << p.n)} bits, with y[i] = 1 exactly when a == i.${p.en === "high" ? " An enable input `en` must be 1 for any output bit to be set." : p.en === "low" ? " The decoder only works while `en_n` is 0; otherwise every output bit is 0." : ""}`,
    (p, t) =>
      `Design a line decoder with ${t.n(p.n)} select lines and ${t.n(1 << p.n)} output lines.${p.en === "none" ? "" : ` It has an active-${p.en} enable (${p.en === "high" ? "`en`" : "`en_n`"}); disabled, all outputs are low.`} Enabled, exactly the output line numbered by \`a\` is high.`,
    (p, t) =>
      `y = 1 << a, where a is ${t.bits(p.n)} and y is ${t.bits(1 << p.n)}${p.en === "high" ? ", gated by `en` (en = 0 forces y = 0)" : p.en === "low" ? ", gated by the active-low enable `en_n` (en_n = 1 forces y = 0)" : ""}.`,
  ],
  a: (p) => {
    const w = 1 << p.n;
    const g = p.en === "high" ? "en ? " : p.en === "low" ? "!en_n ? " : "";
    return `  assign y = ${g}(${w}'d1 << a)${g ? ` : ${w}'d0` : ""};`;
  },
  b: (p) => {
    const w = 1 << p.n;
    const g = p.en === "high" ? " & en" : p.en === "low" ? " & ~en_n" : "";
    return `  genvar i;\n  generate\n    for (i = 0; i < ${w}; i = i + 1) begin : dec\n      assign y[i] = (a == i)${g};\n    end\n  endgenerate`;
  },
  wrong: (p) => {
    const w = 1 << p.n;
    // The enable's polarity inverted (or, without an enable, the code off by one).
    const g = p.en === "high" ? "!en ? " : p.en === "low" ? "en_n ? " : "";
    return p.en === "none" ? `  assign y = ${w}'d1 << (a + 1'b1);` : `  assign y = ${g}(${w}'d1 << a) : ${w}'d0;`;
  },
});

type EncP = { n: number; valid: boolean };
const encoder = family<EncP>({
  name: "encoder",
  summary: "one-hot to binary encoder; non-one-hot input gives 0 (and valid = 0 when present)",
  tags: ["combinational", "logic"],
  sequential: false,
  structural: true,
  difficulty: () => 2,
  sample: (r) => ({ n: r.int(2, 4), valid: r.chance(0.5) }),
  heldout: (p) => p.n === 3 && p.valid,
  ports: (p) => [
    { name: "in", dir: "input", width: 1 << p.n, desc: "one-hot input" },
    { name: "out", dir: "output", width: p.n, reg: true, desc: "index of the set bit" },
    ...(p.valid
      ? [{ name: "valid", dir: "output" as const, width: 1, reg: true, desc: "1 when exactly one bit is set" }]
      : []),
  ],
  phrasings: [
    (p, t) =>
      `Build a ${t.n(1 << p.n)}-to-${t.n(p.n)} one-hot encoder: when exactly one bit of \`in\` is 1, \`out\` is its index. For any other input (no bit set, or several), \`out\` is 0.${p.valid ? " `valid` is 1 exactly when one bit of `in` is set." : ""}`,
    (p, t) =>
      `Convert a ${t.n(1 << p.n)}-bit one-hot code to a ${t.n(p.n)}-bit binary number. Inputs that are not one-hot (zero bits or more than one bit set) map to 0.${p.valid ? " Also raise `valid` when the input is a legal one-hot code." : ""}`,
    (p, t) =>
      `Write an encoder whose input \`in\` should have a single 1 among its ${t.n(1 << p.n)} bits; output the position of that 1 (bit 0 is position 0). An illegal input gives out = 0${p.valid ? " and valid = 0; a legal one gives valid = 1" : ""}.`,
    (p, t) =>
      `Design the inverse of a ${t.n(p.n)}-to-${t.n(1 << p.n)} decoder: \`out\` = i when \`in\` = 1 << i; \`out\` = 0 when \`in\` is not a power of two${p.valid ? "; `valid` flags the power-of-two case" : ""}.`,
  ],
  a: (p) => {
    const w = 1 << p.n;
    const arms = Array.from(
      { length: w },
      (_, i) => `      ${w}'d${2 ** i}: begin out = ${lit(i, p.n)};${p.valid ? " valid = 1'b1;" : ""} end`,
    );
    return `  always @(*) begin\n    case (in)\n${arms.join("\n")}\n      default: begin out = ${lit(0, p.n)};${p.valid ? " valid = 1'b0;" : ""} end\n    endcase\n  end\n`;
  },
  b: (p) => {
    const w = 1 << p.n;
    return `  integer i;\n  integer ones;\n  reg [${p.n - 1}:0] idx;\n  always @(*) begin\n    ones = 0;\n    idx = 0;\n    for (i = 0; i < ${w}; i = i + 1) begin\n      if (in[i]) begin\n        ones = ones + 1;\n        idx = i;\n      end\n    end\n    out = (ones == 1) ? idx : 0;\n${p.valid ? "    valid = (ones == 1);\n" : ""}  end\n`;
  },
  wrong: (p) => {
    const w = 1 << p.n;
    return `  integer i;\n  always @(*) begin\n    out = 0;\n${p.valid ? "    valid = |in;\n" : ""}    for (i = 0; i < ${w}; i = i + 1) if (in[i]) out = i;\n  end\n`;
  },
});

type PriP = { w: number; msb: boolean };
const priority = family<PriP>({
  name: "priority_encoder",
  summary: "W-input priority encoder (LSB or MSB wins) with a valid flag",
  tags: ["combinational", "logic"],
  sequential: false,
  structural: true,
  difficulty: (p) => (p.w > 8 ? 2 : 1),
  sample: (r) => ({ w: r.int(3, 16), msb: r.chance(0.5) }),
  heldout: (p) => p.w === 7 || p.w === 13,
  ports: (p) => [
    { name: "req", dir: "input", width: p.w, desc: "request lines" },
    { name: "idx", dir: "output", width: clog2(p.w), reg: true, desc: "index of the winning request" },
    { name: "valid", dir: "output", width: 1, reg: true, desc: "1 when any request is set" },
  ],
  phrasings: [
    (p, t) =>
      `Build a ${t.n(p.w)}-input priority encoder. \`idx\` is the index of the ${p.msb ? "highest" : "lowest"}-numbered bit of \`req\` that is 1, and \`valid\` is 1 when any bit is set. When \`req\` is all zeros, \`idx\` is 0 and \`valid\` is 0.`,
    (p, t) =>
      `Among ${t.n(p.w)} request lines, ${p.msb ? "the most significant" : "the least significant"} set one wins: output its bit position on \`idx\` and raise \`valid\`. No request: idx = 0, valid = 0.`,
    (p, t) =>
      `Write a priority encoder over the ${t.bits(p.w)} vector \`req\` in which bit ${p.msb ? t.n(p.w - 1) : t.n(0)} has the highest priority${p.msb ? " and priority falls toward bit 0" : " and priority falls as the index grows"}. Outputs: \`idx\` (position of the winner, 0 if none) and \`valid\` (any request).`,
    (p, t) =>
      `Find the ${p.msb ? "leftmost (MSB side)" : "rightmost (LSB side)"} 1 in the ${t.n(p.w)}-bit input \`req\`; report its index on \`idx\` and whether one exists on \`valid\`. With no 1 present both outputs are zero.`,
  ],
  a: (p) => {
    const order = Array.from({ length: p.w }, (_, i) => (p.msb ? i : p.w - 1 - i));
    return `  integer i;\n  always @(*) begin\n    idx = 0;\n    valid = 1'b0;\n${order.map((i) => `    if (req[${i}]) begin idx = ${i}; valid = 1'b1; end`).join("\n")}\n  end\n`;
  },
  b: (p) => {
    const loop = p.msb ? `for (i = 0; i < ${p.w}; i = i + 1)` : `for (i = ${p.w - 1}; i >= 0; i = i - 1)`;
    return `  integer i;\n  always @(*) begin\n    idx = 0;\n    ${loop}\n      if (req[i]) idx = i;\n    valid = |req;\n  end\n`;
  },
  wrong: (p) => {
    const loop = p.msb ? `for (i = ${p.w - 1}; i >= 0; i = i - 1)` : `for (i = 0; i < ${p.w}; i = i + 1)`;
    return `  integer i;\n  always @(*) begin\n    idx = 0;\n    ${loop}\n      if (req[i]) idx = i;\n    valid = |req;\n  end\n`;
  },
});

type RevP = { w: number; chunk: number };
const reverse = family<RevP>({
  name: "bit_reverse",
  summary: "reverse the order of the bits (or of k-bit chunks) of a word",
  tags: ["combinational", "logic"],
  sequential: false,
  structural: true,
  difficulty: () => 1,
  sample: (r) => {
    const chunk = r.pick([1, 1, 2, 4]);
    return { w: chunk * r.int(2, chunk === 1 ? 16 : 6), chunk };
  },
  heldout: (p) => (p.chunk === 2 && p.w === 10) || (p.chunk === 1 && p.w === 11) || (p.chunk === 4 && p.w === 12),
  ports: (p) => [
    { name: "in", dir: "input", width: p.w, desc: "input word" },
    { name: "out", dir: "output", width: p.w, desc: "reordered word" },
  ],
  phrasings: [
    (p, t) =>
      p.chunk === 1
        ? `Reverse the bit order of the ${t.bits(p.w)} input: out[i] = in[${t.n(p.w - 1)} - i].`
        : `Split the ${t.bits(p.w)} input into ${t.n(p.w / p.chunk)} groups of ${t.n(p.chunk)} bits and reverse the order of the groups (the bits inside each group keep their order).`,
    (p, t) =>
      p.chunk === 1
        ? `Write a module that mirrors a ${t.n(p.w)}-bit word: the MSB of \`in\` becomes the LSB of \`out\`, and so on.`
        : `Swap the order of the ${t.n(p.chunk)}-bit chunks of \`in\` (${t.n(p.w)} bits): the lowest chunk of \`in\` becomes the highest chunk of \`out\`.`,
    (p, t) =>
      p.chunk === 1
        ? `Bit-reverse: for i in 0..${t.n(p.w - 1)}, out bit i is input bit ${t.n(p.w - 1)}-i.`
        : `Chunk-reverse with chunk size ${t.n(p.chunk)}: chunk j of \`out\` (bits ${t.n(p.chunk)}*j and up) is chunk ${t.n(p.w / p.chunk - 1)}-j of \`in\`.`,
    (p, t) =>
      `Produce \`out\` from \`in\` (${t.n(p.w)} bits) by reading the input from the other end in steps of ${p.chunk === 1 ? "one bit" : `${t.n(p.chunk)} bits`}.`,
  ],
  a: (p) => {
    const parts = Array.from({ length: p.w / p.chunk }, (_, j) => `in[${j * p.chunk + p.chunk - 1}:${j * p.chunk}]`);
    return `  assign out = {${parts.join(", ")}};`;
  },
  b: (p) => {
    const k = p.w / p.chunk;
    return `  genvar j;\n  generate\n    for (j = 0; j < ${k}; j = j + 1) begin : g\n      assign out[j*${p.chunk} +: ${p.chunk}] = in[(${k - 1}-j)*${p.chunk} +: ${p.chunk}];\n    end\n  endgenerate`;
  },
  wrong: (p) => {
    const parts = Array.from({ length: p.w / p.chunk }, (_, j) => `in[${j * p.chunk + p.chunk - 1}:${j * p.chunk}]`);
    const [first, second, ...rest] = parts;
    return `  assign out = {${[second, first, ...rest].join(", ")}};`;
  },
});

type SextP = { from: number; to: number; signed: boolean };
const extend = family<SextP>({
  name: "extend",
  summary: "sign- or zero-extend an M-bit value to N bits",
  tags: ["combinational", "datapath"],
  sequential: false,
  structural: true,
  difficulty: () => 1,
  sample: (r) => {
    const from = r.int(2, 12);
    return { from, to: from + r.int(1, 12), signed: r.chance(0.6) };
  },
  heldout: (p) => p.from === 5 || p.to === 13,
  ports: (p) => [
    { name: "in", dir: "input", width: p.from, desc: "narrow value" },
    { name: "out", dir: "output", width: p.to, desc: "extended value" },
  ],
  phrasings: [
    (p, t) =>
      `${p.signed ? "Sign" : "Zero"}-extend the ${t.bits(p.from)} input \`in\` to the ${t.bits(p.to)} output \`out\`.`,
    (p, t) =>
      `Widen a ${t.n(p.from)}-bit ${p.signed ? "two's-complement" : "unsigned"} number to ${t.n(p.to)} bits without changing its value: the ${t.n(p.to - p.from)} new upper bits are ${p.signed ? "copies of the input's top bit" : "zeros"}.`,
    (p, t) =>
      `out = ${p.signed ? `{${t.n(p.to - p.from)} copies of in[${t.n(p.from - 1)}], in}` : `{${t.n(p.to - p.from)} zero bits, in}`}, where \`in\` has ${t.n(p.from)} bits.`,
    (p, t) =>
      `Treat \`in\` as ${p.signed ? "a signed" : "an unsigned"} ${t.n(p.from)}-bit quantity and output the same quantity on ${t.n(p.to)} bits.`,
  ],
  a: (p) => `  assign out = {{${p.to - p.from}{${p.signed ? `in[${p.from - 1}]` : "1'b0"}}}, in};`,
  b: (p) =>
    p.signed
      ? `  wire signed [${p.from - 1}:0] s = in;\n  wire signed [${p.to - 1}:0] e = s;\n  assign out = e;`
      : `  assign out = in;`,
  wrong: (p) => `  assign out = {{${p.to - p.from}{${p.signed ? "1'b0" : `in[${p.from - 1}]`}}}, in};`,
});

type ThermP = { n: number };
const thermometer = family<ThermP>({
  name: "thermometer",
  summary: "binary count to thermometer code (the low k bits set)",
  tags: ["combinational", "logic"],
  sequential: false,
  difficulty: () => 2,
  sample: (r) => ({ n: r.int(3, 16) }),
  heldout: (p) => p.n === 6 || p.n === 14,
  ports: (p) => [
    { name: "k", dir: "input", width: bitsForCount(p.n), desc: "how many bits to set" },
    { name: "t", dir: "output", width: p.n, desc: "thermometer code" },
  ],
  phrasings: [
    (p, t) =>
      `Build a thermometer encoder: \`t\` has ${t.n(p.n)} bits and its lowest \`k\` bits are 1, the rest 0. Values of \`k\` above ${t.n(p.n)} set all ${t.n(p.n)} bits.`,
    (p, t) =>
      `Output a ${t.n(p.n)}-bit mask with bits 0 through k-1 set (k = 0 gives all zeros; k of ${t.n(p.n)} or more gives all ones).`,
    (p, t) => `For i from 0 to ${t.n(p.n - 1)}: t[i] = 1 if i < k, else 0. The input \`k\` is unsigned.`,
    (p, t) =>
      `Turn the count \`k\` into a ${t.n(p.n)}-bit bar graph filled from the LSB: exactly min(k, ${t.n(p.n)}) low-order ones.`,
  ],
  a: (p) =>
    `  genvar i;\n  generate\n    for (i = 0; i < ${p.n}; i = i + 1) begin : g\n      assign t[i] = (k > i);\n    end\n  endgenerate`,
  b: (p) => {
    const w = bitsForCount(p.n);
    const big = p.n + w + 1;
    return `  wire [${big - 1}:0] ones = ~({${big}{1'b1}} << k);\n  assign t = (k >= ${p.n}) ? {${p.n}{1'b1}} : ones[${p.n - 1}:0];`;
  },
  wrong: (p) =>
    `  genvar i;\n  generate\n    for (i = 0; i < ${p.n}; i = i + 1) begin : g\n      assign t[i] = (k >= i);\n    end\n  endgenerate`,
});

function bitsForCount(n: number): number {
  return clog2(n + 1);
}

type ThrP = { n: number; th: number };
const threshold = family<ThrP>({
  name: "threshold",
  summary: "1 when at least T of the N input bits are set (majority when T = N/2+1)",
  tags: ["combinational", "arithmetic"],
  sequential: false,
  structural: true,
  difficulty: () => 2,
  sample: (r) => {
    const n = r.int(3, 9);
    return { n, th: r.int(1, n) };
  },
  heldout: (p) => p.th === p.n - 2 && p.n >= 6,
  ports: (p) => [
    { name: "in", dir: "input", width: p.n, desc: "votes" },
    { name: "out", dir: "output", width: 1, desc: "threshold reached" },
  ],
  phrasings: [
    (p, t) => `\`out\` is 1 when at least ${t.n(p.th)} of the ${t.n(p.n)} bits of \`in\` are 1.`,
    (p, t) =>
      `Build a ${t.n(p.n)}-input threshold gate with threshold ${t.n(p.th)}: it outputs 1 if the number of ones among its inputs is ${t.n(p.th)} or more, else 0.`,
    (p, t) =>
      `Count the set bits of the ${t.bits(p.n)} vector \`in\`; output 1 when the count is greater than ${t.n(p.th - 1)}.`,
    (p, t) =>
      `A vote among ${t.n(p.n)} voters (one bit each) passes when it gets ${t.n(p.th)} yes votes or more. Output whether it passes.`,
  ],
  a: (p) => {
    const w = clog2(p.n + 1);
    return `  integer i;\n  reg [${w - 1}:0] c;\n  always @(*) begin\n    c = 0;\n    for (i = 0; i < ${p.n}; i = i + 1) c = c + in[i];\n  end\n  assign out = (c >= ${p.th});`;
  },
  b: (p) => {
    // Sum of the bits written as one expression of zero-extended terms.
    const w = clog2(p.n + 1);
    const terms = Array.from({ length: p.n }, (_, i) => `{${w - 1}'d0, in[${i}]}`);
    return `  wire [${w - 1}:0] total = ${terms.join(" + ")};\n  assign out = !(total < ${w}'d${p.th});`;
  },
  wrong: (p) => {
    const w = clog2(p.n + 1);
    return `  integer i;\n  reg [${w - 1}:0] c;\n  always @(*) begin\n    c = 0;\n    for (i = 0; i < ${p.n}; i = i + 1) c = c + in[i];\n  end\n  assign out = (c > ${p.th});`;
  },
});

export const selectFamilies = [mux, demux, decoder, encoder, priority, reverse, extend, thermometer, threshold];
