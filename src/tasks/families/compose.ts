import {
  bitsFor,
  clockPort,
  clog2,
  drawReset,
  family,
  lit,
  type Port,
  type ResetParams,
  resetPort,
  seqA,
  seqB,
} from "../family.js";
import { drawPattern, seqDetFsm, seqDetHistory } from "./fsm.js";

// Compositions of base families: only ever generated for the `heldout-families` split.
const io = (p: ResetParams): Port[] => [clockPort(), resetPort(p)];

type DetCountP = ResetParams & { pattern: string; overlap: boolean; w: number };
const detectCount = family<DetCountP>({
  name: "pattern_counter",
  summary: "a sequence detector whose detections drive a wrapping counter",
  tags: ["sequential", "fsm", "arithmetic"],
  sequential: true,
  composite: true,
  difficulty: () => 4,
  sample: (r) => ({ ...drawReset(r), pattern: drawPattern(r, 3, 5), overlap: r.chance(0.5), w: r.int(3, 6) }),
  heldout: () => false,
  ports: (p) => [
    ...io(p),
    { name: "in", dir: "input", width: 1, desc: "serial input, one bit per clock" },
    { name: "count", dir: "output", width: p.w, reg: true, desc: "occurrences seen so far" },
  ],
  phrasings: [
    (p, t) =>
      `Count occurrences of the bit sequence ${p.pattern} (first bit on the left) on the serial input \`in\`, sampled at each rising clock edge. \`count\` is a ${t.bits(p.w)} register that goes up by one (wrapping around) at each edge that samples the last bit of an occurrence. ${p.overlap ? "Overlapping occurrences all count." : "Occurrences may not overlap: after one is counted the search restarts with the next bit."} Reset clears the count and forgets earlier bits.`,
    (p, t) =>
      `Combine a ${p.overlap ? "overlapping" : "non-overlapping"} detector for the pattern "${p.pattern}" with a ${t.n(p.w)}-bit event counter: every time the detector completes a match on a clock edge, the counter increments (modulo ${t.n(2 ** p.w)}). Output the counter.`,
    (p, t) =>
      `How many times has "${p.pattern}" appeared in the input bit stream since reset? Keep the answer modulo ${t.n(2 ** p.w)} in \`count\`, updated on the clock edge that receives the final bit of each appearance${p.overlap ? " (appearances may share bits)" : " (an appearance cannot reuse bits of the previous counted one)"}.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    return `  wire detected;\n${seqDetFsm({ ...p, mealy: true })}\n  always @(${sens}) begin\n    if (${cond}) count <= 0;\n    else if (detected) count <= count + 1'b1;\n  end`;
  },
  b: (p) =>
    `  wire detected;\n${seqDetHistory({ ...p, mealy: true })}\n${seqB(p, "      count <= 0;", `      count <= count + {${p.w - 1}'d0, detected};`)}`,
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    return `  wire detected;\n${seqDetFsm({ ...p, mealy: true, overlap: !p.overlap }, p.pattern.slice(1) + p.pattern[0])}\n  always @(${sens}) begin\n    if (${cond}) count <= 0;\n    else if (detected) count <= count + 1'b1;\n  end`;
  },
});

