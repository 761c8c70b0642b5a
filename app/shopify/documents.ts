// Every Admin GraphQL document the app sends, in one place. test/shopify/documents.test.ts
// validates each against Shopify's real Admin schema for our API version.

export const RUN_BULK_QUERY = /* GraphQL */ `
  mutation RunBulkQuery($query: String!) {
    bulkOperationRunQuery(query: $query, groupObjects: false) {
      bulkOperation {
        id
        status
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export const BULK_OPERATION = /* GraphQL */ `
  query BulkOperation($id: ID!) {
    bulkOperation(id: $id) {
      id
      status
      errorCode
      objectCount
      rootObjectCount
      url
      partialDataUrl
    }
  }
`;

export const SHOP_INFO = /* GraphQL */ `
  query ShopInfo {
    shop {
      name
      myshopifyDomain
      currencyCode
      ianaTimezone
      plan {
        publicDisplayName
      }
    }
  }
`;

/**
 * Bulk back-fill of customers: one JSONL line per customer. The default address only as country,
 * province code and city (no street, no postal code); email consent from `defaultEmailAddress`
 * (`Customer.emailMarketingConsent` is deprecated in its favour), SMS consent from
 * `smsMarketingConsent` (its suggested replacement, `defaultPhoneNumber.marketingState`, is
 * deprecated too in 2026-07).
 */
export const CUSTOMERS_BULK_QUERY = /* GraphQL */ `
  {
    customers {
      edges {
        node {
          id
          email
          firstName
          lastName
          tags
          dataSaleOptOut
          createdAt
          updatedAt
          defaultAddress {
            countryCodeV2
            provinceCode
            city
          }
          defaultEmailAddress {
            marketingState
            marketingUpdatedAt
          }
          smsMarketingConsent {
            marketingState
            consentUpdatedAt
          }
        }
      }
    }
  }
`;

/**
 * Bulk back-fill of products: one JSONL line per product. Rules read line items' types from
 * these rows, because order webhooks carry a line item's product id but not its type.
 */
export const PRODUCTS_BULK_QUERY = /* GraphQL */ `
  {
    products {
      edges {
        node {
          id
          title
          productType
          vendor
          updatedAt
        }
      }
    }
  }
`;

/**
 * Bulk back-fill of collections (custom and smart; Shopify evaluates smart collections' rules):
 * one line per collection, then one line per product in it carrying the collection's id in
 * `__parentId` (a nested connection; products list no collections in any webhook).
 */
export const COLLECTIONS_BULK_QUERY = /* GraphQL */ `
  {
    collections {
      edges {
        node {
          id
          title
          handle
          updatedAt
          products {
            edges {
              node {
                id
              }
            }
          }
        }
      }
    }
  }
`;

/**
 * One page of a collection's products, re-read after a collections/* webhook (whose payload lists
 * no products). `collection` is null once the collection is gone.
 */
export const COLLECTION_PRODUCTS = /* GraphQL */ `
  query CollectionProducts($id: ID!, $after: String) {
    collection(id: $id) {
      id
      products(first: 250, after: $after) {
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          id
        }
      }
    }
  }
`;

/** Bulk back-fill of orders: order lines, then line-item lines carrying `__parentId`. */
export const ORDERS_BULK_QUERY = /* GraphQL */ `
  {
    orders {
      edges {
        node {
          id
          name
          createdAt
          processedAt
          updatedAt
          cancelledAt
          test
          displayFinancialStatus
          sourceName
          discountCodes
          totalDiscountsSet {
            shopMoney {
              amount
            }
          }
          currencyCode
          presentmentCurrencyCode
          customer {
            id
          }
          totalPriceSet {
            shopMoney {
              amount
            }
          }
          subtotalPriceSet {
            shopMoney {
              amount
            }
          }
          refunds {
            id
            totalRefundedSet {
              shopMoney {
                amount
              }
            }
          }
          lineItems {
            edges {
              node {
                id
                quantity
                originalTotalSet {
                  shopMoney {
                    amount
                  }
                }
                product {
                  id
                  productType
                }
              }
            }
          }
        }
      }
    }
  }
