import { isLosslessNumber, LosslessNumber, parse as referenceParse } from "lossless-json";
import { parseJsonLossless, parseJsonLosslessInTurns } from "../../src/lib/json";
import { mulberry32 } from "../../src/simulators/dataset";

// lossless-json's parse, watched: parseJsonLossless falls back to it for the rare inputs JSON.parse cannot
// take in order, and the tests check that the fast path is the one they exercise.
jest.mock("lossless-json", () => {
  const actual = jest.requireActual<typeof import("lossless-json")>("lossless-json");
  return { ...actual, parse: jest.fn(actual.parse) };
});
const referenceCalls = () => (referenceParse as jest.Mock).mock.calls.length;

/** Whether parseJsonLossless took the text through JSON.parse rather than the character parser. */
function tookFastPath(text: string): boolean {
  const before = referenceCalls();
  try {
    parseJsonLossless(text);
  } catch {
    // a refusal is checked elsewhere
  }
  return referenceCalls() === before;
}

/** The outcome of a parse, comparable with toEqual: the value, or that it threw a SyntaxError. */
function outcome(parse: (text: string) => unknown, text: string): { value: unknown } | { error: string } {
  try {
    return { value: parse(text) };
  } catch (error) {
    return { error: error instanceof SyntaxError ? "SyntaxError" : String(error) };
  }
}

/** Numbers' texts anywhere in a parsed value, in document order. */
function numberTexts(value: unknown): string[] {
  if (isLosslessNumber(value)) return [value.value];
  if (Array.isArray(value)) return value.flatMap(numberTexts);
  if (typeof value === "object" && value !== null) return Object.values(value).flatMap(numberTexts);
  return [];
}

