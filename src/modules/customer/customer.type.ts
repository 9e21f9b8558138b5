import { Field, ID, Int, ObjectType } from "type-graphql";
import type { Decimal } from "../../lib/decimal";
import { DecimalScalar } from "../../scalars/decimal.scalar";
import { PageInfo } from "../common/page-info.type";

@ObjectType({ description: "A customer's traffic balance, in MB." })
export class Traffic {
  @Field(() => DecimalScalar, { description: "Recharged traffic in MB (upstream trafficCount)." })
  rechargedMb!: Decimal;

  @Field(() => DecimalScalar, { description: "Remaining traffic in MB (upstream residualFlow)." })
  remainingMb!: Decimal;

  @Field(() => DecimalScalar, { description: "rechargedMb - remainingMb, exact." })
  usedMb!: Decimal;
}

@ObjectType({ description: "An agent customer, joined with its Bridge profiles." })
export class Customer {
  @Field(() => ID, { description: "The agent customerId, in decimal." })
  id!: string;

  @Field(() => String)
  userName!: string;

  @Field(() => Traffic)
  traffic!: Traffic;
}

@ObjectType()
export class CustomerEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Customer)
  node!: Customer;
}

@ObjectType()
export class CustomerConnection {
  @Field(() => [CustomerEdge])
  edges!: CustomerEdge[];

  @Field(() => [Customer])
  nodes!: Customer[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}
