import { bitsFor, family } from "../family.js";
import { hash32 } from "../rng.js";

type CmpP = { w: number; signed: boolean };
const comparator = family<CmpP>({
  name: "comparator",
  summary: "W-bit magnitude comparator (signed or unsigned) with lt/eq/gt",
  tags: ["combinational", "arithmetic"],
  sequential: false,
  difficulty: (p) => (p.signed ? 2 : 1),
  sample: (r) => ({ w: r.int(2, 16), signed: r.chance(0.5) }),
  heldout: (p) => (p.w === 7 && p.signed) || (p.w === 12 && !p.signed) || p.w === 3,
  ports: (p) => [
    { name: "a", dir: "input", width: p.w, desc: "first operand" },
    { name: "b", dir: "input", width: p.w, desc: "second operand" },
    { name: "lt", dir: "output", width: 1, desc: "a < b" },
    { name: "eq", dir: "output", width: 1, desc: "a == b" },
    { name: "gt", dir: "output", width: 1, desc: "a > b" },
  ],
  phrasings: [
    (p, t) =>
      `Compare two ${t.bits(p.w)} ${p.signed ? "two's-complement (signed)" : "unsigned"} numbers \`a\` and \`b\`: exactly one of \`lt\`, \`eq\`, \`gt\` is 1.`,
    (p, t) =>
      `Write a magnitude comparator for ${t.n(p.w)}-bit operands interpreted as ${p.signed ? "signed integers" : "unsigned integers"}. Set lt when a is less than b, eq when they are equal, gt when a is greater.`,
    (p, t) =>
      `Build a ${p.signed ? "signed" : "unsigned"} comparator: lt = (a < b), eq = (a == b), gt = (a > b), with a and b ${t.n(p.w)} bits wide.`,
    (p, t) =>
      `Given operands of ${t.n(p.w)} bits each${p.signed ? " (the top bit is the sign)" : " (no sign bit)"}, tell whether the first is smaller than, equal to, or larger than the second on three one-bit flags.`,
  ],
  a: (p) =>
    p.signed
      ? "  assign lt = $signed(a) < $signed(b);\n  assign eq = a == b;\n  assign gt = $signed(a) > $signed(b);"
      : "  assign lt = a < b;\n  assign eq = a == b;\n  assign gt = a > b;",
  b: (p) => {
    // Subtract on w+1 bits; for signed operands flip the sign bits first (offset binary compares unsigned).
    const x = p.signed ? `{a[${p.w - 1}] ^ 1'b1, a[${p.w - 2}:0]}` : "a";
    const y = p.signed ? `{b[${p.w - 1}] ^ 1'b1, b[${p.w - 2}:0]}` : "b";
    return `  wire [${p.w}:0] d = {1'b0, ${x}} - {1'b0, ${y}};\n  assign eq = ~|d;\n  assign lt = d[${p.w}];\n  assign gt = ~d[${p.w}] & |d;`;
  },
  wrong: (p) =>
    p.signed
      ? "  assign lt = a < b;\n  assign eq = a == b;\n  assign gt = a > b;"
      : "  assign lt = a <= b;\n  assign eq = a == b;\n  assign gt = a > b;",
});

