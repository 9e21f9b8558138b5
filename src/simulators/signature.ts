import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  timingSafeEqual,
  verify,
  type KeyObject,
} from "node:crypto";
import { isLosslessNumber } from "../lib/json";

/**
 * The platform's side of Bridge request signing (upstreams/bridge-api.md part C). Written independently of
 * the gateway's signer on purpose: when both agree with the spec's examples, a drift in either shows up.
 */

/** Value text per part C: JSON text with every double quote removed; objects recursively with sorted keys. */
function canonicalValue(value: unknown): string {
  if (value === null) return "null";
  // A number is signed as it appeared in the body that was sent (lossless parse keeps its source text).
  if (isLosslessNumber(value)) return value.toString();
  if (Array.isArray(value)) return `[${value.map(canonicalValue).join(",")}]`;
  if (typeof value === "object") return canonicalObject(value as Record<string, unknown>);
  return JSON.stringify(value).replaceAll('"', "");
}

function canonicalObject(object: Record<string, unknown>): string {
  const names = Object.keys(object)
    .filter((name) => object[name] !== null)
    .sort();
  return `{${names.map((name) => `${name}:${canonicalValue(object[name])}`).join(",")}}`;
}

/** `{current:1,customerNo:86001308,size:20}1650361143685` for the spec's example body and timestamp. */
export function canonicalString(body: Record<string, unknown>, timestamp: string): string {
  return `${canonicalObject(body)}${timestamp}`;
}

export type SignScheme = "rsa-sha1" | "hmac-sha256";

export interface SignatureVerifier {
  scheme: SignScheme;
  /** What the gateway is configured with (Base64 PKCS#8 DER private key, or the HMAC secret). */
  secretKey: string;
  verify(canonical: string, signature: string): boolean;
}

// Generating a 2048-bit key takes a noticeable moment; one per process is plenty for a simulator.
let generated: { privateKey: string; publicKey: KeyObject } | undefined;

function rsaKeys(secretKey?: string): { privateKey: string; publicKey: KeyObject } {
  if (secretKey !== undefined) {
    const key = createPrivateKey({ key: Buffer.from(secretKey, "base64"), format: "der", type: "pkcs8" });
    return { privateKey: secretKey, publicKey: createPublicKey(key) };
  }
  if (generated === undefined) {
    const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const der = pair.privateKey.export({ format: "der", type: "pkcs8" });
    generated = { privateKey: der.toString("base64"), publicKey: pair.publicKey };
  }
  return generated;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function createVerifier(
  scheme: SignScheme,
  secretKey?: string,
  randomSecret?: string,
): SignatureVerifier {
  if (scheme === "rsa-sha1") {
    const keys = rsaKeys(secretKey);
    return {
      scheme,
      secretKey: keys.privateKey,
      // Standard Base64 with padding only: a base64url signature is a client bug the platform would reject.
      verify: (canonical, signature) =>
        BASE64.test(signature) &&
        signature.length % 4 === 0 &&
        verify("sha1", Buffer.from(canonical, "utf8"), keys.publicKey, Buffer.from(signature, "base64")),
    };
  }
  const secret = secretKey ?? randomSecret ?? "";
  return {
    scheme,
    secretKey: secret,
    verify: (canonical, signature) => {
      const expected = Buffer.from(createHmac("sha256", secret).update(canonical, "utf8").digest("hex"));
      const given = Buffer.from(signature);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
