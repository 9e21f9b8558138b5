/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation AddUser($userName: String!) {\n  addUser(userName: $userName) {\n    customer {\n      id\n      userName\n    }\n    credentials {\n      customerId\n      password\n      token\n    }\n    outcomeReadBack\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}\n\nmutation UpdatePwd($customerId: ID!, $password: String!) {\n  updatePwd(customerId: $customerId, password: $password) {\n    customerId\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}\n\nmutation ChangeStatus($customerId: ID!, $state: CustomerState!) {\n  changeStatus(customerId: $customerId, state: $state) {\n    customerId\n    state\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}": typeof types.AddUserDocument,
    "query BridgeProfilesPage($first: Int, $after: String, $customerNo: String) {\n  bridgeProfiles(first: $first, after: $after, customerNo: $customerNo) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      customerNo\n      agentCustomerNo\n      email\n      status\n      customerType\n      openAccountType\n      createdAt\n      group {\n        id\n        name\n      }\n      customer {\n        id\n        traffic {\n          usedMb\n        }\n      }\n    }\n  }\n}\n\nquery BridgeProfileByCustomerNo($customerNo: String!) {\n  bridgeProfile(customerNo: $customerNo) {\n    id\n    customerNo\n    name\n    lastLoginAt\n  }\n}": typeof types.BridgeProfilesPageDocument,
    "query CustomersPage($first: Int, $after: String, $userName: String) {\n  customers(first: $first, after: $after, userName: $userName) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        userName\n        traffic {\n          rechargedMb\n          remainingMb\n          usedMb\n        }\n        profile {\n          id\n          customerNo\n          status\n          updatedAt\n        }\n      }\n    }\n  }\n}\n\nquery CustomerById($id: ID!) {\n  customer(id: $id) {\n    id\n    userName\n    traffic {\n      rechargedMb\n      remainingMb\n      usedMb\n    }\n    profiles {\n      id\n      customerNo\n      updatedAt\n    }\n  }\n}\n\nquery CustomerByUserName($userName: String!) {\n  customerByUserName(userName: $userName) {\n    id\n    userName\n  }\n}": typeof types.CustomersPageDocument,
};
const documents: Documents = {
    "mutation AddUser($userName: String!) {\n  addUser(userName: $userName) {\n    customer {\n      id\n      userName\n    }\n    credentials {\n      customerId\n      password\n      token\n    }\n    outcomeReadBack\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}\n\nmutation UpdatePwd($customerId: ID!, $password: String!) {\n  updatePwd(customerId: $customerId, password: $password) {\n    customerId\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}\n\nmutation ChangeStatus($customerId: ID!, $state: CustomerState!) {\n  changeStatus(customerId: $customerId, state: $state) {\n    customerId\n    state\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}": types.AddUserDocument,
    "query BridgeProfilesPage($first: Int, $after: String, $customerNo: String) {\n  bridgeProfiles(first: $first, after: $after, customerNo: $customerNo) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      customerNo\n      agentCustomerNo\n      email\n      status\n      customerType\n      openAccountType\n      createdAt\n      group {\n        id\n        name\n      }\n      customer {\n        id\n        traffic {\n          usedMb\n        }\n      }\n    }\n  }\n}\n\nquery BridgeProfileByCustomerNo($customerNo: String!) {\n  bridgeProfile(customerNo: $customerNo) {\n    id\n    customerNo\n    name\n    lastLoginAt\n  }\n}": types.BridgeProfilesPageDocument,
    "query CustomersPage($first: Int, $after: String, $userName: String) {\n  customers(first: $first, after: $after, userName: $userName) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        userName\n        traffic {\n          rechargedMb\n          remainingMb\n          usedMb\n        }\n        profile {\n          id\n          customerNo\n          status\n          updatedAt\n        }\n      }\n    }\n  }\n}\n\nquery CustomerById($id: ID!) {\n  customer(id: $id) {\n    id\n    userName\n    traffic {\n      rechargedMb\n      remainingMb\n      usedMb\n    }\n    profiles {\n      id\n      customerNo\n      updatedAt\n    }\n  }\n}\n\nquery CustomerByUserName($userName: String!) {\n  customerByUserName(userName: $userName) {\n    id\n    userName\n  }\n}": types.CustomersPageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AddUser($userName: String!) {\n  addUser(userName: $userName) {\n    customer {\n      id\n      userName\n    }\n    credentials {\n      customerId\n      password\n      token\n    }\n    outcomeReadBack\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}\n\nmutation UpdatePwd($customerId: ID!, $password: String!) {\n  updatePwd(customerId: $customerId, password: $password) {\n    customerId\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}\n\nmutation ChangeStatus($customerId: ID!, $state: CustomerState!) {\n  changeStatus(customerId: $customerId, state: $state) {\n    customerId\n    state\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}"): (typeof documents)["mutation AddUser($userName: String!) {\n  addUser(userName: $userName) {\n    customer {\n      id\n      userName\n    }\n    credentials {\n      customerId\n      password\n      token\n    }\n    outcomeReadBack\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}\n\nmutation UpdatePwd($customerId: ID!, $password: String!) {\n  updatePwd(customerId: $customerId, password: $password) {\n    customerId\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}\n\nmutation ChangeStatus($customerId: ID!, $state: CustomerState!) {\n  changeStatus(customerId: $customerId, state: $state) {\n    customerId\n    state\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query BridgeProfilesPage($first: Int, $after: String, $customerNo: String) {\n  bridgeProfiles(first: $first, after: $after, customerNo: $customerNo) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      customerNo\n      agentCustomerNo\n      email\n      status\n      customerType\n      openAccountType\n      createdAt\n      group {\n        id\n        name\n      }\n      customer {\n        id\n        traffic {\n          usedMb\n        }\n      }\n    }\n  }\n}\n\nquery BridgeProfileByCustomerNo($customerNo: String!) {\n  bridgeProfile(customerNo: $customerNo) {\n    id\n    customerNo\n    name\n    lastLoginAt\n  }\n}"): (typeof documents)["query BridgeProfilesPage($first: Int, $after: String, $customerNo: String) {\n  bridgeProfiles(first: $first, after: $after, customerNo: $customerNo) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    nodes {\n      id\n      customerNo\n      agentCustomerNo\n      email\n      status\n      customerType\n      openAccountType\n      createdAt\n      group {\n        id\n        name\n      }\n      customer {\n        id\n        traffic {\n          usedMb\n        }\n      }\n    }\n  }\n}\n\nquery BridgeProfileByCustomerNo($customerNo: String!) {\n  bridgeProfile(customerNo: $customerNo) {\n    id\n    customerNo\n    name\n    lastLoginAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query CustomersPage($first: Int, $after: String, $userName: String) {\n  customers(first: $first, after: $after, userName: $userName) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        userName\n        traffic {\n          rechargedMb\n          remainingMb\n          usedMb\n        }\n        profile {\n          id\n          customerNo\n          status\n          updatedAt\n        }\n      }\n    }\n  }\n}\n\nquery CustomerById($id: ID!) {\n  customer(id: $id) {\n    id\n    userName\n    traffic {\n      rechargedMb\n      remainingMb\n      usedMb\n    }\n    profiles {\n      id\n      customerNo\n      updatedAt\n    }\n  }\n}\n\nquery CustomerByUserName($userName: String!) {\n  customerByUserName(userName: $userName) {\n    id\n    userName\n  }\n}"): (typeof documents)["query CustomersPage($first: Int, $after: String, $userName: String) {\n  customers(first: $first, after: $after, userName: $userName) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      cursor\n      node {\n        id\n        userName\n        traffic {\n          rechargedMb\n          remainingMb\n          usedMb\n        }\n        profile {\n          id\n          customerNo\n          status\n          updatedAt\n        }\n      }\n    }\n  }\n}\n\nquery CustomerById($id: ID!) {\n  customer(id: $id) {\n    id\n    userName\n    traffic {\n      rechargedMb\n      remainingMb\n      usedMb\n    }\n    profiles {\n      id\n      customerNo\n      updatedAt\n    }\n  }\n}\n\nquery CustomerByUserName($userName: String!) {\n  customerByUserName(userName: $userName) {\n    id\n    userName\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;