import { GraphQLScalarType } from "graphql";
import { DateTimeISOResolver } from "graphql-scalars";

/**
 * graphql-scalars' DateTimeISO serializes with Date#toISOString (UTC, always milliseconds), which is the
 * contract's format; it is published under the contract's name. The specification it points to is the
 * GraphQL Scalars project's RFC 3339 date-time; our values are a subset (always "Z", always milliseconds).
 */
export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeISOResolver.toConfig(),
  name: "DateTime",
  description: 'An instant as an ISO-8601 UTC string with milliseconds, e.g. "2024-03-09T11:15:34.200Z".',
  specifiedByURL: "https://scalars.graphql.org/andimarek/date-time",
});
