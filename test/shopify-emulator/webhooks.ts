// Webhook delivery to the app, like Shopify's: signed JSON POSTs to the subscribed URIs,
// at-least-once with retries and backoff on non-2xx or timeouts. Fault injection (duplicates,
// delays, holding and shuffled release) and a delivery log for assertions.
import { createHmac, randomUUID } from "node:crypto";
import { Random } from "./random";

export interface WebhookFaults {
  /** Probability that a delivery is also sent a second time (same webhook and event id). */
  duplicateRate: number;
  /** Random delay before each delivery, in ms: [min, max]. */
  delayMs: [number, number];
  /** The app must answer within this time or the attempt counts as failed. */
  timeoutMs: number;
  /** Attempts per delivery, first one included (Shopify: 8 over 4 hours). */
  maxAttempts: number;
  /** Backoff before retry n is retryBaseMs * 2^(n-1). */
  retryBaseMs: number;
  /** Deliveries in flight at once. */
  concurrency: number;
}

export interface DeliveryLogEntry {
  webhookId: string;
  eventId: string;
  topic: string;
  shop: string;
  url: string | null;
  attempt: number;
  duplicate: boolean;
  /** The raw body sent (the same string for every attempt of a delivery). */
  body: string;
  /** HTTP status of the app's answer; null when it failed to answer or was not subscribed. */
  status: number | null;
  error: string | null;
  durationMs: number;
  at: number;
}

export interface WebhookOptions {
  eventId?: string;
  webhookId?: string;
  /** Sends this signature instead of the correct one (to test rejection). */
  hmac?: string;
  /** Sends this body verbatim instead of JSON of the payload (to test malformed bodies). */
  rawBody?: string;
  /** Overrides the delivery URL (default: app URL + subscribed uri). */
  url?: string;
}

interface Delivery {
  webhookId: string;
  eventId: string;
  topic: string;
  shop: string;
  url: string | null;
  body: string;
  hmac: string;
  triggeredAt: string;
  duplicate: boolean;
}

export class WebhookDispatcher {
  readonly faults: WebhookFaults = {
    duplicateRate: 0,
    delayMs: [0, 0],
    timeoutMs: 5000,
    maxAttempts: 4,
    retryBaseMs: 20,
    concurrency: 16,
  };
  readonly log: DeliveryLogEntry[] = [];
  private held: Delivery[] | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly waiting: (() => void)[] = [];
  private active = 0;
  private random: Random;

  constructor(
    private readonly config: {
      appUrl: string;
      apiSecret: string;
      apiVersion: string;
      subscriptions: Map<string, string>;
      seed?: number;
    },
  ) {
    this.random = new Random(config.seed ?? 1);
  }

  /** Reseeds the fault randomness (duplicates, delays, shuffles). */
  seed(seed: number): void {
    this.random = new Random(seed);
  }

  isSubscribed(topic: string): boolean {
    return this.config.subscriptions.has(topic);
  }

  /** Queues a webhook for delivery; returns its ids. */
  send(
    shop: string,
    topic: string,
    payload: unknown,
    options: WebhookOptions = {},
  ): { webhookId: string; eventId: string } {
    const uri = this.config.subscriptions.get(topic);
    const body = options.rawBody ?? JSON.stringify(payload);
    const delivery: Delivery = {
      webhookId: options.webhookId ?? randomUUID(),
      eventId: options.eventId ?? randomUUID(),
      topic,
      shop,
      url: options.url ?? (uri ? new URL(uri, this.config.appUrl).toString() : null),
      body,
      hmac: options.hmac ?? signWebhook(body, this.config.apiSecret),
      triggeredAt: new Date().toISOString(),
      duplicate: false,
    };
    if (this.held) this.held.push(delivery);
    else this.dispatch(delivery);
    return { webhookId: delivery.webhookId, eventId: delivery.eventId };
  }

  /** Holds deliveries until `release()`, e.g. to deliver a batch shuffled. */
  hold(): void {
    this.held ??= [];
  }

