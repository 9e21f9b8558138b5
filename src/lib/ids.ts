/**
 * Upstream ids are Java Longs (int64). They are carried as canonical decimal strings ("39",
 * "9007199254740993") and compared as integers, never as strings or JS numbers.
 */
const INTEGER_TEXT = /^-?\d+$/;

/** Canonical decimal text of an integer given as text (no exponent or fraction allowed); null otherwise. */
export function canonicalInteger(text: string): string | null {
  if (!INTEGER_TEXT.test(text)) return null;
  return BigInt(text).toString();
}

/** Compares two canonical integer strings numerically: negative, zero or positive. */
export function compareIntegerStrings(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
