/**
 * The gateway's one logger. Every line passes through `redact`, which removes the configured secrets
 * (agent token, Bridge API key and secret) wherever they appear, so that no log line can carry one even
 * when an unexpected error message or stack does.
 */
const secrets = new Set<string>();

export function registerSecrets(...values: (string | undefined)[]): void {
  for (const value of values) if (value && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("[redacted]");
  // Query-string passwords (updatePwd) and signature/token headers, whatever their value.
  return out.replace(/((?:password|token|signature|apiKey)=)[^&\s"']+/gi, "$1[redacted]");
}

export const logger = {
  info(message: string): void {
    console.log(redact(message));
  },
  error(message: string, error?: unknown): void {
    const detail =
      error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ""}` : String(error ?? "");
    console.error(redact(detail ? `${message} ${detail}` : message));
  },
};
