/** The scopes of API.md §4: what a caller's token may grant. */
export const Scope = {
  CustomersRead: "customers:read",
  ProfilesRead: "profiles:read",
  IdentityRead: "identity:read",
  AccountsWrite: "accounts:write",
  GatewayDebug: "gateway:debug",
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

export const ALL_SCOPES: readonly Scope[] = Object.values(Scope);

/** Who sent a GraphQL request, as established at the HTTP edge before any GraphQL work. */
export interface Caller {
  /** The token's `sub`; null without authentication. */
  readonly sub: string | null;
  /** The token's `azp` or `client_id`, when it has one. */
  readonly clientId: string | null;
  /** The client address (the rate-limit key without authentication). */
  readonly address: string;
  readonly scopes: ReadonlySet<string>;
  /** true when a verified token established this caller; false with GATEWAY_AUTH=none. */
  readonly authenticated: boolean;
}

const EVERY_SCOPE: ReadonlySet<string> = new Set(ALL_SCOPES);
const NO_SCOPE: ReadonlySet<string> = new Set();

/** With GATEWAY_AUTH=none every caller holds every scope (API.md §4). */
export function anonymousCaller(address: string): Caller {
  return { sub: null, clientId: null, address, scopes: EVERY_SCOPE, authenticated: false };
}

/** A caller that proved nothing and holds nothing: enough to be shown the landing page, nothing more. */
export function unprovenCaller(address: string): Caller {
  return { sub: null, clientId: null, address, scopes: NO_SCOPE, authenticated: false };
}

export function hasScope(caller: Caller, scope: Scope): boolean {
  return caller.scopes.has(scope);
}
