// A parameterised SQL text as plain data: `strings` around `values` (strings.length ===
// values.length + 1), the shape of a tagged template. Pure code can compile to it without
// a database client; the server side hands it to its driver (Prisma.Sql takes exactly this).

export interface SqlFragment {
  readonly strings: readonly string[];
  readonly values: readonly unknown[];
}

function isFragment(value: unknown): value is SqlFragment {
  return (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as SqlFragment).strings) &&
    Array.isArray((value as SqlFragment).values)
  );
}

/** Tagged template: plain values become parameters, nested fragments are spliced in. */
export function sql(template: TemplateStringsArray | readonly string[], ...values: readonly unknown[]): SqlFragment {
  const strings: string[] = [template[0]];
  const params: unknown[] = [];
  values.forEach((value, i) => {
    if (isFragment(value)) {
      strings[strings.length - 1] += value.strings[0];
      value.values.forEach((inner, j) => {
        params.push(inner);
        strings.push(value.strings[j + 1]);
      });
      strings[strings.length - 1] += template[i + 1];
    } else {
      params.push(value);
      strings.push(template[i + 1]);
    }
  });
  return { strings, values: params };
}

/** Trusted text (an operator, a keyword) spliced in as is: never pass user input. */
export function rawSql(text: string): SqlFragment {
  return { strings: [text], values: [] };
}

export function joinSql(parts: readonly SqlFragment[], separator: string): SqlFragment {
  if (parts.length === 0) return rawSql("");
  const strings = ["", ...parts.slice(1).map(() => separator), ""];
  return sql(strings, ...parts);
}

/** The fragment as `$1, $2…` text with its values, as PostgreSQL receives it (for tests and logs). */
export function sqlText(fragment: SqlFragment): { text: string; values: unknown[] } {
  const text = fragment.strings.reduce((out, part, i) => (i === 0 ? part : `${out}$${i}${part}`), "");
  return { text, values: [...fragment.values] };
}
