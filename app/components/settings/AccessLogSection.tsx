import { Box, Card, DataTable, Layout, Text } from "@shopify/polaris";
import type { AccessLogRow } from "~/admin/access-log.server";

const when = (iso: string) =>
  new Date(iso).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC";

/** The most recent views and exports of customers' personal data, newest first. */
export function AccessLogSection({ entries }: { entries: AccessLogRow[] }) {
  return (
    <Layout>
      <Layout.AnnotatedSection
        title="Access to customer data"
        description="Every view of a customer, of a segment's members, and every member export, with the staff member who made it. Kept for 365 days."
      >
        <Card padding="0">
          {entries.length === 0 ? (
            <Box padding="400">
              <Text as="p">No one has viewed or exported customer data yet.</Text>
            </Box>
          ) : (
            <DataTable
              columnContentTypes={["text", "text", "text", "text"]}
              headings={["When", "Staff user ID", "What", "Customer or segment"]}
              rows={entries.map((entry) => [when(entry.at), entry.userId ?? "unknown", entry.what, entry.subject])}
            />
          )}
        </Card>
      </Layout.AnnotatedSection>
    </Layout>
  );
}
