import { Box, EmptyState, InlineStack, Pagination, Text } from "@shopify/polaris";
import type { MemberPage, MemberSort } from "~/admin/members.server";
import { ExportButton } from "../ExportButton";
import { SectionCard } from "../SectionCard";
import { useUpdateSearchParams } from "../use-update-search-params";
import { MembersTable, type SortDirection } from "./MembersTable";

export interface SegmentMembersCardProps {
  segmentKey: string;
  page: MemberPage;
  currency: string;
  sort: MemberSort;
  direction: SortDirection;
}

/** The segment's members, a page at a time, with the CSV export; sort and page live in the URL. */
export function SegmentMembersCard({ segmentKey, page, currency, sort, direction }: SegmentMembersCardProps) {
  const updateSearchParams = useUpdateSearchParams();
  return (
    <SectionCard
      title="Members"
      flush
      action={<ExportButton url={`/app/export/${segmentKey}`} filename={`${segmentKey}.csv`} />}
    >
      {page.members.length === 0 ? (
        <EmptyState heading="No members yet" image="">
          <Text as="p">Customers appear here after the next compute run puts them in this segment.</Text>
        </EmptyState>
      ) : (
        <MembersTable
          members={page.members}
          currency={currency}
          sort={sort}
          direction={direction}
          // A new order starts again at its first page.
          onSort={(nextSort, nextDirection) =>
            updateSearchParams({ sort: nextSort, direction: nextDirection, after: null, before: null })
          }
        />
      )}
      <Box padding="300">
        <InlineStack align="center">
          <Pagination
            hasPrevious={Boolean(page.previous)}
            hasNext={Boolean(page.next)}
            onPrevious={() => updateSearchParams({ before: page.previous, after: null })}
            onNext={() => updateSearchParams({ after: page.next, before: null })}
          />
        </InlineStack>
      </Box>
    </SectionCard>
  );
}
