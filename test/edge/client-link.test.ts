/**
 * The client link a request's context holds (src/http/client-link.ts), on real responses over loopback:
 * gone once the connection closed before the answer was finished, never for an answered request; its
 * signal aborts when the client goes, and is aborted at once when asked for after that. It keeps no
 * reference to the response: a context kept by a young-generation collection must not keep the HTTP
 * exchange with it.
 */
import { createServer, request as httpRequest, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { clientOf } from "../../src/http/client-link";
import type { ClientLink } from "../../src/upstreams/request-scope";

describe("the request's client link", () => {
  let server: Server;
  let port: number;
  let onRequest: (res: ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((_req, res) => onRequest(res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** One request whose response `handle` gets; resolves with its link once the exchange is over. */
  function exchange(handle: (res: ServerResponse, link: ClientLink) => void, abandon: boolean) {
    return new Promise<{ link: ClientLink; response: WeakRef<ServerResponse> }>((resolve) => {
      onRequest = (res) => {
        const link = clientOf(res);
        const response = new WeakRef(res);
        res.once("close", () => setImmediate(() => resolve({ link, response })));
        handle(res, link);
      };
      const req = httpRequest({ port, host: "127.0.0.1", path: "/", method: "GET" }, (answer) => {
        answer.resume();
      });
      req.on("error", () => undefined);
      req.end();
      if (abandon) setTimeout(() => req.destroy(), 50);
    });
  }

  it("is not gone for an answered request, and its signal never aborts", async () => {
    let signal: AbortSignal | undefined;
    let goneWhileAnswering: boolean | undefined;
    const { link } = await exchange((res, link) => {
      signal = link.signal();
      goneWhileAnswering = link.gone();
      res.end("ok");
    }, false);
    expect(goneWhileAnswering).toBe(false);
    expect(link.gone()).toBe(false);
    expect(signal?.aborted).toBe(false);
  });

  it("is gone when the client left before the answer, and the signal it gave aborts", async () => {
    let signal: AbortSignal | undefined;
    let abortedAtFirst: boolean | undefined;
    const { link } = await exchange((_res, link) => {
      signal = link.signal();
      abortedAtFirst = signal.aborted;
    }, true);
    expect(abortedAtFirst).toBe(false);
    expect(link.gone()).toBe(true);
    expect(signal?.aborted).toBe(true);
    // Asked for after the client left: aborted from the start.
    expect(link.signal().aborted).toBe(true);
  });

  it("gives one signal per request, made only when first asked for", async () => {
    let same = false;
    const { link } = await exchange((res, link) => {
      same = link.signal() === link.signal();
      res.end("ok");
    }, false);
    expect(same).toBe(true);
    expect(link.gone()).toBe(false);
  });

  it("does not keep the response alive", async () => {
    // The old link closed over the response: a context kept by a scavenge took the exchange with it.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const { link, response } = await exchange((res) => {
      res.setHeader("connection", "close");
      res.end("ok");
    }, false);
    for (let i = 0; i < 5 && response.deref() !== undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      gc();
    }
    expect(link.gone()).toBe(false);
    expect(response.deref()).toBeUndefined();
  });
});
