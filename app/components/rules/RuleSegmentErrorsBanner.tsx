import { Banner, List } from "@shopify/polaris";

/** Why the segment couldn't be saved (or deleted), one item per problem. */
export function RuleSegmentErrorsBanner({ errors, deleting }: { errors: string[]; deleting: boolean }) {
  return (
    <Banner tone="critical" title={deleting ? "The segment can't be deleted yet" : "The segment can't be saved yet"}>
      <List>
        {errors.map((error) => (
          <List.Item key={error}>{error}</List.Item>
        ))}
      </List>
    </Banner>
  );
}
