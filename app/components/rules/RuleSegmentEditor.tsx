import { useEffect, useState } from "react";
import { useFetcher, useNavigation, useSearchParams, useSubmit } from "@remix-run/react";
import { BlockStack, Button, Card, InlineStack, Layout, TextField } from "@shopify/polaris";
import type { Rule } from "~/segmentation/rules";
import { RuleBuilder, draftsFromRule, ruleFromDrafts } from "../RuleBuilder";
import { RuleErrorBanner } from "../RuleErrorBanner";
import { DeleteSegmentConfirmation } from "./DeleteSegmentConfirmation";
import { RulePreviewCard, type RulePreview } from "./RulePreviewCard";
import { RuleSegmentErrorsBanner } from "./RuleSegmentErrorsBanner";

/** What the rule route's action answers when it doesn't redirect. */
export interface RuleActionResult extends RulePreview {
  /** Present when the answer is to a delete. */
  deleting?: boolean;
}

export interface RuleSegmentEditorProps {
  /** The segment being edited (key null: a new one) and why the last compute skipped it, if it did. */
  segment: { key: string | null; name: string; rule: Rule; error: string | null };
  /** The answer to the last save or delete. */
  result: RuleActionResult | undefined;
}

/**
 * Name and conditions of a rule segment, with a live count of matching customers. Saves,
 * previews and deletes post to the page's own action (intents "save", "preview", "delete").
 */
export function RuleSegmentEditor({ segment, result }: RuleSegmentEditorProps) {
  const navigation = useNavigation();
  const submit = useSubmit();
  const preview = useFetcher<RuleActionResult>();
  const [searchParams] = useSearchParams();
  const [confirmingDelete, setConfirmingDelete] = useState(searchParams.get("delete") === "1");
  const [name, setName] = useState(segment.name);
  const [{ join, drafts }, setRule] = useState(() => draftsFromRule(segment.rule));
  const ruleJson = JSON.stringify(ruleFromDrafts(join, drafts));
  const submitting = navigation.state === "submitting";

  // Live preview: recount shortly after the rule stops changing.
  const { submit: submitPreview } = preview;
  useEffect(() => {
    const timer = setTimeout(() => submitPreview({ intent: "preview", rule: ruleJson }, { method: "post" }), 400);
    return () => clearTimeout(timer);
  }, [ruleJson, submitPreview]);

  const errors = result?.errors ?? [];
  return (
    <Layout>
      <Layout.Section>
        <Card>
          <BlockStack gap="400">
            {segment.error && (
              <RuleErrorBanner error={segment.error} nextStep="Fix the conditions and save, or delete it." />
            )}
            {errors.length > 0 && (
              <RuleSegmentErrorsBanner errors={errors} deleting={Boolean(result && "deleting" in result)} />
            )}
            <TextField label="Segment name" value={name} onChange={setName} autoComplete="off" maxLength={80} />
            <RuleBuilder join={join} drafts={drafts} onChange={(j, d) => setRule({ join: j, drafts: d })} />
            <InlineStack align="end" gap="200">
              {segment.key && !confirmingDelete && (
                <Button tone="critical" onClick={() => setConfirmingDelete(true)}>
                  Delete segment
                </Button>
              )}
              <Button
                variant="primary"
                loading={submitting}
                onClick={() => submit({ intent: "save", name, rule: ruleJson }, { method: "post" })}
              >
                Save segment
              </Button>
            </InlineStack>
            {segment.key && confirmingDelete && (
              <DeleteSegmentConfirmation
                name={segment.name}
                deleting={submitting}
                onDelete={() => submit({ intent: "delete", confirm: segment.key! }, { method: "post" })}
                onCancel={() => setConfirmingDelete(false)}
              />
            )}
          </BlockStack>
        </Card>
      </Layout.Section>
      <Layout.Section variant="oneThird">
        <RulePreviewCard result={preview.data} />
      </Layout.Section>
    </Layout>
  );
}
