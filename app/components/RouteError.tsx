import { isRouteErrorResponse, useRouteError } from "@remix-run/react";
import { Banner, BlockStack, Card, Page, Text } from "@shopify/polaris";

// A friendly page for a page's errors: "not found" for unknown or foreign ids, a plain apology
// otherwise. Authentication responses are passed up to the layout's Shopify boundary, which
// knows how to re-authenticate.

export function RouteError({ title = "Something went wrong" }: { title?: string }) {
  const error = useRouteError();
  if (isRouteErrorResponse(error) && (error.status === 401 || error.status === 403)) throw error;
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <Page title={notFound ? "Not found" : title} backAction={{ content: "Overview", url: "/app" }}>
      <Card>
        <BlockStack gap="300">
          <Banner
            tone={notFound ? "warning" : "critical"}
            title={notFound ? "This page doesn't exist" : "We couldn't load this page"}
          >
            <Text as="p">
              {notFound
                ? "It may have been removed, or the link belongs to another store."
                : "Please try again in a moment. If it keeps happening, contact support and mention the time it happened."}
            </Text>
          </Banner>
        </BlockStack>
      </Card>
    </Page>
  );
}
