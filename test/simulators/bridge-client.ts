import { createHmac, createPrivateKey, sign } from "node:crypto";
import type { BridgeSimulator } from "../../src/simulators/types";

/**
 * A Bridge signer written from the spec text (upstreams/bridge-api.md part C) only, sharing no code with
 * the simulator or the gateway, so that a mistake in either cannot hide behind the same mistake here.
 */
export function specCanonical(body: Record<string, unknown>, timestamp: string): string {
  const text = (value: unknown): string => {
    if (Array.isArray(value)) return "[" + value.map(text).join(",") + "]";
    if (value !== null && typeof value === "object") return object(value as Record<string, unknown>);
    return JSON.stringify(value).split('"').join("");
  };
  const object = (o: Record<string, unknown>): string => {
    const keys = Object.keys(o).filter((k) => o[k] !== null);
    keys.sort();
    return "{" + keys.map((k) => k + ":" + text(o[k])).join(",") + "}";
  };
  return object(body) + timestamp;
}

export function specSign(scheme: "rsa-sha1" | "hmac-sha256", secret: string, canonical: string): string {
  if (scheme === "hmac-sha256") return createHmac("sha256", secret).update(canonical, "utf8").digest("hex");
  const key = createPrivateKey({ key: Buffer.from(secret, "base64"), format: "der", type: "pkcs8" });
  return sign("sha1", Buffer.from(canonical, "utf8"), key).toString("base64");
}

export const PAGE = "customer.admin.WhiteCustomerAdminApiService.page";

export interface BridgeCall {
  body?: Record<string, unknown>;
  bizType?: string;
  timestamp?: number;
  /** Header overrides; undefined removes the header. */
  headers?: Record<string, string | undefined>;
  /** Sign this body instead of the one sent. */
  signedBody?: Record<string, unknown>;
}

export interface BridgeAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: {
    code: string;
    ok: boolean;
    fail: boolean;
    msg: string;
    trace: string | null;
    data: { current: number; size: number; total: number; records: Record<string, unknown>[] } | null;
  };
}

export async function callBridge(sim: BridgeSimulator, call: BridgeCall = {}): Promise<BridgeAnswer> {
  const body = call.body ?? {};
  const timestamp = String(call.timestamp ?? Date.now());
  const headers: Record<string, string | undefined> = {
    "content-type": "application/json",
    companyId: sim.companyId,
    trace: `test-${Math.random().toString(36).slice(2)}`,
    apiKey: sim.apiKey,
    version: "0.0.1",
    timestamp,
    signature: specSign(sim.scheme, sim.secretKey, specCanonical(call.signedBody ?? body, timestamp)),
    ...call.headers,
  };
  const res = await fetch(`${sim.baseUrl}/global/${call.bizType ?? PAGE}`, {
    method: "POST",
    headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >,
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: text.startsWith("{") ? JSON.parse(text) : null,
  };
}