type ConstP = { w: number; c: number; rel: "ge" | "lt" | "eq" };
const cmpConst = family<ConstP>({
  name: "compare_const",
  summary: "compare an unsigned input with a constant (>=, < or ==)",
  tags: ["combinational", "arithmetic"],
  sequential: false,
  structural: true,
  difficulty: () => 1,
  sample: (r) => {
    const w = r.int(3, 10);
    return { w, c: r.int(1, (1 << w) - 2), rel: r.pick(["ge", "lt", "eq"] as const) };
  },
  heldout: (p) => hash32(`cc${p.c}`) % 5 === 0,
  ports: (p) => [
    { name: "x", dir: "input", width: p.w, desc: "unsigned value" },
    { name: "hit", dir: "output", width: 1, desc: "the comparison result" },
  ],
  phrasings: [
    (p, t) =>
      `\`hit\` is 1 when the ${t.bits(p.w)} unsigned input \`x\` is ${p.rel === "ge" ? `at least ${t.n(p.c)}` : p.rel === "lt" ? `below ${t.n(p.c)}` : `exactly ${t.n(p.c)}`}.`,
    (p, t) =>
      `Build a constant comparator: hit = (x ${p.rel === "ge" ? ">=" : p.rel === "lt" ? "<" : "=="} ${t.n(p.c)}), x being ${t.n(p.w)} bits, unsigned.`,
    (p, t) =>
      `Raise \`hit\` for every value of \`x\` ${p.rel === "ge" ? `from ${t.n(p.c)} up to ${t.n((1 << p.w) - 1)}` : p.rel === "lt" ? `from 0 up to ${t.n(p.c - 1)}` : `equal to ${t.n(p.c)}`}, and lower it for all other values. \`x\` has ${t.n(p.w)} bits.`,
    (p, t) =>
      p.rel === "ge"
        ? `Detect that \`x\` has reached the threshold ${t.n(p.c)} (${t.n(p.w)}-bit unsigned compare; values equal to the threshold count as reached).`
        : p.rel === "lt"
          ? `Detect that \`x\` is still under the limit ${t.n(p.c)} (unsigned, ${t.n(p.w)} bits; the limit itself is not under).`
          : `Detect the single value ${t.n(p.c)} (binary ${t.bin(p.c, p.w)}) on the ${t.n(p.w)}-bit bus \`x\`.`,
  ],
  a: (p) => `  assign hit = x ${p.rel === "ge" ? ">=" : p.rel === "lt" ? "<" : "=="} ${p.w}'d${p.c};`,
  b: (p) => {
    const values = Array.from({ length: 1 << p.w }, (_, v) => v).filter((v) =>
      p.rel === "ge" ? v >= p.c : p.rel === "lt" ? v < p.c : v === p.c,
    );
    // A truth table: the set of values that hit, as a constant bit vector indexed by x.
    const bits = Array.from({ length: 1 << p.w }, (_, v) => (values.includes(v) ? "1" : "0"))
      .reverse()
      .join("");
    return `  wire [${(1 << p.w) - 1}:0] table_bits = ${1 << p.w}'b${bits};\n  assign hit = table_bits[x];`;
  },
  wrong: (p) =>
    `  assign hit = x ${p.rel === "ge" ? ">" : p.rel === "lt" ? "<=" : "=="} ${p.w}'d${p.rel === "eq" ? p.c + 1 : p.c};`,
});

type MinMaxP = { w: number; max: boolean; signed: boolean };
const minMax = family<MinMaxP>({
  name: "min_max",
  summary: "the minimum or maximum of two W-bit values (signed or unsigned)",
  tags: ["combinational", "arithmetic"],
  sequential: false,
  difficulty: (p) => (p.signed ? 2 : 1),
  sample: (r) => ({ w: r.int(2, 12), max: r.chance(0.5), signed: r.chance(0.5) }),
  heldout: (p) => p.signed && !p.max && p.w === 6,
  ports: (p) => [
    { name: "a", dir: "input", width: p.w, desc: "first value" },
    { name: "b", dir: "input", width: p.w, desc: "second value" },
    { name: "y", dir: "output", width: p.w, desc: `the ${p.max ? "larger" : "smaller"} value` },
  ],
  phrasings: [
    (p, t) =>
      `Output the ${p.max ? "maximum" : "minimum"} of the two ${t.bits(p.w)} ${p.signed ? "signed" : "unsigned"} inputs.`,
    (p, t) =>
      `y = ${p.max ? "max" : "min"}(a, b), comparing a and b as ${p.signed ? "two's-complement" : "unsigned"} ${t.n(p.w)}-bit numbers.`,
    (p, t) =>
      `Pick whichever of \`a\` and \`b\` is ${p.max ? "greater" : "smaller"} (${p.signed ? "signed" : "unsigned"} comparison, ${t.n(p.w)} bits) and drive it on \`y\`; if they are equal either one will do.`,
    (p, t) => `Write a ${p.max ? "max" : "min"} unit for ${t.n(p.w)}-bit ${p.signed ? "signed" : "unsigned"} operands.`,
  ],
  a: (p) => `  assign y = (${p.signed ? "$signed(a) > $signed(b)" : "a > b"}) ? ${p.max ? "a : b" : "b : a"};`,
  b: (p) => {
    const decl = p.signed ? "wire signed" : "wire";
    return `  ${decl} [${p.w - 1}:0] sa = a;\n  ${decl} [${p.w - 1}:0] sb = b;\n  reg [${p.w - 1}:0] r;\n  always @(*) begin\n    if (sa < sb) r = ${p.max ? "b" : "a"};\n    else r = ${p.max ? "a" : "b"};\n  end\n  assign y = r;`;
  },
  wrong: (p) => `  assign y = (${p.signed ? "a > b" : "$signed(a) > $signed(b)"}) ? ${p.max ? "a : b" : "b : a"};`,
});

