import { request } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { startStack, type TestStack } from "../support/gateway";

const PAGE = `{ customers(first: 500) { totalCount nodes { id userName traffic { rechargedMb remainingMb usedMb }
  profile { id customerNo email name status customerType createdAt updatedAt } } } }`;

/** The raw bytes on the wire (fetch would decode them), with the response's headers. */
function raw(url: string, body: string, acceptEncoding: string) {
  return new Promise<{ bytes: Buffer; headers: Record<string, string | string[] | undefined> }>(
    (resolve, reject) => {
      const req = request(
        url,
        {
          method: "POST",
          headers: { "content-type": "application/json", "accept-encoding": acceptEncoding },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ bytes: Buffer.concat(chunks), headers: res.headers }));
        },
      );
      req.on("error", reject);
      req.end(body);
    },
  );
}

describe("response compression", () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack({ sims: { dataset: { agentCustomers: 600, seed: 7 } } });
  });
  afterAll(() => stack.close());

  it("sends a 500-row page gzip- or br-encoded, as the client accepts, several times smaller", async () => {
    const body = JSON.stringify({ query: PAGE });
    const plain = await raw(stack.url, body, "identity");
    expect(plain.headers["content-encoding"]).toBeUndefined();
    const page = JSON.parse(plain.bytes.toString("utf8")) as { data: { customers: { nodes: unknown[] } } };
    expect(page.data.customers.nodes).toHaveLength(500);

    const gzip = await raw(stack.url, body, "gzip");
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(gzip.headers.vary).toMatch(/Accept-Encoding/i);
    expect(gunzipSync(gzip.bytes).equals(plain.bytes)).toBe(true);
    expect(gzip.bytes.length * 4).toBeLessThan(plain.bytes.length);

    const br = await raw(stack.url, body, "br, gzip");
    expect(br.headers["content-encoding"]).toBe("br");
    expect(brotliDecompressSync(br.bytes).equals(plain.bytes)).toBe(true);
    expect(br.bytes.length * 4).toBeLessThan(plain.bytes.length);
  });

  it("leaves answers under 1 KiB as they are", async () => {
    const small = await raw(
      stack.url,
      JSON.stringify({ query: "{ customers(first: 1) { totalCount } }" }),
      "gzip, br",
    );
    expect(small.headers["content-encoding"]).toBeUndefined();
    expect(JSON.parse(small.bytes.toString("utf8"))).toEqual({ data: { customers: { totalCount: 600 } } });
  });
});
