import { generateDataset, jacksonScientific } from "../../src/simulators/dataset";

const TWO_53 = 2n ** 53n;

describe("simulator dataset", () => {
  const data = generateDataset();
  const customers = data.agentCustomers;
  const records = data.bridgeRecords;
  const field = (r: Record<string, string>, name: string) =>
    r[name] === undefined ? undefined : JSON.parse(r[name]);

  test("is deterministic per seed and sized by options", () => {
    expect(generateDataset()).toEqual(data);
    expect(generateDataset({ seed: 2 })).not.toEqual(data);
    expect(customers).toHaveLength(3000);
    const small = generateDataset({ agentCustomers: 50, bridgeProfiles: 70 });
    expect([small.agentCustomers.length, small.bridgeRecords.length]).toEqual([50, 70]);
    expect(generateDataset({ agentCustomers: 0 }).agentCustomers).toEqual([]);
  });

  test("agent customers: unique ids (some beyond 2^53), unique names, Jackson number forms", () => {
    const ids = customers.map((c) => BigInt(c.customerId));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id > TWO_53).length).toBeGreaterThanOrEqual(3);
    expect(ids).toContain(9007199254740993n);
    expect(new Set(customers.map((c) => c.userName.toLowerCase())).size).toBe(customers.length);
    const numbers = customers.flatMap((c) => [c.trafficCount, c.residualFlow]);
    for (const n of numbers) expect(n).toMatch(/^-?(0|[1-9]\d*)(\.\d+)?(E[+-]\d+)?$/);
    expect(numbers).toEqual(expect.arrayContaining(["512000000.0", "5.12E+8", "1E-10", "205587097.6", "0"]));
    expect(numbers.filter((n) => /E\+/.test(n)).length).toBeGreaterThan(100);
    expect(customers.some((c) => Number(c.residualFlow) > Number(c.trafficCount))).toBe(true);
    expect(customers.map((c) => c.userName)).toEqual(
      expect.arrayContaining(["ann@x.com", "joann@x.com", "ANN@X.COM.CN"]),
    );
  });

  test("jacksonScientific writes a negative-scale BigDecimal the way Jackson does", () => {
    expect(jacksonScientific("512000000")).toBe("5.12E+8");
    expect(jacksonScientific("1000")).toBe("1E+3");
    expect(jacksonScientific("1024")).toBe("1024");
  });

  test("Bridge profiles: most customers linked, ~10% unlinked, ~5% twice, some equal updateTime, orphans", () => {
    const byLink = new Map<string, Record<string, string>[]>();
    for (const r of records) {
      const link = field(r, "agentCustomerNo");
      if (typeof link === "string") byLink.set(link, [...(byLink.get(link) ?? []), r]);
    }
    const linkCounts = customers.map((c) => byLink.get(c.customerId)?.length ?? 0);
    const share = (n: number) => linkCounts.filter((c) => c === n).length / customers.length;
    expect(share(0)).toBeGreaterThan(0.07);
    expect(share(0)).toBeLessThan(0.13);
    expect(share(2)).toBeGreaterThan(0.03);
    expect(share(2)).toBeLessThan(0.07);
    expect(Math.max(...linkCounts)).toBe(2);

    const twice = [...byLink.values()].filter((rs) => rs.length === 2);
    const equalTimes = twice.filter(([a, b]) => a.updateTime === b.updateTime && a.updateTime !== undefined);
    expect(equalTimes.length).toBeGreaterThanOrEqual(3);
    expect(byLink.get("39")?.map((r) => r.updateTime)).toEqual(["1700000000000", "1700000000000"]);

    const customerIds = new Set(customers.map((c) => c.customerId));
    const orphans = records.filter((r) => !customerIds.has(field(r, "agentCustomerNo")));
    expect(orphans.some((r) => r.agentCustomerNo === "null")).toBe(true);
    expect(orphans.some((r) => /^"\d+"$/.test(r.agentCustomerNo))).toBe(true);
  });

  test("Bridge records: unique int64 ids (some beyond 2^53), unique digit customerNos, nulls, 0/absent times, unknown enums", () => {
    const ids = records.map((r) => BigInt(r.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.some((id) => id > TWO_53)).toBe(true);
    const nos = records.map((r) => field(r, "customerNo"));
    expect(new Set(nos).size).toBe(nos.length);
    for (const no of nos) expect(no).toMatch(/^\d+$/);
    expect(nos).toEqual(expect.arrayContaining(["86001308", "8600130"]));
    expect(records.some((r) => r.createTime === undefined)).toBe(true);
    expect(records.some((r) => r.createTime === "0")).toBe(true);
    expect(records.some((r) => r.createTime === "null")).toBe(true);
    expect(records.some((r) => r.status === "9")).toBe(true);
    expect(records.some((r) => r.phone === "null")).toBe(true);
  });

  test("the link field and companyId follow the Bridge settings", () => {
    const custom = generateDataset({ agentCustomers: 20 }, { linkField: "thirdUserId", companyId: "77" });
    expect(custom.bridgeRecords[0]).toMatchObject({
      thirdUserId: '"39"',
      agentCustomerNo: "null",
      companyId: "77",
    });
  });
});
