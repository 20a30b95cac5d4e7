const ONES = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
  "thirteen",
  "fourteen",
  "fifteen",
  "sixteen",
  "seventeen",
  "eighteen",
  "nineteen",
];
const TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

/** English words for 0..9999 ("forty-two"); digits above. */
export function numberWords(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 9999) return String(n);
  if (n < 20) return ONES[n] as string;
  if (n < 100) return `${TENS[Math.floor(n / 10)]}${n % 10 ? `-${ONES[n % 10]}` : ""}`;
  if (n < 1000) {
    const rest = n % 100;
    return `${ONES[Math.floor(n / 100)]} hundred${rest ? ` ${numberWords(rest)}` : ""}`;
  }
  const rest = n % 1000;
  return `${numberWords(Math.floor(n / 1000))} thousand${rest ? ` ${numberWords(rest)}` : ""}`;
}

/** How numbers are written in one spec: a task draws one style, so digits and words both occur in training. */
export type NumberStyle = "digits" | "words";

/** Text helpers a phrasing uses; numbers follow the task's style. */
export interface Text {
  readonly style: NumberStyle;
  /** A count or value: "12" or "twelve". */
  n(x: number): string;
  /** A width adjective: "8-bit" or "eight-bit". */
  bits(w: number): string;
  /** A bit string of `w` bits, MSB first. */
  bin(x: number, w: number): string;
  /** A sized Verilog literal, e.g. 4'd9. */
  lit(x: number, w: number): string;
  /** "1 cycle" / "3 cycles" (words or digits). */
  cycles(x: number): string;
}

export function makeText(style: NumberStyle): Text {
  const n = (x: number) => (style === "words" ? numberWords(x) : String(x));
  return {
    style,
    n,
    bits: (w) => `${n(w)}-bit`,
    bin: (x, w) => x.toString(2).padStart(w, "0"),
    lit: (x, w) => `${w}'d${x}`,
    cycles: (x) => `${n(x)} clock cycle${x === 1 ? "" : "s"}`,
  };
}
