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
import { hash32, type Rng } from "../rng.js";

const io = (p: ResetParams): Port[] => [clockPort(), resetPort(p)];

/** KMP transition of a pattern matcher: matched-prefix length after reading `bit` in state `s` (s < L). */
export function kmpNext(pattern: string, s: number, bit: string): number {
  const text = pattern.slice(0, s) + bit;
  for (let k = Math.min(text.length, pattern.length); k > 0; k--) {
    if (text.endsWith(pattern.slice(0, k))) return k;
  }
  return 0;
}

/** Length of the longest proper border of the pattern (where an overlapping search resumes after a match). */
export function border(pattern: string): number {
  for (let k = pattern.length - 1; k > 0; k--) if (pattern.endsWith(pattern.slice(0, k))) return k;
  return 0;
}

export function drawPattern(r: Rng, min = 3, max = 6): string {
  const len = r.int(min, max);
  return Array.from({ length: len }, () => (r.chance(0.5) ? "1" : "0")).join("");
}

type SeqDetP = ResetParams & { pattern: string; mealy: boolean; overlap: boolean };

/**
 * Writer A: an explicit state machine whose states count the matched prefix (transitions computed by KMP). Unused
 * encodings hold (rather than jump to 0) so the state stays unknown until the first reset, as the spec says.
 */
export function seqDetFsm(p: SeqDetP, pattern = p.pattern): string {
  const L = pattern.length;
  const states = p.mealy ? L : L + 1;
  const sw = clog2(states);
  const { sens, cond } = seqA(p);
  const arms: string[] = [];
  for (let s = 0; s < states; s++) {
    const next = (bit: string) => {
      if (s < L) {
        const k = kmpNext(pattern, s, bit);
        if (k === L && p.mealy) return p.overlap ? border(pattern) : 0;
        return k;
      }
      // Moore state "just matched": resume from the border (overlapping) or from scratch.
      return p.overlap ? kmpNext(pattern, border(pattern), bit) : kmpNext(pattern, 0, bit);
    };
    arms.push(`      ${lit(s, sw)}: state <= in ? ${lit(next("1"), sw)} : ${lit(next("0"), sw)};`);
  }
  const out = p.mealy ? `(state == ${lit(L - 1, sw)}) && (in == 1'b${pattern[L - 1]})` : `(state == ${lit(L, sw)})`;
  return `  reg [${sw - 1}:0] state;\n  always @(${sens}) begin\n    if (${cond}) state <= ${lit(0, sw)};\n    else begin\n      case (state)\n${arms.join("\n")}\n        default: state <= state;\n      endcase\n    end\n  end\n  assign detected = ${out};`;
}

/** Writer B: a history of the last samples and a count of how many are usable (reset, or consumed by a match). */
export function seqDetHistory(p: SeqDetP): string {
  const L = p.pattern.length;
  const cw = bitsFor(L - 1);
  const lines = [
    `  reg [${L - 2}:0] hist;`,
    `  reg [${cw - 1}:0] have;`,
    `  wire hit = (have == ${L - 1}) && ({hist, in} == ${L}'b${p.pattern});`,
  ];
  if (!p.mealy) lines.push("  reg hit_q;");
  const push = L === 2 ? "in" : `{hist[${L - 3}:0], in}`;
  const count = p.overlap
    ? `      if (have != ${L - 1}) have <= have + 1;`
    : `      if (hit) have <= 0;\n      else if (have != ${L - 1}) have <= have + 1;`;
  lines.push(
    seqB(
      p,
      `      hist <= 0;\n      have <= 0;${p.mealy ? "" : "\n      hit_q <= 0;"}`,
      `      hist <= ${push};\n${count}${p.mealy ? "" : "\n      hit_q <= hit;"}`,
    ),
  );
  lines.push(`  assign detected = ${p.mealy ? "hit" : "hit_q"};`);
  return lines.join("\n");
}

