import Big from "big.js";

/**
 * Exact decimals. big.js keeps every digit of a BigDecimal written in any JSON number form and prints
 * plain notation without trailing zeros, which is exactly the public Decimal scalar's format.
 */
// Never switch to exponent notation when printing: the public Decimal scalar is plain notation only.
Big.PE = 1e6;
Big.NE = -1e6;

export type Decimal = Big;

const NUMBER_TEXT = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** Whether `text` is a JSON number's source text (what `decimalFromJsonText` accepts). */
export function isJsonNumberText(text: string): boolean {
  return NUMBER_TEXT.test(text);
}

/** Parses a JSON number's source text exactly; null when the text is not a JSON number. */
export function decimalFromJsonText(text: string): Decimal | null {
  if (!NUMBER_TEXT.test(text)) return null;
  return new Big(text);
}

/**
 * The same decimal to the last detail its printing depends on (sign, exponent, digits): big.js keeps
 * no trailing zeros, so "1.50" and "1.5" are the same, but -0 and 0 are not.
 */
export function sameDecimal(a: Decimal, b: Decimal): boolean {
  if (a.s !== b.s || a.e !== b.e || a.c.length !== b.c.length) return false;
  for (let i = 0; i < a.c.length; i++) if (a.c[i] !== b.c[i]) return false;
  return true;
}

/** Plain notation, no exponent, no trailing zeros after the point: "205587097.6", "512000000", "-0.5". */
/**
 * Plain-notation text per value, kept for as long as the value lives: records stay in the shared index
 * and are served many times, and big.js rebuilds the digits on every `toFixed()` (it was ~3 % of a warm
 * traffic page's CPU: 150 decimals per 50-row page).
 */
const formatted = new WeakMap<Decimal, string>();

export function formatDecimal(value: Decimal): string {
  let text = formatted.get(value);
  if (text === undefined) {
    text = value.toFixed();
    formatted.set(value, text);
  }
  return text;
}

export { Big };
