import { Text } from "@shopify/polaris";
import { heatCellColours } from "./colours";

// A heat map as a real table: screen readers read it, axe checks its contrast, and each cell
// keeps its number visible. Polaris has no heat map; this only adds cell shading to a table.

export interface HeatMapProps {
  caption: string;
  columnHeader: string;
  columns: string[];
  rows: { label: string; cells: (number | null)[] }[];
  format: (value: number) => string;
  /** The value that gets full colour (default: the largest cell). */
  max?: number;
}

export function HeatMapTable({ caption, columnHeader, columns, rows, format, max }: HeatMapProps) {
  const top = max ?? Math.max(0, ...rows.flatMap((row) => row.cells.map((cell) => cell ?? 0)));
  return (
    // A wide table scrolls sideways: focusable and named, so keyboard users can scroll it too.
    <div style={{ overflowX: "auto" }} tabIndex={0} role="region" aria-label={caption}>
      <table style={{ borderCollapse: "separate", borderSpacing: 2, width: "100%", fontSize: 12 }}>
        <caption style={{ textAlign: "left", paddingBottom: 8 }}>
          <Text as="span" variant="bodySm" tone="subdued">
            {caption}
          </Text>
        </caption>
        <thead>
          <tr>
            <th scope="col" style={{ textAlign: "left", padding: "4px 8px" }}>
              {columnHeader}
            </th>
            {columns.map((column) => (
              <th key={column} scope="col" style={{ padding: "4px 8px", whiteSpace: "nowrap" }}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.label}>
              <th scope="row" style={{ textAlign: "left", padding: "4px 8px", whiteSpace: "nowrap" }}>
                {row.label}
              </th>
              {columns.map((column, i) => {
                const value = row.cells[i];
                if (value === null || value === undefined) return <td key={column} />;
                const colours = heatCellColours(top > 0 ? value / top : 0);
                return (
                  <td
                    key={column}
                    style={{
                      ...colours,
                      padding: "6px 8px",
                      textAlign: "center",
                      borderRadius: 4,
                      whiteSpace: "nowrap",
                    }}
                  >
                    {format(value)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