const seqDet = family<SeqDetP>({
  name: "sequence_detector",
  summary: "detect a bit pattern on a serial input: Moore or Mealy, overlapping or not",
  tags: ["sequential", "fsm"],
  sequential: true,
  structural: true,
  difficulty: (p) => (p.pattern.length >= 5 ? 4 : 3),
  sample: (r) => ({ ...drawReset(r), pattern: drawPattern(r), mealy: r.chance(0.5), overlap: r.chance(0.5) }),
  heldout: (p) => hash32(`pat${p.pattern}`) % 5 === 0,
  ports: (p) => [
    ...io(p),
    { name: "in", dir: "input", width: 1, desc: "serial input, one bit per clock" },
    { name: "detected", dir: "output", width: 1, desc: "pattern found" },
  ],
  phrasings: [
    (p, _t) =>
      `Detect the bit sequence ${p.pattern} (first bit received on the left) on the serial input \`in\`, sampled at each rising clock edge. ${p.mealy ? "This is a Mealy machine: `detected` is 1 during the cycle in which `in` carries the last bit of the sequence, the earlier bits having been sampled at the previous edges." : "This is a Moore machine: `detected` is 1 for the one cycle right after the edge that sampled the last bit of the sequence."} ${p.overlap ? "Overlapping occurrences count: the end of one occurrence may begin the next." : "Occurrences may not overlap: after a detection the search starts over with the next bit."} Reset forgets every bit seen before it.`,
    (p, t) =>
      `Write a ${p.overlap ? "overlapping" : "non-overlapping"} ${p.mealy ? "Mealy" : "Moore"} sequence detector for the ${t.n(p.pattern.length)}-bit pattern "${p.pattern}" (oldest bit first). ${p.mealy ? "Its output depends on the current input, so it rises in the same cycle as the final bit." : "Its output is decoded from the state only, so it rises one cycle after the final bit is clocked in."}`,
    (p, _t) =>
      `Serial bits arrive on \`in\`, one per clock edge. Raise \`detected\` ${p.mealy ? "combinationally, as soon as the current input completes" : "for one cycle after the clock edge that completes"} the sequence ${p.pattern.split("").join(", ")}. ${p.overlap ? "Bits may be shared between consecutive matches." : "A bit that completed a match cannot be part of the next one."}`,
    (p, t) =>
      `Build a pattern matcher for ${p.pattern} (${t.n(p.pattern.length)} bits, left to right in arrival order) ${p.mealy ? "with an output that is valid in the same cycle as the last bit (Mealy style)" : "with a registered, state-based output one cycle later (Moore style)"}; ${p.overlap ? "allow overlaps" : "restart the search after every match"}.`,
  ],
  a: (p) => seqDetFsm(p),
  b: (p) => seqDetHistory(p),
  wrong: (p) => {
    const flipped = p.pattern.slice(0, -1) + (p.pattern.endsWith("1") ? "0" : "1");
    return seqDetFsm(p, flipped);
  },
});