type AddP = { w: number; cin: boolean };
const adder = family<AddP>({
  name: "adder",
  summary: "W-bit adder with optional carry-in and a carry-out",
  tags: ["combinational", "arithmetic"],
  sequential: false,
  difficulty: () => 1,
  // At least 2 bits: writer B indexes sum[i], which a 1-bit (scalar) port does not allow.
  sample: (r) => ({ w: r.int(2, 16), cin: r.chance(0.5) }),
  heldout: (p) => (p.w === 9 && p.cin) || (p.w === 5 && !p.cin),
  ports: (p) => [
    { name: "a", dir: "input", width: p.w, desc: "addend" },
    { name: "b", dir: "input", width: p.w, desc: "addend" },
    ...(p.cin ? [{ name: "cin", dir: "input" as const, width: 1, desc: "carry in" }] : []),
    { name: "sum", dir: "output", width: p.w, desc: "sum, low bits" },
    { name: "cout", dir: "output", width: 1, desc: "carry out" },
  ],
  phrasings: [
    (p, t) =>
      `Add two ${t.bits(p.w)} unsigned numbers${p.cin ? " and a carry-in `cin`" : ""}; \`sum\` is the low ${t.n(p.w)} bits of the result and \`cout\` the carry out.`,
    (p, t) => `{cout, sum} = a + b${p.cin ? " + cin" : ""}, where a, b and sum are ${t.n(p.w)} bits wide.`,
    (p, t) =>
      `Write a ${t.n(p.w)}-bit binary adder${p.cin ? " with carry input" : ""}. The ${t.n(p.w + 1)}-bit total is split into the carry \`cout\` (top bit) and \`sum\`.`,
    (p, t) =>
      `Implement unsigned addition of \`a\` and \`b\`${p.cin ? " plus the incoming carry" : ""}; overflow past ${t.n(p.w)} bits shows up on \`cout\`.`,
  ],
  a: (p) => `  assign {cout, sum} = a + b${p.cin ? " + cin" : ""};`,
  b: (p) => {
    const lines = [`  wire [${p.w}:0] c;`, `  assign c[0] = ${p.cin ? "cin" : "1'b0"};`];
    lines.push(
      `  genvar i;\n  generate\n    for (i = 0; i < ${p.w}; i = i + 1) begin : fa\n      assign sum[i] = a[i] ^ b[i] ^ c[i];\n      assign c[i+1] = (a[i] & b[i]) | (c[i] & (a[i] ^ b[i]));\n    end\n  endgenerate`,
    );
    lines.push(`  assign cout = c[${p.w}];`);
    return lines.join("\n");
  },
  wrong: (p) => `  assign sum = a + b${p.cin ? " + cin" : ""};\n  assign cout = a[${p.w - 1}] & b[${p.w - 1}];`,
});

