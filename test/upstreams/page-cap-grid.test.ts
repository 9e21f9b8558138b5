import { fetchRange, type FetchPage } from "../../src/upstreams/reads/page-scan";

/**
 * An upstream with a hidden cap that applies it BEFORE computing the offset (PageHelper with a clamped
 * pageSize): page N of size p returns rows [(N-1)*min(p,cap), ...). A window whose single-call plan asks
 * for a page larger than the cap, past page 1, must not be read on the wrong grid.
 */
function cappedUpstream(total: number, cap: number) {
  const calls: [number, number][] = [];
  const fetchPage: FetchPage<number> = async (pageNum, pageSize) => {
    calls.push([pageNum, pageSize]);
    const size = Math.min(pageSize, cap);
    const pages = Math.max(1, Math.ceil(total / size));
    const page = Math.min(pageNum, pages);
    const rows = Array.from({ length: total }, (_, i) => i).slice((page - 1) * size, page * size);
    return { total, rows };
  };
  return { calls, fetchPage };
}

describe("page grid under a hidden cap", () => {
  it("serves rows 150..209 exactly although the one-call plan (page 3 of 70) exceeds the cap of 65", async () => {
    const up = cappedUpstream(1000, 65);
    const { rows, total } = await fetchRange(up.fetchPage, 150, 60, {
      upstream: "agent",
      endpoint: "customer.list",
      maxPageSize: 2000,
      keyOf: String,
    });
    expect(total).toBe(1000);
    expect(rows).toEqual(Array.from({ length: 60 }, (_, i) => 150 + i));
    expect(up.calls[0]).toEqual([3, 70]);
    for (const [, size] of up.calls.slice(1)) expect(size).toBeLessThanOrEqual(65);
  });

  it("scans everything exactly with a cap below the asked page size", async () => {
    const up = cappedUpstream(2500, 700);
    const { rows } = await fetchRange(up.fetchPage, 0, Number.MAX_SAFE_INTEGER, {
      upstream: "agent",
      endpoint: "customer.list",
      maxPageSize: 2000,
      keyOf: String,
    });
    expect(rows).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(up.calls.length).toBe(Math.ceil(2500 / 700));
  });
});
