import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { Scope } from "../../auth/scopes";
import type { GatewayContext } from "../../context";
import { toCustomer } from "../customer/customer.mapper";
import { Customer } from "../customer/customer.type";
import { AccountService } from "./account.service";
import { AddUserPayload, ChangeStatusPayload, CustomerState, UpdatePwdPayload } from "./account.types";

@Resolver(() => AddUserPayload)
export class AccountResolver {
  @Authorized(Scope.AccountsWrite)
  @Mutation(() => AddUserPayload, {
    description: "Creates an agent customer with this e-mail as its user name.",
  })
  addUser(
    @Ctx() ctx: GatewayContext,
    @Arg("userName", () => String) userName: string,
  ): Promise<AddUserPayload> {
    return new AccountService(ctx).addUser(userName);
  }

  @Authorized(Scope.AccountsWrite)
  @Mutation(() => UpdatePwdPayload, { description: "Sets a customer's proxy password." })
  updatePwd(
    @Ctx() ctx: GatewayContext,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("password", () => String) password: string,
  ): Promise<UpdatePwdPayload> {
    return new AccountService(ctx).updatePwd(customerId, password);
  }

  @Authorized(Scope.AccountsWrite)
  @Mutation(() => ChangeStatusPayload, { description: "Enables or disables a customer." })
  changeStatus(
    @Ctx() ctx: GatewayContext,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("state", () => CustomerState) state: CustomerState,
  ): Promise<ChangeStatusPayload> {
    return new AccountService(ctx).changeStatus(customerId, state);
  }

  @Authorized(Scope.CustomersRead)
  @FieldResolver(() => Customer, {
    nullable: true,
    description: "The customer, created now or (with USERNAME_TAKEN) already in this channel.",
  })
  async customer(@Root() payload: AddUserPayload, @Ctx() ctx: GatewayContext): Promise<Customer | null> {
    if (payload.resolvedCustomer !== undefined) return payload.resolvedCustomer;
    if (payload.userName === null) return null;
    const row = await ctx.agent.customerByUserName.load(payload.userName);
    return row ? toCustomer(row) : null;
  }
}
