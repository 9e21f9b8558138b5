import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startSimulators, upstreamEnv } from "../../src/simulators";
import type { Simulators } from "../../src/simulators/types";
import { readyUrl, startGatewayProcess, waitFor, type GatewayProcess } from "../support/process";

/** A real OTLP/HTTP (JSON) trace receiver on loopback: keeps every export it is sent. */
async function startOtlpReceiver(): Promise<{ url: string; bodies: string[]; close(): Promise<void> }> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      if (req.url === "/v1/traces") bodies.push(body);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
}

function spansOf(bodies: string[]): OtlpSpan[] {
  return bodies.flatMap((b) => {
    const doc = JSON.parse(b) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
    return doc.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
  });
}

function attr(span: OtlpSpan, key: string): string | number | undefined {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue === undefined ? undefined : Number(v.intValue));
}

function gatewayEnv(sims: Simulators): Record<string, string> {
  return { ...upstreamEnv(sims), GATEWAY_AUTH: "none", PORT: "0" };
}

const post = (url: string, query: string, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query }),
  });

describe("operations: the gateway process", () => {
  let sims: Simulators;
  beforeAll(async () => {
    sims = await startSimulators({ dataset: { agentCustomers: 300, seed: 7 } });
  });
  afterAll(() => sims.close());
  beforeEach(() => {
    sims.agent.faults.clear();
    sims.agent.log.reset();
    sims.bridge.log.reset();
  });

  it("continues the caller's trace: one span per operation, one child span per upstream call, no secret", async () => {
    const receiver = await startOtlpReceiver();
    const gateway = startGatewayProcess({
      ...gatewayEnv(sims),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_SERVICE_NAME: "gw-test",
    });
    try {
      const url = await readyUrl(gateway);
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const parentId = "00f067aa0ba902b7";
      const res = await post(url, `query Traced { customers(first: 3) { nodes { id profile { id } } } }`, {
        traceparent: `00-${traceId}-${parentId}-01`,
      });
      expect(res.status).toBe(200);
      const password = "Tr4ced-secret-pw";
      const mutation = await post(
        url,
        `mutation { updatePwd(customerId: "1001", password: "${password}") { customerId } }`,
      );
      expect(mutation.status).toBe(200);
      // SIGTERM flushes the span processor.
      gateway.child.kill("SIGTERM");
      expect(await gateway.exited).toBe(0);

      const spans = spansOf(receiver.bodies);
      const operation = spans.find((s) => s.traceId === traceId && s.kind === 2) as OtlpSpan;
      expect(operation).toBeDefined();
      expect(operation.parentSpanId).toBe(parentId);
      expect(operation.name).toBe("query Traced");
      expect(attr(operation, "graphql.operation.type")).toBe("query");
      const children = spans.filter((s) => s.traceId === traceId && s.parentSpanId === operation.spanId);
      const calls = {
        agent: sims.agent.log.count("customer.list"),
        bridge: sims.bridge.log.count("customer.page"),
      };
      expect(calls.agent).toBeGreaterThan(0);
      expect(calls.bridge).toBeGreaterThan(0);
      expect(children.filter((s) => s.name === "agent customer.list")).toHaveLength(calls.agent);
      expect(children.filter((s) => s.name === "bridge customer.page")).toHaveLength(calls.bridge);
      for (const child of children) {
        expect(child.kind).toBe(3); // CLIENT
        expect(attr(child, "gateway.upstream")).toMatch(/^(agent|bridge)$/);
        expect(attr(child, "gateway.upstream.endpoint")).toBeTruthy();
        expect(attr(child, "http.response.status_code")).toBe(200);
        expect(attr(child, "gateway.upstream.attempt")).toBe(1);
      }
      // The mutation's own trace has its updatePwd span.
      expect(spans.some((s) => s.name === "agent updatePwd")).toBe(true);
      const exported = receiver.bodies.join("\n");
      for (const secret of [password, sims.agent.token, sims.bridge.apiKey, sims.bridge.secretKey]) {
        expect(exported).not.toContain(secret);
      }
      expect(exported).not.toMatch(/password=|token=/i);
      // The request's log record names the trace.
      expect(gateway.records().some((r) => r.msg === "graphql request" && r.traceId === traceId)).toBe(true);
    } finally {
      gateway.child.kill("SIGKILL");
      await receiver.close();
    }
  }, 60_000);

  it("drains on SIGTERM: readiness 503 at once, requests in flight finish, then exit 0", async () => {
    const gateway: GatewayProcess = startGatewayProcess({
      ...gatewayEnv(sims),
      GATEWAY_SHUTDOWN_GRACE_MS: "10000",
    });
    try {
      const url = await readyUrl(gateway);
      const ready = new URL("/health/ready", url).toString();
      expect((await fetch(ready)).status).toBe(200);
      sims.agent.faults.set("customer.list", { kind: "delay", ms: 1500 });
      const inFlight = post(url, `{ customers(first: 5) { totalCount nodes { id } } }`);
      // The request is in flight once the upstream has it (and holds it for 1.5 s).
      await waitFor(() => sims.agent.log.arrivals("customer.list") > 0, 10_000);
      gateway.child.kill("SIGTERM");
      await waitFor(() => gateway.out().includes("SIGTERM: shutting down"), 5_000);

      const probe = await fetch(ready);
      expect(probe.status).toBe(503);
      expect(await probe.json()).toMatchObject({ status: "shutting_down" });
      // A request that still reaches this replica while it drains is served, told to reconnect elsewhere.
      sims.agent.faults.clear();
      const late = await post(url, `{ customer(id: "1001") { id } }`);
      expect(late.status).toBe(200);
      expect(late.headers.get("connection")).toBe("close");

      const answer = await inFlight;
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as { data: { customers: { nodes: unknown[] } }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data.customers.nodes).toHaveLength(5);
      expect(await gateway.exited).toBe(0);
      expect(gateway.records().some((r) => r.level === "warn" && /grace/.test(r.msg))).toBe(false);
    } finally {
      gateway.child.kill("SIGKILL");
    }
  }, 60_000);

  it("cuts requests still in flight when the grace period is over, and still exits 0", async () => {
    const gateway = startGatewayProcess({ ...gatewayEnv(sims), GATEWAY_SHUTDOWN_GRACE_MS: "300" });
    try {
      const url = await readyUrl(gateway);
      sims.agent.faults.set("customer.list", { kind: "delay", ms: 4000 });
      const inFlight = post(url, `{ customers(first: 5) { totalCount } }`).catch(() => null);
      await waitFor(() => sims.agent.log.arrivals("customer.list") > 0, 10_000);
      gateway.child.kill("SIGTERM");
      expect(await gateway.exited).toBe(0);
      // Cut: the upstream held it for 4 s, the grace was 0.3 s.
      expect(await inFlight).toBeNull();
      expect(gateway.records().some((r) => r.level === "warn" && /grace period over/.test(r.msg))).toBe(true);
    } finally {
      gateway.child.kill("SIGKILL");
    }
  }, 60_000);
});