describe("parseJsonLossless", () => {
  it("keeps every number's exact text, in every form the upstream contracts mention", () => {
    const forms = [
      "5.12E+8", // Jackson BigDecimal with negative scale
      "1E-10",
      "512000000.0", // trailing zeros
      "1.50",
      "100.50",
      "205587097.6",
      "0",
      "-0",
      "-0.0",
      "39",
      "3.9E+1",
      "1.0E+1",
      "9007199254740993", // beyond 2^53
      "9223372036854775807", // int64 max
      "-9223372036854775808", // int64 min
      "9223372036854775808", // one past int64 max: still its text, the decoder refuses it
      "12345678901234567890123456789",
      "1650361143685", // epoch ms
      "1e400", // JSON.parse makes this Infinity
      "1e-400", // and this 0
      "-1.5e-7",
      "123456789012345",
      "1234567890123456",
    ];
    const text = `{"n":[${forms.join(",")}],"one":${forms[0]}}`;
    const parsed = parseJsonLossless(text) as { n: unknown[]; one: unknown };
    expect(parsed.n.every(isLosslessNumber)).toBe(true);
    expect(numberTexts(parsed)).toEqual([...forms, forms[0]]);
    expect(parsed.n[0]).toBeInstanceOf(LosslessNumber);
    expect(String(parsed.n[0])).toBe("5.12E+8");
    expect((parsed.n[12] as LosslessNumber).valueOf()).toBe(9007199254740993n);
  });

  it("takes every number at top level and leaves other values as JSON.parse makes them", () => {
    for (const text of ["1.50", "-9223372036854775808", " 7 ", "\n-0\t"]) {
      expect((parseJsonLossless(text) as LosslessNumber).value).toBe(text.trim());
    }
    expect(parseJsonLossless('"1.50"')).toBe("1.50");
    expect(parseJsonLossless("true")).toBe(true);
    expect(parseJsonLossless("null")).toBeNull();
    expect(parseJsonLossless("[]")).toEqual([]);
    expect(parseJsonLossless('{"a":"x","b":[true,false,null,{}]}')).toEqual({
      a: "x",
      b: [true, false, null, {}],
    });
  });

  it("is not misled by numbers, quotes and escapes inside strings", () => {
    const text =
      '{"a 1.5":"2.50 \\" 3.0","b":"\\\\","c":1.10,"d":"\\\\\\"9.90","e":"\\u0022 4.0 \\u0022",' +
      '"f":"-1e5","g\\"":2.20,"h":"\\n\\t\\r\\b\\f\\/","i":0.000,"j":"数 1.0","k":3.30}';
    const parsed = parseJsonLossless(text) as Record<string, unknown>;
    expect(parsed).toEqual(referenceParse(text));
    expect(numberTexts(parsed)).toEqual(["1.10", "2.20", "0.000", "3.30"]);
    expect(parsed["a 1.5"]).toBe('2.50 " 3.0');
    expect(parsed.d).toBe('\\"9.90');
    expect(parsed.e).toBe('" 4.0 "');
  });

  it("accepts JSON whitespace anywhere between tokens", () => {
    const text = ' \r\n\t{ "a" :\t1.0 ,\r\n "b"\n:\n[ 2.50 ,-3E+2 ] } \n';
    expect(numberTexts(parseJsonLossless(text))).toEqual(["1.0", "2.50", "-3E+2"]);
  });

  it("keeps document order in deep nesting", () => {
    const depth = 500;
    const text = `${'[1.0,{"k":'.repeat(depth)}2.0${"}]".repeat(depth)}`;
    const texts = numberTexts(parseJsonLossless(text));
    expect(texts).toHaveLength(depth + 1);
    expect(new Set(texts.slice(0, depth))).toEqual(new Set(["1.0"]));
    expect(texts[depth]).toBe("2.0");
  });

  it("takes an upstream page through JSON.parse", () => {
    const record =
      '{"id":9007199254740993,"customerNo":"86001308","createTime":1650361143685,"name":"A \\"B\\""}';
    const text = `{"code":"0","data":{"current":1,"records":[${record},${record}],"size":2,"total":2},"ok":true}`;
    expect(tookFastPath(text)).toBe(true);
    expect(numberTexts(parseJsonLossless(text))).toEqual(numberTexts(referenceParse(text)));
  });

  it("keeps the text of numbers under array-index keys, which objects list first", () => {
    const text = '{"b":1.10,"10":2.20,"2":3.30,"a":[4.40]}';
    const parsed = parseJsonLossless(text) as Record<string, LosslessNumber>;
    expect(parsed.b.value).toBe("1.10");
    expect(parsed["10"].value).toBe("2.20");
    expect(parsed["2"].value).toBe("3.30");
    expect(parsed).toEqual(referenceParse(text));
  });

  it("treats a repeated key as lossless-json does: refused unless both values are equal", () => {
    expect(() => parseJsonLossless('{"a":1.0,"b":2,"a":3.0}')).toThrow(SyntaxError);
    expect(() => parseJsonLossless('{"r":[{"id":1},{"id":2,"id":3}]}')).toThrow(SyntaxError);
    const same = parseJsonLossless('{"a":1.0,"b":2.0,"a":1.0}') as Record<string, LosslessNumber>;
    expect(parsed(same)).toEqual({ a: "1.0", b: "2.0" });

    function parsed(record: Record<string, LosslessNumber>): Record<string, string> {
      return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v.value]));
    }
  });

  it('keeps "__proto__" an ordinary member, as JSON.parse does', () => {
    const parsed = parseJsonLossless('{"__proto__":1.5,"x":{"__proto__":{"y":2}}}') as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(["__proto__", "x"]);
    expect((Object.getOwnPropertyDescriptor(parsed, "__proto__")?.value as LosslessNumber).value).toBe("1.5");
    expect(parsed).toEqual(referenceParse('{"__proto__":1.5,"x":{"__proto__":{"y":2}}}'));
  });

  it("refuses what is not JSON with a SyntaxError", () => {
    const bad = [
      "",
      " ",
      "{",
      "[1.]",
      "[.5]",
      "01",
      "[-]",
      "1.5e",
      "[1e+]",
      "{1:2}",
      "{1.5:2}",
      '{"a":1.5:2}',
      "NaN",
      "Infinity",
      "+1",
      "[1,]",
      '"\\u00"',
      '"\\x"',
      '"a\nb"',
      '["a" 1.5]',
      "[1.5 2]",
      "1.5.3",
      "[1-2]",
      "tru",
      "\uFEFF1",
    ];
    for (const text of bad) {
      expect([text, outcome(parseJsonLossless, text)]).toEqual([text, { error: "SyntaxError" }]);
      expect([text, outcome(referenceParse, text)]).toEqual([text, { error: "SyntaxError" }]);
    }
  });
});

/**
 * Differential test: random documents, seeded, parsed by lossless-json (the reference) and by
 * parseJsonLossless, must give equal values or both a SyntaxError. The generator writes numbers in every
 * JSON form and strings full of the characters a scanner could trip on.
 */
