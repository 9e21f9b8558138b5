import { Authorized, Field, ID, Int, ObjectType } from "type-graphql";
import { Scope } from "../../auth/scopes";
import { DateTimeScalar } from "../../scalars/datetime.scalar";
import { PageInfo } from "../common/page-info.type";
import { BridgeCustomerStatus, BridgeCustomerType, BridgeOpenAccountType } from "./bridge-profile.enums";

@ObjectType()
export class BridgeCustomerGroup {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;
}

@ObjectType()
export class BridgeUnit {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;
}

@ObjectType()
export class TelegramAccount {
  @Field(() => String, { nullable: true })
  userId!: string | null;

  @Field(() => String, { nullable: true })
  userName!: string | null;
}

@ObjectType()
export class ThirdPartyAccount {
  @Field(() => String, { nullable: true })
  accountNo!: string | null;

  @Field(() => String, { nullable: true })
  loginSource!: string | null;

  @Field(() => String, { nullable: true })
  userId!: string | null;
}

@ObjectType({ description: "A customer profile of the MultiMarkets trading platform (Bridge)." })
export class BridgeProfile {
  @Field(() => ID, { description: "The Bridge record id, in decimal." })
  id!: string;

  @Field(() => String)
  customerNo!: string;

  @Field(() => String, { nullable: true })
  agentCustomerNo!: string | null;

  @Field(() => ID, { nullable: true })
  companyId!: string | null;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => String, { nullable: true })
  firstName!: string | null;

  @Field(() => String, { nullable: true })
  lastName!: string | null;

  @Field(() => String, { nullable: true })
  phone!: string | null;

  @Field(() => String, { nullable: true })
  phoneArea!: string | null;

  @Field(() => BridgeCustomerStatus, { nullable: true })
  status!: BridgeCustomerStatus | null;

  @Field(() => BridgeCustomerType, { nullable: true })
  customerType!: BridgeCustomerType | null;

  @Field(() => BridgeOpenAccountType, { nullable: true })
  openAccountType!: BridgeOpenAccountType | null;

  @Field(() => Int, {
    nullable: true,
    description: "1 H5, 2 PC web, 3 system, 4 Android, 5 iOS, 6 HOS, 7 PC Windows, 8 PC Mac, 9 other.",
  })
  registerSource!: number | null;

  @Field(() => String, { nullable: true })
  remark!: string | null;

  @Field(() => BridgeCustomerGroup, { nullable: true })
  group!: BridgeCustomerGroup | null;

  @Field(() => BridgeUnit, { nullable: true })
  unit!: BridgeUnit | null;

  @Field(() => TelegramAccount, { nullable: true })
  telegram!: TelegramAccount | null;

  @Field(() => ThirdPartyAccount, { nullable: true })
  thirdParty!: ThirdPartyAccount | null;

  @Authorized(Scope.ProfilesRead, Scope.IdentityRead)
  @Field(() => String, { nullable: true })
  idCardType!: string | null;

  /** Resolved by a field resolver (identity:read is declared there). */
  idCard!: string | null;

  @Field(() => DateTimeScalar, { nullable: true })
  createdAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  updatedAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  lastLoginAt!: Date | null;

  @Field(() => DateTimeScalar, { nullable: true })
  firstAccountActivatedAt!: Date | null;

  /** The agent customerId (canonical decimal) named by the configured link field, if any. */
  linkValue!: string | null;
}

@ObjectType()
export class BridgeProfileEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => BridgeProfile)
  node!: BridgeProfile;
}

@ObjectType()
export class BridgeProfileConnection {
  @Field(() => [BridgeProfileEdge])
  edges!: BridgeProfileEdge[];

  @Field(() => [BridgeProfile])
  nodes!: BridgeProfile[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}
