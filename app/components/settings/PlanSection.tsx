import { Badge, BlockStack, Button, Card, InlineStack, Layout, List, Text } from "@shopify/polaris";
import { FEATURE_LABELS, PLAN_ORDER, PLANS, type Feature, type PlanView } from "~/billing/plans";

const FEATURES = Object.keys(FEATURE_LABELS) as Feature[];

function limitText(limit: number | null): string {
  return limit === null ? "Every customer scored" : `Up to ${limit.toLocaleString("en-US")} customers scored`;
}

/** The shop's plan, what each plan includes, and Shopify's plan page (where plans are changed). */
export function PlanSection({ plan }: { plan: PlanView }) {
  return (
    <Layout.AnnotatedSection
      title="Plan"
      description="Billed by Shopify. Shopify's plan page shows the prices and handles trials and changes."
    >
      <Card>
        <BlockStack gap="400">
          <InlineStack gap="200" blockAlign="center">
            <Text as="h2" variant="headingMd">
              {`${plan.name} plan`}
            </Text>
            {plan.subscription?.test && <Badge tone="info">Test charge</Badge>}
            {!plan.checked && <Badge>Not checked with Shopify yet</Badge>}
          </InlineStack>
          <Text as="p" tone="subdued">
            {plan.subscription
              ? `Subscription “${plan.subscription.name}” (${plan.subscription.status.toLowerCase()}).`
              : plan.checked
                ? "No paid subscription."
                : "The app reads your subscription from Shopify shortly after each install."}
          </Text>
          {PLAN_ORDER.map((id) => {
            const { name, features } = PLANS[id];
            return (
              <BlockStack gap="100" key={id}>
                <InlineStack gap="200" blockAlign="center">
                  <Text as="h3" variant="headingSm">
                    {name}
                  </Text>
                  {id === plan.id && <Badge tone="success">Current</Badge>}
                </InlineStack>
                <List type="bullet">
                  <List.Item>RFM, lifecycle and rule segments</List.Item>
                  <List.Item>{limitText(features.customerLimit)}</List.Item>
                  {FEATURES.filter((f) => features[f]).map((f) => (
                    <List.Item key={f}>{FEATURE_LABELS[f]}</List.Item>
                  ))}
                </List>
              </BlockStack>
            );
          })}
          <InlineStack>
            <Button url={plan.pricingUrl} target="_top">
              Change plan
            </Button>
          </InlineStack>
        </BlockStack>
      </Card>
    </Layout.AnnotatedSection>
  );
}
