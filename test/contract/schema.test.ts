import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema, findBreakingChanges, findDangerousChanges } from "graphql";
import { buildGatewaySchema, printGatewaySchema } from "../../src/schema";

describe("the schema", () => {
  it("keeps every name, type and nullability of the binding contract (API.md §1)", () => {
    const contract = buildSchema(readFileSync(join(__dirname, "api-contract.graphql"), "utf8"));
    const breaking = findBreakingChanges(contract, buildGatewaySchema());
    expect(breaking).toEqual([]);
    // Argument defaults (first: 20) are part of the contract too.
    const dangerous = findDangerousChanges(contract, buildGatewaySchema()).filter(
      (c) => c.type !== "VALUE_ADDED_TO_ENUM" && c.type !== "OPTIONAL_ARG_ADDED",
    );
    expect(dangerous).toEqual([]);
  });

  it("is committed in schema/schema.graphql exactly as the code emits it", () => {
    const committed = readFileSync(join(__dirname, "..", "..", "schema", "schema.graphql"), "utf8");
    expect(committed).toBe(printGatewaySchema());
  });

  it("says where its custom scalars are specified (@specifiedBy, API.md §9)", () => {
    const schema = buildGatewaySchema();
    expect(schema.getType("Decimal")).toMatchObject({
      specifiedByURL: "https://www.w3.org/TR/xmlschema11-2/#decimal",
    });
    expect(schema.getType("DateTime")).toMatchObject({
      specifiedByURL: "https://scalars.graphql.org/andimarek/date-time",
    });
  });
});