type ArbP = ResetParams & { n: number };
const arbiter = family<ArbP>({
  name: "rr_arbiter",
  summary: "round-robin arbiter for N requesters with a registered one-hot grant",
  tags: ["sequential", "control"],
  sequential: true,
  structural: true,
  difficulty: () => 4,
  sample: (r) => ({ ...drawReset(r), n: r.int(2, 6) }),
  heldout: (p) => p.n === 5,
  ports: (p) => [
    ...io(p),
    { name: "req", dir: "input", width: p.n, desc: "requests" },
    { name: "grant", dir: "output", width: p.n, reg: true, desc: "one-hot grant (registered)" },
  ],
  phrasings: [
    (p, t) =>
      `Build a round-robin arbiter for ${t.n(p.n)} requesters. At each clock edge, \`grant\` becomes one-hot for the first requester with its \`req\` bit set, searching upward (wrapping from ${t.n(p.n - 1)} to 0) starting just after the most recently granted requester; if no request is set, \`grant\` becomes 0 and the search start does not move. After reset, grant is 0 and requester 0 comes first.`,
    (p, t) =>
      `Write a registered ${t.n(p.n)}-way round-robin arbiter: priority rotates so that the requester granted last gets the lowest priority next time. Reset clears the grant and treats requester ${t.n(p.n - 1)} as the last one granted.`,
    (p, t) =>
      `Fair arbitration among ${t.n(p.n)} request lines: on every rising edge grant the next active request after the previous winner in circular order (index ${t.n(p.n - 1)} is followed by 0). No active request: no grant, and the previous winner is remembered.`,
    (p, t) =>
      `Design an arbiter with rotating priority over ${t.n(p.n)} clients: whoever was granted last has the lowest priority at the next clock edge, and with no request nothing is granted and the order stays. The grant vector is a register that is one-hot or zero. Coming out of reset, client 0 has the highest priority.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    const iw = clog2(p.n);
    return `  reg [${iw - 1}:0] last;\n  integer k;\n  reg found;\n  reg [${iw - 1}:0] pick;\n  always @(*) begin\n    found = 1'b0;\n    pick = last;\n    for (k = 1; k <= ${p.n}; k = k + 1) begin\n      if (!found && req[(last + k) % ${p.n}]) begin\n        found = 1'b1;\n        pick = (last + k) % ${p.n};\n      end\n    end\n  end\n  always @(${sens}) begin\n    if (${cond}) begin\n      grant <= 0;\n      last <= ${lit(p.n - 1, iw)};\n    end else begin\n      grant <= found ? (${p.n}'d1 << pick) : ${p.n}'d0;\n      if (found) last <= pick;\n    end\n  end`;
  },
  b: (p) => {
    const n = p.n;
    return `  reg [${n - 1}:0] ptr;\n  wire [${n - 1}:0] upper = req & ~((ptr << 1) - ${n}'d1) & ~ptr;\n  wire [${n - 1}:0] pool = (upper != 0) ? upper : req;\n  wire [${n - 1}:0] win = pool & (~pool + ${n}'d1);\n${seqB(p, `      grant <= 0;\n      ptr <= ${n}'d${2 ** (n - 1)};`, `      grant <= win;\n      if (win != 0) ptr <= win;`)}`;
  },
  wrong: (p) => {
    const n = p.n;
    return `  wire [${n - 1}:0] win = req & (~req + ${n}'d1);\n${seqB(p, "      grant <= 0;", "      grant <= win;")}`;
  },
});

type HsP = ResetParams & { w: number; pipe: boolean };
const handshake = family<HsP>({
  name: "handshake_buffer",
  summary: "one-entry valid/ready buffer (register slice), pass-through or half-rate ready",
  tags: ["sequential", "control", "pipeline"],
  sequential: true,
  difficulty: () => 3,
  sample: (r) => ({ ...drawReset(r), w: r.int(1, 16), pipe: r.chance(0.5) }),
  heldout: (p) => p.w === 12 || (p.w === 3 && !p.pipe),
  ports: (p) => [
    ...io(p),
    { name: "in_valid", dir: "input", width: 1, desc: "upstream has data" },
    { name: "in_data", dir: "input", width: p.w, desc: "upstream data" },
    { name: "in_ready", dir: "output", width: 1, desc: "the buffer can take data this cycle" },
    { name: "out_valid", dir: "output", width: 1, desc: "the buffer holds data" },
    { name: "out_data", dir: "output", width: p.w, desc: "buffered data" },
    { name: "out_ready", dir: "input", width: 1, desc: "downstream takes data this cycle" },
  ],
  phrasings: [
    (p, t) =>
      `Build a one-entry valid/ready buffer for ${t.bits(p.w)} data. \`out_valid\` is 1 while the buffer is full and \`out_data\` is the stored word. ${p.pipe ? "`in_ready` = !full || out_ready (it can accept a word in the same cycle the stored one leaves)." : "`in_ready` = !full (it only accepts when empty)."} At a clock edge, if in_valid && in_ready the buffer stores in_data and is full; otherwise, if out_ready, it becomes empty. Reset empties it and clears the stored word to 0.`,
    (p, t) =>
      `Write a ${p.pipe ? "full-throughput" : "half-throughput"} register slice with a ready/valid handshake on both sides (${t.n(p.w)}-bit payload). A transfer happens on a clock edge when valid and ready are both 1. The slice holds at most one word; ${p.pipe ? "it is ready when empty or when its word is being taken downstream in the same cycle" : "it is ready only when empty"}. Empty with zero data after reset.`,
    (p, t) =>
      `full' = (in_valid & in_ready) | (full & ~out_ready); data' = (in_valid & in_ready) ? in_data : data; out_valid = full; out_data = data; in_ready = ${p.pipe ? "~full | out_ready" : "~full"}. Width ${t.n(p.w)}, reset to empty with data 0.`,
    (p, t) =>
      `Decouple a producer and a consumer with a single ${t.n(p.w)}-bit skid-free storage slot using valid/ready flow control; ${p.pipe ? "a new word may enter while the old one is leaving" : "the slot must be empty before it accepts a new word"}. Reset: empty, stored data zero.`,
  ],
  a: (p) => {
    const { sens, cond } = seqA(p);
    return `  reg full;\n  reg [${p.w - 1}:0] data;\n  assign in_ready = ${p.pipe ? "!full || out_ready" : "!full"};\n  assign out_valid = full;\n  assign out_data = data;\n  always @(${sens}) begin\n    if (${cond}) begin\n      full <= 1'b0;\n      data <= 0;\n    end else if (in_valid && in_ready) begin\n      full <= 1'b1;\n      data <= in_data;\n    end else if (out_ready) full <= 1'b0;\n  end`;
  },
  b: (p) =>
    `  reg f;\n  reg [${p.w - 1}:0] d;\n  wire take = in_valid & in_ready;\n  assign in_ready = ${p.pipe ? "~f | out_ready" : "~f"};\n${seqB(p, "      f <= 0;\n      d <= 0;", "      f <= take | (f & ~out_ready);\n      if (take) d <= in_data;")}  assign out_valid = f;\n  assign out_data = d;`,
  wrong: (p) => {
    const { sens, cond } = seqA(p);
    return `  reg full;\n  reg [${p.w - 1}:0] data;\n  assign in_ready = ${p.pipe ? "!full" : "!full || out_ready"};\n  assign out_valid = full;\n  assign out_data = data;\n  always @(${sens}) begin\n    if (${cond}) begin\n      full <= 1'b0;\n      data <= 0;\n    end else if (in_valid && in_ready) begin\n      full <= 1'b1;\n      data <= in_data;\n    end else if (out_ready) full <= 1'b0;\n  end`;
  },
});

type FifoP = ResetParams & { depth: number; w: number };
function fifoA(p: FifoP, fullAt: number): string {
  const { sens, cond } = seqA(p);
  const pw = clog2(p.depth);
  const cw = clog2(p.depth + 1);
  return `  reg [${p.w - 1}:0] mem [0:${p.depth - 1}];
  reg [${pw - 1}:0] rd, wr;
  reg [${cw - 1}:0] cnt;
  assign count = cnt;
  assign empty = (cnt == 0);
  assign full = (cnt == ${lit(fullAt, cw)});
  assign dout = empty ? ${lit(0, p.w)} : mem[rd];
  wire do_push = push && !full;
  wire do_pop = pop && !empty;
  always @(${sens}) begin
    if (${cond}) begin
      rd <= 0;
      wr <= 0;
      cnt <= 0;
    end else begin
      if (do_push) begin
        mem[wr] <= din;
        wr <= (wr == ${lit(p.depth - 1, pw)}) ? ${lit(0, pw)} : wr + 1'b1;
      end
      if (do_pop) rd <= (rd == ${lit(p.depth - 1, pw)}) ? ${lit(0, pw)} : rd + 1'b1;
      cnt <= cnt + do_push - do_pop;
    end
  end`;
}
const fifo = family<FifoP>({
  name: "fifo",
  summary: "small synchronous FIFO (show-ahead) with full/empty/count",
  tags: ["sequential", "memory"],
  sequential: true,
  structural: true,
  difficulty: () => 4,
  sample: (r) => ({ ...drawReset(r), depth: r.pick([2, 3, 4, 5, 6, 8]), w: r.int(1, 8) }),
  heldout: (p) => p.depth === 3 || p.depth === 6,
  ports: (p) => [
    ...io(p),
    { name: "push", dir: "input", width: 1, desc: "write request" },
    { name: "din", dir: "input", width: p.w, desc: "data to write" },
    { name: "pop", dir: "input", width: 1, desc: "read request" },
    { name: "dout", dir: "output", width: p.w, desc: "oldest entry (0 when empty)" },
    { name: "full", dir: "output", width: 1, desc: `${p.depth} entries stored` },
    { name: "empty", dir: "output", width: 1, desc: "no entry stored" },
    { name: "count", dir: "output", width: clog2(p.depth + 1), desc: "entries stored" },
  ],
  phrasings: [
    (p, t) =>
      `Build a synchronous FIFO holding up to ${t.n(p.depth)} words of ${t.n(p.w)} bits. \`dout\` always shows the oldest stored word (0 when empty); \`pop\` removes it at the clock edge. \`push\` stores \`din\` at the clock edge. A push when full and a pop when empty are ignored (flags are those before the edge); push and pop together otherwise both happen. \`count\` is the number of stored words, \`full\`/\`empty\` are count == ${t.n(p.depth)} / count == 0. Reset empties it.`,
    (p, t) =>
      `Write a first-in first-out queue of depth ${t.n(p.depth)} (${t.bits(p.w)} entries) with show-ahead output: the head entry is visible on dout without a read strobe, and pop advances to the next one. Writes to a full queue and reads from an empty one do nothing. Report the fill level and full/empty flags. dout reads 0 when nothing is stored. Reset makes it empty.`,
    (p, t) =>
      `A ${t.n(p.depth)}-entry FIFO: do_push = push & ~full, do_pop = pop & ~empty (both from the current state); count' = count + do_push - do_pop; dout = empty ? 0 : head. Data width ${t.n(p.w)}; reset clears count.`,
    (p, t) =>
      `Queue ${t.n(p.w)}-bit words in arrival order, at most ${t.n(p.depth)} at a time; expose the head combinationally (zero if the queue is empty), accept a new word on push if there is room, drop the head on pop if there is one, and output the number of words held plus full and empty indications. It starts empty after reset.`,
  ],
  a: (p) => fifoA(p, p.depth),
  b: (p) => {
    const cw = clog2(p.depth + 1);
    const bits = p.depth * p.w;
    return `  reg [${bits - 1}:0] q;
  reg [${cw - 1}:0] n;
  wire acc_in = push & (n != ${p.depth});
  wire acc_out = pop & (n != 0);
  wire [${cw - 1}:0] slot = acc_out ? n - 1 : n;
${seqB(p, "      n <= 0;\n      q <= 0;", `      if (acc_out) q <= q >> ${p.w};\n      if (acc_in) q[slot*${p.w} +: ${p.w}] <= din;\n      n <= n + {${cw - 1}'d0, acc_in} - {${cw - 1}'d0, acc_out};`)}  assign count = n;
  assign full = (n == ${p.depth});
  assign empty = (n == 0);
  assign dout = (n == 0) ? 0 : q[${p.w - 1}:0];`;
  },
  wrong: (p) => fifoA(p, p.depth - 1),
});

type RamP = { depth: number; w: number; writeFirst: boolean };
const ram = family<RamP>({
  name: "ram",
  summary: "single-port synchronous RAM, read-first or write-first",
  tags: ["sequential", "memory"],
  sequential: true,
  difficulty: () => 2,
  sample: (r) => ({ depth: r.pick([4, 8, 16, 32]), w: r.int(1, 16), writeFirst: r.chance(0.5) }),
  heldout: (p) => p.depth === 32 || (p.depth === 8 && p.writeFirst),
  ports: (p) => [
    clockPort(),
    { name: "we", dir: "input", width: 1, desc: "write enable" },
    { name: "addr", dir: "input", width: clog2(p.depth), desc: "address" },
    { name: "din", dir: "input", width: p.w, desc: "write data" },
    { name: "dout", dir: "output", width: p.w, reg: true, desc: "registered read data" },
  ],
  phrasings: [
    (p, t) =>
      `Build a single-port RAM of ${t.n(p.depth)} words × ${t.n(p.w)} bits with a registered read. At each rising edge, if \`we\` is 1, \`din\` is written at \`addr\`; \`dout\` is loaded with ${p.writeFirst ? "the new data when writing (write-first), otherwise the stored word at addr" : "the word stored at addr before this edge's write (read-first)"}. No reset; memory starts undefined.`,
    (p, t) =>
      `Write a synchronous ${t.n(p.depth)}x${t.n(p.w)} memory with one address port: one write (when we) and one ${p.writeFirst ? "write-first" : "read-before-write"} registered read per clock edge.`,
    (p, t) =>
      `mem[addr] <= din when we; dout <= ${p.writeFirst ? "we ? din : mem[addr]" : "mem[addr] (the old contents)"}; all on the rising clock edge, ${t.n(p.depth)} words of ${t.n(p.w)} bits, no reset.`,
    (p, t) =>
      `A block-RAM style storage array (${t.n(p.depth)} entries, ${t.bits(p.w)}) whose output register ${p.writeFirst ? "passes written data straight through on a write" : "shows the previous contents of the written address on a write"}.`,
  ],
  a: (p) =>
    `  reg [${p.w - 1}:0] mem [0:${p.depth - 1}];\n  always @(posedge clk) begin\n    if (we) mem[addr] <= din;\n    ${p.writeFirst ? "dout <= we ? din : mem[addr];" : "dout <= mem[addr];"}\n  end`,
  b: (p) => {
    const bits = p.depth * p.w;
    const rd = `store[addr*${p.w} +: ${p.w}]`;
    return `  reg [${bits - 1}:0] store;\n  always @(posedge clk) begin\n    ${p.writeFirst ? `if (we) dout <= din; else dout <= ${rd};` : `dout <= ${rd};`}\n    if (we) store[addr*${p.w} +: ${p.w}] <= din;\n  end`;
  },
  wrong: (p) =>
    `  reg [${p.w - 1}:0] mem [0:${p.depth - 1}];\n  always @(posedge clk) begin\n    if (we) mem[addr] <= din;\n    ${p.writeFirst ? "dout <= mem[addr];" : "dout <= we ? din : mem[addr];"}\n  end`,
});

export const fsmFamilies = [seqDet, arbiter, handshake, fifo, ram];
