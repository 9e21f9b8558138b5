/** A small HTTP client for the bench's own single requests (cold phase, latency probe): keep-alive, sub-ms timing. */
import http from "node:http";
import { performance } from "node:perf_hooks";

export interface HttpAnswer {
  status: number;
  body: string;
  ms: number;
}

export function httpRequest(
  url: URL,
  options: {
    method: "GET" | "POST";
    headers?: Record<string, string>;
    body?: string;
    agent: http.Agent;
    timeoutMs: number;
  },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      url,
      { method: options.method, headers: options.headers, agent: options.agent, timeout: options.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8"),
            ms: performance.now() - started,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("timeout", () =>
      req.destroy(new Error(`no answer from ${url.host} within ${options.timeoutMs} ms`)),
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** The gateway's per-request accounting (x-gateway-debug: 1 → extensions.gateway). */
export interface GatewayDebug {
  calls: Record<string, number>;
  sharedCalls: Record<string, number>;
  indexHits: Record<string, number>;
  plans: string[];
}

export interface GraphQLAnswer {
  status: number;
  ms: number;
  /** extensions.code of every error entry (one entry per error, "HTTP <status>" for a non-200). */
  errorCodes: string[];
  debug: GatewayDebug | null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function numbers(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (isRecord(value)) for (const [k, v] of Object.entries(value)) if (typeof v === "number") out[k] = v;
  return out;
}

/** Error codes of a GraphQL response body; cheap enough for every response of a load run. */
export function errorCodesOf(status: number, body: string): string[] {
  if (status !== 200) return [`HTTP ${status}`];
  if (!body.includes('"errors"')) return [];
  try {
    const parsed: unknown = JSON.parse(body);
    const errors = isRecord(parsed) && Array.isArray(parsed.errors) ? parsed.errors : [];
    return errors.map((e: unknown) => {
      const ext = isRecord(e) && isRecord(e.extensions) ? e.extensions : {};
      return typeof ext.code === "string" ? ext.code : "UNKNOWN";
    });
  } catch {
    return ["UNPARSEABLE"];
  }
}

export async function postGraphQL(
  url: URL,
  body: string,
  agent: http.Agent,
  timeoutMs: number,
): Promise<GraphQLAnswer> {
  const answer = await httpRequest(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-gateway-debug": "1" },
    body,
    agent,
    timeoutMs,
  });
  let debug: GatewayDebug | null = null;
  try {
    const parsed: unknown = JSON.parse(answer.body);
    const gateway =
      isRecord(parsed) && isRecord(parsed.extensions) && isRecord(parsed.extensions.gateway)
        ? parsed.extensions.gateway
        : null;
    if (gateway) {
      debug = {
        calls: numbers(gateway.calls),
        sharedCalls: numbers(gateway.sharedCalls),
        indexHits: numbers(gateway.indexHits),
        plans: Array.isArray(gateway.plans) ? gateway.plans.filter((p) => typeof p === "string") : [],
      };
    }
  } catch {
    // Not JSON: errorCodesOf reports it.
  }
  return {
    status: answer.status,
    ms: answer.ms,
    errorCodes: errorCodesOf(answer.status, answer.body),
    debug,
  };
}
