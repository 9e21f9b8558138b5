import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { CallRecorder } from "./faults";
import type { Fault, SimulatorCall } from "./types";

/** Servers, timers and latency of one simulator, so that close() really ends everything it started. */
export class SimRuntime {
  private readonly servers: Server[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(public latencyMs: number) {}

  /** A pending sleep is simply dropped on close: the request it delays is being torn down anyway. */
  sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /** Listens and returns the origin (http://host:port) clients should use. */
  async listen(server: Server, host: string, port: number): Promise<string> {
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const shown = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
    return `http://${shown}:${address.port}`;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            // Hanging and keep-alive sockets would otherwise keep close() waiting forever.
            server.closeAllConnections();
          }),
      ),
    );
  }
}

export function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) req.destroy(new Error("body too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** One request/answer pair; every way of finishing it writes exactly one call-log entry. */
export class Exchange {
  /** Set by createThenHang / createThenReset: the handler runs with its side effects, the answer never comes. */
  instead?: "hang" | "reset";

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly log: CallRecorder,
    readonly call: Omit<SimulatorCall, "status" | "code" | "at">,
  ) {
    log.arrive(call.endpoint);
  }

  /** `body`: text, or its UTF-8 bytes already encoded (a Bridge page put together from kept records). */
  send(status: number, body: string | Buffer, code?: string, headers: Record<string, string> = {}): void {
    if (this.instead === "reset") return this.reset();
    if (this.instead === "hang") return this.hang();
    this.record(status, code);
    // Encoded once: a full Bridge page is over a megabyte, and measuring its length is a second pass.
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    this.res.writeHead(status, {
      "content-type": "application/json;charset=UTF-8",
      "content-length": bytes.length,
      ...headers,
    });
    this.res.end(bytes);
  }

  reset(): void {
    this.record(0);
    // A TCP RST, as a crashed upstream or a middlebox would send, not a graceful FIN.
    this.req.socket.resetAndDestroy();
  }

  /** Never answers; the socket is destroyed when the client gives up or the simulator closes. */
  hang(): void {
    this.record(0);
  }

  private record(status: number, code?: string): void {
    this.log.record({ ...this.call, status, ...(code === undefined ? {} : { code }), at: Date.now() });
  }
}

export interface FaultBodies {
  /** An error inside HTTP 200, in the simulator's envelope. */
  envelope(code: string, msg: string | undefined): string;
  /** Default body of an injected HTTP error status. */
  httpError(status: number): string;
  /** A body that is not valid JSON. */
  malformed: string;
}

/**
 * Applies the endpoint-independent part of a fault. Returns true when the exchange is finished (answered,
 * reset or left hanging); false when the handler must go on (no fault, a delay, or create-then-*).
 */
export async function applyFault(
  fault: Fault | undefined,
  ex: Exchange,
  runtime: SimRuntime,
  bodies: FaultBodies,
): Promise<boolean> {
  if (fault === undefined) return false;
  switch (fault.kind) {
    case "delay":
      await runtime.sleep(fault.ms);
      return false;
    case "http": {
      const body = fault.body ?? bodies.httpError(fault.status);
      const type = body.startsWith("{") ? "application/json;charset=UTF-8" : "text/html;charset=UTF-8";
      ex.send(fault.status, body, undefined, { "content-type": type, ...fault.headers });
      return true;
    }
    case "envelope":
      ex.send(200, bodies.envelope(fault.code, fault.msg), fault.code);
      return true;
    case "malformed":
      ex.send(200, bodies.malformed);
      return true;
    case "reset":
      ex.reset();
      return true;
    case "hang":
      ex.hang();
      return true;
    // On read-only endpoints these are the same as hang / reset after the (side-effect free) work.
    case "createThenHang":
      ex.instead = "hang";
      return false;
    case "createThenReset":
      ex.instead = "reset";
      return false;
  }
}
