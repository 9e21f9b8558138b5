/**
 * graphql-js appends " Did you mean …?" to validation and coercion errors, naming fields, arguments,
 * types and enum values close to what was sent: the schema, revealed piece by piece even with
 * introspection off. The suggestion always ends the message, so everything from it on is dropped.
 * (Apollo's own hideSchemaDetailsFromClientErrors only covers validation errors, and GraphQL Armor's
 * pattern misses "Did you mean the enum value …".)
 */
export function withoutFieldSuggestions(message: string): string {
  const at = message.search(/\s*Did you mean\b/);
  return at === -1 ? message : message.slice(0, at);
}
