import {
  bitsFor,
  clockPort,
  drawReset,
  family,
  lit,
  type Port,
  type ResetParams,
  resetPort,
  seqA,
  seqB,
} from "../family.js";
import { hash32 } from "../rng.js";

const io = (p: ResetParams): Port[] => [clockPort(), resetPort(p)];

type CounterP = ResetParams & { w: number; mod: number; init: number; en: boolean; down: boolean };
const counter = family<CounterP>({
  name: "counter",
  summary: "modulo-M up or down counter: width, modulus, reset value, enable, sync/async reset, polarity",
  tags: ["sequential", "arithmetic"],
  sequential: true,
  structural: true,
  difficulty: (p) => (p.mod === 2 ** p.w ? 1 : 2),
  sample: (r) => {
    const w = r.int(3, 8);
    const mod = r.chance(0.2) ? 2 ** w : r.int(2 ** (w - 1) + 1, 2 ** w - 1);
    return {
      ...drawReset(r),
      w,
      mod,
      init: r.chance(0.6) ? 0 : r.int(0, mod - 1),
      en: r.chance(0.5),
      down: r.chance(0.3),
    };
  },
  heldout: (p) => hash32(`mod${p.mod}`) % 5 === 0,
  ports: (p) => [
    ...io(p),
    ...(p.en ? [{ name: "en", dir: "input" as const, width: 1, desc: "count enable" }] : []),
    { name: "q", dir: "output", width: p.w, reg: true, desc: "count" },
    { name: "tc", dir: "output", width: 1, desc: `1 while q is ${p.down ? "0" : "at its last value"}` },
  ],
  phrasings: [
    (p, t) =>
      `Build a ${t.bits(p.w)} ${p.down ? "down" : "up"} counter that counts modulo ${t.n(p.mod)}: ${p.down ? `from ${t.n(p.mod - 1)} down to 0, then back to ${t.n(p.mod - 1)}` : `0, 1, ..., ${t.n(p.mod - 1)}, then 0 again`}.${p.en ? " It only counts on edges where `en` is 1; otherwise it holds." : ""} Reset loads ${t.n(p.init)}. \`tc\` is 1 whenever q is ${p.down ? "0" : t.n(p.mod - 1)}.`,
    (p, t) =>
      `Write a counter with ${t.n(p.mod)} states (q = 0 .. ${t.n(p.mod - 1)}) that ${p.down ? "decrements" : "increments"} once per clock${p.en ? " while the enable input is high" : ""} and wraps around. After reset, q = ${t.n(p.init)}. The terminal-count flag \`tc\` is high while q = ${p.down ? t.n(0) : t.n(p.mod - 1)}.`,
    (p, t) =>
      `q${p.en ? " (when en = 1)" : ""} steps ${p.down ? "downward" : "upward"} by one each rising clock edge; the step after ${p.down ? t.n(0) : t.n(p.mod - 1)} goes to ${p.down ? t.n(p.mod - 1) : t.n(0)}, so the counter never shows ${t.n(p.mod)} or more. q is ${t.n(p.w)} bits, reset value ${t.n(p.init)}; tc = (q == ${p.down ? 0 : t.n(p.mod - 1)}).`,
    (p, t) =>
      `Make a mod-${t.n(p.mod)} ${p.down ? "count-down" : "count-up"} register of width ${t.n(p.w)}${p.en ? " with a count enable" : ""}. Its reset value is ${t.n(p.init)}, and \`tc\` marks the ${p.down ? "zero" : "last"} state.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    const en = p.en ? "else if (en) " : "else ";
    const step = p.down
      ? `q <= (q == 0) ? ${lit(p.mod - 1, p.w)} : q - 1'b1;`
      : `q <= (q == ${lit(p.mod - 1, p.w)}) ? ${lit(0, p.w)} : q + 1'b1;`;
    return `  always @(${sens}) begin\n    if (${cond}) q <= ${lit(p.init, p.w)};\n    ${en}${step}\n  end\n  assign tc = (q == ${lit(p.down ? 0 : p.mod - 1, p.w)});`;
  },
  b: (p) => {
    const lines = [`  wire [${p.w}:0] wide = {1'b0, q};`];
    if (p.down) lines.push(`  wire [${p.w - 1}:0] nxt = (wide == 0) ? ${p.mod - 1} : wide - 1;`);
    else
      lines.push(
        `  wire [${p.w}:0] inc = wide + 1;`,
        `  wire [${p.w - 1}:0] nxt = (inc == ${p.mod}) ? 0 : inc[${p.w - 1}:0];`,
      );
    lines.push(`  assign tc = ${p.down ? "~|q" : `&(q ~^ ${lit(p.mod - 1, p.w)})`};`);
    lines.push(seqB(p, `      q <= ${p.init};`, `      q <= ${p.en ? "en ? nxt : q" : "nxt"};`));
    return lines.join("\n");
  },
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    const en = p.en ? "else if (en) " : "else ";
    const step = p.down
      ? `q <= (q == 0) ? ${lit(p.mod - 1, p.w)} : q - 1'b1;`
      : `q <= (q == ${lit(p.mod - 2, p.w)}) ? ${lit(0, p.w)} : q + 1'b1;`;
    return `  always @(${sens}) begin\n    if (${cond}) q <= ${lit(p.down ? (p.init + 1) % p.mod : p.init, p.w)};\n    ${en}${step}\n  end\n  assign tc = (q == ${lit(p.down ? 0 : p.mod - 1, p.w)});`;
  },
});

