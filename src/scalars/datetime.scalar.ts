import { GraphQLScalarType } from "graphql";
import { DateTimeISOResolver } from "graphql-scalars";

/**
 * graphql-scalars' DateTimeISO serializes with Date#toISOString (UTC, always milliseconds), which is the
 * contract's format; it is published under the contract's name.
 */
export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeISOResolver.toConfig(),
  name: "DateTime",
  description: 'An instant as an ISO-8601 UTC string with milliseconds, e.g. "2024-03-09T11:15:34.200Z".',
  specifiedByURL: undefined,
});
