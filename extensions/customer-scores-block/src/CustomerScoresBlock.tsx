/** @jsxImportSource preact */
import type { CustomerBlock } from "../../../app/admin/customer-block.server";
import { date, money, percent } from "./format";

// The block's view and its data: what GET /api/customer-block answered, drawn with Polaris web
// components (s-admin-block, s-stack, s-text, s-badge, s-link…). No app code runs here: the type
// import above is erased when the extension is bundled.

export type BlockState =
  | { status: "loading" }
  | { status: "ready"; data: CustomerBlock }
  /** The app has no such customer (not synced yet, or deleted): the endpoint's 404. */
  | { status: "unknown" }
  /** The shop's plan does not include the block (the endpoint's 403 naming the plan that does). */
  | { status: "gated"; plan: string }
  | { status: "error"; message: string };

export const HEADING = "Segments";
/** The app's endpoint, relative: Shopify resolves it against the app's URL and adds the session token. */
export const ENDPOINT = "/api/customer-block";

/** Reads the block's data for a customer GID (`gid://shopify/Customer/N`) from the app. */
export async function loadCustomerBlock(
  customerId: string | undefined,
  fetchImpl: (url: string) => Promise<Response> = (url) => fetch(url),
): Promise<BlockState> {
  if (!customerId) return { status: "unknown" };
  try {
    const response = await fetchImpl(`${ENDPOINT}?customerId=${encodeURIComponent(customerId)}`);
    if (response.status === 404) return { status: "unknown" };
    if (response.status === 403) {
      const body = (await response.json().catch(() => ({}))) as { plan?: unknown };
      if (typeof body.plan === "string") return { status: "gated", plan: body.plan };
    }
    if (!response.ok) return { status: "error", message: `Segments answered ${response.status}.` };
    return { status: "ready", data: (await response.json()) as CustomerBlock };
  } catch {
    return { status: "error", message: "Segments could not be reached." };
  }
}

/** `app:` links open the app's own page in the admin, relative to the app's URL. */
export function appLink(appPath: string): string {
  return `app:${appPath.replace(/^\/+/, "")}`;
}

function Score({ label, value, because }: { label: string; value: string; because?: string }) {
  return (
    <s-stack gap="none">
      <s-text color="subdued">{label}</s-text>
      <s-text type="strong">{value}</s-text>
      {because && <s-paragraph color="subdued">{because}</s-paragraph>}
    </s-stack>
  );
}

function Scores({ data }: { data: CustomerBlock }) {
  const because = (score: string) => data.reasons.find((r) => r.score === score)?.because;
  const member = data.segments.filter((s) => !s.control);
  const control = data.segments.filter((s) => s.control);
  return (
    <s-stack gap="base">
      {data.why && <s-paragraph>{data.why}</s-paragraph>}
      {data.segments.length > 0 ? (
        <s-stack direction="inline" gap="small-200">
          {member.map((s) => (
            <s-badge key={s.key} tone="info">
              {s.name}
            </s-badge>
          ))}
          {control.map((s) => (
            <s-badge key={s.key} tone="neutral">
              {`${s.name} (control group)`}
            </s-badge>
          ))}
        </s-stack>
      ) : (
        <s-text color="subdued">In no segment yet.</s-text>
      )}
      {data.rfm ? (
        <s-stack gap="base">
          <Score
            label="RFM"
            value={`${data.rfm.r} · ${data.rfm.f} · ${data.rfm.m} · ${data.rfm.segment}`}
            because={because("rfm")}
          />
          <Score label="Probability still active" value={percent(data.pAlive)} because={because("pAlive")} />
          <Score label="Predicted lifetime value" value={money(data.clv, data.currency)} because={because("clv")} />
          <Score label="Expected next order" value={date(data.nextOrderAt)} because={because("nextOrder")} />
        </s-stack>
      ) : (
        <s-text color="subdued">Not scored yet: scores appear after the next compute run.</s-text>
      )}
      {data.notes.map((note) => (
        <s-paragraph key={note} color="subdued">
          {note}
        </s-paragraph>
      ))}
      <s-link href={appLink(data.appPath)}>Open in Segments</s-link>
    </s-stack>
  );
}

/** The block for one state of its data. */
export function CustomerScoresBlock({ state }: { state: BlockState }) {
  if (state.status === "loading")
    return (
      <s-admin-block heading={HEADING}>
        <s-spinner accessibilityLabel="Loading the customer's scores" />
      </s-admin-block>
    );
  if (state.status === "unknown")
    return (
      <s-admin-block heading={HEADING}>
        <s-text color="subdued">Segments has no data for this customer yet: it appears after the next sync.</s-text>
      </s-admin-block>
    );
  if (state.status === "gated")
    return (
      <s-admin-block heading={HEADING}>
        <s-stack gap="small-200">
          <s-text>{`This block is part of the ${state.plan} plan of Segments.`}</s-text>
          <s-link href={appLink("app/settings")}>See plans</s-link>
        </s-stack>
      </s-admin-block>
    );
  if (state.status === "error")
    return (
      <s-admin-block heading={HEADING}>
        <s-banner tone="critical">{state.message}</s-banner>
      </s-admin-block>
    );
  const { data } = state;
  const summary = data.rfm
    ? `${data.rfm.segment} · P(active) ${percent(data.pAlive)} · CLV ${money(data.clv, data.currency)}`
    : "Not scored yet";
  return (
    <s-admin-block heading={HEADING} collapsedSummary={summary}>
      <Scores data={data} />
    </s-admin-block>
  );
}