type ChainP = ResetParams & { m: number; k: number };
const tcChain = family<ChainP>({
  name: "cascaded_counter",
  summary: "a mod-M counter whose terminal count advances a mod-K counter; done at the joint terminal count",
  tags: ["sequential", "arithmetic", "control"],
  sequential: true,
  composite: true,
  difficulty: () => 3,
  sample: (r) => ({ ...drawReset(r), m: r.int(3, 12), k: r.int(2, 6) }),
  heldout: () => false,
  ports: (p) => [
    ...io(p),
    { name: "q", dir: "output", width: bitsFor(p.m - 1), desc: "the fast counter" },
    { name: "done", dir: "output", width: 1, desc: "both counters at their last value" },
  ],
  phrasings: [
    (p, t) =>
      `Build two cascaded counters. The first, \`q\`, counts 0 to ${t.n(p.m - 1)} and wraps, advancing every clock. A second, internal counter counts 0 to ${t.n(p.k - 1)} and wraps; it advances only on edges where \`q\` is ${t.n(p.m - 1)} (its terminal count). \`done\` is 1 while \`q\` is ${t.n(p.m - 1)} and the second counter is ${t.n(p.k - 1)}. Reset clears both.`,
    (p, t) =>
      `A mod-${t.n(p.m)} counter drives, through its terminal-count pulse, the enable of a mod-${t.n(p.k)} counter; flag \`done\` when both sit at their final values (so \`done\` is high one cycle in every ${t.n(p.m * p.k)}). Output the mod-${t.n(p.m)} count as \`q\`.`,
    (p, t) =>
      `Count clock cycles from reset in a mixed-radix way: low digit \`q\` in base ${t.n(p.m)}, high digit (not an output) in base ${t.n(p.k)}. \`done\` marks the cycle where both digits are at their maximum.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    const qw = bitsFor(p.m - 1);
    const kw = bitsFor(p.k - 1);
    return `  reg [${qw - 1}:0] lo;\n  reg [${kw - 1}:0] hi;\n  wire tc = (lo == ${lit(p.m - 1, qw)});\n  always @(${sens}) begin\n    if (${cond}) begin\n      lo <= 0;\n      hi <= 0;\n    end else begin\n      lo <= tc ? ${lit(0, qw)} : lo + 1'b1;\n      if (tc) hi <= (hi == ${lit(p.k - 1, kw)}) ? ${lit(0, kw)} : hi + 1'b1;\n    end\n  end\n  assign q = lo;\n  assign done = tc && (hi == ${lit(p.k - 1, kw)});`;
  },
  b: (p) => {
    const n = p.m * p.k;
    const bw = bitsFor(n - 1);
    return `  reg [${bw - 1}:0] big;\n${seqB(p, "      big <= 0;", `      big <= (big == ${n - 1}) ? 0 : big + 1;`)}  assign q = big % ${p.m};\n  assign done = (big == ${n - 1});`;
  },
  wrong: (p) => {
    const n = p.m * p.k;
    const bw = bitsFor(n);
    return `  reg [${bw - 1}:0] big;\n${seqB(p, "      big <= 0;", `      big <= (big == ${n}) ? 0 : big + 1;`)}  assign q = big % ${p.m};\n  assign done = (big == ${n - 1});`;
  },
});

type GrayCntP = ResetParams & { w: number; en: boolean };
const grayCounter = family<GrayCntP>({
  name: "gray_counter",
  summary: "a binary counter whose value is output in Gray code",
  tags: ["sequential", "arithmetic", "logic"],
  sequential: true,
  composite: true,
  difficulty: () => 3,
  sample: (r) => ({ ...drawReset(r), w: r.int(2, 8), en: r.chance(0.5) }),
  heldout: () => false,
  ports: (p) => [
    ...io(p),
    ...(p.en ? [{ name: "en", dir: "input" as const, width: 1, desc: "count enable" }] : []),
    { name: "g", dir: "output", width: p.w, desc: "count in Gray code" },
  ],
  phrasings: [
    (p, t) =>
      `Build a ${t.bits(p.w)} Gray-code counter: it counts 0, 1, 2, ... modulo ${t.n(2 ** p.w)}${p.en ? " on clock edges where `en` is 1" : " on every clock edge"}, and \`g\` shows the count converted to reflected Gray code (count ^ (count >> 1)). Reset sets the count to 0.`,
    (p, t) =>
      `Feed a wrapping ${t.n(p.w)}-bit up counter${p.en ? " with enable" : ""} into a binary-to-Gray converter and output the Gray value, so consecutive outputs differ in exactly one bit. Starts at 0 after reset.`,
    (p, t) =>
      `Step through the ${t.n(2 ** p.w)} codes of the ${t.n(p.w)}-bit reflected Gray sequence, one per clock${p.en ? " when enabled" : ""}, starting from all zeros on reset.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    return `  reg [${p.w - 1}:0] bin;\n  always @(${sens}) begin\n    if (${cond}) bin <= 0;\n    else${p.en ? " if (en)" : ""} bin <= bin + 1'b1;\n  end\n  assign g = bin ^ (bin >> 1);`;
  },
  b: (p) => {
    // The register holds the Gray code itself: decode, increment, re-encode.
    return `  reg [${p.w - 1}:0] gr;\n  reg [${p.w - 1}:0] dec;\n  integer i;\n  always @(*) begin\n    dec[${p.w - 1}] = gr[${p.w - 1}];\n    for (i = ${p.w - 2}; i >= 0; i = i - 1) dec[i] = dec[i+1] ^ gr[i];\n  end\n  wire [${p.w - 1}:0] inc = dec + 1;\n${seqB(p, "      gr <= 0;", `      ${p.en ? "if (en) " : ""}gr <= {inc[${p.w - 1}], inc[${p.w - 1}:1] ^ inc[${p.w - 2}:0]};`)}  assign g = gr;`;
  },
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    return `  reg [${p.w - 1}:0] bin;\n  always @(${sens}) begin\n    if (${cond}) bin <= 0;\n    else${p.en ? " if (en)" : ""} bin <= bin + 1'b1;\n  end\n  assign g = bin ^ (bin << 1);`;
  },
});