type SubP = { w: number };
const subtractor = family<SubP>({
  name: "subtractor",
  summary: "W-bit subtractor with borrow and zero flags",
  tags: ["combinational", "arithmetic"],
  sequential: false,
  difficulty: () => 2,
  sample: (r) => ({ w: r.int(2, 16) }),
  heldout: (p) => p.w === 6 || p.w === 11,
  ports: (p) => [
    { name: "a", dir: "input", width: p.w, desc: "minuend" },
    { name: "b", dir: "input", width: p.w, desc: "subtrahend" },
    { name: "diff", dir: "output", width: p.w, desc: "a - b modulo 2^W" },
    { name: "borrow", dir: "output", width: 1, desc: "1 when b > a (unsigned)" },
    { name: "zero", dir: "output", width: 1, desc: "1 when diff is 0" },
  ],
  phrasings: [
    (p, t) =>
      `Subtract the ${t.bits(p.w)} unsigned \`b\` from \`a\`. \`diff\` holds the low ${t.n(p.w)} bits of a - b, \`borrow\` is 1 when b is larger than a, and \`zero\` is 1 when \`diff\` is zero.`,
    (p, t) => `diff = a - b (wrapping at ${t.n(p.w)} bits); borrow = (a < b); zero = (a == b).`,
    (p, t) =>
      `Write a ${t.n(p.w)}-bit subtractor with two status flags: a borrow flag (the unsigned result went below zero) and a zero flag (the result is zero).`,
    (p, t) =>
      `Compute a minus b for unsigned ${t.n(p.w)}-bit operands, reporting the difference, whether a borrow out of the top bit occurred, and whether the difference is all zeros.`,
  ],
  a: () => "  assign {borrow, diff} = {1'b0, a} - {1'b0, b};\n  assign zero = (diff == 0);",
  b: () => "  assign diff = a + ~b + 1'b1;\n  assign borrow = (a < b);\n  assign zero = ~|(a ^ b);",
  wrong: () => "  assign {borrow, diff} = {1'b0, a} - {1'b0, b};\n  assign zero = (a == 0);",
});

type FlagP = { w: number };
const addFlags = family<FlagP>({
  name: "add_flags",
  summary: "W-bit adder with N/Z/C/V flags",
  tags: ["combinational", "arithmetic"],
  sequential: false,
  difficulty: () => 3,
  sample: (r) => ({ w: r.int(3, 16) }),
  heldout: (p) => p.w === 7 || p.w === 10,
  ports: (p) => [
    { name: "a", dir: "input", width: p.w, desc: "operand" },
    { name: "b", dir: "input", width: p.w, desc: "operand" },
    { name: "sum", dir: "output", width: p.w, desc: "a + b modulo 2^W" },
    { name: "n", dir: "output", width: 1, desc: "negative: top bit of sum" },
    { name: "z", dir: "output", width: 1, desc: "zero: sum is 0" },
    { name: "c", dir: "output", width: 1, desc: "carry out of the unsigned addition" },
    { name: "v", dir: "output", width: 1, desc: "signed overflow" },
  ],
  phrasings: [
    (p, t) =>
      `Add the ${t.bits(p.w)} inputs and produce the sum plus four flags like a CPU's: n (sum is negative as a signed number), z (sum is zero), c (unsigned carry out) and v (signed two's-complement overflow).`,
    (p, t) =>
      `sum = a + b on ${t.n(p.w)} bits. Flags: n = sum[${t.n(p.w - 1)}]; z = (sum == 0); c = the carry out of bit ${t.n(p.w - 1)}; v = 1 when a and b have the same sign and sum has the other sign.`,
    (p, t) =>
      `Write a ${t.n(p.w)}-bit ALU adder with NZCV status: negative, zero, carry and overflow, computed from the same addition.`,
    (p, t) =>
      `Build an adder for ${t.n(p.w)}-bit words that also reports whether the signed result overflowed (v), whether the unsigned result carried out (c), whether it is zero (z) and whether its sign bit is set (n).`,
  ],
  a: (p) =>
    `  assign {c, sum} = a + b;\n  assign n = sum[${p.w - 1}];\n  assign z = (sum == 0);\n  assign v = (a[${p.w - 1}] == b[${p.w - 1}]) && (sum[${p.w - 1}] != a[${p.w - 1}]);`,
  b: (p) =>
    `  wire signed [${p.w}:0] sa = $signed(a);\n  wire signed [${p.w}:0] sb = $signed(b);\n  wire signed [${p.w}:0] s = sa + sb;\n  wire [${p.w}:0] u = {1'b0, a} + {1'b0, b};\n  assign sum = u[${p.w - 1}:0];\n  assign c = u[${p.w}];\n  assign v = s[${p.w}] ^ s[${p.w - 1}];\n  assign z = ~|u[${p.w - 1}:0];\n  assign n = u[${p.w - 1}];`,
  wrong: (p) =>
    `  assign {c, sum} = a + b;\n  assign n = sum[${p.w - 1}];\n  assign z = (sum == 0);\n  assign v = c ^ sum[${p.w - 1}];`,
});

