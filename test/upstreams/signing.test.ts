import { createHmac, createSign, generateKeyPairSync, verify } from "node:crypto";
import {
  canonicalString,
  createSigningKey,
  sign,
  type SignableObject,
} from "../../src/upstreams/bridge/signing";

/**
 * An independent reading of bridge-api.md part C, written from the text and not from the implementation:
 * sort the keys, drop nulls, strip every double quote from JSON.stringify of each value.
 */
function referenceCanonical(body: Record<string, unknown>, timestamp: number): string {
  const write = (v: unknown): string => {
    if (Array.isArray(v)) return "[" + v.map(write).join(",") + "]";
    if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      const parts: string[] = [];
      for (const k of Object.keys(o).sort()) {
        if (o[k] === null) continue;
        parts.push(k + ":" + write(o[k]));
      }
      return "{" + parts.join(",") + "}";
    }
    return JSON.stringify(v).split('"').join("");
  };
  return write(body) + timestamp;
}

describe("Bridge canonical string", () => {
  it("matches the spec example", () => {
    const body = { size: 20, customerNo: "86001308", current: 1 };
    expect(canonicalString(body, 1650361143685)).toBe("{current:1,customerNo:86001308,size:20}1650361143685");
    expect(canonicalString(body, 1650361143685)).toBe(referenceCanonical(body, 1650361143685));
  });

  it("writes an empty body as {}", () => {
    expect(canonicalString({}, 1650361143685)).toBe("{}1650361143685");
  });

  it("drops null keys, sorts by UTF-16 code unit, recurses into objects and arrays", () => {
    const body: SignableObject = {
      b: null,
      Z: "upper before lower",
      a: { y: 2, x: [1, "two", { q: null, p: true }], n: null },
      é: 1,
      _: false,
    };
    const got = canonicalString(body, 7);
    expect(got).toBe("{Z:upper before lower,_:false,a:{x:[1,two,{p:true}],y:2},é:1}7");
    expect(got).toBe(referenceCanonical(body as Record<string, unknown>, 7));
  });

  it("removes quotes inside strings but keeps JSON escapes", () => {
    const body = { remark: 'say "hi"\\now', line: "a\nb" };
    const got = canonicalString(body, 1);
    expect(got).toBe("{line:a\\nb,remark:say \\hi\\\\\\now}1");
    expect(got).toBe(referenceCanonical(body, 1));
  });
});

describe("Bridge signature schemes", () => {
  const canonical = "{current:1,customerNo:86001308,size:20}1650361143685";

  it("rsa-sha1: PKCS#1 v1.5 over SHA-1, standard Base64, verifiable with the public key", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const secret = privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");
    const key = createSigningKey("rsa-sha1", secret);
    const signature = sign(canonical, "rsa-sha1", key);
    expect(signature).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(verify("sha1", Buffer.from(canonical, "utf8"), publicKey, Buffer.from(signature, "base64"))).toBe(
      true,
    );
    // An independent signer (the streaming API) gives the same bytes: PKCS#1 v1.5 is deterministic.
    expect(createSign("RSA-SHA1").update(canonical, "utf8").sign(privateKey, "base64")).toBe(signature);
    // PKCS#1 v1.5 is deterministic: the string form of the secret gives the same bytes.
    expect(sign(canonical, "rsa-sha1", secret)).toBe(signature);
  });

  it("hmac-sha256: lowercase hex keyed with the UTF-8 secret", () => {
    const secret = "s3cr3t-ключ";
    const expected = createHmac("sha256", Buffer.from(secret, "utf8"))
      .update(canonical, "utf8")
      .digest("hex");
    expect(sign(canonical, "hmac-sha256", createSigningKey("hmac-sha256", secret))).toBe(expected);
  });

  it("a bad RSA key is a start-up error naming the setting without echoing the value", () => {
    const secret = "TUlJQmFkS2V5";
    expect(() => createSigningKey("rsa-sha1", secret)).toThrow(/BRIDGE_SECRET_KEY/);
    try {
      createSigningKey("rsa-sha1", secret);
    } catch (err) {
      expect(String(err)).not.toContain(secret);
    }
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    expect(() =>
      createSigningKey("rsa-sha1", ec.export({ format: "der", type: "pkcs8" }).toString("base64")),
    ).toThrow(/not an RSA private key/);
  });
});
