import type { TransactionColumns } from "./types";

/**
 * Accumulates rows into `TransactionColumns`, mapping customer ids to dense indices and
 * growing typed arrays geometrically (no per-row objects).
 */
export class TransactionColumnsBuilder {
  private readonly indexById = new Map<string, number>();
  private readonly customerIds: string[] = [];
  private customer = new Int32Array(1024);
  private time = new Float64Array(1024);
  private amount = new Float64Array(1024);
  private length = 0;

  get rowCount(): number {
    return this.length;
  }

  /** The customer's index in the built columns, -1 before their first row. */
  indexOf(customerId: string): number {
    return this.indexById.get(customerId) ?? -1;
  }

  add(customerId: string, epochMs: number, amount: number): void {
    if (!Number.isFinite(epochMs)) throw new RangeError(`invalid time for customer ${customerId}`);
    if (!Number.isFinite(amount)) throw new RangeError(`invalid amount for customer ${customerId}`);
    let index = this.indexById.get(customerId);
    if (index === undefined) {
      index = this.customerIds.length;
      this.customerIds.push(customerId);
      this.indexById.set(customerId, index);
    }
    if (this.length === this.customer.length) this.grow();
    this.customer[this.length] = index;
    this.time[this.length] = epochMs;
    this.amount[this.length] = amount;
    this.length++;
  }

  build(): TransactionColumns {
    return {
      customerIds: this.customerIds.slice(),
      customer: this.customer.slice(0, this.length),
      time: this.time.slice(0, this.length),
      amount: this.amount.slice(0, this.length),
    };
  }

  private grow(): void {
    const capacity = this.customer.length * 2;
    const customer = new Int32Array(capacity);
    customer.set(this.customer);
    const time = new Float64Array(capacity);
    time.set(this.time);
    const amount = new Float64Array(capacity);
    amount.set(this.amount);
    this.customer = customer;
    this.time = time;
    this.amount = amount;
  }
}
