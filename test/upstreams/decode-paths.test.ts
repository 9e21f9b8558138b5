import { LosslessNumber, stringify } from "lossless-json";
import { parseJsonLossless } from "../../src/lib/json";
import { decodeRecord } from "../../src/upstreams/bridge/decode";
import { int64Text, safeInteger } from "../../src/upstreams/http";

/** The fast paths the decoders take for the common case give what the general path gives. */
describe("decoding fast paths", () => {
  const n = (text: string) => new LosslessNumber(text);

  it("int64Text: short canonical integers as they are, everything else through the exact path", () => {
    const cases: [unknown, string | undefined][] = [
      [n("0"), "0"],
      [n("-0"), "0"],
      [n("39"), "39"],
      [n("-39"), "-39"],
      [n("999999999999999"), "999999999999999"],
      [n("-999999999999999"), "-999999999999999"],
      [n("1000000000000000"), "1000000000000000"],
      [n("9007199254740993"), "9007199254740993"],
      [n("9223372036854775807"), "9223372036854775807"],
      [n("9223372036854775808"), undefined],
      [n("-9223372036854775809"), undefined],
      [n("39.0"), "39"],
      [n("3.9E+1"), "39"],
      [n("1650361143685"), "1650361143685"],
      [n("1.5"), undefined],
      [" 39 ", "39"],
      ["-0", "0"],
      ["007", undefined],
      ["39a", undefined],
      [39, undefined],
      [null, undefined],
    ];
    for (const [value, expected] of cases) expect([value, int64Text(value)]).toEqual([value, expected]);
    expect(safeInteger(n("1650361143685"))).toBe(1650361143685);
    expect(safeInteger(n("9007199254740993"))).toBeUndefined();
  });

  it("rawText: every member's text, numbers exactly as written, in a frozen copy", () => {
    const text =
      '{"id":9007199254740993,"customerNo":"86001308","createTime":1650361143685,"ratio":1.50,' +
      '"flag":true,"nested":{"a":[1.0,"x"]},"email":null,"__proto__":7}';
    const record = decodeRecord(parseJsonLossless(text), "r");
    expect(Object.isFrozen(record.rawText)).toBe(true);
    expect(Object.getPrototypeOf(record.rawText)).toBe(Object.prototype);
    expect(Object.keys(record.rawText)).toEqual([
      "id",
      "customerNo",
      "createTime",
      "ratio",
      "flag",
      "nested",
      "email",
      "__proto__",
    ]);
    expect({ ...record.rawText }).toEqual({
      id: "9007199254740993",
      customerNo: "86001308",
      createTime: "1650361143685",
      ratio: "1.50",
      flag: "true",
      nested: stringify({ a: [n("1.0"), "x"] }),
      email: null,
      ["__proto__"]: "7",
    });
  });
});
