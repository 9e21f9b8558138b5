import type { ApolloServerPlugin } from "@apollo/server";
import {
  getArgumentValues,
  getOperationAST,
  Kind,
  parse,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import type { Caller } from "../auth/scopes";
import type { GatewayContext } from "../context";
import type { Logger } from "../logger";

/**
 * The audit trail of account changes (API.md §4): one record per mutation attempt, with who asked
 * (sub, client), what (the mutation and its customerId or userName) and the outcome (`ok`, the
 * userError code, or the error code). Passwords and the credentials addUser returns are never read here.
 */
export interface AuditRecord {
  audit: "mutation";
  requestId: string;
  sub: string | null;
  client: string | null;
  mutation: string;
  customerId?: string;
  userName?: string;
  outcome: string;
}

/** The arguments that identify the account a mutation acts on; nothing else is ever copied. */
const IDENTIFYING_ARGUMENTS = ["customerId", "userName"] as const;

function rootFields(document: DocumentNode, set: SelectionSetNode, out: FieldNode[] = []): FieldNode[] {
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) out.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) rootFields(document, selection.selectionSet, out);
    else {
      const fragment = document.definitions.find(
        (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value,
      );
      if (fragment?.kind === Kind.FRAGMENT_DEFINITION) rootFields(document, fragment.selectionSet, out);
    }
  }
  return out;
}

function identifying(args: Record<string, unknown>): Pick<AuditRecord, "customerId" | "userName"> {
  const out: Pick<AuditRecord, "customerId" | "userName"> = {};
  for (const name of IDENTIFYING_ARGUMENTS) {
    const value = args[name];
    if (typeof value === "string") out[name] = value.slice(0, 256);
  }
  return out;
}

interface ResponseError {
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

function outcomeOf(
  key: string,
  data: Record<string, unknown> | null | undefined,
  errors: readonly ResponseError[],
): string {
  const error = errors.find((e) => e.path?.[0] === key) ?? errors.find((e) => e.path === undefined);
  if (error) return String(error.extensions?.code ?? "INTERNAL_SERVER_ERROR");
  const payload = data?.[key] as { userErrors?: { code?: string }[] } | null | undefined;
  return payload?.userErrors?.[0]?.code ?? "ok";
}

export function auditPlugin(schema: GraphQLSchema, logger: Logger): ApolloServerPlugin<GatewayContext> {
  const mutationType = schema.getMutationType();
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, document, request, response, contextValue }) {
          if (operation?.operation !== "mutation" || !document || !mutationType) return;
          if (response.body.kind !== "single") return;
          const { data, errors = [] } = response.body.singleResult;
          for (const field of rootFields(document, operation.selectionSet)) {
            const definition = mutationType.getFields()[field.name.value];
            if (!definition) continue;
            let args: Record<string, unknown> = {};
            try {
              args = getArgumentValues(definition, field, request.variables ?? {});
            } catch {
              // Arguments that do not coerce: the record still says which mutation was attempted.
            }
            const key = field.alias?.value ?? field.name.value;
            const record: AuditRecord = {
              audit: "mutation",
              requestId: contextValue.requestId,
              sub: contextValue.caller.sub,
              client: contextValue.caller.clientId,
              mutation: field.name.value,
              ...identifying(args),
              outcome: outcomeOf(key, data, errors),
            };
            logger.info(record, "audit");
          }
        },
      };
    },
  };
}

/**
 * A mutation refused at the HTTP edge (no valid token, over the caller's rate) is an attempt too: its
 * document is read just far enough to name the mutations, within the gateway's token limit.
 */
export function auditRefusedAtEdge(
  logger: Logger,
  body: unknown,
  refusal: { requestId: string; caller: Caller | null; outcome: string; maxTokens: number },
): void {
  const query = (body as { query?: unknown } | null)?.query;
  if (typeof query !== "string" || !/\bmutation\b/.test(query)) return;
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: refusal.maxTokens, noLocation: true });
  } catch {
    return;
  }
  const operationName = (body as { operationName?: unknown }).operationName;
  const operation: OperationDefinitionNode | null | undefined = getOperationAST(
    document,
    typeof operationName === "string" ? operationName : undefined,
  );
  if (operation?.operation !== "mutation") return;
  const variables = (body as { variables?: unknown }).variables;
  const vars = variables && typeof variables === "object" ? (variables as Record<string, unknown>) : {};
  for (const field of rootFields(document, operation.selectionSet)) {
    const args: Record<string, unknown> = {};
    for (const arg of field.arguments ?? []) args[arg.name.value] = valueFromASTUntyped(arg.value, vars);
    const record: AuditRecord = {
      audit: "mutation",
      requestId: refusal.requestId,
      sub: refusal.caller?.sub ?? null,
      client: refusal.caller?.clientId ?? null,
      mutation: field.name.value,
      ...identifying(args),
      outcome: refusal.outcome,
    };
    logger.info(record, "audit");
  }
}
