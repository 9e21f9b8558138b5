import type { GraphQLRequestContextDidResolveOperation } from "@apollo/server";
import type { GatewayContext } from "../../src/context";
import { mustYield, takeTurn, TURN_BUDGET_MS } from "../../src/lib/cooperate";
import { turnsPlugin } from "../../src/plugins/turns";

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

/** Resolves `step` and tells whether a check phase (an immediate queued before it) ran first. */
async function checkPhaseRanBefore(step: () => Promise<unknown>): Promise<boolean> {
  let ran = false;
  setImmediate(() => (ran = true));
  await step();
  return ran;
}

describe("turns plugin: an operation runs in a turn with budget left (lib/cooperate.ts)", () => {
  const request = {} as GraphQLRequestContextDidResolveOperation<GatewayContext>;
  async function didResolveOperation(): Promise<void> {
    const listener = await turnsPlugin.requestDidStart?.({} as never);
    await listener?.didResolveOperation?.(request);
  }

  it("goes on at once when the turn has budget left", async () => {
    await takeTurn();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await checkPhaseRanBefore(didResolveOperation)).toBe(false);
  });

  it("waits for a later turn when parse and validation spent this one", async () => {
    await new Promise((resolve) => setImmediate(resolve));
    mustYield();
    busy(TURN_BUDGET_MS + 1);
    expect(await checkPhaseRanBefore(didResolveOperation)).toBe(true);
  });
});
