import pino, { type DestinationStream, type Logger } from "pino";

/**
 * The gateway's one logger: pino, one JSON object per line on stdout. Two lines of defence keep secrets
 * out of it: pino's `redact` paths blank the structured fields that hold credentials, and every message
 * and error text passes through `redact()`, which removes the configured secrets (agent token, Bridge
 * API key and secret) wherever they appear — even inside an unexpected error's message or stack.
 */
export type { Logger };

const secrets = new Set<string>();

export function registerSecrets(...values: (string | undefined)[]): void {
  for (const value of values) if (value && value.length >= 4) secrets.add(value);
}

const QUERY_SECRET = /((?:password|token|signature|apiKey)=)[^&\s"']+/gi;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}/gi;
/** The shortest text BEARER can match: "Bearer", one space, 16 token characters. */
const BEARER_MIN_LENGTH = "Bearer ".length + 16;

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join("[redacted]");
  // Query-string passwords (updatePwd), bearer tokens and signature/token headers, whatever their value.
  // (Each pattern needs its "=" or "Bearer": most messages have neither and skip the regex.)
  if (out.includes("=")) out = out.replace(QUERY_SECRET, "$1[redacted]");
  if (out.length >= BEARER_MIN_LENGTH && /bearer/i.test(out)) out = out.replace(BEARER, "$1[redacted]");
  return out;
}

/** Field paths that may hold a credential in a structured record: blanked whatever their value. */
const REDACT_PATHS = [
  "password",
  "token",
  "authorization",
  "*.password",
  "*.token",
  "*.authorization",
  "*.Token",
  "headers.authorization",
  "req.headers.authorization",
  "credentials",
  "*.credentials",
];

function serializeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: redact(String(error)) };
  return {
    type: error.name,
    message: redact(error.message),
    // The first frames are what an operator needs; one line, so nothing in it can forge another record.
    stack: redact((error.stack ?? "").split("\n").slice(1, 6).join(" |").trim()),
  };
}

export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      serializers: { err: serializeError, error: serializeError },
      hooks: {
        // Every message string is scrubbed of registered secrets before it is written.
        logMethod(args, method) {
          const scrubbed = args.map((arg: unknown) => (typeof arg === "string" ? redact(arg) : arg));
          return method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    options.destination ?? defaultDestination(),
  );
}

/** Longest a log line waits in the buffer before it is written. */
const LOG_FLUSH_MS = 200;

/**
 * JSON lines on stdout, buffered: written once 4 KiB have gathered or every 200 ms, whichever is first
 * (one write per request record cost more CPU than the rest of the record; a slow log reader never
 * stalls the event loop); pino flushes what is left synchronously at exit, also after a `fatal`
 * start-up line and process.exit. On a terminal, the same records made readable by pino-pretty,
 * in-process (a worker transport could drop the last lines at exit).
 */
function defaultDestination(): DestinationStream {
  if (!process.stdout.isTTY) {
    const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
    setInterval(() => {
      // flush() throws while the stream is not yet open or already closing; the next tick retries.
      try {
        destination.flush();
      } catch {
        /* nothing to do */
      }
    }, LOG_FLUSH_MS).unref();
    return destination;
  }
  // Loaded only for people at a terminal; a deployment never needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pretty = require("pino-pretty") as typeof import("pino-pretty");
  return pretty({
    colorize: true,
    sync: true,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
  });
}

/**
 * The logger for the one record per GraphQL request (src/http/observe.ts), the most frequent line by
 * far: without redact paths, whose wildcard walk cost more than the rest of the record. Its fields are
 * the gateway's own (ids, counts, codes); the two that carry caller text — the operation name and a
 * refusal's reason — pass through `redact()` where they are written.
 */
export function requestLogger(parent: Logger): Logger {
  return parent.child({}, { redact: { paths: [], censor: "[redacted]" } });
}

/** The process's root logger; start-up sets its level from LOG_LEVEL. */
export const logger: Logger = createLogger();
