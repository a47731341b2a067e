import { describe, expect, it } from 'vitest';
import { localeFromAcceptLanguage, unsubscribe, unsubscribePage, unsubscribeToken, unsubscribeUrl, verifyUnsubscribeToken } from '../../../shared/channels/unsubscribe.js';
import { withdrawConsentDecision } from '../../../shared/customers/consent.js';
import type { Channel, Customer } from '../../../shared/customers/schema.js';
import { now } from './fixtures.js';

const secret = 'unsubscribe-test-secret-0123456789abcdef';

describe('unsubscribe tokens', () => {
  it('round-trip customer and channel, also for ids with any characters', () => {
    for (const customerId of ['c-1001', 'kunde äöü 42', '42/x?y']) {
      expect(verifyUnsubscribeToken(secret, unsubscribeToken(secret, customerId, 'sms'))).toEqual({ ok: true, customerId, channel: 'sms' });
    }
    expect(unsubscribeUrl('https://w.example', secret, 'c-1', 'email')).toMatch(/^https:\/\/w\.example\/api\/unsubscribe\?token=v1\.Yy0x\.email\.[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a token altered in any part, or signed with another key', () => {
    const token = unsubscribeToken(secret, 'c-1001', 'email');
    const [v, id, , sig] = token.split('.');
    const otherCustomer = [v, Buffer.from('c-1002').toString('base64url'), 'email', sig].join('.');
    const otherChannel = [v, id, 'sms', sig].join('.');
    const flipped = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    for (const bad of [otherCustomer, otherChannel, flipped, token + 'x', 'v2' + token.slice(2), '', 'garbage', unsubscribeToken('another-secret-of-enough-length', 'c-1001', 'email')]) {
      expect(verifyUnsubscribeToken(secret, bad).ok).toBe(false);
    }
    expect(verifyUnsubscribeToken(secret, [v, id, 'webhook', sig].join('.'))).toEqual({ ok: false, problem: 'unknown channel' });
  });
});

describe('withdrawing consent', () => {
  it('records the withdrawal once; a second one changes nothing', () => {
    const customer: Pick<Customer, 'consents'> = { consents: { email: { granted: true, at: '2026-01-01T00:00:00Z', source: 'pos' }, sms: { granted: true, at: '2026-01-01T00:00:00Z', source: 'pos' } } };
    const first = withdrawConsentDecision(customer, 'email', 'unsubscribe-link', now);
    expect(first).toEqual({
      changed: true,
      consents: { email: { granted: false, at: now.toISOString(), source: 'unsubscribe-link' }, sms: customer.consents.sms },
    });
    expect(withdrawConsentDecision({ consents: first.changed ? first.consents : {} }, 'email', 'unsubscribe-link', new Date())).toEqual({ changed: false });
  });

  it('the use case withdraws through the store, idempotently, in the customer language', async () => {
    const consents = new Map<string, Customer['consents']>([['c-1', { email: { granted: true, at: '2026-01-01T00:00:00Z', source: 'shop' } }]]);
    const store = {
      get: async (id: string) => (consents.has(id) ? { customer: { locale: 'de-DE' } } : undefined),
      withdrawConsent: async (id: string, channel: Channel, source: string, at: Date) => {
        const current = consents.get(id);
        if (!current) return 'unknown' as const;
        const d = withdrawConsentDecision({ consents: current }, channel, source, at);
        if (!d.changed) return 'unchanged' as const;
        consents.set(id, d.consents);
        return 'withdrawn' as const;
      },
    };
    const token = unsubscribeToken(secret, 'c-1', 'email');
    expect(await unsubscribe({ secret, customers: store }, token, now)).toEqual({ kind: 'unsubscribed', customerId: 'c-1', channel: 'email', change: 'withdrawn', locale: 'de-DE' });
    expect(await unsubscribe({ secret, customers: store }, token, now)).toMatchObject({ change: 'unchanged' });
    expect(consents.get('c-1')!.email).toEqual({ granted: false, at: now.toISOString(), source: 'unsubscribe-link' });
    expect(await unsubscribe({ secret, customers: store }, unsubscribeToken(secret, 'gone', 'sms'), now)).toEqual({ kind: 'unsubscribed', customerId: 'gone', channel: 'sms', change: 'unknown' });
    expect(await unsubscribe({ secret, customers: store }, token.replace('email', 'push'), now)).toEqual({ kind: 'invalid', problem: 'signature does not match' });
  });

  it('answers a page in the reader language', () => {
    expect(unsubscribePage('de-DE', { ok: true, channel: 'email' })).toContain('Sie erhalten von uns keine E-Mails mehr');
    expect(unsubscribePage('fr', { ok: true, channel: 'sms' })).toContain('You will no longer receive text messages');
    expect(unsubscribePage('en', { ok: false })).toContain('This link is not valid');
    expect(localeFromAcceptLanguage('fr;q=0.4, de-AT, en;q=0.8')).toBe('de-AT');
    expect(localeFromAcceptLanguage(undefined)).toBeUndefined();
  });
});
