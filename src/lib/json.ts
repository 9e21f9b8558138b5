import { isLosslessNumber, parse, type LosslessNumber } from "lossless-json";

/**
 * Upstream JSON is parsed losslessly: every JSON number arrives as a LosslessNumber holding its exact
 * source text (`5.12E+8`, `512000000.0`, `12345678901234567890`), because plain JSON.parse silently
 * rounds Java BigDecimal and Long values.
 */
export type JsonNumber = LosslessNumber;

export function parseJsonLossless(text: string): unknown {
  return parse(text);
}

export { isLosslessNumber };
