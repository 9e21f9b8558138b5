import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { Customer } from "../customer/customer.type";

export enum CustomerState {
  ACTIVE = "ACTIVE",
  DISABLED = "DISABLED",
}
registerEnumType(CustomerState, { name: "CustomerState" });

export enum UserErrorCode {
  USERNAME_TAKEN = "USERNAME_TAKEN",
  USERNAME_TAKEN_BY_OTHER_CHANNEL = "USERNAME_TAKEN_BY_OTHER_CHANNEL",
  INVALID_INPUT = "INVALID_INPUT",
  REJECTED = "REJECTED",
}
registerEnumType(UserErrorCode, {
  name: "UserErrorCode",
  valuesConfig: {
    USERNAME_TAKEN: { description: "addUser: the name exists and belongs to this channel (upstream 201)." },
    USERNAME_TAKEN_BY_OTHER_CHANNEL: {
      description: "addUser: the name exists in another channel (upstream 202).",
    },
    INVALID_INPUT: {
      description:
        "An argument is malformed (not an e-mail, empty password, ...); nothing was sent upstream.",
    },
    REJECTED: { description: "The upstream refused the change with a business code; the message says why." },
  },
});

@ObjectType({ description: "A business outcome of a mutation that the caller can act on." })
export class UserError {
  @Field(() => UserErrorCode)
  code!: UserErrorCode;

  @Field(() => String)
  message!: string;

  @Field(() => [String], { nullable: true, description: "The path of the argument at fault, if any." })
  field!: string[] | null;

  @Field(() => String, {
    nullable: true,
    description:
      "REJECTED: the upstream's own message, verbatim (the Agent Customer API writes Chinese); `message` says it in English. Null for outcomes the gateway decided itself.",
  })
  upstreamMessage?: string | null;
}

@ObjectType()
export class NewCustomerCredentials {
  @Field(() => ID)
  customerId!: string;

  @Field(() => String)
  password!: string;

  @Field(() => String)
  token!: string;
}

@ObjectType()
export class AddUserPayload {
  /** The user name the customer is resolved by (the field resolver reads it back from the list). */
  userName!: string | null;

  @Field(() => NewCustomerCredentials, {
    nullable: true,
    description: "Present only when this call created the customer.",
  })
  credentials!: NewCustomerCredentials | null;

  @Field(() => Boolean, {
    description:
      "True when the upstream's answer was lost (timeout, reset) and the gateway established by reading the customer list that the customer now exists. The new credentials are then unknown: set a password with updatePwd.",
  })
  outcomeReadBack!: boolean;

  @Field(() => [UserError])
  userErrors!: UserError[];

  /** Filled by the service when it already holds the customer (read back after a lost answer). */
  resolvedCustomer?: Customer | null;
}

@ObjectType()
export class UpdatePwdPayload {
  @Field(() => ID, { nullable: true })
  customerId!: string | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}

@ObjectType()
export class ChangeStatusPayload {
  @Field(() => ID, { nullable: true })
  customerId!: string | null;

  @Field(() => CustomerState, { nullable: true })
  state!: CustomerState | null;

  @Field(() => [UserError])
  userErrors!: UserError[];
}
