import { useEffect, useState } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { useActionData, useFetcher, useLoaderData, useNavigation, useSearchParams, useSubmit } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, Layout, List, Page, Text, TextField } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { authenticate } from "~/shopify.server";
import { requireShop } from "~/models/shop.server";
import { deleteRuleSegment, loadRuleSegment, previewRuleCount, saveRuleSegment, validateRuleForm } from "~/models/rule-segments.server";
import { enqueuePush } from "~/jobs/compute.server";
import { queues } from "~/queues.server";
import { describeRule, type Rule, type RuleCondition } from "~/segmentation/rules";
import { EMPTY_DRAFT, RuleBuilder, draftFromCondition, ruleFromDrafts, type Draft } from "~/components/RuleBuilder";
import { RouteError } from "~/components/RouteError";
import { formatNumber, formatShare } from "~/components/format";

// /app/rules/new creates a rule segment; /app/rules/<key> edits one.

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data?.key ? `Edit ${data.name} · Segments` : "New rule segment · Segments" }];

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await requireShop(session.shop);
  if (params.key === "new") return { key: null, name: "", rule: { all: [] } as Rule, error: null };
  return loadRuleSegment(shop, params.key ?? "");
};

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { session } = await authenticate.admin(request);
  const shop = await requireShop(session.shop);
  const form = await request.formData();
  if (form.get("intent") === "delete") {
    // Confirmed in the page; the key must come back with the request, so a stray post deletes nothing.
    const { key } = await loadRuleSegment(shop, params.key ?? "");
    if (form.get("confirm") !== key) return { errors: ["Confirm the deletion first"], preview: null, description: null, deleting: true };
    const result = await deleteRuleSegment(shop, key);
    if ("errors" in result) return { errors: result.errors, preview: null, description: null, deleting: true };
    // Shopify's segment and the tags go at the next push: queue one now.
    await enqueuePush(queues(), shop.id, "segment-deleted");
    return redirect(`/app/segments?deleted=${encodeURIComponent(result.name)}`);
  }
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
  const [searchParams] = useSearchParams();
  const [confirmingDelete, setConfirmingDelete] = useState(searchParams.get("delete") === "1");
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
              {loaded.error && (
                <Banner tone="critical" title="This rule can't be computed">
                  <BlockStack gap="200">
                    <Text as="p">{loaded.error}</Text>
                    <Text as="p">The last compute run skipped it, so it has no members. Fix the conditions and save, or delete it.</Text>
                  </BlockStack>
                </Banner>
              )}
              {errors.length > 0 && (
                <Banner tone="critical" title={saved && "deleting" in saved ? "The segment can't be deleted yet" : "The segment can't be saved yet"}>
                  <List>
                    {errors.map((error) => (
                      <List.Item key={error}>{error}</List.Item>
                    ))}
                  </List>
                </Banner>
              )}
              <TextField label="Segment name" value={name} onChange={setName} autoComplete="off" maxLength={80} />
              <RuleBuilder join={join} drafts={drafts} onChange={(j, d) => setRule({ join: j, drafts: d })} />
              <InlineStack align="end" gap="200">
                {loaded.key && !confirmingDelete && (
                  <Button tone="critical" onClick={() => setConfirmingDelete(true)}>
                    Delete segment
                  </Button>
                )}
                <Button
                  variant="primary"
                  loading={navigation.state === "submitting"}
                  onClick={() => submit({ intent: "save", name, rule: ruleJson }, { method: "post" })}
                >
                  Save segment
                </Button>
              </InlineStack>
              {loaded.key && confirmingDelete && (
                <Banner tone="warning" title={`Delete “${loaded.name}”?`} onDismiss={() => setConfirmingDelete(false)}>
                  <BlockStack gap="300">
                    <Text as="p">
                      Its members and history go now; its Shopify customer segment, its tags on customers and its storefront
                      recommendations are removed by the next push. This can't be undone.
                    </Text>
                    <InlineStack gap="200">
                      <Button
                        variant="primary"
                        tone="critical"
                        loading={navigation.state === "submitting"}
                        onClick={() => submit({ intent: "delete", confirm: loaded.key! }, { method: "post" })}
                      >
                        Delete segment
                      </Button>
                      <Button onClick={() => setConfirmingDelete(false)}>Cancel</Button>
                    </InlineStack>
                  </BlockStack>
                </Banner>
              )}
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
