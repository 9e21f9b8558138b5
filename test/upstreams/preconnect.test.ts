import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { DEFAULT_POOL, DEFAULT_TIMEOUTS, OriginPools, sendHttp } from "../../src/upstreams/http";

/**
 * Connections opened ahead of the first calls (OriginPools.preconnect), against a real HTTP server on
 * loopback that counts the connections it accepts and the requests it answers.
 */
let server: Server;
let origin: string;
let sockets: Socket[];
let requests: number;
/** What the server does with a connection it accepts (default: serve it). */
let onConnection: (socket: Socket) => void;

beforeAll(async () => {
  server = createServer((_req, res) => {
    requests += 1;
    res.end('{"ok":true}');
  });
  server.on("connection", (socket: Socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let pools: OriginPools;
beforeEach(() => {
  sockets = [];
  requests = 0;
  onConnection = () => undefined;
  pools = new OriginPools(DEFAULT_POOL, DEFAULT_TIMEOUTS);
});
afterEach(async () => {
  await pools.close();
  server.closeAllConnections();
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

function call() {
  return sendHttp(
    pools.get(origin),
    { origin, path: "/", method: "GET", headers: {} },
    {
      upstream: "agent",
      endpoint: "customer.list",
      deadline: Date.now() + 2000,
      timeouts: DEFAULT_TIMEOUTS,
      mutation: false,
    },
  );
}

const open = () => sockets.filter((s) => !s.destroyed).length;

describe("connections opened before the first calls", () => {
  it("are opened at once, without a request, and taken by the first calls", async () => {
    pools.preconnect(origin, 3);
    await until(() => sockets.length === 3);
    expect(requests).toBe(0);
    const answers = await Promise.all([call(), call(), call()]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(requests).toBe(3);
    expect(sockets).toHaveLength(3);
  });

  it("are never more than the pool's connections", async () => {
    pools = new OriginPools({ ...DEFAULT_POOL, connections: 2 }, DEFAULT_TIMEOUTS);
    pools.preconnect(origin, 5);
    await until(() => sockets.length === 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(sockets).toHaveLength(2);
  });

  it("one the upstream closed is dropped, and the call opens a new one", async () => {
    onConnection = (socket) => setTimeout(() => socket.destroy(), 10);
    pools.preconnect(origin, 1);
    await until(() => sockets.length === 1 && sockets[0]?.destroyed === true);
    await new Promise((r) => setTimeout(r, 20));
    onConnection = () => undefined;
    expect((await call()).status).toBe(200);
    expect(sockets).toHaveLength(2);
  });

  it("one that received anything unasked is dropped, and the call opens a new one", async () => {
    onConnection = (socket) => socket.write("HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\n\r\n");
    pools.preconnect(origin, 1);
    await until(() => sockets.length === 1);
    await until(() => open() === 0);
    onConnection = () => undefined;
    expect((await call()).status).toBe(200);
    expect(sockets).toHaveLength(2);
  });

  it("are closed when nobody took them within the pool's keep-alive time", async () => {
    pools = new OriginPools({ ...DEFAULT_POOL, keepAliveTimeoutMs: 50 }, DEFAULT_TIMEOUTS);
    pools.preconnect(origin, 2);
    await until(() => sockets.length === 2);
    await until(() => open() === 0);
    expect(requests).toBe(0);
  });

  it("are closed with the pools", async () => {
    pools.preconnect(origin, 2);
    await until(() => sockets.length === 2);
    await pools.close();
    await until(() => open() === 0);
  });

  it("are not opened for an injected dispatcher", async () => {
    const injected = new OriginPools(DEFAULT_POOL, DEFAULT_TIMEOUTS, pools.get(origin));
    injected.preconnect(origin, 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(sockets).toHaveLength(0);
  });
});
