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

/** Bulk back-fill of customers: one JSONL line per customer. */
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
          createdAt
          updatedAt
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
