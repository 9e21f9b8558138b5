import { formatDecimal } from "../../src/lib/decimal";
import { parseJsonLossless } from "../../src/lib/json";
import { decodeListData, decodeCustomerRow } from "../../src/upstreams/agent/decode";
import { decodePageData, decodeRecord } from "../../src/upstreams/bridge/decode";
import { DecodeError, int64Text } from "../../src/upstreams/http";

describe("agent list decoding", () => {
  it("keeps BigDecimal and Long exact whatever the notation", () => {
    const text =
      '{"total":9007199254740993,"rows":[' +
      '{"trafficCount":5.12E+8,"residualFlow":205587097.6,"customerId":9007199254740993,"userName":"a"},' +
      '{"trafficCount":512000000.0,"residualFlow":1E-10,"customerId":39,"userName":"b"}]}';
    expect(() => decodeListData(parseJsonLossless(text))).toThrow(DecodeError); // total beyond 2^53
    const ok = decodeListData(parseJsonLossless(text.replace("9007199254740993,", "2,")));
    expect(ok.total).toBe(2);
    expect(ok.rows[0].customerId).toBe("9007199254740993");
    expect(formatDecimal(ok.rows[0].trafficCount)).toBe("512000000");
    expect(formatDecimal(ok.rows[0].residualFlow)).toBe("205587097.6");
    expect(formatDecimal(ok.rows[1].trafficCount)).toBe("512000000");
    expect(formatDecimal(ok.rows[1].residualFlow)).toBe("0.0000000001");
  });

  it("accepts a customerId only when it is an exact int64", () => {
    const row = (id: string) =>
      parseJsonLossless(`{"trafficCount":1,"residualFlow":0,"customerId":${id},"userName":"x"}`);
    expect(decodeCustomerRow(row("39.0"), "r").customerId).toBe("39");
    expect(decodeCustomerRow(row("3.9E+1"), "r").customerId).toBe("39");
    expect(decodeCustomerRow(row('"39"'), "r").customerId).toBe("39");
    expect(() => decodeCustomerRow(row("39.5"), "r")).toThrow(DecodeError);
    expect(() => decodeCustomerRow(row("9223372036854775808"), "r")).toThrow(DecodeError);
    expect(() => decodeCustomerRow(row("null"), "r")).toThrow(DecodeError);
    expect(int64Text(parseJsonLossless("-9223372036854775808"))).toBe("-9223372036854775808");
  });

  it("refuses null traffic and missing names rather than inventing values", () => {
    expect(() =>
      decodeCustomerRow(
        parseJsonLossless('{"trafficCount":null,"residualFlow":0,"customerId":1,"userName":"x"}'),
        "r",
      ),
    ).toThrow(/trafficCount/);
    expect(() =>
      decodeCustomerRow(parseJsonLossless('{"trafficCount":1,"residualFlow":0,"customerId":1}'), "r"),
    ).toThrow(/userName/);
  });
});

describe("Bridge record decoding", () => {
  it("keeps int64 ids exact, maps 0/null/absent times to null and fills rawText", () => {
    const rec = decodeRecord(
      parseJsonLossless(
        '{"id":9007199254740993,"companyId":1.0E+1,"customerNo":"86001308","agentCustomerNo":39,' +
          '"createTime":1650361143685,"updateTime":0,"loginTime":null,"status":7,"email":null,"remark":"a \\"q\\""}',
      ),
      "r",
    );
    expect(rec.id).toBe("9007199254740993");
    expect(rec.companyId).toBe("10");
    expect(rec.agentCustomerNo).toBe("39");
    expect(rec.createTime).toBe(1650361143685);
    expect(rec.updateTime).toBeNull();
    expect(rec.loginTime).toBeNull();
    expect(rec.firstAccountActivateTime).toBeNull();
    expect(rec.status).toBe(7);
    expect(rec.unitId).toBeNull();
    expect(rec.rawText).toEqual({
      id: "9007199254740993",
      companyId: "1.0E+1",
      customerNo: "86001308",
      agentCustomerNo: "39",
      createTime: "1650361143685",
      updateTime: "0",
      loginTime: null,
      status: "7",
      email: null,
      remark: 'a "q"',
    });
  });

  it("refuses a record without id and a fractional int64", () => {
    expect(() => decodeRecord(parseJsonLossless('{"customerNo":"1"}'), "r")).toThrow(/id/);
    expect(() => decodeRecord(parseJsonLossless('{"id":1,"unitId":1.5}'), "r")).toThrow(/unitId/);
  });

  it("decodes a page", () => {
    const page = decodePageData(parseJsonLossless('{"current":2,"size":1,"total":3,"records":[{"id":5}]}'));
    expect(page).toMatchObject({ current: 2, size: 1, total: 3 });
    expect(page.records[0].id).toBe("5");
  });
});
