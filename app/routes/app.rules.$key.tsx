import { useEffect, useState } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { useActionData, useFetcher, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, Layout, List, Page, Text, TextField } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { authenticate } from "~/shopify.server";
import { requireShop } from "~/models/shop.server";
import { loadRuleSegment, previewRuleCount, saveRuleSegment, validateRuleForm } from "~/models/rule-segments.server";
import { describeRule, type Rule, type RuleCondition } from "~/segmentation/rules";
import { EMPTY_DRAFT, RuleBuilder, draftFromCondition, ruleFromDrafts, type Draft } from "~/components/RuleBuilder";
import { RouteError } from "~/components/RouteError";
import { formatNumber, formatShare } from "~/components/format";

// /app/rules/new creates a rule segment; /app/rules/<key> edits one.

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.key ? `Edit ${data.name} · Segments` : "New rule segment · Segments" }];

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await requireShop(session.shop);
  if (params.key === "new") return { key: null, name: "", rule: { all: [] } as Rule };
  return loadRuleSegment(shop, params.key ?? "");
};

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await requireShop(session.shop);
  const form = await request.formData();
  const name = String(form.get("name") ?? "").trim();
  let rule: unknown;
  try {
    rule = JSON.parse(String(form.get("rule") ?? ""));
  } catch {
    rule = null;
  }
  const errors = validateRuleForm({ name: form.get("intent") === "preview" ? "preview" : name, rule });
  if (errors.length > 0) return { errors, preview: null, description: null };
  const description = describeRule(rule as Rule);
  if (form.get("intent") === "preview") {
    return { errors: [], preview: await previewRuleCount(shop, rule as Rule), description };
  }
  const key = await saveRuleSegment(shop, params.key === "new" ? null : (params.key ?? null), name, rule as Rule, description);
  return redirect(`/app/segments/${key}?saved=1`);
};

function initialDrafts(rule: Rule): { join: "all" | "any"; drafts: Draft[] } {
  const join = "any" in rule ? "any" : "all";
  const children = "any" in rule ? rule.any : rule.all;
  // The builder edits flat rules; nested groups (from the API) are kept out of its rows.
  const flat = children.filter((c): c is RuleCondition => !("all" in c || "any" in c));
  return { join, drafts: flat.length > 0 ? flat.map(draftFromCondition) : [EMPTY_DRAFT] };
}

export default function RuleSegmentEditor() {
  const loaded = useLoaderData<typeof loader>();
  const saved = useActionData<typeof action>();
  const navigation = useNavigation();
  const submit = useSubmit();
  const preview = useFetcher<typeof action>();
  const [name, setName] = useState(loaded.name);
  const [{ join, drafts }, setRule] = useState(() => initialDrafts(loaded.rule as Rule));
  const ruleJson = JSON.stringify(ruleFromDrafts(join, drafts));

  // Live preview: recount shortly after the rule stops changing.
  const { submit: submitPreview } = preview;
  useEffect(() => {
    const timer = setTimeout(() => submitPreview({ intent: "preview", rule: ruleJson }, { method: "post" }), 400);
    return () => clearTimeout(timer);
  }, [ruleJson, submitPreview]);

  const result = preview.data;
  const errors = saved?.errors ?? [];
  return (
    <Page
      title={loaded.key ? `Edit ${loaded.name}` : "New rule segment"}
      backAction={{ content: "Segments", url: loaded.key ? `/app/segments/${loaded.key}` : "/app/segments" }}
    >
      <TitleBar title={loaded.key ? "Edit rule segment" : "New rule segment"} />
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="400">
              {errors.length > 0 && (
                <Banner tone="critical" title="The segment can't be saved yet">
                  <List>
                    {errors.map((error) => (
                      <List.Item key={error}>{error}</List.Item>
                    ))}
                  </List>
                </Banner>
              )}
              <TextField label="Segment name" value={name} onChange={setName} autoComplete="off" maxLength={80} />
              <RuleBuilder join={join} drafts={drafts} onChange={(j, d) => setRule({ join: j, drafts: d })} />
              <InlineStack align="end">
                <Button
                  variant="primary"
                  loading={navigation.state === "submitting"}
                  onClick={() => submit({ intent: "save", name, rule: ruleJson }, { method: "post" })}
                >
                  Save segment
                </Button>
              </InlineStack>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Preview
              </Text>
              <div aria-live="polite">
                {result?.preview ? (
                  <BlockStack gap="200">
                    <Text as="p" variant="headingLg">
                      {formatNumber(result.preview.matches)} customers match
                    </Text>
                    <Text as="p" tone="subdued">
                      {formatShare(result.preview.matches, result.preview.scored)} of {formatNumber(result.preview.scored)} scored customers
                    </Text>
                    <Text as="p">Customers who {result.description}.</Text>
                  </BlockStack>
                ) : result?.errors.length ? (
                  <BlockStack gap="100">
                    {result.errors.map((error) => (
                      <Text as="p" tone="critical" key={error}>
                        {error}
                      </Text>
                    ))}
                  </BlockStack>
                ) : (
                  <Text as="p" tone="subdued">
                    Counting…
                  </Text>
                )}
              </div>
              <Text as="p" variant="bodySm" tone="subdued">
                Counted from the latest scores. Membership is updated on the next compute run.
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Rule segment" />;
}