type UdP = ResetParams & { w: number; sat: boolean };
const updown = family<UdP>({
  name: "updown_counter",
  summary: "up/down counter with parallel load, wrapping or saturating",
  tags: ["sequential", "arithmetic"],
  sequential: true,
  difficulty: (p) => (p.sat ? 3 : 2),
  sample: (r) => ({ ...drawReset(r), w: r.int(2, 8), sat: r.chance(0.5) }),
  heldout: (p) => (p.w === 5 && p.sat) || (p.w === 7 && !p.sat),
  ports: (p) => [
    ...io(p),
    { name: "load", dir: "input", width: 1, desc: "load d (has priority)" },
    { name: "d", dir: "input", width: p.w, desc: "value to load" },
    { name: "up", dir: "input", width: 1, desc: "1 counts up, 0 counts down" },
    { name: "q", dir: "output", width: p.w, reg: true, desc: "count" },
  ],
  phrasings: [
    (p, t) =>
      `Build a ${t.bits(p.w)} up/down counter. On each clock edge: if \`load\` is 1, q takes \`d\`; otherwise q goes up by one when \`up\` is 1 and down by one when \`up\` is 0. ${p.sat ? `It saturates: counting up at ${t.n(2 ** p.w - 1)} or down at 0 leaves q unchanged.` : "It wraps around at both ends."} Reset clears q to 0.`,
    (p, t) =>
      `Write a loadable ${t.n(p.w)}-bit counter whose direction is chosen by \`up\` every cycle. Loading (load = 1) wins over counting. ${p.sat ? "The count sticks at its minimum and maximum instead of wrapping." : `Overflow and underflow wrap modulo ${t.n(2 ** p.w)}.`} q resets to zero.`,
    (p, t) =>
      `next q = load ? d : (up ? q + 1 : q - 1)${p.sat ? `, except that q stays at ${t.n(2 ** p.w - 1)} when counting up from there and stays at 0 when counting down from 0` : ` modulo ${t.n(2 ** p.w)}`}. Width ${t.n(p.w)}; reset value 0.`,
    (p, t) =>
      `A ${p.sat ? "saturating" : "wrap-around"} bidirectional counter of ${t.n(p.w)} bits with a synchronous parallel load that has priority over counting; reset value zero.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    const max = lit(2 ** p.w - 1, p.w);
    const upStep = p.sat ? `if (q != ${max}) q <= q + 1'b1;` : "q <= q + 1'b1;";
    const dnStep = p.sat ? `if (q != ${lit(0, p.w)}) q <= q - 1'b1;` : "q <= q - 1'b1;";
    return `  always @(${sens}) begin\n    if (${cond}) q <= ${lit(0, p.w)};\n    else if (load) q <= d;\n    else if (up) begin ${upStep} end\n    else begin ${dnStep} end\n  end`;
  },
  b: (p) => {
    const lines = [`  wire [${p.w + 1}:0] s = {2'b00, q} + (up ? ${p.w + 2}'d1 : {${p.w + 2}{1'b1}});`];
    if (p.sat)
      lines.push(
        `  wire [${p.w - 1}:0] nxt = s[${p.w + 1}] ? {${p.w}{1'b0}} : s[${p.w}] ? {${p.w}{1'b1}} : s[${p.w - 1}:0];`,
      );
    else lines.push(`  wire [${p.w - 1}:0] nxt = s[${p.w - 1}:0];`);
    lines.push(seqB(p, "      q <= 0;", "      q <= load ? d : nxt;"));
    return lines.join("\n");
  },
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    return `  always @(${sens}) begin\n    if (${cond}) q <= ${lit(0, p.w)};\n    else if (up) q <= q + 1'b1;\n    else if (load) q <= d;\n    else q <= q - 1'b1;\n  end`;
  },
});

