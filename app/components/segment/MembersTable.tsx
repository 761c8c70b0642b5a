import { Badge, IndexTable, InlineStack, Link, type IndexTableProps } from "@shopify/polaris";
import type { MemberRow, MemberSort } from "~/admin/members.server";
import { formatDate, formatMoneyOrDash, formatNumber, formatPercentOrDash } from "../format";
import { NumericCell } from "~/components/table-cells";

export type SortDirection = "asc" | "desc";

/** The table's columns in order; the sortable ones name the member sort they stand for. */
const COLUMNS: { title: string; alignment?: "end"; sort?: MemberSort }[] = [
  { title: "Customer" },
  { title: "Orders", alignment: "end" },
  { title: "Predicted CLV", alignment: "end", sort: "clv" },
  { title: "P(active)", alignment: "end", sort: "pAlive" },
  { title: "Last order", alignment: "end", sort: "lastOrder" },
];
const HEADINGS = COLUMNS.map(({ title, alignment }) =>
  alignment ? { title, alignment } : { title },
) as IndexTableProps["headings"];

export interface MembersTableProps {
  members: MemberRow[];
  currency: string;
  sort: MemberSort;
  direction: SortDirection;
  onSort: (sort: MemberSort, direction: SortDirection) => void;
}

/** One page of a segment's members, sortable by CLV, probability still active and last order. */
export function MembersTable({ members, currency, sort, direction, onSort }: MembersTableProps) {
  const sortColumn = COLUMNS.findIndex((column) => column.sort === sort);
  return (
    <IndexTable
      resourceName={{ singular: "member", plural: "members" }}
      itemCount={members.length}
      selectable={false}
      sortable={COLUMNS.map((column) => column.sort !== undefined)}
      sortColumnIndex={sortColumn >= 0 ? sortColumn : undefined}
      sortDirection={direction === "asc" ? "ascending" : "descending"}
      onSort={(index, next) => {
        const column = COLUMNS[index];
        if (column.sort) onSort(column.sort, next === "ascending" ? "asc" : "desc");
      }}
      headings={HEADINGS}
    >
      {members.map((member, index) => (
        <IndexTable.Row id={member.id} key={member.id} position={index}>
          <IndexTable.Cell>
            <InlineStack gap="200" blockAlign="center" wrap={false}>
              <Link url={`/app/customers/${member.id}`} removeUnderline>
                {member.name}
              </Link>
              {member.control && <Badge>Control</Badge>}
            </InlineStack>
          </IndexTable.Cell>
          <NumericCell>{formatNumber(member.orderCount)}</NumericCell>
          <NumericCell>{formatMoneyOrDash(member.clv, currency)}</NumericCell>
          <NumericCell>{formatPercentOrDash(member.pAlive, 0)}</NumericCell>
          <NumericCell>{formatDate(member.lastOrderAt)}</NumericCell>
        </IndexTable.Row>
      ))}
    </IndexTable>
  );
}