  /**
   * Delivers everything held, in shuffled order if asked; resolves when all are done. With
   * `topics`, only deliveries of those topics go and the rest stay held (one topic overtaking another).
   */
  async release(options: { shuffle?: boolean; topics?: string[] } = {}): Promise<void> {
    const all = this.held ?? [];
    const chosen = (d: Delivery) => !options.topics || options.topics.includes(d.topic);
    const held = all.filter(chosen);
    this.held = options.topics ? all.filter((d) => !chosen(d)) : null;
    if (options.shuffle) {
      for (let i = held.length - 1; i > 0; i--) {
        const j = Math.floor(this.random.next() * (i + 1));
        [held[i], held[j]] = [held[j], held[i]];
      }
    }
    for (const delivery of held) this.dispatch(delivery);
    await this.idle();
  }

  get heldCount(): number {
    return this.held?.length ?? 0;
  }

  /** Resolves when no delivery (or retry) is pending. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  /** Log entries of the final attempt of each distinct delivery that the app accepted. */
  delivered(topic?: string): DeliveryLogEntry[] {
    return this.log.filter(
      (e) => e.status !== null && e.status >= 200 && e.status < 300 && (!topic || e.topic === topic),
    );
  }

  private dispatch(delivery: Delivery): void {
    this.track(this.deliver(delivery));
    if (this.faults.duplicateRate > 0 && this.random.next() < this.faults.duplicateRate)
      this.track(this.deliver({ ...delivery, duplicate: true }));
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const [minDelay, maxDelay] = this.faults.delayMs;
    const wait = minDelay + this.random.next() * (maxDelay - minDelay);
    if (wait > 0) await sleep(wait);
    if (!delivery.url) {
      this.record(delivery, 0, null, "not subscribed", 0);
      return;
    }
    for (let attempt = 1; attempt <= this.faults.maxAttempts; attempt++) {
      const ok = await this.withSlot(() => this.attempt(delivery, attempt));
      if (ok) return;
      if (attempt < this.faults.maxAttempts) await sleep(this.faults.retryBaseMs * 2 ** (attempt - 1));
    }
  }

  private async attempt(delivery: Delivery, attempt: number): Promise<boolean> {
    const started = performance.now();
    try {
      const response = await fetch(delivery.url!, {
        method: "POST",
        body: delivery.body,
        signal: AbortSignal.timeout(this.faults.timeoutMs),
        headers: {
          "Content-Type": "application/json",
          "User-Agent": "Shopify-Captain-Hook",
          "X-Shopify-Hmac-Sha256": delivery.hmac,
          "X-Shopify-Topic": delivery.topic,
          "X-Shopify-Shop-Domain": delivery.shop,
          "X-Shopify-API-Version": this.config.apiVersion,
          "X-Shopify-Webhook-Id": delivery.webhookId,
          "X-Shopify-Event-Id": delivery.eventId,
          "X-Shopify-Triggered-At": delivery.triggeredAt,
        },
      });
      await response.arrayBuffer();
      this.record(delivery, attempt, response.status, null, performance.now() - started);
      return response.ok;
    } catch (error) {
      this.record(
        delivery,
        attempt,
        null,
        (error as Error).name === "TimeoutError" ? "timeout" : (error as Error).message,
        performance.now() - started,
      );
      return false;
    }
  }

  private record(
    delivery: Delivery,
    attempt: number,
    status: number | null,
    error: string | null,
    durationMs: number,
  ): void {
    const { webhookId, eventId, topic, shop, url, duplicate, body } = delivery;
    this.log.push({
      webhookId,
      eventId,
      topic,
      shop,
      url,
      attempt,
      duplicate,
      body,
      status,
      error,
      durationMs,
      at: Date.now(),
    });
  }

  private async withSlot<T>(work: () => Promise<T>): Promise<T> {
    while (this.active >= this.faults.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await work();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Base64 HMAC-SHA256 of the raw body with the app secret, as in `X-Shopify-Hmac-Sha256`. */
export function signWebhook(body: string, secret: string): string {
  return createHmac("sha256", secret).update(body, "utf8").digest("base64");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