type ShiftP = ResetParams & { n: number; left: boolean; en: boolean };
const shiftReg = family<ShiftP>({
  name: "shift_register",
  summary: "N-bit serial-in parallel-out shift register, left or right, optional enable",
  tags: ["sequential", "datapath"],
  sequential: true,
  structural: true,
  difficulty: () => 1,
  sample: (r) => ({ ...drawReset(r), n: r.int(2, 16), left: r.chance(0.5), en: r.chance(0.5) }),
  heldout: (p) => p.n === 7 || p.n === 13,
  ports: (p) => [
    ...io(p),
    ...(p.en ? [{ name: "en", dir: "input" as const, width: 1, desc: "shift enable" }] : []),
    { name: "sin", dir: "input", width: 1, desc: "serial input" },
    { name: "q", dir: "output", width: p.n, reg: true, desc: "register contents" },
  ],
  phrasings: [
    (p, t) =>
      `Build a ${t.bits(p.n)} shift register. On each clock edge${p.en ? " with `en` = 1" : ""}, the contents move one place toward the ${p.left ? "MSB" : "LSB"} and \`sin\` enters at bit ${p.left ? t.n(0) : t.n(p.n - 1)}; the bit at the other end is dropped. Reset clears it.`,
    (p, t) =>
      `q <= ${p.left ? `{q[${t.n(p.n - 2)}:0], sin}` : `{sin, q[${t.n(p.n - 1)}:1]}`} every clock${p.en ? " while en is high (hold otherwise)" : ""}; q has ${t.n(p.n)} bits and resets to 0.`,
    (p, t) =>
      `Write a serial-in, parallel-out register of length ${t.n(p.n)} that shifts ${p.left ? "left" : "right"}${p.en ? " when enabled" : ""}: new bits come in from \`sin\` at the ${p.left ? "least" : "most"} significant end. All zeros after reset.`,
    (p, t) =>
      `Keep the last ${t.n(p.n)} values of \`sin\`${p.en ? " sampled on enabled clock edges" : ""} in \`q\`, the newest in bit ${p.left ? t.n(0) : t.n(p.n - 1)} and the oldest in bit ${p.left ? t.n(p.n - 1) : t.n(0)}. Reset empties it (all zeros).`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    const nxt = p.left ? `{q[${p.n - 2}:0], sin}` : `{sin, q[${p.n - 1}:1]}`;
    return `  always @(${sens}) begin\n    if (${cond}) q <= ${p.n}'d0;\n    else${p.en ? " if (en)" : ""} q <= ${nxt};\n  end`;
  },
  b: (p) => {
    const body = p.left
      ? `      for (i = ${p.n - 1}; i > 0; i = i - 1) q[i] <= q[i-1];\n      q[0] <= sin;`
      : `      for (i = 0; i < ${p.n - 1}; i = i + 1) q[i] <= q[i+1];\n      q[${p.n - 1}] <= sin;`;
    return `  integer i;\n${seqB(p, "      q <= 0;", p.en ? `      if (en) begin\n${body}\n      end` : body)}`;
  },
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    const nxt = p.left ? `{q[${p.n - 2}:0], ~sin}` : `{~sin, q[${p.n - 1}:1]}`;
    return `  always @(${sens}) begin\n    if (${cond}) q <= ${p.n}'d0;\n    else${p.en ? " if (en)" : ""} q <= ${nxt};\n  end`;
  },
});

type DelayP = ResetParams & { d: number; w: number };
const delayLine = family<DelayP>({
  name: "delay_line",
  summary: "W-bit input delayed by D clock cycles",
  tags: ["sequential", "pipeline"],
  sequential: true,
  structural: true,
  difficulty: () => 2,
  sample: (r) => ({ ...drawReset(r), d: r.int(1, 10), w: r.int(1, 8) }),
  heldout: (p) => p.d === 4 || p.d === 9,
  ports: (p) => [
    ...io(p),
    { name: "din", dir: "input", width: p.w, desc: "input data" },
    { name: "dout", dir: "output", width: p.w, desc: `din delayed by ${p.d} cycles` },
  ],
  phrasings: [
    (p, t) =>
      `Delay the ${t.bits(p.w)} input by ${t.cycles(p.d)}: \`dout\` shows the value \`din\` had ${t.n(p.d)} rising edges earlier. Reset clears every stage to 0.`,
    (p, t) =>
      `Write a ${t.n(p.d)}-stage pipeline of ${t.n(p.w)}-bit registers: din enters the first stage, each stage passes its value to the next on every clock, and dout is the last stage. All stages reset to zero.`,
    (p, t) => `dout(t) = din(t - ${t.n(p.d)}) in clock cycles, ${t.n(p.w)} bits wide, zeros right after reset.`,
    (p, t) => `Build a shift-register delay line of depth ${t.n(p.d)} for ${t.n(p.w)}-bit words (zero after reset).`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    return `  reg [${p.w - 1}:0] stage [0:${p.d - 1}];\n  integer i;\n  always @(${sens}) begin\n    if (${cond}) begin\n      for (i = 0; i < ${p.d}; i = i + 1) stage[i] <= 0;\n    end else begin\n      stage[0] <= din;\n      for (i = 1; i < ${p.d}; i = i + 1) stage[i] <= stage[i-1];\n    end\n  end\n  assign dout = stage[${p.d - 1}];`;
  },
  b: (p) => {
    const bits = p.d * p.w;
    const nxt = p.d === 1 ? "din" : `{pipe[${bits - p.w - 1}:0], din}`;
    return `  reg [${bits - 1}:0] pipe;\n${seqB(p, "      pipe <= 0;", `      pipe <= ${nxt};`)}  assign dout = pipe[${bits - 1}:${bits - p.w}];`;
  },
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    const d = p.d + 1;
    return `  reg [${p.w - 1}:0] stage [0:${d - 1}];\n  integer i;\n  always @(${sens}) begin\n    if (${cond}) begin\n      for (i = 0; i < ${d}; i = i + 1) stage[i] <= 0;\n    end else begin\n      stage[0] <= din;\n      for (i = 1; i < ${d}; i = i + 1) stage[i] <= stage[i-1];\n    end\n  end\n  assign dout = stage[${d - 1}];`;
  },
});

