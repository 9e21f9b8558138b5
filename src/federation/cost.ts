import type { ComplexityEstimator } from "graphql-query-complexity";

/**
 * `_entities` is paid for like the aliased lookups it stands for: its selection once per representation
 * (API.md §5, "whatever the operation's size"). Counted as one field, a single request could carry
 * thousands of representations, each with a deep selection, for the price of one.
 */
export const entitiesEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (field.name !== "_entities") return undefined;
  const representations: unknown = args.representations;
  const count = Array.isArray(representations) ? representations.length : 1;
  return 1 + childComplexity * Math.max(1, count);
};
