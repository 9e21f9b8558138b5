import type { GraphQLResolveInfo } from "graphql";
import { Arg, Authorized, Ctx, FieldResolver, ID, Info, Int, Query, Resolver, Root } from "type-graphql";
import { hasScope, Scope } from "../../auth/scopes";
import type { GatewayContext } from "../../context";
import { BadUserInputError } from "../../errors/errors";
import { positiveIdOf } from "../../lib/ids";
import { compareProfilesNewestFirst, toBridgeProfile } from "../bridge-profile/bridge-profile.mapper";
import { BridgeProfile } from "../bridge-profile/bridge-profile.type";
import { buildConnection, connectionWindow } from "../common/connection";
import { connectionNodePaths, selectsAny } from "../common/selection";
import { toCustomer } from "./customer.mapper";
import { Customer, CustomerConnection } from "./customer.type";

/** A customerId argument: a positive decimal integer of any size (ids may exceed 2^53). */
export function parseCustomerId(id: string, argument: string): string {
  const canonical = positiveIdOf(id);
  if (canonical === null) {
    throw new BadUserInputError(`"${argument}" must be a positive decimal integer, got "${id}".`, argument);
  }
  return canonical;
}

/**
 * One customer by id through the request's loader: what `customer(id)` and Federation's Customer
 * entities share, so that N of either in one request are one planned read. A malformed id fails here,
 * before the loader (and so any upstream call) sees it.
 */
export async function customerById(
  ctx: GatewayContext,
  id: string,
  argument: string,
): Promise<Customer | null> {
  const row = await ctx.agent.customerById.load(parseCustomerId(id, argument));
  return row ? toCustomer(row) : null;
}

/** Where a customer page asks for profiles (the Bridge index is warmed when it does). */
const PROFILE_PATHS = connectionNodePaths("profile", "profiles");

@Resolver(() => Customer)
export class CustomerResolver {
  @Authorized(Scope.CustomersRead)
  @Query(() => CustomerConnection, {
    description:
      "Agent customers in upstream order, each joined with its Bridge profile. `userName` is a substring filter.",
  })
  async customers(
    @Ctx() ctx: GatewayContext,
    @Arg("first", () => Int, { defaultValue: 20, nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null | undefined,
    @Arg("userName", () => String, { nullable: true }) userName: string | null | undefined,
    @Info() info: GraphQLResolveInfo,
  ): Promise<CustomerConnection> {
    const window = connectionWindow(first ?? 20, after, ctx.services.config.maxPageSize);
    // Profiles are looked up by link value once the rows are here; cold, their index starts now instead.
    if (hasScope(ctx.caller, Scope.ProfilesRead) && selectsAny(info, PROFILE_PATHS))
      void ctx.services.bridgeSource.warmLinks(ctx.scope);
    const { total, rows } = await ctx.services.agentSource.window(
      window.offset,
      window.first,
      userName ?? undefined,
      ctx.scope,
    );
    return buildConnection(window, rows.map(toCustomer), total);
  }

  @Authorized(Scope.CustomersRead)
  @Query(() => Customer, { nullable: true, description: "One agent customer by its customerId." })
  customer(@Ctx() ctx: GatewayContext, @Arg("id", () => ID) id: string): Promise<Customer | null> {
    return customerById(ctx, id, "id");
  }

  @Authorized(Scope.CustomersRead)
  @Query(() => Customer, {
    nullable: true,
    description:
      "One agent customer whose user name equals `userName`, compared case-insensitively. Never a substring match.",
  })
  async customerByUserName(
    @Ctx() ctx: GatewayContext,
    @Arg("userName", () => String) userName: string,
  ): Promise<Customer | null> {
    if (userName.trim() === "") throw new BadUserInputError('"userName" must not be empty.', "userName");
    const row = await ctx.agent.customerByUserName.load(userName.trim());
    return row ? toCustomer(row) : null;
  }

  @Authorized(Scope.ProfilesRead)
  @FieldResolver(() => BridgeProfile, {
    nullable: true,
    description:
      "The linked Bridge profile; when several are linked, the one updated last (ties: the larger Bridge id). Null when none is linked, or, with an error entry, when Bridge could not be asked.",
  })
  async profile(@Root() customer: Customer, @Ctx() ctx: GatewayContext): Promise<BridgeProfile | null> {
    const profiles = await this.linkedProfiles(customer, ctx);
    return profiles[0] ?? null;
  }

  @Authorized(Scope.ProfilesRead)
  @FieldResolver(() => [BridgeProfile], {
    nullable: true,
    description: "Every linked Bridge profile, most recently updated first.",
  })
  profiles(@Root() customer: Customer, @Ctx() ctx: GatewayContext): Promise<BridgeProfile[]> {
    return this.linkedProfiles(customer, ctx);
  }

  private async linkedProfiles(customer: Customer, ctx: GatewayContext): Promise<BridgeProfile[]> {
    const records = await ctx.bridge.profilesByLinkValue.load(customer.id);
    const linkField = ctx.services.config.linkField;
    return [...records].sort(compareProfilesNewestFirst).map((r) => toBridgeProfile(r, linkField));
  }
}