type EdgeP = ResetParams & { w: number; kind: "rise" | "fall" | "both" };
const edgeDetect = family<EdgeP>({
  name: "edge_detector",
  summary: "per-bit rising/falling/any edge detector with a registered one-cycle pulse",
  tags: ["sequential", "control"],
  sequential: true,
  difficulty: () => 2,
  sample: (r) => ({ ...drawReset(r), w: r.int(1, 8), kind: r.pick(["rise", "fall", "both"] as const) }),
  heldout: (p) => (p.kind === "fall" && p.w === 3) || (p.kind === "both" && p.w === 6),
  ports: (p) => [
    ...io(p),
    { name: "in", dir: "input", width: p.w, desc: "signals to watch" },
    { name: "pulse", dir: "output", width: p.w, reg: true, desc: "edge pulses" },
  ],
  phrasings: [
    (p, t) => {
      const e = p.kind === "rise" ? "goes from 0 to 1" : p.kind === "fall" ? "goes from 1 to 0" : "changes value";
      return `For each of the ${t.n(p.w)} bits of \`in\`: when the bit ${e} between two consecutive clock edges, the matching bit of \`pulse\` is 1 for the cycle after the second edge. \`pulse\` is a register. Reset clears \`pulse\` and the remembered previous value of \`in\` (taken as all zeros).`;
    },
    (p, t) =>
      `Detect ${p.kind === "rise" ? "rising" : p.kind === "fall" ? "falling" : "rising and falling"} edges on a ${t.bits(p.w)} bus. At every clock edge, remember \`in\`; set pulse[i] <= ${p.kind === "rise" ? "in[i] & ~prev[i]" : p.kind === "fall" ? "~in[i] & prev[i]" : "in[i] ^ prev[i]"}, where prev is the value remembered at the previous edge (0 after reset; pulse is 0 after reset too).`,
    (p, t) =>
      `Write a synchronous ${p.kind === "both" ? "toggle (any-edge)" : p.kind === "rise" ? "positive-edge" : "negative-edge"} detector for ${t.n(p.w)} independent lines with registered outputs: a pulse lasts one clock and appears one clock after the sampled edge. The previous-sample register and the outputs reset to 0.`,
    (p, t) =>
      `pulse is ${t.n(p.w)} bits; each bit flags, one cycle late, that its input line ${p.kind === "rise" ? "rose" : p.kind === "fall" ? "fell" : "toggled"} since the previous clock sample. Everything starts at zero on reset.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    const e = p.kind === "rise" ? "in & ~prev" : p.kind === "fall" ? "~in & prev" : "in ^ prev";
    return `  reg [${p.w - 1}:0] prev;\n  always @(${sens}) begin\n    if (${cond}) begin\n      prev <= 0;\n      pulse <= 0;\n    end else begin\n      prev <= in;\n      pulse <= ${e};\n    end\n  end`;
  },
  b: (p) => {
    const e =
      p.kind === "rise" ? "(in ^ last) & in" : p.kind === "fall" ? "(in ^ last) & last" : "(in & ~last) | (~in & last)";
    return `  reg [${p.w - 1}:0] last;\n${seqB(p, `      last <= {${p.w}{1'b0}};\n      pulse <= {${p.w}{1'b0}};`, `      pulse <= ${e};\n      last <= in;`)}`;
  },
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    const e = p.kind === "rise" ? "~in & prev" : p.kind === "fall" ? "in & ~prev" : "in & ~prev";
    return `  reg [${p.w - 1}:0] prev;\n  always @(${sens}) begin\n    if (${cond}) begin\n      prev <= 0;\n      pulse <= 0;\n    end else begin\n      prev <= in;\n      pulse <= ${e};\n    end\n  end`;
  },
});

type StretchP = ResetParams & { len: number };
const stretcher = family<StretchP>({
  name: "pulse_stretcher",
  summary: "output high for L cycles after each trigger (retriggerable)",
  tags: ["sequential", "control"],
  sequential: true,
  structural: true,
  difficulty: () => 2,
  sample: (r) => ({ ...drawReset(r), len: r.int(2, 12) }),
  heldout: (p) => p.len === 5 || p.len === 11,
  ports: (p) => [
    ...io(p),
    { name: "trig", dir: "input", width: 1, desc: "trigger" },
    { name: "out", dir: "output", width: 1, desc: "stretched pulse" },
  ],
  phrasings: [
    (p, t) =>
      `Stretch pulses: when \`trig\` is 1 at a rising clock edge, \`out\` is 1 for the next ${t.cycles(p.len)}. A new trigger while \`out\` is high restarts the ${t.n(p.len)}-cycle window. After reset \`out\` is 0.`,
    (p, t) =>
      `out is high in a cycle exactly when trig was sampled high at one of the last ${t.n(p.len)} rising edges (resetting forgets earlier triggers).`,
    (p, t) =>
      `Write a retriggerable one-shot: each clock edge that samples \`trig\` = 1 (re)starts a timer of ${t.n(p.len)} cycles, and \`out\` is high from the cycle after that edge while the timer runs. It starts idle after reset.`,
    (p, t) =>
      `Build a pulse extender with length ${t.n(p.len)}: every clock edge that sees trig = 1 makes out high for ${t.n(p.len)} consecutive cycles starting right after that edge; overlapping windows merge.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    const w = bitsFor(p.len);
    return `  reg [${w - 1}:0] left;\n  always @(${sens}) begin\n    if (${cond}) left <= 0;\n    else if (trig) left <= ${lit(p.len, w)};\n    else if (left != 0) left <= left - 1'b1;\n  end\n  assign out = (left != 0);`;
  },
  b: (p) =>
    `  reg [${p.len - 1}:0] seen;\n${seqB(p, "      seen <= 0;", `      seen <= {seen[${p.len - 2}:0], trig};`)}  assign out = |seen;`,
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    const w = bitsFor(p.len);
    return `  reg [${w - 1}:0] left;\n  always @(${sens}) begin\n    if (${cond}) left <= 0;\n    else if (trig) left <= ${lit(p.len - 1, w)};\n    else if (left != 0) left <= left - 1'b1;\n  end\n  assign out = (left != 0);`;
  },
});

