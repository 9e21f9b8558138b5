import { GraphQLError } from "graphql";
import { BadUserInputError } from "../../src/errors/errors";
import { formatError, isMaskedError } from "../../src/errors/format-error";
import { UpstreamError } from "../../src/upstreams/errors";

/** Which errors the operator must find in the log: exactly those the client sees masked. */
describe("isMaskedError", () => {
  const resolverFailure = (original: Error) =>
    new GraphQLError(original.message, { path: ["customer"], originalError: original });

  it.each<[string, boolean, GraphQLError]>([
    [
      "a resolver's TypeError",
      true,
      resolverFailure(new TypeError("x is undefined at http://upstream/?token=abc")),
    ],
    ["a coded gateway error", false, resolverFailure(new BadUserInputError("bad"))],
    [
      "an upstream error",
      false,
      resolverFailure(
        new UpstreamError("agent customer.list: HTTP 503", {
          upstream: "agent",
          kind: "unavailable",
          endpoint: "customer.list",
        }),
      ),
    ],
    [
      "a validation error",
      false,
      new GraphQLError("Cannot query field", { extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }),
    ],
  ])("%s: masked %s", (_name, masked, error) => {
    expect(isMaskedError(error)).toBe(masked);
    expect(
      formatError({ message: error.message, extensions: error.extensions }, error).message ===
        "Internal server error.",
    ).toBe(masked);
  });
});
