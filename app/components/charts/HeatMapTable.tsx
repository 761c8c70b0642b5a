import { Text } from "@shopify/polaris";

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

/** Background and text colour for a cell: light cells get dark text, dark cells white text. */
export function cellColours(intensity: number): { background: string; color: string } {
  const clamped = Math.max(0, Math.min(1, intensity));
  // From a pale to a deep blue in HSL lightness.
  const lightness = 96 - clamped * 62;
  return { background: `hsl(217 70% ${lightness}%)`, color: lightness < 58 ? "#ffffff" : "#1a1a1a" };
}

export function HeatMapTable({ caption, columnHeader, columns, rows, format, max }: HeatMapProps) {
  const top = max ?? Math.max(0, ...rows.flatMap((row) => row.cells.map((cell) => cell ?? 0)));
  return (
    <div style={{ overflowX: "auto" }}>
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
                const colours = cellColours(top > 0 ? value / top : 0);
                return (
                  <td key={column} style={{ ...colours, padding: "6px 8px", textAlign: "center", borderRadius: 4, whiteSpace: "nowrap" }}>
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
