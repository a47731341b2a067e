import { isRefund, type SimRequest } from './traffic.js';

/**
 * The true revenue effect, kept as the requests land: per arm, the sum over orders counted in an
 * enrollment's attribution window of (what the order booked − what it would have booked without the
 * journey). Natural purchases without a coupon book the same in both worlds: they add nothing to it, but
 * count in what the arm booked, which the KPIs' revenue per arm must equal.
 *
 * An order counts for the window its first event falls in, as the KPIs count it; its refund follows the
 * order whenever it comes. A redemption's purchase is recorded at the host's clock when it arrives, the
 * others at the time their body names.
 */
export class RevenueLedger {
  private readonly byArm = new Map<string, number>();
  private readonly bookedByArm = new Map<string, number>();
  /** Per order: whether its first event fell in its enrollment's window (unknown until it was booked). */
  private readonly counted = new Map<string, boolean>();

  /** `request` was accepted at `recordedAt`; `discountMinor` is what the host took off (redemptions). */
  book(request: SimRequest, recordedAt: number, discountMinor = 0): void {
    const effect = request.effect;
    if (!effect || request.repeat) return;
    if (!isRefund(request) && !this.counted.has(effect.orderId)) this.counted.set(effect.orderId, effect.window[0] <= recordedAt && recordedAt < effect.window[1]);
    if (this.counted.get(effect.orderId) !== true) return;
    const booked = request.bookedMinor - discountMinor;
    this.bookedByArm.set(effect.arm, (this.bookedByArm.get(effect.arm) ?? 0) + booked);
    if (booked !== effect.counterfactualMinor) this.byArm.set(effect.arm, (this.byArm.get(effect.arm) ?? 0) + booked - effect.counterfactualMinor);
  }

  /** Minor units the journey added per arm (arms without any changed order are absent: 0). */
  perArm(): Map<string, number> {
    return new Map(this.byArm);
  }

  /**
   * Minor units booked per arm by the orders of enrolled customers in their windows: what the KPIs must
   * count as the arm's revenue when every enrollment was watched. It is the check on the truth above.
   */
  bookedPerArm(): Map<string, number> {
    return new Map(this.bookedByArm);
  }
}
