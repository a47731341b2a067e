import { describe, expect, it } from 'vitest';
import { mergedCustomer, profileConflicts } from '../../../shared/customers/merge.js';

const now = new Date('2026-11-02T12:00:00.000Z');
const consent = (granted: boolean, at: string) => ({ granted, at, source: 'pos' });

describe('merging two customer documents', () => {
  it('reports two birthdays, or two different verified e-mails, as conflicts', () => {
    expect(profileConflicts({ birthday: '1980-01-01' }, { birthday: '1981-01-01' })).toEqual([{ field: 'birthday', values: ['1980-01-01', '1981-01-01'] }]);
    expect(profileConflicts({ email: 'a@x.de', emailVerified: true }, { email: 'b@x.de', emailVerified: true })).toEqual([
      { field: 'email', values: ['a@x.de', 'b@x.de'] },
    ]);
    expect(profileConflicts({ email: 'A@x.de', emailVerified: true }, { email: 'a@x.de', emailVerified: true })).toEqual([]);
    expect(profileConflicts({ email: 'a@x.de' }, { email: 'b@x.de', emailVerified: true })).toEqual([]);
    expect(profileConflicts({ birthday: '1980-01-01' }, undefined)).toEqual([]);
  });

  it('keeps the survivor\'s values, fills gaps, takes the latest consent per channel and the earliest createdAt', () => {
    const from = {
      id: 'A',
      firstName: 'Jon',
      phone: '+491511234567',
      email: 'jon@x.de',
      emailVerified: true,
      consents: { email: consent(true, '2026-01-01T00:00:00Z'), sms: consent(true, '2026-05-01T00:00:00Z') },
      createdAt: '2025-01-01T00:00:00Z',
      segment: 'loyal',
      analytics: { runId: 'r1' },
      _etag: '"x"',
    };
    const into = { id: 'B', firstName: 'Jonathan', email: 'old@x.de', consents: { email: consent(false, '2026-06-01T00:00:00Z') }, createdAt: '2026-02-01T00:00:00Z' };
    const merged = mergedCustomer(from, into, 'B', now);
    expect(merged).toEqual({
      id: 'B',
      firstName: 'Jonathan',
      phone: '+491511234567',
      email: 'jon@x.de',
      emailVerified: true,
      consents: { email: consent(false, '2026-06-01T00:00:00Z'), sms: consent(true, '2026-05-01T00:00:00Z') },
      createdAt: '2025-01-01T00:00:00Z',
      updatedAt: now.toISOString(),
      segment: 'loyal',
      analytics: { runId: 'r1' },
    });
  });

  it('a survivor without a document is the absorbed one under the survivor\'s id', () => {
    expect(mergedCustomer({ id: 'A', segment: 'new', analytics: { runId: 'r1' } }, undefined, 'B', now)).toEqual({
      id: 'B',
      segment: 'new',
      analytics: { runId: 'r1' },
      updatedAt: now.toISOString(),
    });
  });
});