const OPS = ["add", "sub", "and", "or", "xor", "nor", "slt", "shl1"] as const;
type Op = (typeof OPS)[number];
const OP_TEXT: Record<Op, string> = {
  add: "a + b",
  sub: "a - b",
  and: "a AND b (bitwise)",
  or: "a OR b (bitwise)",
  xor: "a XOR b (bitwise)",
  nor: "NOT (a OR b) (bitwise)",
  slt: "1 if a < b as unsigned numbers, else 0",
  shl1: "a shifted left by one bit (a zero enters at bit 0)",
};
type AluP = { w: number; ops: string };
const alu = family<AluP>({
  name: "alu",
  summary: "small ALU: 4 operations chosen from 8, selected by a 2-bit opcode, plus a zero flag",
  tags: ["combinational", "arithmetic", "datapath"],
  sequential: false,
  structural: true,
  difficulty: () => 3,
  sample: (r) => ({ w: r.int(4, 12), ops: r.shuffle(OPS).slice(0, 4).join(",") }),
  heldout: (p) => hash32(p.ops) % 6 === 0,
  ports: (p) => [
    { name: "a", dir: "input", width: p.w, desc: "operand" },
    { name: "b", dir: "input", width: p.w, desc: "operand" },
    { name: "op", dir: "input", width: 2, desc: "operation select" },
    { name: "y", dir: "output", width: p.w, reg: true, desc: "result (low bits)" },
    { name: "zero", dir: "output", width: 1, desc: "1 when y is 0" },
  ],
  phrasings: [
    (p, t) =>
      `Build a ${t.n(p.w)}-bit ALU. The opcode selects:\n${p.ops
        .split(",")
        .map((o, i) => `- op = ${t.n(i)}: y = ${OP_TEXT[o as Op]}`)
        .join("\n")}\nResults are truncated to ${t.n(p.w)} bits; \`zero\` is 1 when \`y\` is all zeros.`,
    (p, t) =>
      `Write an arithmetic-logic unit on ${t.bits(p.w)} operands with four operations: ${p.ops
        .split(",")
        .map((o, i) => `opcode ${t.bin(i, 2)} gives ${OP_TEXT[o as Op]}`)
        .join("; ")}. Keep only the low ${t.n(p.w)} bits and flag a zero result on \`zero\`.`,
    (p, t) =>
      `A ${t.n(p.w)}-bit ALU with opcode table ${p.ops
        .split(",")
        .map((o, i) => `${i}=${o}`)
        .join(", ")} (${p.ops
        .split(",")
        .map((o) => `${o}: ${OP_TEXT[o as Op]}`)
        .join("; ")}). Output \`zero\` tells whether \`y\` is 0.`,
    (p, t) =>
      `Design an ALU slice of width ${t.n(p.w)} whose 2-bit \`op\` picks one of: ${p.ops
        .split(",")
        .map((o, i) => `${OP_TEXT[o as Op]} (when op is ${t.n(i)})`)
        .join(", ")}. Also output a zero-result flag.`,
  ],
  a: (p) => {
    const expr: Record<Op, string> = {
      add: "a + b",
      sub: "a - b",
      and: "a & b",
      or: "a | b",
      xor: "a ^ b",
      nor: "~(a | b)",
      slt: `{{${p.w - 1}{1'b0}}, a < b}`,
      shl1: "a << 1",
    };
    const arms = p.ops.split(",").map((o, i) => `      2'd${i}: y = ${expr[o as Op]};`);
    return `  always @(*) begin\n    case (op)\n${arms.join("\n")}\n      default: y = 0;\n    endcase\n  end\n  assign zero = (y == 0);`;
  },
  b: (p) => {
    const expr: Record<Op, string> = {
      add: "sum_r",
      sub: "dif_r",
      and: "a & b",
      or: "a | b",
      xor: "(a | b) & ~(a & b)",
      nor: "~a & ~b",
      slt: `(dif_full[${p.w}] ? ${p.w}'d1 : ${p.w}'d0)`,
      shl1: `{a[${p.w - 2}:0], 1'b0}`,
    };
    const ops = p.ops.split(",");
    const pick = (i: number) => expr[ops[i] as Op];
    return `  wire [${p.w - 1}:0] sum_r = a + b;\n  wire [${p.w}:0] dif_full = {1'b0, a} - {1'b0, b};\n  wire [${p.w - 1}:0] dif_r = dif_full[${p.w - 1}:0];\n  always @(*) y = op[1] ? (op[0] ? ${pick(3)} : ${pick(2)}) : (op[0] ? ${pick(1)} : ${pick(0)});\n  assign zero = ~|y;`;
  },
  wrong: (p) => {
    const expr: Record<Op, string> = {
      add: "a + b",
      sub: "a - b",
      and: "a & b",
      or: "a | b",
      xor: "a ^ b",
      nor: "~(a | b)",
      slt: `{{${p.w - 1}{1'b0}}, a < b}`,
      shl1: "a << 1",
    };
    const ops = p.ops.split(",");
    const arms = ops.map((_o, i) => `      2'd${i}: y = ${expr[ops[i === 2 ? 3 : i === 3 ? 2 : i] as Op]};`);
    return `  always @(*) begin\n    case (op)\n${arms.join("\n")}\n      default: y = 0;\n    endcase\n  end\n  assign zero = (y == 0);`;
  },
});

