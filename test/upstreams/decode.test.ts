import { formatDecimal } from "../../src/lib/decimal";
import { parseJsonLossless } from "../../src/lib/json";
import { generateDataset } from "../../src/simulators";
import { agentListText } from "../../src/simulators/agent";
import { bridgePageBytes, bridgePageText } from "../../src/simulators/bridge";
import {
  decodeCustomerRow,
  decodeListData,
  decodeListDataInSlices,
  readEnvelope as readAgentEnvelope,
  sameAmounts,
} from "../../src/upstreams/agent/decode";
import {
  decodePageData,
  decodePageDataInSlices,
  decodeRecord,
  readEnvelope as readBridgeEnvelope,
} from "../../src/upstreams/bridge/decode";
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
    // A numeric string is read by its text (some Jackson setups write them); any other string is refused.
    const quoted = (traffic: string) =>
      decodeCustomerRow(
        parseJsonLossless(`{"trafficCount":"${traffic}","residualFlow":0,"customerId":1,"userName":"x"}`),
        "r",
      );
    expect(formatDecimal(quoted(" 12.50 ").trafficCount)).toBe("12.5");
    expect(() => quoted("12,5")).toThrow(/trafficCount/);
  });

  it("compares two rows' amounts as decimals, whatever their notation", () => {
    const row = (traffic: string, residual: string) =>
      decodeCustomerRow(
        parseJsonLossless(
          `{"trafficCount":${traffic},"residualFlow":${residual},"customerId":1,"userName":"x"}`,
        ),
        "r",
      );
    expect(sameAmounts(row("1.50", "0"), row("1.50", "0"))).toBe(true);
    expect(sameAmounts(row("1.50", "0"), row("1.5", "0.0"))).toBe(true);
    expect(sameAmounts(row("5.12E+8", "1E-10"), row("512000000", "0.0000000001"))).toBe(true);
    expect(sameAmounts(row("1.5", "0"), row("1.6", "0"))).toBe(false);
    expect(sameAmounts(row("1.5", "0"), row("1.5", "-0"))).toBe(false);
    // A row built elsewhere (not decoded here) is compared by its decimals.
    const decoded = row("2.0", "1");
    const plain = { ...decoded, trafficCount: decoded.trafficCount, residualFlow: decoded.residualFlow };
    expect(sameAmounts(plain, row("2", "1.00"))).toBe(true);
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

describe("decoding in slices (what the clients use)", () => {
  // The simulators' pages carry every quirk of the contracts: ids beyond 2^53, exponents, trailing zeros.
  const dataset = generateDataset({ agentCustomers: 2000, bridgeProfiles: 2000 });

  it("gives exactly what the one-stretch decoder gives, on full Bridge and agent pages", async () => {
    const bridgeText = bridgePageText(dataset.bridgeRecords, {
      current: 1,
      size: 2000,
      total: 10_000,
      tm: 1,
    });
    const agentText = agentListText(dataset.agentCustomers, 10_000);
    // Each decoder gets a tree of its own (a Bridge record's tree becomes its rawText).
    const bridge = () => readBridgeEnvelope(parseJsonLossless(bridgeText)).data;
    const agent = () => readAgentEnvelope(parseJsonLossless(agentText)).body.data;
    const bridgeSliced = await decodePageDataInSlices(bridge());
    expect(bridgeSliced.records).toHaveLength(2000);
    expect(bridgeSliced).toEqual(decodePageData(bridge()));
    const agentSliced = await decodeListDataInSlices(agent());
    expect(agentSliced.rows).toHaveLength(2000);
    expect(agentSliced).toEqual(decodeListData(agent()));
    expect(agentSliced.rows.map((r) => formatDecimal(r.trafficCount))).toEqual(
      decodeListData(agent()).rows.map((r) => formatDecimal(r.trafficCount)),
    );
  });

  it("refuses what the one-stretch decoder refuses, naming the same record", async () => {
    const bad = parseJsonLossless(
      '{"total":3,"records":[{"id":1},{"id":2},{"id":3,"unitId":1.5}]}',
    ) as Record<string, unknown>;
    await expect(decodePageDataInSlices(bad)).rejects.toThrow(/data\.records\[2\]\.unitId/);
    const badRows = parseJsonLossless(
      '{"total":1,"rows":[{"trafficCount":null,"residualFlow":0,"customerId":1,"userName":"x"}]}',
    );
    await expect(decodeListDataInSlices(badRows)).rejects.toThrow(DecodeError);
  });
});

describe("the Bridge simulator's page bytes", () => {
  it("are the page text in UTF-8, also after a record is edited in place", () => {
    const dataset = generateDataset({ agentCustomers: 300, bridgeProfiles: 300 });
    const page = { current: 1, size: 300, total: 300, tm: 7, trace: "t-1" };
    const records = dataset.bridgeRecords;
    expect(bridgePageBytes(records, page).equals(Buffer.from(bridgePageText(records, page), "utf8"))).toBe(
      true,
    );
    const record = records[5] as Record<string, string>;
    record.name = JSON.stringify("Zoë Ünal");
    const edited = bridgePageBytes(records, page);
    expect(edited.equals(Buffer.from(bridgePageText(records, page), "utf8"))).toBe(true);
    expect(edited.toString("utf8")).toContain('"name":"Zoë Ünal"');
    expect(bridgePageBytes([], page).toString("utf8")).toBe(bridgePageText([], page));
  });
});