`;

// ---- push: tags, bulk mutations, native segments, metafields, metaobjects ------------------

export const TAGS_ADD = /* GraphQL */ `
  mutation TagsAdd($id: ID!, $tags: [String!]!) {
    tagsAdd(id: $id, tags: $tags) {
      userErrors {
        field
        message
      }
    }
  }
`;

export const TAGS_REMOVE = /* GraphQL */ `
  mutation TagsRemove($id: ID!, $tags: [String!]!) {
    tagsRemove(id: $id, tags: $tags) {
      userErrors {
        field
        message
      }
    }
  }
`;

export const STAGED_UPLOADS_CREATE = /* GraphQL */ `
  mutation StagedUploadsCreate($input: [StagedUploadInput!]!) {
    stagedUploadsCreate(input: $input) {
      stagedTargets {
        url
        resourceUrl
        parameters {
          name
          value
        }
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const RUN_BULK_MUTATION = /* GraphQL */ `
  mutation RunBulkMutation($mutation: String!, $stagedUploadPath: String!) {
    bulkOperationRunMutation(mutation: $mutation, stagedUploadPath: $stagedUploadPath) {
      bulkOperation {
        id
        status
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export const SEGMENT_CREATE = /* GraphQL */ `
  mutation SegmentCreate($name: String!, $query: String!) {
    segmentCreate(name: $name, query: $query) {
      segment {
        id
        name
        query
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const SEGMENT_UPDATE = /* GraphQL */ `
  mutation SegmentUpdate($id: ID!, $name: String, $query: String) {
    segmentUpdate(id: $id, name: $name, query: $query) {
      segment {
        id
        name
        query
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const SEGMENT_DELETE = /* GraphQL */ `
  mutation SegmentDelete($id: ID!) {
    segmentDelete(id: $id) {
      deletedSegmentId
      userErrors {
        field
        message
      }
    }
  }
`;

/** The shop's segments, a page at a time: used only to resolve a name conflict. */
export const SEGMENTS_PAGE = /* GraphQL */ `
  query SegmentsPage($after: String) {
    segments(first: 250, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        name
        query
      }
    }
  }
`;

export const CURRENT_APP_INSTALLATION = /* GraphQL */ `
  query CurrentAppInstallation {
    currentAppInstallation {
      id
    }
  }
`;

/** The installation's active subscriptions (Shopify App Pricing): the plan is read from their names. */
export const APP_SUBSCRIPTIONS = /* GraphQL */ `
  query AppSubscriptions {
    currentAppInstallation {
      id
      activeSubscriptions {
        id
        name
        status
        test
        trialDays
        currentPeriodEnd
        createdAt
      }
    }
  }
`;

export const METAFIELDS_DELETE = /* GraphQL */ `
  mutation MetafieldsDelete($metafields: [MetafieldIdentifierInput!]!) {
    metafieldsDelete(metafields: $metafields) {
      deletedMetafields {
        key
      }
      userErrors {
        field
        message
      }
    }
  }
`;

export const METAFIELDS_SET = /* GraphQL */ `
  mutation MetafieldsSet($metafields: [MetafieldsSetInput!]!) {
    metafieldsSet(metafields: $metafields) {
      metafields {
        key
      }
      userErrors {
        field
        message
        code
        elementIndex
      }
    }
  }
`;

export const METAOBJECT_UPSERT = /* GraphQL */ `
  mutation MetaobjectUpsert($handle: MetaobjectHandleInput!, $metaobject: MetaobjectUpsertInput!) {
    metaobjectUpsert(handle: $handle, metaobject: $metaobject) {
      metaobject {
        id
        handle
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export const METAOBJECT_DELETE = /* GraphQL */ `
  mutation MetaobjectDelete($id: ID!) {
    metaobjectDelete(id: $id) {
      deletedId
      userErrors {
        field
        message
        code
      }
    }
  }
`;

// Starts the shop's Flow workflows that begin with the app's trigger `handle`. Flow has no
// idempotency key: every accepted call runs the workflows again (see app/push/flow-triggers.server.ts).
export const FLOW_TRIGGER_RECEIVE = /* GraphQL */ `
  mutation FlowTriggerReceive($handle: String!, $payload: JSON!) {
    flowTriggerReceive(handle: $handle, payload: $payload) {
      userErrors {
        field
        message
      }
    }
  }
`;
