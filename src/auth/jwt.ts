import { createPublicKey, type KeyObject } from "node:crypto";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from "jose";
import { ConfigError } from "../config";
import type { Caller } from "./scopes";

/** Asymmetric algorithms only (API.md §4): never `none`, never an HMAC secret guessed from a public key. */
export const ACCEPTED_ALGORITHMS = ["RS256", "ES256", "EdDSA"];
/** Clock skew allowed on exp/nbf. */
const CLOCK_TOLERANCE_S = 60;

export interface JwtVerifierOptions {
  jwksUrl: string | null;
  publicKey: string | null;
  issuer: string;
  audience: string;
  /** Least time between two reads of the JWKS document (an unknown `kid` triggers a re-read). */
  jwksCooldownMs?: number;
  /** Longest time the JWKS document is used before it is read again, even with every kid known. */
  jwksMaxAgeMs?: number;
}

/** A token that does not prove a caller. `message` says why, never echoing the token. */
export class AuthenticationError extends Error {
  constructor(
    message: string,
    /** false when the fault is the gateway's (the issuer's keys could not be read), not the caller's. */
    readonly callerFault = true,
  ) {
    super(message);
    this.name = "AuthenticationError";
  }
}

export type TokenVerifier = (authorization: string | undefined, address: string) => Promise<Caller>;

function algorithmsFor(key: KeyObject): string[] {
  if (key.asymmetricKeyType === "rsa") return ["RS256"];
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1")
    return ["ES256"];
  if (key.asymmetricKeyType === "ed25519") return ["EdDSA"];
  throw new ConfigError(
    "GATEWAY_JWT_PUBLIC_KEY",
    "must be an RSA, P-256 or Ed25519 public key (RS256, ES256, EdDSA), or a JWKS document",
  );
}

/**
 * The key source, always as a key-getter (one way to verify): a remote JWKS (cached, re-read on an
 * unknown kid), a local JWKS, or one PEM key.
 */
function keySource(options: JwtVerifierOptions): { key: JWTVerifyGetKey; algorithms: string[] } {
  if (options.jwksUrl !== null) {
    const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
      cooldownDuration: options.jwksCooldownMs ?? 60_000,
      cacheMaxAge: options.jwksMaxAgeMs ?? 10 * 60_000,
      timeoutDuration: 5_000,
    });
    return { key: jwks, algorithms: ACCEPTED_ALGORITHMS };
  }
  const text = (options.publicKey ?? "").trim();
  if (text.startsWith("{")) {
    try {
      return { key: createLocalJWKSet(JSON.parse(text)), algorithms: ACCEPTED_ALGORITHMS };
    } catch {
      throw new ConfigError("GATEWAY_JWT_PUBLIC_KEY", "is not a valid JWKS JSON document");
    }
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: text, format: "pem" });
  } catch {
    throw new ConfigError(
      "GATEWAY_JWT_PUBLIC_KEY",
      "is not a PEM public key (SPKI) nor a JWKS JSON document",
    );
  }
  return { key: () => key, algorithms: algorithmsFor(key) };
}

/** Why a token failed, in words a client developer can act on. */
function reasonOf(error: unknown): AuthenticationError {
  if (error instanceof joseErrors.JWTExpired) return new AuthenticationError("The bearer token has expired.");
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "nbf":
        return new AuthenticationError("The bearer token is not valid yet (nbf).");
      case "iss":
        return new AuthenticationError(
          "The bearer token's issuer (iss) is not the one this gateway accepts.",
        );
      case "aud":
        return new AuthenticationError("The bearer token's audience (aud) does not include this gateway.");
      default:
        return new AuthenticationError(`The bearer token's "${error.claim}" claim is not acceptable.`);
    }
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported) {
    return new AuthenticationError(
      `The bearer token's algorithm is not accepted (accepted: ${ACCEPTED_ALGORITHMS.join(", ")}).`,
    );
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) {
    return new AuthenticationError("The bearer token is signed with a key the issuer does not publish.");
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new AuthenticationError("The bearer token's signature does not verify.");
  }
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid) {
    return new AuthenticationError("The gateway cannot read the token issuer's keys right now.", false);
  }
  if (error instanceof joseErrors.JOSEError) {
    return new AuthenticationError("The bearer token is not a well-formed signed JWT.");
  }
  // A failed JWKS fetch (connection refused, HTTP error) surfaces as a plain error.
  return new AuthenticationError("The gateway cannot read the token issuer's keys right now.", false);
}

/** `scope` (space-separated) and `scp` (a string of the same form, or an array), merged. */
function scopesOf(payload: JWTPayload): Set<string> {
  const words = (claim: unknown): unknown[] =>
    typeof claim === "string" ? claim.split(" ") : Array.isArray(claim) ? claim : [];
  const all = [...words(payload.scope), ...words(payload.scp)];
  return new Set(all.filter((s): s is string => typeof s === "string" && s !== ""));
}

function stringClaim(payload: JWTPayload, name: string): string | null {
  const value = payload[name];
  return typeof value === "string" && value !== "" ? value : null;
}

const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i;

/** Builds the verifier once at start-up: key material problems are configuration errors. */
export function createJwtVerifier(options: JwtVerifierOptions): TokenVerifier {
  const { key, algorithms } = keySource(options);
  const verifyOptions = {
    algorithms,
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: CLOCK_TOLERANCE_S,
  };
  return async (authorization, address) => {
    if (authorization === undefined || authorization.trim() === "") {
      throw new AuthenticationError("No bearer token: send Authorization: Bearer <JWT>.");
    }
    const match = BEARER.exec(authorization.trim());
    if (!match) {
      throw new AuthenticationError(
        "The Authorization header is not a bearer JWT (Authorization: Bearer <JWT>).",
      );
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1] as string, key, verifyOptions));
    } catch (error) {
      throw reasonOf(error);
    }
    return {
      sub: stringClaim(payload, "sub"),
      clientId: stringClaim(payload, "azp") ?? stringClaim(payload, "client_id"),
      address,
      scopes: scopesOf(payload),
      authenticated: true,
    };
  };
}
