import type { GatewayContext } from "../../context";
import { OutcomeUnknownError } from "../../errors/errors";
import { explainAgentRefusal } from "../../upstreams/agent/messages";
import { UpstreamError } from "../../upstreams/errors";
import { toCustomer } from "../customer/customer.mapper";
import {
  CustomerState,
  UserErrorCode,
  type AddUserPayload,
  type ChangeStatusPayload,
  type UpdatePwdPayload,
  type UserError,
} from "./account.types";
import { checkCustomerId, checkPassword, checkUserName } from "./account.validation";

/** The upstream may have acted on the call although its answer was lost or unreadable. */
function outcomeIsUncertain(error: unknown): error is UpstreamError {
  return (
    error instanceof UpstreamError &&
    (error.ambiguous || error.kind === "timeout" || error.kind === "bad_response")
  );
}

/**
 * A business refusal, readable by people who do not read Chinese: `message` in English, the upstream's
 * own words unchanged in `upstreamMessage` (for support tickets and messages we do not know yet).
 */
function rejected(error: UpstreamError): UserError {
  const reason = explainAgentRefusal(error.upstreamMessage);
  const code = error.upstreamCode ? ` (code ${error.upstreamCode})` : "";
  return {
    code: UserErrorCode.REJECTED,
    message: reason
      ? `The Agent Customer API refused the change: ${reason}.`
      : `The Agent Customer API refused the change${code}; its own words are in upstreamMessage.`,
    field: null,
    upstreamMessage: error.upstreamMessage ?? null,
  };
}

/**
 * The account mutations. Each upstream call is made exactly once: never retried, cached or coalesced
 * (they are GET requests with side effects). What they change is dropped from the caches.
 */
export class AccountService {
  constructor(private readonly ctx: GatewayContext) {}

  /**
   * A mutation may use 60% of the request's time: the rest is kept for reading the outcome back when
   * its answer is lost.
   */
  private mutationDeadline(): number {
    const remaining = this.ctx.scope.deadline - Date.now();
    return Date.now() + Math.max(0, Math.floor(remaining * 0.6));
  }

  private get client() {
    return this.ctx.services.agentClient;
  }

  /**
   * Whatever a mutation touched is dropped from this request's loaders and from the shared index: the
   * upstream may change more than it says (a disabled customer's balance, say), and mutations are rare.
   * With replicas, the mutation answers once no replica can read what was shared before it.
   */
  private async forgetCustomer(customerId: string | null, userName: string | null): Promise<void> {
    if (customerId !== null) this.ctx.agent.customerById.clear(customerId);
    if (userName !== null) this.ctx.agent.customerByUserName.clear(userName);
    await this.ctx.services.agentSource.invalidate();
  }

  async addUser(userNameArg: string): Promise<AddUserPayload> {
    const checked = checkUserName(userNameArg);
    if (!checked.ok)
      return { userName: null, credentials: null, outcomeReadBack: false, userErrors: [checked.error] };
    const userName = checked.value;
    const base = { userName, credentials: null, outcomeReadBack: false, userErrors: [] };
    let result;
    try {
      this.ctx.scope.accounting.recordCall("agent", "addUser");
      result = await this.client.addUser(userName, {
        deadline: this.mutationDeadline(),
        requestId: this.ctx.requestId,
      });
    } catch (error) {
      if (error instanceof UpstreamError && error.kind === "rejected") {
        return { ...base, userName: null, userErrors: [rejected(error)] };
      }
      if (!outcomeIsUncertain(error)) throw error;
      return this.readBackAddUser(userName);
    }
    switch (result.outcome) {
      case "created":
        await this.forgetCustomer(result.customerId, userName);
        return {
          ...base,
          credentials: { customerId: result.customerId, password: result.password, token: result.token },
        };
      case "taken":
        return {
          ...base,
          userErrors: [
            {
              code: UserErrorCode.USERNAME_TAKEN,
              message: `A customer named "${userName}" already exists in this channel.`,
              field: ["userName"],
            },
          ],
        };
      case "taken_by_other_channel":
        return {
          ...base,
          userName: null,
          userErrors: [
            {
              code: UserErrorCode.USERNAME_TAKEN_BY_OTHER_CHANNEL,
              message: `The name "${userName}" is taken by a customer of another channel.`,
              field: ["userName"],
            },
          ],
        };
    }
  }

  /**
   * addUser's answer was lost. Calling again would answer 201 for our own creation, so the truth is read
   * from the list instead: the customer exists now (success, credentials unknown) or the outcome is unknown.
   */
  private async readBackAddUser(userName: string): Promise<AddUserPayload> {
    await this.forgetCustomer(null, userName);
    this.ctx.scope.accounting.recordPlan("agent.addUser", "readback", "answer lost");
    let row;
    try {
      [row] = await this.ctx.services.agentSource.byUserNames([userName], this.ctx.scope);
    } catch {
      row = null;
    }
    if (!row || row instanceof Error) {
      throw new OutcomeUnknownError(
        `The Agent Customer API did not answer addUser for "${userName}", and reading the customer list back did not show the customer. It may or may not exist: look it up before trying again.`,
        "agent",
      );
    }
    return {
      userName,
      credentials: null,
      outcomeReadBack: true,
      userErrors: [],
      resolvedCustomer: toCustomer(row),
    };
  }

  async updatePwd(customerIdArg: string, passwordArg: string): Promise<UpdatePwdPayload> {
    const id = checkCustomerId(customerIdArg);
    const password = checkPassword(passwordArg);
    if (!id.ok || !password.ok) {
      return { customerId: null, userErrors: [id, password].flatMap((c) => (c.ok ? [] : [c.error])) };
    }
    const refusal = await this.changeCustomer(id.value, "updatePwd", "the password", (deadline) =>
      this.client.updatePwd(id.value, password.value, { deadline, requestId: this.ctx.requestId }),
    );
    return { customerId: id.value, userErrors: refusal ? [refusal] : [] };
  }

  async changeStatus(customerIdArg: string, state: CustomerState): Promise<ChangeStatusPayload> {
    const id = checkCustomerId(customerIdArg);
    if (!id.ok) return { customerId: null, state: null, userErrors: [id.error] };
    const values = this.ctx.services.config.agentStateValues;
    const numeric = state === CustomerState.ACTIVE ? values.active : values.disabled;
    const refusal = await this.changeCustomer(id.value, "changeStatus", "the state", (deadline) =>
      this.client.changeStatus(id.value, numeric, { deadline, requestId: this.ctx.requestId }),
    );
    return { customerId: id.value, state: refusal ? null : state, userErrors: refusal ? [refusal] : [] };
  }

  /**
   * One change of an existing customer, sent exactly once. A business refusal is returned as a
   * userError; a lost answer is OUTCOME_UNKNOWN, because the list shows neither passwords nor states
   * and so cannot be read back.
   */
  private async changeCustomer(
    customerId: string,
    mutation: string,
    what: string,
    send: (deadline: number) => Promise<void>,
  ): Promise<UserError | null> {
    try {
      // Counted in the request's accounting like every read (x-gateway-debug shows it).
      this.ctx.scope.accounting.recordCall("agent", mutation);
      await send(this.mutationDeadline());
      return null;
    } catch (error) {
      if (error instanceof UpstreamError && error.kind === "rejected") return rejected(error);
      if (outcomeIsUncertain(error)) {
        throw new OutcomeUnknownError(
          `The Agent Customer API did not answer ${mutation} for customer ${customerId}; ${what} may or may not have changed.`,
          "agent",
        );
      }
      throw error;
    } finally {
      await this.forgetCustomer(customerId, null);
    }
  }
}