type SatP = { w: number; signed: boolean };
const satAdd = family<SatP>({
  name: "saturating_add",
  summary: "W-bit saturating adder (unsigned clamps at the max, signed at both ends)",
  tags: ["combinational", "arithmetic"],
  sequential: false,
  difficulty: (p) => (p.signed ? 3 : 2),
  sample: (r) => ({ w: r.int(3, 12), signed: r.chance(0.5) }),
  heldout: (p) => (p.w === 5 && p.signed) || (p.w === 10 && !p.signed),
  ports: (p) => [
    { name: "a", dir: "input", width: p.w, desc: "operand" },
    { name: "b", dir: "input", width: p.w, desc: "operand" },
    { name: "y", dir: "output", width: p.w, desc: "saturated sum" },
  ],
  phrasings: [
    (p, t) =>
      p.signed
        ? `Add two ${t.bits(p.w)} signed numbers with saturation: a sum above ${t.n(2 ** (p.w - 1) - 1)} gives ${t.n(2 ** (p.w - 1) - 1)}, a sum below -${t.n(2 ** (p.w - 1))} gives -${t.n(2 ** (p.w - 1))}.`
        : `Add two ${t.bits(p.w)} unsigned numbers with saturation: a sum larger than ${t.n(2 ** p.w - 1)} outputs ${t.n(2 ** p.w - 1)}.`,
    (p, t) =>
      `y = clamp(a + b) to the range of a ${t.n(p.w)}-bit ${p.signed ? "two's-complement" : "unsigned"} number, instead of wrapping around.`,
    (p, t) =>
      `Write a saturating ${p.signed ? "signed" : "unsigned"} adder of width ${t.n(p.w)}: when the true sum does not fit, output the ${p.signed ? "most positive or most negative representable value (whichever side it overflowed)" : "all-ones value"}.`,
    (p, t) =>
      `Sum \`a\` and \`b\` (${t.n(p.w)} bits, ${p.signed ? "signed" : "unsigned"}); on overflow stick to the limit of the range rather than wrapping.`,
  ],
  a: (p) =>
    p.signed
      ? `  wire signed [${p.w}:0] s = $signed(a) + $signed(b);\n  assign y = (s > ${2 ** (p.w - 1) - 1}) ? {1'b0, {${p.w - 1}{1'b1}}} : (s < -${2 ** (p.w - 1)}) ? {1'b1, {${p.w - 1}{1'b0}}} : s[${p.w - 1}:0];`
      : `  wire [${p.w}:0] s = a + b;\n  assign y = s[${p.w}] ? {${p.w}{1'b1}} : s[${p.w - 1}:0];`,
  b: (p) => {
    if (!p.signed) return `  wire [${p.w - 1}:0] s = a + b;\n  assign y = (s < a) ? {${p.w}{1'b1}} : s;`;
    const m = p.w - 1;
    return `  wire [${m}:0] s = a + b;\n  wire ovf = (a[${m}] == b[${m}]) && (s[${m}] != a[${m}]);\n  assign y = ovf ? (a[${m}] ? {1'b1, {${m}{1'b0}}} : {1'b0, {${m}{1'b1}}}) : s;`;
  },
  wrong: (p) =>
    p.signed
      ? `  wire [${p.w}:0] s = a + b;\n  assign y = s[${p.w}] ? {${p.w}{1'b1}} : s[${p.w - 1}:0];`
      : `  wire [${p.w}:0] s = a + b;\n  assign y = s[${p.w}] ? {${p.w}{1'b0}} : s[${p.w - 1}:0];`,
});

