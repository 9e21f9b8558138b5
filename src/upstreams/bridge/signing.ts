import { createHmac, createPrivateKey, createSecretKey, sign as rsaSign, type KeyObject } from "node:crypto";

/**
 * Bridge request signing, exactly as fixed in shared/upstreams/bridge-api.md part C, so that the gateway
 * and the simulator agree byte for byte.
 */
export type SignScheme = "rsa-sha1" | "hmac-sha256";

/** The JSON values a request body can hold. */
export type SignableValue = string | number | boolean | null | undefined | SignableValue[] | SignableObject;
export interface SignableObject {
  [key: string]: SignableValue;
}

/** JSON text of a scalar with every double quote removed (escapes such as `\n` or `\\` stay as JSON writes them). */
function scalarText(value: string | number | boolean): string {
  return JSON.stringify(value).replace(/"/g, "");
}

function valueText(value: SignableValue): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(valueText).join(",")}]`;
  if (typeof value === "object") return objectText(value);
  return scalarText(value);
}

/** `{k:v,...}`: null (and absent) keys dropped, names sorted by UTF-16 code unit, nested objects alike. */
function objectText(obj: SignableObject): string {
  const names = Object.keys(obj)
    .filter((k) => obj[k] !== null && obj[k] !== undefined)
    .sort();
  return `{${names.map((k) => `${k}:${valueText(obj[k])}`).join(",")}}`;
}

/** The string that is signed: the canonical body followed by the `timestamp` header value in decimal. */
export function canonicalString(body: SignableObject, timestamp: number | string): string {
  return `${objectText(body)}${String(timestamp)}`;
}

/**
 * The signing key, built once at start-up: a Base64 PKCS#8 DER RSA private key for rsa-sha1, the UTF-8
 * secret for hmac-sha256. Errors name the setting and never echo any part of the secret.
 */
export function createSigningKey(scheme: SignScheme, secret: string): KeyObject {
  if (secret === "") throw new Error("BRIDGE_SECRET_KEY must not be empty");
  if (scheme === "hmac-sha256") return createSecretKey(Buffer.from(secret, "utf8"));
  let key: KeyObject;
  try {
    const compact = secret.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw new Error("not base64");
    key = createPrivateKey({ key: Buffer.from(compact, "base64"), format: "der", type: "pkcs8" });
  } catch {
    throw new Error(
      "BRIDGE_SECRET_KEY is not a Base64 PKCS#8 DER private key (required by BRIDGE_SIGN_SCHEME rsa-sha1)",
    );
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new Error("BRIDGE_SECRET_KEY is not an RSA private key (required by BRIDGE_SIGN_SCHEME rsa-sha1)");
  }
  return key;
}

/**
 * Signs a canonical string. rsa-sha1: RSASSA-PKCS1-v1_5 with SHA-1, standard Base64 with padding.
 * hmac-sha256: lowercase hex. A string secret is accepted too (converted on each call: prefer a KeyObject).
 */
export function sign(canonical: string, scheme: SignScheme, secret: KeyObject | string): string {
  const key = typeof secret === "string" ? createSigningKey(scheme, secret) : secret;
  const data = Buffer.from(canonical, "utf8");
  if (scheme === "hmac-sha256") return createHmac("sha256", key).update(data).digest("hex");
  return rsaSign("sha1", data, key).toString("base64");
}
