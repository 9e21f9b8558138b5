import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";

/** The fields named `name` directly in `set`, fragments followed; fields under @skip/@include count as not asked. */
function fieldsNamed(set: SelectionSetNode | undefined, name: string, info: GraphQLResolveInfo): FieldNode[] {
  const found: FieldNode[] = [];
  const visit = (selections: SelectionSetNode["selections"]) => {
    for (const selection of selections) {
      if (selection.directives?.some((d) => d.name.value === "skip" || d.name.value === "include")) continue;
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value === name) found.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet.selections);
      } else {
        const fragment = info.fragments[selection.name.value];
        if (fragment) visit(fragment.selectionSet.selections);
      }
    }
  };
  if (set) visit(set.selections);
  return found;
}

/**
 * Whether the operation asks, below the field being resolved, for any of `paths` (field names from
 * here, e.g. ["nodes", "profile"]). Used to start reads early, so a doubtful case answers false.
 */
export function selectsAny(info: GraphQLResolveInfo, paths: readonly (readonly string[])[]): boolean {
  // The answer depends on the document alone, which Apollo keeps parsed across requests: asked once
  // per (field node, paths), it is remembered for as long as the document lives.
  const first = info.fieldNodes[0];
  if (first === undefined) return false;
  let known = answers.get(first);
  if (known === undefined) {
    known = new WeakMap();
    answers.set(first, known);
  }
  let answer = known.get(paths);
  if (answer === undefined) {
    answer = selectionIncludes(info, paths);
    known.set(paths, answer);
  }
  return answer;
}

const answers = new WeakMap<FieldNode, WeakMap<readonly (readonly string[])[], boolean>>();

function selectionIncludes(info: GraphQLResolveInfo, paths: readonly (readonly string[])[]): boolean {
  return paths.some((path) => {
    let level: readonly FieldNode[] = info.fieldNodes;
    for (const name of path) {
      level = level.flatMap((field) => fieldsNamed(field.selectionSet, name, info));
      if (level.length === 0) return false;
    }
    return true;
  });
}

/**
 * The paths to a field of every node of a connection: through `nodes` and through `edges.node`. Made
 * once per call site (a module constant), which is also what `selectsAny` remembers its answers by.
 */
export function connectionNodePaths(...fields: string[]): string[][] {
  return fields.flatMap((field) => [
    ["nodes", field],
    ["edges", "node", field],
  ]);
}
