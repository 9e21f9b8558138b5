import type { GraphQLResolveInfo } from "graphql";
import { Arg, Authorized, Ctx, FieldResolver, Info, Int, Query, Resolver, Root } from "type-graphql";
import { hasScope, Scope } from "../../auth/scopes";
import type { GatewayContext } from "../../context";
import { ErrorCode } from "../../errors/codes";
import { BadUserInputError, UpstreamFailureError } from "../../errors/errors";
import { buildConnection, connectionWindow } from "../common/connection";
import { connectionNodePaths, selectsAny } from "../common/selection";
import { toCustomer } from "../customer/customer.mapper";
import { Customer } from "../customer/customer.type";
import { toBridgeProfile } from "./bridge-profile.mapper";
import { BridgeProfile, BridgeProfileConnection } from "./bridge-profile.type";

function parseCustomerNo(customerNo: string, argument = "customerNo"): string {
  const trimmed = customerNo.trim();
  if (trimmed === "") throw new BadUserInputError(`"${argument}" must not be empty.`, argument);
  return trimmed;
}

/**
 * One Bridge profile by its exact customer number through the request's loader: what `bridgeProfile`
 * and Federation's BridgeProfile entities share, so that N of either in one request are one planned read.
 */
export async function bridgeProfileByCustomerNo(
  ctx: GatewayContext,
  customerNo: string,
  argument: string,
): Promise<BridgeProfile | null> {
  const record = await ctx.bridge.profileByCustomerNo.load(parseCustomerNo(customerNo, argument));
  return record ? toBridgeProfile(record, ctx.services.config.linkField) : null;
}

/** Where a profile page asks for the linked customer (the agent index is warmed when it does). */
const CUSTOMER_PATHS = connectionNodePaths("customer");

@Resolver(() => BridgeProfile)
export class BridgeProfileResolver {
  @Authorized(Scope.ProfilesRead)
  @Query(() => BridgeProfileConnection, {
    description: "Bridge profiles in upstream order. `customerNo` keeps only that exact customer number.",
  })
  async bridgeProfiles(
    @Ctx() ctx: GatewayContext,
    @Arg("first", () => Int, { defaultValue: 20, nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null | undefined,
    @Arg("customerNo", () => String, { nullable: true }) customerNo: string | null | undefined,
    @Info() info: GraphQLResolveInfo,
  ): Promise<BridgeProfileConnection> {
    const window = connectionWindow(first ?? 20, after, ctx.services.config.maxPageSize);
    // Customers are looked up by id (no id filter upstream) once the records are here: start the scan now.
    if (hasScope(ctx.caller, Scope.CustomersRead) && selectsAny(info, CUSTOMER_PATHS))
      void ctx.services.agentSource.warm(ctx.scope);
    const filter = customerNo === null || customerNo === undefined ? undefined : parseCustomerNo(customerNo);
    const { total, rows } = await ctx.services.bridgeSource.window(
      window.offset,
      window.first,
      filter,
      ctx.scope,
    );
    const linkField = ctx.services.config.linkField;
    return buildConnection(
      window,
      rows.map((r) => toBridgeProfile(r, linkField)),
      total,
    );
  }

  @Authorized(Scope.ProfilesRead)
  @Query(() => BridgeProfile, {
    nullable: true,
    description: "One Bridge profile by its exact customer number.",
  })
  bridgeProfile(
    @Ctx() ctx: GatewayContext,
    @Arg("customerNo", () => String) customerNo: string,
  ): Promise<BridgeProfile | null> {
    return bridgeProfileByCustomerNo(ctx, customerNo, "customerNo");
  }

  @FieldResolver(() => String)
  customerNo(@Root() profile: BridgeProfile): string {
    // The contract promises a customer number; a record without one is the upstream's fault.
    if (profile.customerNo === null) {
      throw new UpstreamFailureError(
        `Bridge record ${profile.id} has no customerNo.`,
        ErrorCode.UPSTREAM_BAD_RESPONSE,
        "bridge",
      );
    }
    return profile.customerNo;
  }

  @Authorized(Scope.ProfilesRead, Scope.IdentityRead)
  @FieldResolver(() => String, {
    nullable: true,
    description: "National identity document number: personal data, shown only to callers allowed to see it.",
  })
  idCard(@Root() profile: BridgeProfile): string | null {
    return profile.idCard;
  }

  @Authorized(Scope.CustomersRead)
  @FieldResolver(() => Customer, {
    nullable: true,
    description: "The agent customer this profile is linked to, if any.",
  })
  async customer(@Root() profile: BridgeProfile, @Ctx() ctx: GatewayContext): Promise<Customer | null> {
    if (profile.linkValue === null) return null;
    const row = await ctx.agent.customerById.load(profile.linkValue);
    return row ? toCustomer(row) : null;
  }
}
