import {
  Kind,
  parse,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type OperationDefinitionNode,
} from "graphql";
import { connectionNodePaths, selectsAny } from "../../src/modules/common/selection";

/** The resolve info of the operation's first root field, as far as selectsAny reads it. */
function infoOf(query: string): GraphQLResolveInfo {
  const doc = parse(query);
  const operation = doc.definitions.find(
    (d) => d.kind === Kind.OPERATION_DEFINITION,
  ) as OperationDefinitionNode;
  const fragments = Object.fromEntries(
    doc.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  const field = operation.selectionSet.selections[0];
  return { fieldNodes: [field], fragments } as unknown as GraphQLResolveInfo;
}

const PROFILE = connectionNodePaths("profile", "profiles");

describe("selectsAny: does the operation ask for a field below this one", () => {
  it.each([
    ["through nodes", `{ customers { nodes { id profile { id } } } }`, true],
    ["through edges.node", `{ customers { edges { node { profiles { id } } } } }`, true],
    [
      "through a named fragment",
      `{ customers { ...F } } fragment F on CustomerConnection { nodes { profile { id } } }`,
      true,
    ],
    ["through an inline fragment", `{ customers { nodes { ... on Customer { profile { id } } } } }`, true],
    ["not asked", `{ customers { nodes { id traffic { usedMb } } } }`, false],
    [
      "only under @include: taken as not asked",
      `query($p: Boolean!) { customers { nodes { profile @include(if: $p) { id } } } }`,
      false,
    ],
    ["a same-named field elsewhere", `{ customers { pageInfo { hasNextPage } totalCount } }`, false],
  ])("%s", (_name, query, expected) => {
    expect(selectsAny(infoOf(query), PROFILE)).toBe(expected);
  });
});
