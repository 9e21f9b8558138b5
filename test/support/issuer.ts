import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from "jose";

/** A token issuer for the tests: real key pairs, and a real JWKS endpoint on loopback. */
export interface TestIssuer {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** How often the JWKS document was read. */
  jwksReads(): number;
  /** Mints a token signed by key `kid` (default "rs-1"). */
  mint(claims?: JWTPayload, options?: MintOptions): Promise<string>;
  /** A new key the JWKS does not publish yet; `publish` adds it. */
  addKey(kid: string, alg: "RS256" | "ES256", publish?: boolean): Promise<void>;
  publish(kid: string): void;
  publicKeyPem(kid: string): Promise<string>;
  close(): Promise<void>;
}

export interface MintOptions {
  kid?: string;
  /** Seconds from now; negative for the past. */
  expiresIn?: number;
  notBefore?: number;
  issuer?: string;
  audience?: string | string[];
  subject?: string;
}

interface IssuerKey {
  alg: "RS256" | "ES256";
  privateKey: KeyLike;
  publicKey: KeyLike;
  jwk: JWK;
  published: boolean;
}

export async function startIssuer(): Promise<TestIssuer> {
  const keys = new Map<string, IssuerKey>();
  let reads = 0;
  const server: Server = createServer((_req, res) => {
    reads += 1;
    const published = [...keys.values()].filter((k) => k.published).map((k) => k.jwk);
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  async function addKey(kid: string, alg: "RS256" | "ES256", publish = true): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
    keys.set(kid, { alg, privateKey, publicKey, jwk, published: publish });
  }
  await addKey("rs-1", "RS256");
  await addKey("es-1", "ES256");

  const issuer = "https://issuer.test/";
  const audience = "traffic-gateway";
  return {
    issuer,
    audience,
    jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    jwksReads: () => reads,
    async mint(claims = {}, options = {}) {
      const key = keys.get(options.kid ?? "rs-1");
      if (!key) throw new Error(`no key ${options.kid}`);
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid: options.kid ?? "rs-1", typ: "JWT" })
        .setIssuedAt(now)
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setSubject(options.subject ?? "user-1")
        .setExpirationTime(now + (options.expiresIn ?? 300));
      if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
      return jwt.sign(key.privateKey);
    },
    addKey,
    publish(kid) {
      const key = keys.get(kid);
      if (key) key.published = true;
    },
    async publicKeyPem(kid) {
      const key = keys.get(kid);
      if (!key) throw new Error(`no key ${kid}`);
      const { createPublicKey } = await import("node:crypto");
      return createPublicKey({ key: key.jwk as import("node:crypto").JsonWebKey, format: "jwk" })
        .export({ type: "spki", format: "pem" })
        .toString();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Every scope of API.md §4. */
export const ALL_SCOPES = "customers:read profiles:read identity:read accounts:write gateway:debug";

/** The variables that make a gateway trust this issuer through its JWKS endpoint. */
export function trustIssuer(issuer: TestIssuer): Record<string, string> {
  return {
    GATEWAY_JWT_JWKS_URL: issuer.jwksUrl,
    GATEWAY_JWT_ISSUER: issuer.issuer,
    GATEWAY_JWT_AUDIENCE: issuer.audience,
  };
}
