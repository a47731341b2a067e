import { describe, expect, it } from 'vitest';
import { fromMinorUnits, toMinorUnits } from '../../../shared/money.js';
import { fieldErrors } from '../../../shared/http/problem.js';
import { purchaseId, temporalIssues, toPurchase } from '../../../shared/purchases/ingest.js';
import { PurchaseInput } from '../../../shared/purchases/schema.js';

const now = new Date('2026-11-02T12:00:00Z');
const input = (overrides: Record<string, unknown> = {}) =>
  PurchaseInput.parse({
    orderId: 'A-1001',
    source: 'pos',
    customerId: 'C-42',
    occurredAt: '2026-11-01T10:15:00+01:00',
    total: 59.9,
    currency: 'EUR',
    items: [{ sku: 'SKU-1', category: 'coffee', quantity: 2, unitPrice: 29.95 }],
    ...overrides,
  });

describe('money', () => {
  it('converts by the currency exponent and refuses extra decimals', () => {
    expect(toMinorUnits(59.9, 'EUR')).toBe(5990);
    expect(toMinorUnits(0.1 + 0.2, 'EUR')).toBe(30);
    expect(toMinorUnits(1500, 'JPY')).toBe(1500);
    expect(toMinorUnits(1.5, 'JPY')).toBeUndefined();
    expect(toMinorUnits(1.234, 'KWD')).toBe(1234);
    expect(toMinorUnits(59.901, 'EUR')).toBeUndefined();
    expect(fromMinorUnits(5990, 'EUR')).toBe(59.9);
  });
});

describe('purchase normalisation', () => {
  it('stores exact minor units, UTC instants and a stable content hash', () => {
    const purchase = toPurchase(input(), now);
    expect(purchase.totalMinor).toBe(5990);
    expect(purchase.items[0]!.unitPriceMinor).toBe(2995);
    expect(purchase.occurredAt).toBe('2026-11-01T09:15:00.000Z');
    expect(purchase.type).toBe('purchase');
    const reordered = PurchaseInput.parse(JSON.parse(JSON.stringify({ ...input(), currency: 'EUR', orderId: 'A-1001' })));
    expect(toPurchase(reordered, new Date('2026-12-01T00:00:00Z')).contentHash).toBe(purchase.contentHash);
    expect(toPurchase(input({ total: 60 }), now).contentHash).not.toBe(purchase.contentHash);
  });

  it('derives one id per (source, orderId), safe for Cosmos', () => {
    expect(purchaseId('pos', 'A/1?#')).toMatch(/^pos-[0-9a-f]{32}$/);
    expect(purchaseId('pos', 'A-1')).toBe(purchaseId('pos', 'A-1'));
    expect(purchaseId('pos', 'A-1')).not.toBe(purchaseId('shop', 'A-1'));
  });

  it('flags timestamps in the future beyond the clock skew', () => {
    expect(temporalIssues(input({ occurredAt: '2026-11-02T12:04:00Z' }), now)).toEqual([]);
    expect(temporalIssues(input({ occurredAt: '2026-11-02T12:06:00Z' }), now, '/purchases/3')).toEqual([
      { pointer: '/purchases/3/occurredAt', message: expect.stringContaining('future') },
    ]);
  });

  it('reports unknown fields and nested errors as JSON pointers', () => {
    const result = PurchaseInput.safeParse({ ...input(), extra: 1, items: [{ sku: 'X', quantity: 0, unitPrice: 1 }] });
    expect(result.success).toBe(false);
    const pointers = fieldErrors(result.error!).map((e) => e.pointer).sort();
    expect(pointers).toEqual(['/extra', '/items/0/quantity']);
  });
});
