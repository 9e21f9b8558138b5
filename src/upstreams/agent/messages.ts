import { INCOMPLETE_ACCOUNT_MSG } from "./decode";

/**
 * What the Agent Customer API's refusals mean, in English. The upstream speaks Chinese (RuoYi's
 * `msg`); these are the messages its contract and our simulator show for the three account calls.
 * A message not listed here is passed on as the upstream wrote it, next to a generic English sentence.
 */
const REFUSALS: Readonly<Record<string, string>> = {
  [INCOMPLETE_ACCOUNT_MSG]:
    "the agent account's information is incomplete; the reseller must complete it with the vendor before accounts can be changed",
  用户名不能为空: "the user name is empty",
  客户ID不能为空: "the customer id is empty",
  客户不存在或不属于该渠道: "no customer with this id exists in this channel",
  密码不能为空: "the password is empty",
  客户状态不正确:
    "the upstream does not accept this customer state value (check AGENT_STATE_ACTIVE / AGENT_STATE_DISABLED)",
  操作失败: "the operation failed on the upstream's side, without a reason",
};

/** The English reason for an upstream refusal message, or null when it is not one we know. */
export function explainAgentRefusal(upstreamMessage: string | undefined): string | null {
  if (upstreamMessage === undefined) return null;
  return REFUSALS[upstreamMessage.trim()] ?? null;
}