type EdgeCountP = ResetParams & { w: number; rise: boolean };
const edgeCounter = family<EdgeCountP>({
  name: "edge_counter",
  summary: "an edge detector whose pulses drive a wrapping counter",
  tags: ["sequential", "control", "arithmetic"],
  sequential: true,
  composite: true,
  difficulty: () => 3,
  sample: (r) => ({ ...drawReset(r), w: r.int(2, 8), rise: r.chance(0.6) }),
  heldout: () => false,
  ports: (p) => [
    ...io(p),
    { name: "in", dir: "input", width: 1, desc: "signal whose edges are counted" },
    { name: "count", dir: "output", width: p.w, reg: true, desc: "edges counted" },
  ],
  phrasings: [
    (p, t) =>
      `Count the ${p.rise ? "rising" : "falling"} edges of \`in\` as seen by clock sampling: at each clock edge where \`in\` is ${p.rise ? "1 and was 0" : "0 and was 1"} at the previous clock edge, the ${t.bits(p.w)} \`count\` goes up by one (wrapping). Reset clears the count, and the previous sample is taken as 0 after reset.`,
    (p, t) =>
      `Chain a synchronous ${p.rise ? "0-to-1" : "1-to-0"} transition detector and a ${t.n(p.w)}-bit counter: each detected transition adds one to the count in the same clock edge that detects it. After reset the count and the remembered sample are zero.`,
    (p, t) =>
      `count = number (modulo ${t.n(2 ** p.w)}) of clock edges, since reset, at which the sampled input differs from the previous sample and is now ${p.rise ? "high" : "low"} (the sample before the first edge after reset counts as low).`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    return `  reg prev;\n  always @(${sens}) begin\n    if (${cond}) begin\n      prev <= 1'b0;\n      count <= 0;\n    end else begin\n      prev <= in;\n      if (${p.rise ? "in && !prev" : "!in && prev"}) count <= count + 1'b1;\n    end\n  end`;
  },
  b: (p) =>
    `  reg last;\n  wire [1:0] pair = {last, in};\n${seqB(p, "      last <= 0;\n      count <= 0;", `      last <= in;\n      case (pair)\n        2'b${p.rise ? "01" : "10"}: count <= count + 1;\n        default: count <= count;\n      endcase`)}`,
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    return `  reg prev;\n  always @(${sens}) begin\n    if (${cond}) begin\n      prev <= 1'b0;\n      count <= 0;\n    end else begin\n      prev <= in;\n      if (in != prev) count <= count + 1'b1;\n    end\n  end`;
  },
});

