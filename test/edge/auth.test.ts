import { createHmac } from "node:crypto";
import { startIssuer, trustIssuer, ALL_SCOPES, type TestIssuer } from "../support/issuer";
import { startStack, type TestStack } from "../support/gateway";

/** A token with header and payload as given and no signature (alg: none). */
function unsigned(payload: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part(payload)}.`;
}

describe("callers: JWT authentication against a JWKS endpoint", () => {
  let issuer: TestIssuer;
  let stack: TestStack;
  const query = '{ customer(id: "1001") { id userName } }';

  beforeAll(async () => {
    issuer = await startIssuer();
    stack = await startStack({
      env: trustIssuer(issuer),
      // Short, so that the test can see the re-read on an unknown kid without waiting a minute.
      start: { jwksCooldownMs: 400 },
    });
    stack.sims.bridge.addRecord({
      id: 77n,
      customerNo: "70000077",
      idCard: "X7654321",
      idCardType: "passport",
    });
  });
  afterAll(async () => {
    await stack.close();
    await issuer.close();
  });
  beforeEach(() => stack.resetCalls());

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it("accepts RS256 and ES256 tokens signed by the issuer's published keys", async () => {
    for (const kid of ["rs-1", "es-1"]) {
      const token = await issuer.mint({ scope: "customers:read" }, { kid });
      const res = await stack.gql(query, undefined, bearer(token));
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
      expect(res.data.customer.id).toBe("1001");
    }
  });

  async function expectUnauthenticated(headers: Record<string, string>, reason: RegExp): Promise<void> {
    const res = await stack.gql(query, undefined, headers);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer\b/);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(res.data).toBeUndefined();
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED" });
    expect(res.errors?.[0]?.message).toMatch(reason);
    const token = (headers.authorization ?? "").replace(/^Bearer /, "");
    if (token.length > 10) expect(JSON.stringify(res)).not.toContain(token);
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
  }

  it("refuses a request without a token, or with something that is not a bearer JWT", async () => {
    await expectUnauthenticated({}, /No bearer token/);
    await expectUnauthenticated({ authorization: "Basic dXNlcjpwdw==" }, /not a bearer JWT/);
    await expectUnauthenticated({ authorization: "Bearer not-a-jwt" }, /not a bearer JWT/);
  });

  it("shows a browser the landing page without a token, but runs no GET operation without one", async () => {
    const page = await fetch(stack.url, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const q = encodeURIComponent(query);
    const get = await fetch(`${stack.url}?query=${q}`, {
      headers: { accept: "text/html", "apollo-require-preflight": "1" },
    });
    expect(get.status).toBe(401);
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
  });

  it("refuses expired tokens beyond 60 s of clock tolerance, and accepts within it", async () => {
    await expectUnauthenticated(bearer(await issuer.mint({}, { expiresIn: -120 })), /expired/);
    const justExpired = await issuer.mint({ scope: "customers:read" }, { expiresIn: -30 });
    expect((await stack.gql(query, undefined, bearer(justExpired))).status).toBe(200);
  });

  it("refuses tokens not valid yet, from another issuer, or for another audience", async () => {
    await expectUnauthenticated(bearer(await issuer.mint({}, { notBefore: 120 })), /not valid yet/);
    await expectUnauthenticated(bearer(await issuer.mint({}, { issuer: "https://evil.test/" })), /issuer/);
    await expectUnauthenticated(bearer(await issuer.mint({}, { audience: "another-api" })), /audience/);
  });

  it("refuses alg none and HS256 signed with the issuer's public key as the secret", async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer.issuer, aud: issuer.audience, sub: "x", exp: now + 300, scope: ALL_SCOPES };
    await expectUnauthenticated(bearer(unsigned(claims)), /not a bearer JWT|algorithm/);

    const pem = await issuer.publicKeyPem("rs-1");
    const head = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT", kid: "rs-1" })).toString("base64url");
    const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const mac = createHmac("sha256", pem).update(`${head}.${body}`).digest("base64url");
    await expectUnauthenticated(bearer(`${head}.${body}.${mac}`), /algorithm/);
  });

  it("refuses a token whose signature does not verify", async () => {
    const token = await issuer.mint({ scope: ALL_SCOPES });
    const [h, p] = token.split(".");
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p as string, "base64url").toString()), sub: "admin" }),
    ).toString("base64url");
    await expectUnauthenticated(bearer(`${h}.${forged}.${token.split(".")[2]}`), /signature/);
  });

  it("re-reads the JWKS on an unknown kid at most once per cooldown, then accepts the new key", async () => {
    await stack.gql(query, undefined, bearer(await issuer.mint({ scope: "customers:read" })));
    await issuer.addKey("rs-2", "RS256", false);
    const rotated = await issuer.mint({ scope: "customers:read" }, { kid: "rs-2" });
    // Not published yet: refused; a second unknown-kid token within the cooldown causes no further read.
    await new Promise((r) => setTimeout(r, 450));
    const readsBefore = issuer.jwksReads();
    await expectUnauthenticated(bearer(rotated), /key the issuer does not publish/);
    expect(issuer.jwksReads()).toBe(readsBefore + 1);
    await expectUnauthenticated(bearer(rotated), /key the issuer does not publish/);
    await expectUnauthenticated(bearer(rotated), /key the issuer does not publish/);
    expect(issuer.jwksReads()).toBe(readsBefore + 1);

    issuer.publish("rs-2");
    await new Promise((r) => setTimeout(r, 450));
    const res = await stack.gql(query, undefined, bearer(rotated));
    expect(res.status).toBe(200);
    expect(res.data.customer.id).toBe("1001");
    expect(issuer.jwksReads()).toBe(readsBefore + 2);
  });

  describe("scopes", () => {
    it("nulls a field the token's scopes do not grant, with one FORBIDDEN error per path, and asks no upstream for it", async () => {
      const token = await issuer.mint({ scope: "customers:read" });
      const res = await stack.gql(
        "{ customers(first: 3) { nodes { id traffic { usedMb } profile { id } } } }",
        undefined,
        bearer(token),
      );
      expect(res.status).toBe(200);
      const nodes = res.data.customers.nodes as { id: string; profile: unknown; traffic: unknown }[];
      expect(nodes).toHaveLength(3);
      for (const node of nodes) {
        expect(node.profile).toBeNull();
        expect(node.traffic).toBeTruthy();
      }
      expect(res.errors).toHaveLength(3);
      for (const [i, error] of (res.errors ?? []).entries()) {
        expect(error.path).toEqual(["customers", "nodes", i, "profile"]);
        expect(error.extensions).toEqual({ code: "FORBIDDEN", requiredScope: "profiles:read" });
      }
      expect(stack.calls().bridge).toEqual({});
    });

    it("reads scopes from `scp` as an array or a string as well as from `scope`", async () => {
      for (const claims of [{ scp: ["customers:read"] }, { scp: "customers:read profiles:read" }]) {
        const res = await stack.gql(query, undefined, bearer(await issuer.mint(claims)));
        expect(res.errors).toBeUndefined();
      }
    });

    it("shows idCard and idCardType only with identity:read, the rest of the answer intact", async () => {
      const q = `{ bridgeProfile(customerNo: "70000077") { id idCardType idCard } }`;
      const without = await stack.gql(q, undefined, bearer(await issuer.mint({ scope: "profiles:read" })));
      expect(without.data.bridgeProfile).toEqual({ id: "77", idCardType: null, idCard: null });
      expect(without.errors?.map((e) => [e.path, e.extensions.requiredScope])).toEqual([
        [["bridgeProfile", "idCardType"], "identity:read"],
        [["bridgeProfile", "idCard"], "identity:read"],
      ]);
      const withIt = await stack.gql(
        q,
        undefined,
        bearer(await issuer.mint({ scope: "profiles:read identity:read" })),
      );
      expect(withIt.errors).toBeUndefined();
      expect(withIt.data.bridgeProfile).toEqual({
        id: "77",
        idCardType: "passport",
        idCard: "X7654321",
      });
    });

    it("refuses a root field without its scope and keeps the other root fields", async () => {
      const res = await stack.gql(
        `{ customer(id: "1001") { id } bridgeProfile(customerNo: "70000077") { id } }`,
        undefined,
        bearer(await issuer.mint({ scope: "customers:read" })),
      );
      expect(res.data).toEqual({ customer: { id: "1001" }, bridgeProfile: null });
      expect(res.errors?.[0]).toMatchObject({ path: ["bridgeProfile"], extensions: { code: "FORBIDDEN" } });
      expect(stack.calls().bridge).toEqual({});
    });

    it.each([
      ["addUser", `mutation { addUser(userName: "scoped@example.com") { userErrors { code } } }`],
      ["updatePwd", `mutation { updatePwd(customerId: "1001", password: "s3cret-pass") { customerId } }`],
      ["changeStatus", `mutation { changeStatus(customerId: "1001", state: DISABLED) { customerId } }`],
    ])("refuses %s without accounts:write and sends nothing upstream", async (name, mutation) => {
      const res = await stack.gql(
        mutation,
        undefined,
        bearer(await issuer.mint({ scope: "customers:read profiles:read" })),
      );
      expect(res.data).toBeNull();
      expect(res.errors).toEqual([
        expect.objectContaining({
          path: [name],
          extensions: { code: "FORBIDDEN", requiredScope: "accounts:write" },
        }),
      ]);
      expect(stack.calls()).toEqual({ agent: {}, bridge: {} });
    });

    it("lets a token with accounts:write change an account", async () => {
      const res = await stack.gql(
        `mutation { changeStatus(customerId: "1001", state: ACTIVE) { customerId state userErrors { code } } }`,
        undefined,
        bearer(await issuer.mint({ scope: "accounts:write" })),
      );
      expect(res.errors).toBeUndefined();
      expect(res.data.changeStatus).toEqual({ customerId: "1001", state: "ACTIVE", userErrors: [] });
    });
  });
});

describe("callers: a PEM public key or a JWKS document in the environment", () => {
  let issuer: TestIssuer;
  beforeAll(async () => {
    issuer = await startIssuer();
  });
  afterAll(() => issuer.close());

  it.each(["pem", "jwks"])("verifies tokens against GATEWAY_JWT_PUBLIC_KEY given as %s", async (form) => {
    const pem = await issuer.publicKeyPem("es-1");
    const all = (await (await fetch(issuer.jwksUrl)).json()) as { keys: { kid: string }[] };
    const jwks = JSON.stringify({ keys: all.keys.filter((k) => k.kid === "es-1") });
    const stack = await startStack({
      env: {
        GATEWAY_JWT_PUBLIC_KEY: form === "pem" ? pem.replace(/\n/g, "\\n") : jwks,
        GATEWAY_JWT_ISSUER: issuer.issuer,
        GATEWAY_JWT_AUDIENCE: issuer.audience,
      },
    });
    try {
      const ok = await stack.gql(`{ customer(id: "1001") { id } }`, undefined, {
        authorization: `Bearer ${await issuer.mint({ scope: "customers:read" }, { kid: "es-1" })}`,
      });
      expect(ok.errors).toBeUndefined();
      // Signed by a key that is not the configured one.
      const other = await stack.gql(`{ customer(id: "1001") { id } }`, undefined, {
        authorization: `Bearer ${await issuer.mint({ scope: "customers:read" }, { kid: "rs-1" })}`,
      });
      expect(other.status).toBe(401);
    } finally {
      await stack.close();
    }
  });
});

describe("callers: debug accounting and rate limits", () => {
  let issuer: TestIssuer;
  let stack: TestStack;
  beforeAll(async () => {
    issuer = await startIssuer();
    stack = await startStack({
      env: {
        NODE_ENV: "production",
        GATEWAY_ALLOW_SIMULATORS: "1",
        ...trustIssuer(issuer),
        GATEWAY_CALLER_RATE_LIMIT_PER_MIN: "5",
      },
    });
  });
  afterAll(async () => {
    await stack.close();
    await issuer.close();
  });

  it("in production, shows the debug accounting only to callers holding gateway:debug", async () => {
    const q = `{ customer(id: "1001") { id } }`;
    const plain = await stack.gql(q, undefined, {
      authorization: `Bearer ${await issuer.mint({ scope: "customers:read" }, { subject: "debug-a" })}`,
      "x-gateway-debug": "1",
    });
    expect(plain.errors).toBeUndefined();
    expect(plain.extensions?.gateway).toBeUndefined();
    const debug = await stack.gql(q, undefined, {
      authorization: `Bearer ${await issuer.mint({ scope: "customers:read gateway:debug" }, { subject: "debug-b" })}`,
      "x-gateway-debug": "1",
    });
    expect(debug.extensions?.gateway).toMatchObject({ requestId: debug.headers.get("x-request-id") });
  });

  it("limits each caller (by sub) to its rate: 429, Retry-After, RATE_LIMITED; other callers unaffected", async () => {
    const q = `{ customer(id: "1001") { id } }`;
    const mine = {
      authorization: `Bearer ${await issuer.mint({ scope: "customers:read" }, { subject: "busy" })}`,
    };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await stack.gql(q, undefined, mine)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    stack.resetCalls();
    const refused = await stack.gql(q, undefined, mine);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(refused.errors?.[0]?.extensions.code).toBe("RATE_LIMITED");
    expect(refused.data).toBeUndefined();
    expect(stack.calls()).toEqual({ agent: {}, bridge: {} });

    const other = await stack.gql(q, undefined, {
      authorization: `Bearer ${await issuer.mint({ scope: "customers:read" }, { subject: "calm" })}`,
    });
    expect(other.status).toBe(200);
  });
});
