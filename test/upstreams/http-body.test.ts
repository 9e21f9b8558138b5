import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";
import { mustYield, takeTurn, TURN_BUDGET_MS } from "../../src/lib/cooperate";
import { isUpstreamError } from "../../src/upstreams/errors";
import { DEFAULT_TIMEOUTS, sendHttp } from "../../src/upstreams/http";

/**
 * sendHttp reads the body itself (each chunk decoded as it comes, the text let on in a turn of the event
 * loop with budget left)
 * instead of undici's text(): the text must be what text() gave — UTF-8 across chunk boundaries, a
 * leading byte-order mark dropped, an empty body empty.
 */
describe("sendHttp's body text", () => {
  let server: Server;
  let origin: string;
  const bodies: Record<string, Buffer[]> = {
    // "é" split across two writes: its two bytes arrive in different chunks.
    "/split": [Buffer.from('{"name":"Ren'), Buffer.from([0xc3]), Buffer.from([0xa9, 0x22, 0x7d])],
    "/bom": [Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"ok":true}')],
    // The byte-order mark's three bytes in two chunks.
    "/bom-split": [Buffer.from([0xef]), Buffer.from([0xbb, 0xbf, 0x5b]), Buffer.from("1]")],
    "/empty": [],
    "/big": [Buffer.from(`[${Array.from({ length: 50_000 }, (_, i) => `"ü${i}"`).join(",")}]`)],
  };
  beforeAll(async () => {
    server = createServer((req, res) => {
      const parts = bodies[req.url ?? ""] ?? [];
      res.writeHead(200, { "content-type": "application/json" });
      let i = 0;
      const next = () => {
        if (i === parts.length) return res.end();
        res.write(parts[i++], () => setImmediate(next));
      };
      next();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("is the UTF-8 text of the whole body, whatever its chunks", async () => {
    const pool = new Pool(origin);
    const get = (path: string) =>
      sendHttp(
        pool,
        { origin, path, method: "GET", headers: {} },
        {
          upstream: "agent",
          endpoint: "customer.list",
          deadline: Date.now() + 10_000,
          timeouts: DEFAULT_TIMEOUTS,
          mutation: false,
        },
      );
    try {
      expect((await get("/split")).text).toBe('{"name":"René"}');
      expect((await get("/bom")).text).toBe('{"ok":true}');
      expect((await get("/bom-split")).text).toBe("[1]");
      expect((await get("/empty")).text).toBe("");
      const big = await get("/big");
      expect(big.text).toBe(Buffer.concat(bodies["/big"] as Buffer[]).toString("utf8"));
      expect((JSON.parse(big.text) as string[])[49_999]).toBe("ü49999");
    } finally {
      await pool.close();
    }
  });

  function busyFor(ms: number): void {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      /* busy */
    }
  }

  /**
   * A CPU backlog: this turn's budget spent, then `tasks` pieces of synchronous work of `msEach` ms, each
   * waiting for a turn of its own (lib/cooperate.ts lets one through per turn of the loop, I/O between).
   */
  function backlog(tasks: number, msEach: number): Promise<void[]> {
    mustYield();
    busyFor(TURN_BUDGET_MS + 1);
    return Promise.all(
      Array.from({ length: tasks }, async () => {
        await takeTurn();
        busyFor(msEach);
      }),
    );
  }

  it("drops an answer that waited for its turn past the call's deadline, as the gateway's own failure", async () => {
    const pool = new Pool(origin);
    const get = (deadlineMs: number, mutation: boolean) =>
      sendHttp(
        pool,
        { origin, path: "/bom", method: "GET", headers: {} },
        {
          upstream: "agent",
          endpoint: "customer.list",
          deadline: Date.now() + deadlineMs,
          timeouts: DEFAULT_TIMEOUTS,
          mutation,
        },
      );
    try {
      // The calls go out first; then ~1.2 s of work queued first come, first served: their answers
      // arrive between two pieces of it, and their decodes wait behind the rest. The deadline leaves the
      // answers 300 ms to arrive (at 100 ms a loaded CI machine once delivered the mutation's too late,
      // a network timeout rather than the dropped decode this is about).
      const read = get(300, false).then(
        () => "answered",
        (error: unknown) => error,
      );
      const mutation = get(300, true).then((res) => res.text);
      const patient = get(20_000, false).then((res) => res.text);
      await backlog(80, 15);
      const error = await read;
      expect(isUpstreamError(error)).toBe(true);
      expect(error).toMatchObject({ kind: "timeout", gatewaySide: true, cancelled: false });
      // A mutation's answer says what happened upstream: it is always read.
      expect(await mutation).toBe('{"ok":true}');
      // Waiting for a turn within the deadline is not a failure.
      expect(await patient).toBe('{"ok":true}');
    } finally {
      await pool.close();
    }
  });
});
