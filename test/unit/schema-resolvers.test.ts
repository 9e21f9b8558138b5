import "reflect-metadata";
import { isObjectType, type GraphQLField } from "graphql";
import { getMetadataStorage } from "type-graphql";
import { buildGatewaySchema } from "../../src/schema";

/**
 * src/schema.ts lets graphql-js read plain properties directly instead of through TypeGraphQL's
 * per-field wrapper. What must never happen is a scoped field losing the wrapper that checks its scope.
 */
describe("field resolvers of the served schema", () => {
  const schema = buildGatewaySchema();
  const field = (type: string, name: string): GraphQLField<unknown, unknown> => {
    const found = schema.getType(type);
    if (!isObjectType(found)) throw new Error(`${type} is not an object type`);
    const result = found.getFields()[name];
    if (!result) throw new Error(`${type}.${name} is missing`);
    return result;
  };

  it("keeps a resolver on every field that declares a scope with @Authorized", () => {
    const storage = getMetadataStorage();
    const scoped = storage.objectTypes.flatMap((definition) =>
      (definition.fields ?? [])
        .filter((f) => f.roles !== undefined)
        .map((f) => ({ type: definition.name, name: f.schemaName })),
    );
    // The identity fields are the scoped plain properties (API.md §4); there must be some to check.
    expect(scoped).toEqual(
      expect.arrayContaining([
        { type: "BridgeProfile", name: "idCard" },
        { type: "BridgeProfile", name: "idCardType" },
      ]),
    );
    for (const { type, name } of scoped) expect(field(type, name).resolve).toBeInstanceOf(Function);
  });

  it("keeps the resolvers of root fields and resolver methods", () => {
    expect(field("Query", "customers").resolve).toBeInstanceOf(Function);
    expect(field("Customer", "profile").resolve).toBeInstanceOf(Function);
    expect(field("Mutation", "updatePwd").resolve).toBeInstanceOf(Function);
  });

  it("reads plain properties with graphql-js's default resolver", () => {
    expect(field("Customer", "userName").resolve).toBeUndefined();
    expect(field("CustomerConnection", "nodes").resolve).toBeUndefined();
  });
});