type TickP = ResetParams & { n: number };
const tickGen = family<TickP>({
  name: "tick_generator",
  summary: "one-cycle tick every N clock cycles",
  tags: ["sequential", "control"],
  sequential: true,
  structural: true,
  difficulty: () => 2,
  sample: (r) => ({ ...drawReset(r), n: r.int(2, 40) }),
  heldout: (p) => hash32(`tick${p.n}`) % 5 === 0,
  ports: (p) => [...io(p), { name: "tick", dir: "output", width: 1, desc: "periodic one-cycle pulse" }],
  phrasings: [
    (p, t) =>
      `Generate a periodic tick: \`tick\` is 1 for one cycle out of every ${t.n(p.n)}. Count clock cycles from 0 after reset; \`tick\` is high while the count is ${t.n(p.n - 1)}, and the count then returns to 0.`,
    (p, t) =>
      `Write a divide-by-${t.n(p.n)} strobe generator: after reset, the first tick comes in the ${t.n(p.n)}th cycle (after ${t.n(p.n - 1)} rising edges), and then every ${t.n(p.n)} cycles.`,
    (p, t) =>
      `A free-running mod-${t.n(p.n)} counter (reset to 0) drives \`tick\` = (counter == ${t.n(p.n - 1)}). Only \`tick\` is an output.`,
    (p, t) =>
      `Emit a single-cycle enable pulse with period ${t.n(p.n)} clocks, ${t.n(p.n - 1)} cycles after reset for the first one.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    const w = bitsFor(p.n - 1);
    return `  reg [${w - 1}:0] cnt;\n  always @(${sens}) begin\n    if (${cond}) cnt <= 0;\n    else if (cnt == ${lit(p.n - 1, w)}) cnt <= 0;\n    else cnt <= cnt + 1'b1;\n  end\n  assign tick = (cnt == ${lit(p.n - 1, w)});`;
  },
  b: (p) => {
    const w = bitsFor(p.n - 1);
    return `  reg [${w - 1}:0] rem;\n${seqB(p, `      rem <= ${p.n - 1};`, `      rem <= (rem == 0) ? ${p.n - 1} : rem - 1;`)}  assign tick = ~|rem;`;
  },
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    const w = bitsFor(p.n);
    return `  reg [${w - 1}:0] cnt;\n  always @(${sens}) begin\n    if (${cond}) cnt <= 0;\n    else if (cnt == ${lit(p.n, w)}) cnt <= 0;\n    else cnt <= cnt + 1'b1;\n  end\n  assign tick = (cnt == ${lit(p.n, w)});`;
  },
});

