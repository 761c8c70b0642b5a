// Syntax check for the subset of ShopifyQL segment queries the app writes:
//   customer_tags CONTAINS 'seg:champions' AND NOT customer_tags CONTAINS 'x'
//   (…) OR number_of_orders >= 3 / amount_spent > 100
// Errors read like Shopify's ("Line 1 Column 14: …").

const COMPARISON_ATTRIBUTES = new Set(["number_of_orders", "amount_spent", "days_since_last_order"]);

type Token = { text: string; column: number; kind: "word" | "string" | "op" | "paren" | "number" };

function tokenize(query: string): Token[] | string {
  const tokens: Token[] = [];
  const pattern = /\s*(?:('(?:[^'\\]|\\.)*')|(>=|<=|!=|=|>|<)|([()])|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*))/y;
  let position = 0;
  while (position < query.length) {
    if (/^\s*$/.test(query.slice(position))) break;
    pattern.lastIndex = position;
    const match = pattern.exec(query);
    if (!match) return `Line 1 Column ${position}: unexpected character '${query.slice(position).trim()[0]}'`;
    const text = match[1] ?? match[2] ?? match[3] ?? match[4] ?? match[5];
    const column = match.index + match[0].length - text.length;
    const kind = match[1] ? "string" : match[2] ? "op" : match[3] ? "paren" : match[4] ? "number" : "word";
    tokens.push({ text, column, kind });
    position = pattern.lastIndex;
  }
  return tokens;
}

/** Returns null if the query is acceptable, or Shopify-style error message. */
export function checkSegmentQuery(query: string): string | null {
  if (query.trim() === "") return "Query can't be blank";
  if (query.length > 5000) return "Query is too long (maximum is 5000 characters)";
  const tokenized = tokenize(query);
  if (typeof tokenized === "string") return tokenized;
  const tokens: Token[] = tokenized;
  let i = 0;
  const peek = () => tokens[i];
  const fail = (token: Token | undefined, message: string) =>
    `Line 1 Column ${token?.column ?? query.length}: ${message}`;

  function expression(): string | null {
    let error = term();
    while (!error && peek() && /^(AND|OR)$/.test(peek().text)) {
      i++;
      error = term();
    }
    return error;
  }

  function term(): string | null {
    if (peek()?.text === "NOT") i++;
    const token = peek();
    if (!token) return fail(token, "unexpected end of query");
    if (token.text === "(") {
      i++;
      const error = expression();
      if (error) return error;
      if (peek()?.text !== ")") return fail(peek(), "expected ')'");
      i++;
      return null;
    }
    return condition();
  }

  function condition(): string | null {
    const attribute = tokens[i++];
    if (attribute.kind !== "word") return fail(attribute, `unexpected '${attribute.text}'`);
    const operator = tokens[i++];
    if (attribute.text === "customer_tags") {
      if (operator?.text === "NOT") {
        if (tokens[i++]?.text !== "CONTAINS") return fail(tokens[i - 1], "expected CONTAINS after NOT");
      } else if (operator?.text !== "CONTAINS") {
        return fail(
          operator,
          `customer_tags does not support operator '${operator?.text ?? ""}'. Use CONTAINS or NOT CONTAINS`,
        );
      }
      const value = tokens[i++];
      if (value?.kind !== "string") return fail(value, "expected a quoted value, e.g. 'VIP'");
      return null;
    }
    if (COMPARISON_ATTRIBUTES.has(attribute.text)) {
      if (operator?.kind !== "op") return fail(operator, `expected a comparison operator after ${attribute.text}`);
      const value = tokens[i++];
      if (value?.kind !== "number") return fail(value, `expected a number after '${operator.text}'`);
      return null;
    }
    return fail(attribute, `'${attribute.text}' filter cannot be found.`);
  }

  const error = expression();
  if (error) return error;
  if (i < tokens.length) return fail(tokens[i], `unexpected '${tokens[i].text}'`);
  return null;
}