type MuxParP = { n: number; w: number; odd: boolean };
const muxParity = family<MuxParP>({
  name: "mux_parity",
  summary: "a multiplexer feeding a parity generator",
  tags: ["combinational", "logic", "datapath"],
  sequential: false,
  composite: true,
  difficulty: () => 2,
  sample: (r) => ({ n: r.int(2, 8), w: r.int(2, 8), odd: r.chance(0.5) }),
  heldout: () => false,
  ports: (p) => [
    ...Array.from({ length: p.n }, (_, i) => ({
      name: `in${i}`,
      dir: "input" as const,
      width: p.w,
      desc: `word ${i}`,
    })),
    { name: "sel", dir: "input", width: clog2(p.n), desc: "which word" },
    { name: "par", dir: "output", width: 1, desc: `${p.odd ? "odd" : "even"} parity of the selected word` },
  ],
  phrasings: [
    (p, t) =>
      `Select one of the ${t.n(p.n)} ${t.bits(p.w)} words \`in0\`..\`in${p.n - 1}\` with \`sel\`${p.n & (p.n - 1) ? " (a select value with no word selects the value 0)" : ""}, and output the ${p.odd ? "odd" : "even"} parity bit of the selected word (the bit that makes the total number of ones ${p.odd ? "odd" : "even"}).`,
    (p, t) =>
      `par = ${p.odd ? "~" : ""}^(word selected by sel), where the words are ${t.n(p.w)} bits and there are ${t.n(p.n)} of them${p.n & (p.n - 1) ? "; out-of-range selects pick an all-zero word" : ""}.`,
    (p, t) =>
      `Chain a ${t.n(p.n)}-to-1 multiplexer and a${p.odd ? "n odd" : "n even"}-parity generator: the parity bit is computed over whichever ${t.n(p.w)}-bit input \`sel\` picks${p.n & (p.n - 1) ? " (zero for unused select codes)" : ""}.`,
  ],
  a: (p) => {
    const s = clog2(p.n);
    const arms = Array.from({ length: p.n }, (_, i) => `      ${lit(i, s)}: word = in${i};`);
    return `  reg [${p.w - 1}:0] word;\n  always @(*) begin\n    case (sel)\n${arms.join("\n")}\n      default: word = 0;\n    endcase\n  end\n  assign par = ${p.odd ? "~" : ""}^word;`;
  },
  b: (p) => {
    const s = clog2(p.n);
    const size = 1 << s;
    const bits = Array.from({ length: size }, (_, i) =>
      i < p.n ? `${p.odd ? "~" : ""}^in${i}` : p.odd ? "1'b1" : "1'b0",
    )
      .reverse()
      .join(", ");
    return `  wire [${size - 1}:0] each = {${bits}};\n  assign par = each[sel];`;
  },
  wrong: (p) => {
    const s = clog2(p.n);
    const arms = Array.from({ length: p.n }, (_, i) => `      ${lit(i, s)}: word = in${i};`);
    return `  reg [${p.w - 1}:0] word;\n  always @(*) begin\n    case (sel)\n${arms.join("\n")}\n      default: word = 0;\n    endcase\n  end\n  assign par = ${p.odd ? "" : "~"}^word;`;
  },
});

type EdgeStretchP = ResetParams & { len: number };
const edgeStretch = family<EdgeStretchP>({
  name: "edge_stretcher",
  summary: "a rising-edge detector driving a pulse stretcher",
  tags: ["sequential", "control"],
  sequential: true,
  composite: true,
  difficulty: () => 3,
  sample: (r) => ({ ...drawReset(r), len: r.int(2, 9) }),
  heldout: () => false,
  ports: (p) => [
    ...io(p),
    { name: "in", dir: "input", width: 1, desc: "input signal" },
    { name: "out", dir: "output", width: 1, desc: "stretched edge pulse" },
  ],
  phrasings: [
    (p, t) =>
      `Detect rising edges of \`in\` by clock sampling (sampled 1 now, 0 at the previous edge; the sample before the first edge after reset counts as 0) and stretch each detection: \`out\` is 1 for the ${t.cycles(p.len)} that follow the edge where the rise was seen. A new rise restarts the window.`,
    (p, t) =>
      `Chain a synchronous rising-edge detector into a retriggerable one-shot of ${t.n(p.len)} cycles: every sampled 0-to-1 transition of \`in\` makes \`out\` high for the next ${t.n(p.len)} cycles. All state clears on reset.`,
    (p, t) =>
      `out is high in a cycle exactly when one of the last ${t.n(p.len)} clock edges saw \`in\` go from 0 (previous edge) to 1 (that edge), counting only edges since reset (with the pre-reset sample taken as 0).`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    const w = bitsFor(p.len);
    return `  reg prev;\n  reg [${w - 1}:0] left;\n  always @(${sens}) begin\n    if (${cond}) begin\n      prev <= 1'b0;\n      left <= 0;\n    end else begin\n      prev <= in;\n      if (in && !prev) left <= ${lit(p.len, w)};\n      else if (left != 0) left <= left - 1'b1;\n    end\n  end\n  assign out = (left != 0);`;
  },
  b: (p) =>
    `  reg last;\n  reg [${p.len - 1}:0] rises;\n${seqB(p, "      last <= 0;\n      rises <= 0;", `      last <= in;\n      rises <= {rises[${p.len - 2}:0], in & ~last};`)}  assign out = |rises;`,
  wrong: (p) =>
    `  reg last;\n  reg [${p.len - 1}:0] rises;\n${seqB(p, "      last <= 0;\n      rises <= 0;", `      last <= in;\n      rises <= {rises[${p.len - 2}:0], in ^ last};`)}  assign out = |rises;`,
});

export const compositeFamilies = [detectCount, tcChain, grayCounter, edgeCounter, muxParity, edgeStretch];
