import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { GraphQLError, type ParseOptions, type ValidationContext, type ValidationRule } from "graphql";

export interface DocumentLimits {
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
}

/**
 * GraphQL Armor's rules throw out of graphql-js's `validate` by default, which Apollo Server does not
 * catch (HTTP 500); reported to the validation context instead, the refusal is an ordinary validation
 * error: HTTP 400, and BAD_USER_INPUT through formatError. The rules prefix "Syntax Error: " to what is
 * not a syntax error; the prefix is dropped.
 */
function reportRefusal(context: ValidationContext | null, error: GraphQLError): void {
  context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, "")));
}

/** A fresh object per rule: the rules keep and may change their options. */
const reporting = () => ({ propagateOnRejection: false, onReject: [reportRefusal], exposeLimits: true });

/**
 * Limits on the document alone, so they run once per distinct document (Apollo caches validated
 * documents): the token limit inside graphql-js's parser, which stops reading at the limit; depth,
 * aliases and directives as validation rules.
 */
export function documentLimitOptions(limits: DocumentLimits): {
  parseOptions: ParseOptions;
  validationRules: ValidationRule[];
} {
  return {
    parseOptions: { maxTokens: limits.maxTokens },
    validationRules: [
      // Fragments are not levels: the limit is on the nesting of the answer, however it is written.
      maxDepthRule({ ...reporting(), n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true }),
      // Every alias counts, `__typename` too (the library exempts it by default).
      maxAliasesRule({ ...reporting(), n: limits.maxAliases, allowList: [] }),
      maxDirectivesRule({ ...reporting(), n: limits.maxDirectives }),
    ],
  };
}
