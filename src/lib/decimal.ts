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

/** Parses a JSON number's source text exactly; null when the text is not a JSON number. */
export function decimalFromJsonText(text: string): Decimal | null {
  if (!NUMBER_TEXT.test(text)) return null;
  return new Big(text);
}

/** Plain notation, no exponent, no trailing zeros after the point: "205587097.6", "512000000", "-0.5". */
export function formatDecimal(value: Decimal): string {
  return value.toFixed();
}

export { Big };