type DivP = ResetParams & { k: number };
const clockDiv = family<DivP>({
  name: "clock_divider",
  summary: "square wave that toggles every K clock cycles (divide by 2K)",
  tags: ["sequential", "control"],
  sequential: true,
  structural: true,
  difficulty: () => 2,
  sample: (r) => ({ ...drawReset(r), k: r.int(1, 16) }),
  heldout: (p) => p.k === 6 || p.k === 11,
  ports: (p) => [...io(p), { name: "clk_out", dir: "output", width: 1, desc: "divided clock" }],
  phrasings: [
    (p, t) =>
      `Divide the clock by ${t.n(2 * p.k)}: \`clk_out\` is a square wave that stays low for ${t.cycles(p.k)} and then high for ${t.cycles(p.k)}, repeating. Reset starts it at the beginning of the low half.`,
    (p, t) =>
      `clk_out toggles after every ${t.n(p.k)} rising edges of clk; it is 0 after reset, and the first toggle happens at the ${t.n(p.k)}th edge after reset.`,
    (p, t) =>
      `Write a divide-by-${t.n(2 * p.k)} clock divider with 50% duty cycle (half period ${t.n(p.k)} input clocks), output low coming out of reset.`,
    (p, t) =>
      `Produce a signal with a period of ${t.n(2 * p.k)} clock cycles: low for the first ${t.n(p.k)}, high for the next ${t.n(p.k)}, counted from reset.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    const w = bitsFor(p.k);
    return `  reg [${w - 1}:0] cnt;\n  reg t;\n  always @(${sens}) begin\n    if (${cond}) begin\n      cnt <= 0;\n      t <= 1'b0;\n    end else if (cnt == ${lit(p.k - 1, w)}) begin\n      cnt <= 0;\n      t <= ~t;\n    end else cnt <= cnt + 1'b1;\n  end\n  assign clk_out = t;`;
  },
  b: (p) => {
    const w = bitsFor(2 * p.k);
    return `  reg [${w - 1}:0] phase;\n${seqB(p, "      phase <= 0;", `      phase <= (phase == ${2 * p.k - 1}) ? 0 : phase + 1;`)}  assign clk_out = (phase >= ${p.k});`;
  },
  wrong: (p) => {
    const w = bitsFor(2 * p.k + 2);
    return `  reg [${w - 1}:0] phase;\n${seqB(p, "      phase <= 0;", `      phase <= (phase == ${2 * p.k + 1}) ? 0 : phase + 1;`)}  assign clk_out = (phase >= ${p.k + 1});`;
  },
});

type AccP = ResetParams & { w: number; sat: boolean };
const accumulator = family<AccP>({
  name: "accumulator",
  summary: "W-bit accumulator with clear and enable, wrapping or saturating",
  tags: ["sequential", "arithmetic"],
  sequential: true,
  difficulty: (p) => (p.sat ? 3 : 2),
  sample: (r) => ({ ...drawReset(r), w: r.int(3, 12), sat: r.chance(0.5) }),
  heldout: (p) => (p.w === 7 && p.sat) || (p.w === 10 && !p.sat),
  ports: (p) => [
    ...io(p),
    { name: "clr", dir: "input", width: 1, desc: "synchronous clear" },
    { name: "en", dir: "input", width: 1, desc: "add enable" },
    { name: "d", dir: "input", width: p.w, desc: "value to add" },
    { name: "acc", dir: "output", width: p.w, reg: true, desc: "running sum" },
  ],
  phrasings: [
    (p, t) =>
      `Build a ${t.bits(p.w)} accumulator. On each clock edge: \`clr\` = 1 sets acc to 0; otherwise \`en\` = 1 adds \`d\` to acc${p.sat ? `, saturating at ${t.n(2 ** p.w - 1)}` : ", wrapping around on overflow"}; otherwise acc holds. Reset also sets acc to 0.`,
    (p, t) =>
      `acc <= clr ? 0 : en ? ${p.sat ? `min(acc + d, ${t.n(2 ** p.w - 1)})` : `(acc + d) mod ${t.n(2 ** p.w)}`} : acc, all values unsigned ${t.n(p.w)}-bit; reset value 0.`,
    (p, t) =>
      `Write a running-sum register of ${t.n(p.w)} bits with a clear (priority) and an enable. ${p.sat ? "The sum clamps at its maximum value instead of overflowing." : "The sum keeps only its low bits on overflow."}`,
    (p, t) =>
      `Sum the unsigned ${t.n(p.w)}-bit samples \`d\` taken on enabled cycles into \`acc\`${p.sat ? " (stick at all ones when the true sum would not fit)" : " (modular arithmetic)"}; \`clr\` restarts from zero.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    const add = p.sat
      ? `begin\n      if ({1'b0, acc} + {1'b0, d} > ${2 ** p.w - 1}) acc <= {${p.w}{1'b1}};\n      else acc <= acc + d;\n    end`
      : "acc <= acc + d;";
    return `  always @(${sens}) begin\n    if (${cond}) acc <= 0;\n    else if (clr) acc <= 0;\n    else if (en) ${add}\n  end`;
  },

  b: (p) => {
    const lines = [`  wire [${p.w}:0] s = acc + d;`];
    const nxt = p.sat ? `(s[${p.w}] ? {${p.w}{1'b1}} : s[${p.w - 1}:0])` : `s[${p.w - 1}:0]`;
    lines.push(
      seqB(
        p,
        "      acc <= 0;",
        `      case ({clr, en})\n        2'b01: acc <= ${nxt};\n        2'b10, 2'b11: acc <= 0;\n        default: acc <= acc;\n      endcase`,
      ),
    );
    return lines.join("\n");
  },
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    return `  always @(${sens}) begin\n    if (${cond}) acc <= 0;\n    else if (en) acc <= acc + d;\n    else if (clr) acc <= 0;\n  end`;
  },
});

type FilterP = ResetParams & { k: number };
const glitchFilter = family<FilterP>({
  name: "glitch_filter",
  summary: "debouncer: the output follows the input only after K equal consecutive samples",
  tags: ["sequential", "control"],
  sequential: true,
  structural: true,
  difficulty: () => 3,
  sample: (r) => ({ ...drawReset(r), k: r.int(2, 9) }),
  heldout: (p) => p.k === 5 || p.k === 8,
  ports: (p) => [
    ...io(p),
    { name: "in", dir: "input", width: 1, desc: "noisy input" },
    { name: "out", dir: "output", width: 1, desc: "filtered output" },
  ],
  phrasings: [
    (p, t) =>
      `Debounce \`in\`: \`out\` changes to the value of \`in\` only once \`in\` has been sampled at that new value on ${t.n(p.k)} consecutive rising edges; a single sample equal to \`out\` restarts the wait. After reset \`out\` is 0.`,
    (p, t) =>
      `Write a glitch filter: at each clock edge, if the last ${t.n(p.k)} samples of in (this edge's included) all differ from out, out takes the input value. out resets to 0.`,
    (p, t) =>
      `out follows in with hysteresis in time: a change must be sampled on ${t.n(p.k)} clock edges in a row, and out adopts it at the last of those edges; shorter pulses are ignored. Reset value of out: 0.`,
    (p, t) =>
      `Keep a count of consecutive clock samples where in != out; when the count would reach ${t.n(p.k)}, copy in to out and restart the count. A sample with in == out clears the count. Everything resets to 0.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    const w = bitsFor(p.k);
    return `  reg [${w - 1}:0] cnt;\n  reg o;\n  always @(${sens}) begin\n    if (${cond}) begin\n      cnt <= 0;\n      o <= 1'b0;\n    end else if (in == o) cnt <= 0;\n    else if (cnt == ${lit(p.k - 1, w)}) begin\n      o <= in;\n      cnt <= 0;\n    end else cnt <= cnt + 1'b1;\n  end\n  assign out = o;`;
  },
  b: (p) => {
    // The last k-1 samples in h; with this edge's sample they form the window that must all differ from out.
    const shift = p.k === 2 ? "in" : `{h[${p.k - 3}:0], in}`;
    return `  reg [${p.k - 2}:0] h;\n  reg o;\n  wire [${p.k - 1}:0] win = {h, in};\n  wire flip = o ? (win == 0) : (&win);\n${seqB(p, "      h <= 0;\n      o <= 0;", `      h <= ${shift};\n      if (flip) o <= ~o;`)}  assign out = o;`;
  },

  wrong: (p) => {
    const { sens, cond } = seqA(p);
    const w = bitsFor(p.k);
    return `  reg [${w - 1}:0] cnt;\n  reg o;\n  always @(${sens}) begin\n    if (${cond}) begin\n      cnt <= 0;\n      o <= 1'b0;\n    end else if (in == o) cnt <= 0;\n    else if (cnt == ${lit(p.k - 2, w)}) begin\n      o <= in;\n      cnt <= 0;\n    end else cnt <= cnt + 1'b1;\n  end\n  assign out = o;`;
  },
});

const LFSR_TAPS: Record<number, number[]> = { 3: [3, 2], 4: [4, 3], 5: [5, 3], 6: [6, 5], 7: [7, 6], 8: [8, 6, 5, 4] };
type LfsrP = ResetParams & { w: number; seed: number };
const lfsr = family<LfsrP>({
  name: "lfsr",
  summary: "Fibonacci LFSR with given taps and seed",
  tags: ["sequential", "logic"],
  sequential: true,
  structural: true,
  difficulty: () => 2,
  sample: (r) => {
    const w = r.int(3, 8);
    return { ...drawReset(r), w, seed: r.int(1, 2 ** w - 1) };
  },
  heldout: (p) => p.w === 6,
  ports: (p) => [...io(p), { name: "q", dir: "output", width: p.w, reg: true, desc: "LFSR state" }],
  phrasings: [
    (p, t) => {
      const taps = LFSR_TAPS[p.w] ?? [];
      return `Build a ${t.bits(p.w)} Fibonacci LFSR. Each clock edge shifts q left by one (toward the MSB) and puts into bit 0 the XOR of bits ${taps.map((x) => t.n(x - 1)).join(", ")} of the current q. Reset loads ${t.n(p.seed)}.`;
    },
    (p, t) => {
      const taps = LFSR_TAPS[p.w] ?? [];
      return `q <= {q[${t.n(p.w - 2)}:0], ${taps.map((x) => `q[${t.n(x - 1)}]`).join(" ^ ")}} on every rising edge; the reset value is ${t.n(p.seed)} (binary ${t.bin(p.seed, p.w)}).`;
    },
    (p, t) => {
      const taps = LFSR_TAPS[p.w] ?? [];
      return `Write a linear-feedback shift register of length ${t.n(p.w)} with taps at positions ${taps.map((x) => t.n(x)).join(" and ")} (numbered from 1 at the LSB); the feedback is the XOR of the tapped bits and enters at the LSB while the register shifts up. Seed (reset value): ${t.n(p.seed)}.`;
    },
    (p, t) => {
      const taps = LFSR_TAPS[p.w] ?? [];
      return `A pseudo-random generator: a ${t.n(p.w)}-bit register that shifts toward its top bit each cycle, refilled at the bottom with the parity of bits {${taps.map((x) => t.n(x - 1)).join(", ")}}; it restarts from ${t.n(p.seed)} on reset.`;
    },
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    const mask = (LFSR_TAPS[p.w] ?? []).reduce((m, x) => m | (1 << (x - 1)), 0);
    return `  always @(${sens}) begin\n    if (${cond}) q <= ${lit(p.seed, p.w)};\n    else q <= {q[${p.w - 2}:0], ^(q & ${lit(mask, p.w)})};\n  end`;
  },
  b: (p) => {
    const fb = (LFSR_TAPS[p.w] ?? []).map((x) => `q[${x - 1}]`).join(" ^ ");
    return `  wire fb = ${fb};\n  integer i;\n${seqB(p, `      q <= ${p.seed};`, `      for (i = ${p.w - 1}; i > 0; i = i - 1) q[i] <= q[i-1];\n      q[0] <= fb;`)}`;
  },
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    const taps = LFSR_TAPS[p.w] ?? [];
    const mask = taps.slice(0, -1).reduce((m, x) => m | (1 << (x - 1)), 0);
    return `  always @(${sens}) begin\n    if (${cond}) q <= ${lit(p.seed, p.w)};\n    else q <= {q[${p.w - 2}:0], ^(q & ${lit(mask, p.w)})};\n  end`;
  },
});

type PwmP = ResetParams & { w: number };
const pwm = family<PwmP>({
  name: "pwm",
  summary: "PWM: free-running W-bit counter, output high while counter < duty",
  tags: ["sequential", "control"],
  sequential: true,
  difficulty: () => 2,
  sample: (r) => ({ ...drawReset(r), w: r.int(2, 8) }),
  heldout: (p) => p.w === 5,
  ports: (p) => [
    ...io(p),
    { name: "duty", dir: "input", width: p.w, desc: "duty cycle" },
    { name: "pwm_out", dir: "output", width: 1, desc: "PWM output" },
  ],
  phrasings: [
    (p, t) =>
      `Build a PWM generator: a ${t.bits(p.w)} counter runs 0, 1, ..., ${t.n(2 ** p.w - 1)}, 0, ... (reset to 0), and \`pwm_out\` is 1 while the counter is less than \`duty\` (so duty = 0 is always off).`,
    (p, t) =>
      `pwm_out = (cnt < duty), where cnt is a free-running ${t.n(p.w)}-bit up counter cleared by reset; the period is ${t.n(2 ** p.w)} cycles.`,
    (p, t) =>
      `Write a pulse-width modulator with ${t.n(2 ** p.w)} steps per period: in each period the output is high for the first \`duty\` cycles and low for the rest. The period counter starts at 0 after reset.`,
    (p, t) =>
      `Compare a wrapping ${t.n(p.w)}-bit cycle counter (reset value 0) against the unsigned \`duty\` input; drive the output high when the counter is below duty.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    return `  reg [${p.w - 1}:0] cnt;\n  always @(${sens}) begin\n    if (${cond}) cnt <= 0;\n    else cnt <= cnt + 1'b1;\n  end\n  assign pwm_out = (cnt < duty);`;
  },
  b: (p) =>
    `  reg [${p.w - 1}:0] c;\n  wire [${p.w}:0] diff = {1'b0, c} - {1'b0, duty};\n${seqB(p, "      c <= 0;", `      c <= c + ${lit(1, p.w)};`)}  assign pwm_out = diff[${p.w}];`,
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    return `  reg [${p.w - 1}:0] cnt;\n  always @(${sens}) begin\n    if (${cond}) cnt <= 0;\n    else cnt <= cnt + 1'b1;\n  end\n  assign pwm_out = (cnt <= duty);`;
  },
});

