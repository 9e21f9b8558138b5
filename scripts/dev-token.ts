/**
 * `npm run dev-token`: a development token issuer. Keeps an ES256 key pair in .dev-keys/ (git-ignored;
 * made on first use), prints the environment lines that make a gateway trust it, and a token with the
 * scopes asked for. For development only: a production gateway trusts the company's identity provider.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, SignJWT } from "jose";
import { ALL_SCOPES } from "../src/auth/scopes";

const DIR = join(__dirname, "..", "..", ".dev-keys");
const ISSUER = "https://dev-issuer.local/";
const AUDIENCE = "traffic-gateway";

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? (process.argv[at + 1] as string) : fallback;
}

async function keyPair(): Promise<{ privatePem: string; publicPem: string }> {
  const privatePath = join(DIR, "private.pem");
  const publicPath = join(DIR, "public.pem");
  if (!existsSync(privatePath)) {
    mkdirSync(DIR, { recursive: true });
    const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
    writeFileSync(privatePath, await exportPKCS8(privateKey), { mode: 0o600 });
    writeFileSync(publicPath, await exportSPKI(publicKey));
  }
  return { privatePem: readFileSync(privatePath, "utf8"), publicPem: readFileSync(publicPath, "utf8") };
}

async function main(): Promise<void> {
  if (process.argv.includes("--help")) {
    console.log(
      `npm run dev-token -- [--scopes "customers:read profiles:read"] [--sub alice] [--hours 8]\n` +
        `Scopes: ${ALL_SCOPES.join(" ")} (default: all of them)`,
    );
    return;
  }
  const scopes = option("scopes", ALL_SCOPES.join(" "));
  const sub = option("sub", "developer");
  const hours = Number(option("hours", "8"));
  const { privatePem, publicPem } = await keyPair();
  const token = await new SignJWT({ scope: scopes, azp: "dev-token" })
    .setProtectedHeader({ alg: "ES256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(`${hours}h`)
    .sign(await importPKCS8(privatePem, "ES256"));
  console.log("# Start the gateway trusting the development issuer:");
  console.log(`GATEWAY_JWT_PUBLIC_KEY="${publicPem.trim().replace(/\n/g, "\\n")}" \\`);
  console.log(`GATEWAY_JWT_ISSUER=${ISSUER} GATEWAY_JWT_AUDIENCE=${AUDIENCE} npm start`);
  console.log(`\n# A token for sub "${sub}" with scopes "${scopes}", valid ${hours} h:`);
  console.log(`Authorization: Bearer ${token}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
