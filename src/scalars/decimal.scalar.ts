import { GraphQLError, GraphQLScalarType, Kind } from "graphql";
import { Big, decimalFromJsonText, formatDecimal, type Decimal } from "../lib/decimal";

function parseDecimalText(text: string): Decimal {
  const value = decimalFromJsonText(text);
  if (!value) throw new GraphQLError(`Decimal must be a decimal number as a string, got "${text}".`);
  return value;
}

/**
 * Exact decimals as plain-notation strings; internally big.js values, never JS numbers. The format is
 * XML Schema's canonical `decimal`: optional "-", digits, a point only before a non-zero fraction, no
 * exponent, no leading or trailing zeros ("512000000", "205587097.6", "0.0000000001").
 */
export const DecimalScalar = new GraphQLScalarType<Decimal, string>({
  name: "Decimal",
  description:
    'Exact decimal number as a string in plain notation: no exponent, no trailing zeros after the point, e.g. "205587097.6", "512000000".',
  specifiedByURL: "https://www.w3.org/TR/xmlschema11-2/#decimal",
  serialize(value) {
    if (value instanceof Big) return formatDecimal(value);
    if (typeof value === "string") return formatDecimal(parseDecimalText(value));
    throw new GraphQLError("Decimal cannot represent a non-decimal value.");
  },
  parseValue(value) {
    if (typeof value !== "string") throw new GraphQLError("Decimal must be given as a string.");
    return parseDecimalText(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError("Decimal must be given as a string.");
    return parseDecimalText(ast.value);
  },
});