type DogP = ResetParams & { t: number };
const watchdog = family<DogP>({
  name: "watchdog",
  summary: "timeout flag after T cycles without a kick",
  tags: ["sequential", "control"],
  sequential: true,
  structural: true,
  difficulty: () => 2,
  // Up to 18: a timeout deeper than the bounded formal check (20 cycles from reset) that also needs a long run
  // without kicks after a reset is rarely reached by random simulation, so a wrong reset value could go unnoticed.
  sample: (r) => ({ ...drawReset(r), t: r.int(2, 18) }),
  heldout: (p) => hash32(`dog${p.t}`) % 5 === 0,
  ports: (p) => [
    ...io(p),
    { name: "kick", dir: "input", width: 1, desc: "restart the timer" },
    { name: "bark", dir: "output", width: 1, desc: "timeout" },
  ],
  phrasings: [
    (p, t) =>
      `Build a watchdog timer: it counts clock edges since the last edge that saw \`kick\` = 1 (or since reset). \`bark\` goes high once that count reaches ${t.n(p.t)} and stays high until the next kick. An edge with kick = 1 restarts the count at 0.`,
    (p, t) =>
      `A cycle counter cleared by reset and by kick (sampled on the clock edge) counts up and stops at ${t.n(p.t)}; bark = (counter == ${t.n(p.t)}).`,
    (p, t) =>
      `Write a timeout detector: if ${t.n(p.t)} rising edges pass without a kick, raise \`bark\` (level, not pulse). Kicking clears it on the next edge.`,
    (p, t) =>
      `Signal a missing heartbeat: \`bark\` is 1 from the ${t.n(p.t)}th clock edge after the most recent kick (or reset) until a kick is seen again.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    const w = bitsFor(p.t);
    return `  reg [${w - 1}:0] cnt;\n  always @(${sens}) begin\n    if (${cond}) cnt <= 0;\n    else if (kick) cnt <= 0;\n    else if (cnt != ${lit(p.t, w)}) cnt <= cnt + 1'b1;\n  end\n  assign bark = (cnt == ${lit(p.t, w)});`;
  },
  b: (p) => {
    const w = bitsFor(p.t);
    return `  reg [${w - 1}:0] rem;\n${seqB(p, `      rem <= ${p.t};`, `      if (kick) rem <= ${p.t};\n      else if (rem > 0) rem <= rem - 1;`)}  assign bark = (rem == 0);`;
  },
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    const w = bitsFor(p.t);
    return `  reg [${w - 1}:0] cnt;\n  always @(${sens}) begin\n    if (${cond}) cnt <= 0;\n    else if (kick) cnt <= 0;\n    else if (cnt != ${lit(p.t, w)}) cnt <= cnt + 1'b1;\n  end\n  assign bark = (cnt == ${lit(p.t - 1, w)});`;
  },
});

export const seqFamilies = [
  counter,
  updown,
  shiftReg,
  delayLine,
  edgeDetect,
  stretcher,
  tickGen,
  clockDiv,
  accumulator,
  glitchFilter,
  lfsr,
  pwm,
  watchdog,
];