type AbsP = { w: number };
const absDiff = family<AbsP>({
  name: "abs_diff",
  summary: "|a - b| of two unsigned W-bit values",
  tags: ["combinational", "arithmetic"],
  sequential: false,
  difficulty: () => 2,
  sample: (r) => ({ w: r.int(2, 14) }),
  heldout: (p) => p.w === 9,
  ports: (p) => [
    { name: "a", dir: "input", width: p.w, desc: "unsigned value" },
    { name: "b", dir: "input", width: p.w, desc: "unsigned value" },
    { name: "d", dir: "output", width: p.w, desc: "absolute difference" },
  ],
  phrasings: [
    (p, t) => `Output the absolute difference |a - b| of two ${t.bits(p.w)} unsigned inputs.`,
    (p, t) => `d = (a > b) ? a - b : b - a, for unsigned ${t.n(p.w)}-bit a and b.`,
    (p, t) => `Compute how far apart the unsigned ${t.n(p.w)}-bit numbers a and b are (never negative).`,
    (p, t) => `Subtract the smaller of \`a\` and \`b\` from the larger one (${t.n(p.w)} bits, unsigned).`,
  ],
  a: () => "  assign d = (a > b) ? a - b : b - a;",
  b: (p) =>
    `  wire [${p.w}:0] t = {1'b0, a} - {1'b0, b};\n  assign d = t[${p.w}] ? (~t[${p.w - 1}:0] + 1'b1) : t[${p.w - 1}:0];`,
  wrong: () => "  assign d = (a > b) ? a - b : b - a - 1'b1;",
});

type MulP = { w: number; c: number };
const mulConst = family<MulP>({
  name: "mul_const",
  summary: "multiply an unsigned input by a constant, full-width product",
  tags: ["combinational", "arithmetic"],
  sequential: false,
  structural: true,
  difficulty: () => 2,
  sample: (r) => ({ w: r.int(3, 10), c: r.int(3, 31) }),
  heldout: (p) => [7, 13, 22, 27].includes(p.c),
  ports: (p) => [
    { name: "x", dir: "input", width: p.w, desc: "unsigned value" },
    { name: "y", dir: "output", width: p.w + bitsFor(p.c), desc: "product" },
  ],
  phrasings: [
    (p, t) =>
      `Multiply the ${t.bits(p.w)} unsigned input \`x\` by the constant ${t.n(p.c)}; \`y\` has room for the full product.`,
    (p, t) => `y = ${t.n(p.c)} * x, exactly (no truncation); x is ${t.n(p.w)} bits, unsigned.`,
    (p, t) => `Scale \`x\` by a fixed factor of ${t.n(p.c)} and output the ${t.n(p.w + bitsFor(p.c))}-bit result.`,
    (p, t) => `Build a constant multiplier (times ${t.n(p.c)}) for ${t.n(p.w)}-bit unsigned numbers.`,
  ],
  a: (p) => `  assign y = x * ${p.c};`,
  b: (p) => {
    const ow = p.w + bitsFor(p.c);
    const terms: string[] = [];
    for (let i = 0; i < bitsFor(p.c); i++) if ((p.c >> i) & 1) terms.push(`({${ow - p.w}'d0, x} << ${i})`);
    return `  assign y = ${terms.join(" + ")};`;
  },
  wrong: (p) => `  assign y = x * ${p.c + 1};`,
});

export const arithFamilies = [
  comparator,
  cmpConst,
  minMax,
  adder,
  subtractor,
  addFlags,
  alu,
  satAdd,
  absDiff,
  mulConst,
];
