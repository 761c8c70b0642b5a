import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { redirect } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { Page } from "@shopify/polaris";
import { TitleBar } from "@shopify/app-bridge-react";
import { requireAdminShop } from "~/admin/require-admin-shop.server";
import {
  deleteRuleSegment,
  loadRuleSegment,
  previewRuleCount,
  saveRuleSegment,
  validateRuleForm,
} from "~/admin/rule-segments.server";
import { enqueuePush } from "~/enqueue.server";
import { queues } from "~/queues.server";
import { describeRule, type Rule } from "~/segmentation/rules";
import { RouteError } from "~/components/RouteError";
import { RuleSegmentEditor } from "~/components/rules/RuleSegmentEditor";

// /app/rules/new creates a rule segment; /app/rules/<key> edits one.

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data?.key ? `Edit ${data.name} · Segments` : "New rule segment · Segments" },
];

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await requireAdminShop(request);
  if (params.key === "new") return { key: null, name: "", rule: { all: [] } as Rule, error: null };
  return loadRuleSegment(shop, params.key ?? "");
};

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { shop } = await requireAdminShop(request);
  const form = await request.formData();
  if (form.get("intent") === "delete") {
    // Confirmed in the page; the key must come back with the request, so a stray post deletes nothing.
    const { key } = await loadRuleSegment(shop, params.key ?? "");
    if (form.get("confirm") !== key)
      return { errors: ["Confirm the deletion first"], preview: null, description: null, deleting: true };
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
  const key = await saveRuleSegment(
    shop,
    params.key === "new" ? null : (params.key ?? null),
    name,
    rule as Rule,
    description,
  );
  return redirect(`/app/segments/${key}?saved=1`);
};

export default function RuleSegmentPage() {
  const loaded = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <Page
      title={loaded.key ? `Edit ${loaded.name}` : "New rule segment"}
      backAction={{ content: "Segments", url: loaded.key ? `/app/segments/${loaded.key}` : "/app/segments" }}
    >
      <TitleBar title={loaded.key ? "Edit rule segment" : "New rule segment"} />
      <RuleSegmentEditor segment={{ ...loaded, rule: loaded.rule as Rule }} result={result} />
    </Page>
  );
}

export function ErrorBoundary() {
  return <RouteError title="Rule segment" />;
}
