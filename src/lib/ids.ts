/**
 * Upstream ids are Java Longs (int64). They are carried as canonical decimal strings ("39",
 * "9007199254740993") and compared as integers, never as strings or JS numbers.
 */
const INTEGER_TEXT = /^-?\d+$/;
const CANONICAL_SHORT_ID = /^[1-9]\d{0,14}$/;

/** Canonical decimal text of an integer given as text (no exponent or fraction allowed); null otherwise. */
export function canonicalInteger(text: string): string | null {
  if (!INTEGER_TEXT.test(text)) return null;
  return BigInt(text).toString();
}

/**
 * An id written as decimal digits (an argument, or a link field's text) as canonical decimal text when it
 * is a positive integer; null otherwise. 30 digits at most: far beyond int64, short of abuse.
 */
export function positiveIdOf(text: string): string | null {
  // Most ids: already canonical and far inside 2^53, no BigInt needed (every Bridge record's link field
  // goes through here when the index is built).
  if (CANONICAL_SHORT_ID.test(text)) return text;
  const trimmed = text.trim();
  if (!/^\d{1,30}$/.test(trimmed)) return null;
  const canonical = BigInt(trimmed).toString();
  return canonical === "0" ? null : canonical;
}

/** Compares two canonical integer strings numerically: negative, zero or positive. */
export function compareIntegerStrings(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
