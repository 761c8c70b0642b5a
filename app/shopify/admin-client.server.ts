// Throttle-aware Admin GraphQL access for background jobs. Shopify meters the Admin API with
// a leaky bucket of cost points; the library only retries HTTP 429/5xx, so cost-based waiting
// (before a call that would not fit, and after a THROTTLED answer) is done here.

export type GraphqlFn = (query: string, options?: { variables?: Record<string, unknown> }) => Promise<Response>;

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

interface CostExtension {
  requestedQueryCost?: number;
  actualQueryCost?: number | null;
  throttleStatus?: ThrottleStatus;
}

export class AdminApiError extends Error {
  override name = "AdminApiError";
  constructor(
    message: string,
    readonly errors: unknown[] = [],
    /** A transient failure of an `atMostOnce` call: Shopify may or may not have run it. */
    readonly ambiguous = false,
  ) {
    super(message);
  }
}

export interface AdminClientOptions {
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Cost assumed for a call before Shopify has told us its real cost. */
  defaultCost?: number;
}

export interface RequestOptions {
  /**
   * The call must not run twice (e.g. Flow triggers, which have no idempotency key): retried only
   * when Shopify certainly did not run it (THROTTLED, HTTP 429); any other failure but GraphQL
   * errors (HTTP 5xx, network, the process failing mid-call) may have run it, and is thrown at
   * once as an AdminApiError with `ambiguous` set.
   */
  atMostOnce?: boolean;
}

export interface AdminUsage {
  calls: number;
  costUsed: number;
  throttled: number;
  retries: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class AdminClient {
  readonly usage: AdminUsage = { calls: 0, costUsed: 0, throttled: 0, retries: 0 };
  private throttle: (ThrottleStatus & { at: number }) | undefined;
  private readonly lastCost = new Map<string, number>();
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly defaultCost: number;

  constructor(
    private readonly graphql: GraphqlFn,
    options: AdminClientOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 10;
    this.sleep = options.sleep ?? realSleep;
    this.defaultCost = options.defaultCost ?? 10;
  }

  /** Runs a query or mutation; returns `data`. Throws AdminApiError for errors a retry cannot fix. */
  async request<T>(query: string, variables?: Record<string, unknown>, options: RequestOptions = {}): Promise<T> {
    const expected = this.lastCost.get(query) ?? this.defaultCost;
    for (let attempt = 1; ; attempt++) {
      await this.waitForBudget(expected);
      let body: { data?: T; errors?: unknown; extensions?: { cost?: CostExtension } };
      try {
        this.usage.calls++;
        const response = await this.graphql(query, { variables });
        body = await response.json();
      } catch (error) {
        const failure = classify(error);
        if (failure.cost) this.record(query, failure.cost);
        // Only a throttle or GraphQL errors prove Shopify ran nothing; anything else may have run.
        const mayHaveRun = failure.kind === "transient" || (failure.kind === "fatal" && failure.errors.length === 0);
        if (options.atMostOnce && mayHaveRun) throw new AdminApiError(failure.message, failure.errors, true);
        if (failure.kind === "fatal" || attempt >= this.maxAttempts) {
          throw new AdminApiError(failure.message, failure.errors);
        }
        this.usage.retries++;
        if (failure.kind === "throttled") {
          this.usage.throttled++;
          await this.sleep(this.msUntilAvailable(failure.cost?.requestedQueryCost ?? expected));
        } else {
          await this.sleep(Math.min(30_000, 500 * 2 ** (attempt - 1)));
        }
        continue;
      }
      if (body.extensions?.cost) this.record(query, body.extensions.cost);
      if (body.errors) throw new AdminApiError(`GraphQL errors: ${JSON.stringify(body.errors)}`, [body.errors]);
      return body.data as T;
    }
  }

  /** Points available now, estimated from the last status Shopify reported and the restore rate. */
  available(now = Date.now()): number | undefined {
    if (!this.throttle) return undefined;
    const restored = ((now - this.throttle.at) / 1000) * this.throttle.restoreRate;
    return Math.min(this.throttle.maximumAvailable, this.throttle.currentlyAvailable + restored);
  }

  get throttleStatus(): ThrottleStatus | undefined {
    return this.throttle;
  }

  private record(query: string, cost: CostExtension) {
    const spent = cost.actualQueryCost ?? cost.requestedQueryCost;
    if (typeof spent === "number") {
      this.usage.costUsed += cost.actualQueryCost ?? 0;
      this.lastCost.set(query, Math.max(spent, cost.requestedQueryCost ?? 0));
    }
    if (cost.throttleStatus) this.throttle = { ...cost.throttleStatus, at: Date.now() };
  }

  private msUntilAvailable(cost: number): number {
    const available = this.available() ?? 0;
    const rate = this.throttle?.restoreRate || 50;
    return Math.max(50, Math.ceil(((cost - available) / rate) * 1000) + 50);
  }

  private async waitForBudget(cost: number) {
    const available = this.available();
    if (available !== undefined && available < cost) await this.sleep(this.msUntilAvailable(cost));
  }
}

type Failure = { kind: "throttled" | "transient" | "fatal"; message: string; errors: unknown[]; cost?: CostExtension };

// Errors from @shopify/shopify-api: GraphqlQueryError carries the GraphQL errors (THROTTLED
// among them), HttpRetriableError/HttpThrottlingError/HttpInternalError are HTTP 429/5xx.
function classify(error: unknown): Failure {
  const e = error as {
    name?: string;
    message?: string;
    body?: { errors?: { graphQLErrors?: { extensions?: { code?: string } }[] }; extensions?: { cost?: CostExtension } };
    response?: { code?: number };
  };
  const message = e?.message ?? String(error);
  const graphQLErrors = e?.body?.errors?.graphQLErrors ?? [];
  const cost = e?.body?.extensions?.cost;
  if (graphQLErrors.some((g) => g.extensions?.code === "THROTTLED"))
    return { kind: "throttled", message, errors: graphQLErrors, cost };
  if (graphQLErrors.length > 0) return { kind: "fatal", message, errors: graphQLErrors };
  const name = e?.name ?? "";
  if (
    /Throttling|Retriable|Internal|HttpRequestError|MaxRetries/.test(name) ||
    /fetch failed|ECONN|socket/i.test(message)
  ) {
    return { kind: /Throttling/.test(name) ? "throttled" : "transient", message, errors: [] };
  }
  if (error instanceof TypeError) return { kind: "transient", message, errors: [] }; // network failure from fetch
  return { kind: "fatal", message, errors: [] };
}