describe("parseJsonLossless against lossless-json on generated documents", () => {
  const random = mulberry32(20260108);
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const digits = (n: number) => Array.from({ length: n }, () => String(int(10))).join("");

  function numberText(): string {
    const sign = random() < 0.3 ? "-" : "";
    const whole = random() < 0.15 ? "0" : `${1 + int(9)}${digits(int(random() < 0.2 ? 30 : 16))}`;
    const fraction = random() < 0.4 ? `.${digits(1 + int(8))}${random() < 0.3 ? "000" : ""}` : "";
    const exponent = random() < 0.2 ? `${pick(["e", "E"])}${pick(["", "+", "-"])}${digits(1 + int(3))}` : "";
    return `${sign}${whole}${fraction}${exponent}`;
  }

  const STRING_PARTS = [
    "a",
    " ",
    "1.5",
    "-2E+3",
    ":",
    ",",
    "{",
    "]",
    "数",
    "😀",
    '\\"',
    "\\\\",
    "\\/",
    "\\n",
    "\\u0022",
    "\\u005c",
    "\\u0000",
    "\\ud83d\\ude00",
    "true",
  ];

  function stringText(): string {
    return `"${Array.from({ length: int(6) }, () => pick(STRING_PARTS)).join("")}"`;
  }

  const KEYS = ['"id"', '"customerNo"', '"a b"', '"__proto__"', '"0"', '"12"', '"1.5"', '""', '"\\""'];

  function space(): string {
    return random() < 0.7 ? "" : pick([" ", "\n", "\t", "\r", "  \n "]);
  }

  function valueText(depth: number): string {
    // The top is a container; deeper, containers thin out.
    const r = depth === 0 ? 0.62 + random() * 0.38 : random();
    if (depth > 4 || r < 0.35) return numberText();
    if (r < 0.55) return stringText();
    if (r < 0.62) return pick(["true", "false", "null"]);
    if (r < 0.8) {
      const items = Array.from({ length: int(8) }, () => `${space()}${valueText(depth + 1)}${space()}`);
      return `[${items.join(",")}]`;
    }
    const keys = Array.from({ length: int(8) }, () =>
      random() < 0.02 ? pick(KEYS) : random() < 0.3 ? stringText() : `"k${int(100)}"`,
    );
    const members = keys.map((k) => `${space()}${k}${space()}:${space()}${valueText(depth + 1)}${space()}`);
    return `{${members.join(",")}}`;
  }

  /** A small edit that usually breaks the document, sometimes not. */
  function mutate(text: string): string {
    const at = int(text.length + 1);
    const r = random();
    if (r < 0.4) return text.slice(0, at) + text.slice(at + 1);
    if (r < 0.8)
      return text.slice(0, at) + pick(['"', "\\", "-", ".", "e", "1", ":", ",", "0", " "]) + text.slice(at);
    return text.slice(0, at);
  }

  it("agrees on 2,000 valid documents", () => {
    let numbers = 0;
    let fast = 0;
    for (let i = 0; i < 2000; i++) {
      const text = `${space()}${valueText(0)}${space()}`;
      const expected = outcome(referenceParse, text);
      expect([text, outcome(parseJsonLossless, text)]).toEqual([text, expected]);
      if ("value" in expected) numbers += numberTexts(expected.value).length;
      if (tookFastPath(text)) fast++;
    }
    expect(numbers).toBeGreaterThan(10_000);
    expect(fast).toBeGreaterThan(1200);
  });

  it("agrees on 2,000 mutated documents, valid or not", () => {
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      let text = valueText(0);
      for (let m = 1 + int(3); m > 0; m--) text = mutate(text);
      const expected = outcome(referenceParse, text);
      expect([text, outcome(parseJsonLossless, text)]).toEqual([text, expected]);
      if ("error" in expected) refused++;
    }
    expect(refused).toBeGreaterThan(1000);
    expect(refused).toBeLessThan(1900);
  });

  it("the clients' parser in turns agrees on 1,000 valid and 1,000 mutated documents", async () => {
    const settled = (text: string) =>
      parseJsonLosslessInTurns(text).then(
        (value) => ({ value }),
        (error: unknown) => ({ error: error instanceof SyntaxError ? "SyntaxError" : String(error) }),
      );
    for (let i = 0; i < 2000; i++) {
      let text = `${space()}${valueText(0)}${space()}`;
      if (i % 2 === 1) for (let m = 1 + int(3); m > 0; m--) text = mutate(text);
      expect([text, await settled(text)]).toEqual([text, outcome(referenceParse, text)]);
    }
  });
});
