import { agentListAdapter } from "../../src/upstreams/agent/customer-source";
import type { AgentCustomer } from "../../src/upstreams/agent/types";
import { bridgePageAdapter } from "../../src/upstreams/bridge/profile-source";
import type { BridgeCustomerRecord } from "../../src/upstreams/bridge/types";
import { decimalFromJsonText } from "../../src/lib/decimal";

/**
 * The shared indexes are built page by page as a scan hands its rows over (reads/page-scan.ts), and the
 * builder itself drops a row whose key came before: the first one in upstream order stays, as the scan
 * kept it when it deduplicated the whole list at its end.
 */
describe("index builders", () => {
  const customer = (customerId: string, userName: string): AgentCustomer => ({
    customerId,
    userName,
    trafficCount: decimalFromJsonText("1") as NonNullable<ReturnType<typeof decimalFromJsonText>>,
    residualFlow: decimalFromJsonText("0") as NonNullable<ReturnType<typeof decimalFromJsonText>>,
  });

  it("agent: pages in order, a repeated customer kept where it came first", async () => {
    const adapter = agentListAdapter({ listCustomers: () => Promise.reject(new Error("not called")) });
    const builder = adapter.indexBuilder();
    const first = customer("1", "Ann");
    await builder.add([first, customer("2", "Bob")]);
    await builder.add([customer("1", "Ann again"), customer("3", "Cy")]);
    const index = builder.finish();
    expect(adapter.rowsOf(index).map((r) => r.customerId)).toEqual(["1", "2", "3"]);
    expect(adapter.rowByKey(index, "1")).toBe(first);
    expect(index.byLowerName.get("ann again")).toBeUndefined();
  });

  it("bridge: pages in order, a repeated record kept where it came first", async () => {
    const adapter = bridgePageAdapter(
      { pageCustomers: () => Promise.reject(new Error("not called")) },
      "agentCustomerNo",
    );
    const record = (id: string, link: string) =>
      ({
        id,
        customerNo: `c${id}`,
        rawText: { id, agentCustomerNo: link },
      }) as unknown as BridgeCustomerRecord;
    const builder = adapter.indexBuilder();
    const first = record("10", "7");
    await builder.add([first, record("11", "7")]);
    await builder.add([record("10", "8"), record("12", "9")]);
    const index = builder.finish();
    expect(adapter.rowsOf(index).map((r) => r.id)).toEqual(["10", "11", "12"]);
    expect(adapter.rowByKey(index, "10")).toBe(first);
    expect(index.byLinkValue.get("7")?.map((r) => r.id)).toEqual(["10", "11"]);
    expect(index.byLinkValue.get("8")).toBeUndefined();
  });
});
