import { describe, expect, it } from 'vitest';
import { defaultAnalyticsConfig } from '../../../shared/analytics/index.js';
import { AnalyticsConfig } from '../../../shared/analytics/config.js';
import { queues } from '../../../shared/resources.js';
import { handleShardMessage } from '../../../shared/segmentation/dispatch.js';
import { startRun, type SegmentationSettings } from '../../../shared/segmentation/start.js';
import { ShardMessage } from '../../../shared/segmentation/plan.js';
import type { PurchaseRow } from '../../../shared/segmentation/ports.js';
import { memoryDeps } from '../segmentation/fakes.js';

// Segment rules over what delivery reports put on the customer (shared/channels/engagement.ts).
const config = AnalyticsConfig.parse({
  ...defaultAnalyticsConfig,
  timeUnit: 'week',
  // A small base is enough here: the point is which rule matches, not the fit.
  fit: { minCustomers: 20, minRepeatBuyers: 10 },
  segments: [
    { name: 'coupon_hunter', when: { field: 'couponRedemptionRate', op: 'gte', value: 0.5 } },
    { name: 'engaged', when: { field: 'engagementRate', op: 'gte', value: 0.3 } },
    { name: 'unengaged', when: { field: 'engagementRate', op: 'lt', value: 0.3 } },
    { name: 'unknown' },
  ],
});
const settings: SegmentationSettings = { timeZone: 'UTC', timeUnit: 'week', shards: 2, stallMinutes: 30, config };

function purchases(customers: number): PurchaseRow[] {
  const rows: PurchaseRow[] = [];
  for (let c = 0; c < customers; c++) {
    for (let k = 0; k < 1 + (c % 4); k++) {
      rows.push({ customerId: `C${c}`, occurredAt: new Date(Date.UTC(2026, 0, 5 + ((c * 7) % 60) + k * (20 + (c % 5) * 9), 10)).toISOString(), totalMinor: 1500 + c * 10, type: 'purchase', currency: 'EUR' });
    }
  }
  return rows;
}

describe('engagement fields in segment rules', () => {
  it('the nightly run segments on the engagement and coupon redemption rates stored on each customer', async () => {
    const deps = memoryDeps(purchases(40), new Date('2026-11-20T02:00:00Z'));
    const engagement: Record<string, { engagementRate: number | null; couponRedemptionRate: number | null }> = {
      C1: { engagementRate: 0.8, couponRedemptionRate: 0 },
      C2: { engagementRate: 0.1, couponRedemptionRate: null },
      C3: { engagementRate: 0.9, couponRedemptionRate: 0.75 },
      C4: { engagementRate: null, couponRedemptionRate: null },
    };
    for (const [id, e] of Object.entries(engagement)) deps.customers.docs.set(id, { doc: { id, createdAt: '2026-01-01T00:00:00Z', engagement: { ...e, version: 1 } }, etag: 1 });

    expect((await startRun(deps, settings, { trigger: 'on_demand', asOf: '2026-11-19', runId: 'eng' })).kind).toBe('started');
    for (let guard = 0; guard < 1000; guard++) {
      const queue = deps.bus.queues.get(queues.segmentShards.name) ?? [];
      const message = queue.shift();
      if (!message) break;
      await handleShardMessage(deps, ShardMessage.parse(message.body), 1);
    }
    expect((await deps.runs.get('eng'))!.status).toBe('completed');
    const segment = (id: string) => deps.customers.docs.get(id)!.doc['segment'];
    expect([segment('C1'), segment('C2'), segment('C3'), segment('C4'), segment('C5')]).toEqual(['engaged', 'unengaged', 'coupon_hunter', 'unknown', 'unknown']);
    // The engagement written by delivery reports is still there after the run's write.
    expect(deps.customers.docs.get('C1')!.doc['engagement']).toMatchObject({ engagementRate: 0.8 });
  });
});
