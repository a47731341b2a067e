import { describe, expect, it } from 'vitest';
import { chooseChannel, deliveryDecision, frequencyRelease, quietHoursRelease, transientRetryAt, type ContactFacts } from '../../../shared/messages/guardrails.js';
import { nextLocalTime } from '../../../shared/journeys/local-time.js';

const quiet = { start: '20:00', end: '08:00', sundayChannels: ['sms', 'push'] as ('sms' | 'push')[], channels: ['email', 'sms', 'push'] as ('email' | 'sms' | 'push')[] };
const cap = { perDay: 1, perWeek: 2, onCap: 'defer' as const };
const berlin = 'Europe/Berlin';
const facts = (over: Partial<ContactFacts> = {}): ContactFacts => ({
  consents: { email: true, sms: true },
  addresses: { email: true, sms: true, push: true, mail: true },
  timeZone: berlin,
  ...over,
});
const request = (over: object = {}) => ({ channel: 'preferred' as const, channelPreference: ['email', 'push', 'sms', 'mail'] as ('email' | 'push' | 'sms' | 'mail')[], quietHours: quiet, frequencyCap: cap, marketing: true, messageId: 'm-1', ...over });

describe('consent, suppression and fallback by preference', () => {
  it('falls back to the next consented channel, and skips with no_consent when none has consent', () => {
    expect(chooseChannel('push', ['email', 'push', 'sms'], facts({ consents: { sms: true } }), [])).toMatchObject({ ok: true, channel: 'sms', notes: ['push: no consent', 'email: no consent'] });
    expect(chooseChannel('preferred', ['email'], facts({ consents: {} }), [])).toMatchObject({ ok: false, reason: 'no_consent' });
  });

  it('honours a suppression on the channel it names, and only there', () => {
    const suppressed = [{ channel: 'email' as const, reason: 'unsubscribed' as const, at: '2026-11-01T00:00:00Z' }];
    expect(chooseChannel('email', ['email', 'sms'], facts(), suppressed)).toMatchObject({ ok: true, channel: 'sms' });
    expect(chooseChannel('email', ['email'], facts({ consents: { email: true } }), suppressed)).toMatchObject({ ok: false, reason: 'suppressed' });
  });

  it("prefers the customer's own preferred channel for 'preferred'", () => {
    expect(chooseChannel('preferred', ['email', 'sms'], facts({ preferredChannel: 'sms' }), [])).toMatchObject({ ok: true, channel: 'sms' });
  });
});

describe('a webhook step goes to the webhook channel', () => {
  const none = facts({ consents: {}, addresses: {}, preferredChannel: 'email' });
  const at = '2026-11-01T00:00:00Z';

  it("is not rerouted to the customer's channels, and needs no consent or address of winback's when it names no channel", () => {
    expect(chooseChannel('webhook', ['email', 'sms'], facts({ preferredChannel: 'email' }), [])).toEqual({ ok: true, channel: 'webhook', notes: [] });
    expect(chooseChannel('webhook', ['email'], none, [])).toMatchObject({ ok: true, channel: 'webhook' });
  });

  it('is stopped by a suppression of webhook itself, but not by the suppression of another channel', () => {
    expect(chooseChannel('webhook', ['email'], none, [{ channel: 'webhook', reason: 'manual', at }])).toMatchObject({ ok: false, reason: 'suppressed', notes: ['webhook: suppressed (manual)'] });
    expect(chooseChannel('webhook', ['email'], none, [{ channel: 'email', reason: 'bounced', at }])).toMatchObject({ ok: true, channel: 'webhook' });
  });

  it('naming the channel the receiver delivers on, needs that consent and honours its suppression, without falling back', () => {
    expect(chooseChannel('webhook', ['email', 'sms'], facts({ consents: { email: true } }), [], 'sms')).toMatchObject({ ok: false, reason: 'no_consent', notes: ['webhook for sms: no consent'] });
    expect(chooseChannel('webhook', ['email', 'sms'], facts(), [{ channel: 'sms', reason: 'unsubscribed', at }], 'sms')).toMatchObject({ ok: false, reason: 'suppressed' });
    // The receiver holds its own addresses: no phone number on winback's profile is fine.
    expect(chooseChannel('webhook', ['email'], facts({ addresses: {} }), [], 'sms')).toMatchObject({ ok: true, channel: 'webhook' });
  });

  it("keeps quiet hours of the channel it names; a bare webhook has none by default; the cap counts it", () => {
    const night = new Date('2026-11-03T21:30:00Z');
    expect(deliveryDecision(night, request({ channel: 'webhook' }), none, [], [])).toMatchObject({ kind: 'send', channel: 'webhook' });
    expect(deliveryDecision(night, request({ channel: 'webhook', forChannel: 'sms' }), facts(), [], [])).toMatchObject({ kind: 'defer', channel: 'webhook', reason: 'quiet_hours', until: new Date('2026-11-04T07:00:00.000Z') });
    expect(deliveryDecision(night, request({ channel: 'webhook', quietHours: { ...quiet, channels: ['webhook'] } }), none, [], [])).toMatchObject({ kind: 'defer', reason: 'quiet_hours' });
    const capped = deliveryDecision(new Date('2026-11-03T10:00:00Z'), request({ channel: 'webhook', frequencyCap: { ...cap, onCap: 'skip' } }), none, [], [{ messageId: 'other', at: '2026-11-03T09:00:00Z' }]);
    expect(capped).toMatchObject({ kind: 'skip', reason: 'frequency_cap' });
  });
});

describe('quiet hours in the customer zone', () => {
  it('defers 21:30 Berlin to 08:00 Berlin the next morning, never drops', () => {
    expect(quietHoursRelease(new Date('2026-11-03T20:30:00Z'), 'email', quiet, berlin)?.toISOString()).toBe('2026-11-04T07:00:00.000Z');
    expect(quietHoursRelease(new Date('2026-11-03T10:00:00Z'), 'email', quiet, berlin)).toBeUndefined();
  });

  it('keeps Sundays quiet for SMS and push but not for e-mail', () => {
    const sundayNoon = new Date('2026-11-08T11:00:00Z');
    expect(quietHoursRelease(sundayNoon, 'sms', quiet, berlin)?.toISOString()).toBe('2026-11-09T07:00:00.000Z');
    expect(quietHoursRelease(sundayNoon, 'email', quiet, berlin)).toBeUndefined();
    // Saturday night: the night ends on Sunday 08:00, which is still quiet for SMS → Monday 08:00.
    expect(quietHoursRelease(new Date('2026-11-07T22:00:00Z'), 'sms', quiet, berlin)?.toISOString()).toBe('2026-11-09T07:00:00.000Z');
  });

  it('follows the customer zone, not the server', () => {
    // 07:30 in New York is 12:30 UTC: still quiet there.
    expect(quietHoursRelease(new Date('2026-11-03T12:30:00Z'), 'email', quiet, 'America/New_York')?.toISOString()).toBe('2026-11-03T13:00:00.000Z');
  });

  it('lands on the right minute across a DST change', () => {
    expect(nextLocalTime(new Date('2026-03-28T21:00:00Z'), '10:00', berlin).toISOString()).toBe('2026-03-29T08:00:00.000Z');
    expect(nextLocalTime(new Date('2026-10-24T21:00:00Z'), '10:00', berlin).toISOString()).toBe('2026-10-25T09:00:00.000Z');
  });
});

describe('frequency cap across journeys', () => {
  const now = new Date('2026-11-10T10:00:00Z');
  it('allows the first, defers a second within 24 h to when the first leaves the window', () => {
    expect(frequencyRelease(now, [], cap, 'm-1')).toBeUndefined();
    expect(frequencyRelease(now, [{ messageId: 'a', at: '2026-11-10T06:00:00Z' }], cap, 'm-1')?.toISOString()).toBe('2026-11-11T06:00:00.000Z');
  });
  it('counts 2 per 7 days', () => {
    const sends = [{ messageId: 'a', at: '2026-11-05T10:00:00Z' }, { messageId: 'b', at: '2026-11-08T10:00:00Z' }];
    expect(frequencyRelease(now, sends, cap, 'm-1')?.toISOString()).toBe('2026-11-12T10:00:00.000Z');
  });
  it('does not count a message against itself (a redelivery after its slot was taken)', () => {
    expect(frequencyRelease(now, [{ messageId: 'm-1', at: '2026-11-10T09:00:00Z' }], cap, 'm-1')).toBeUndefined();
  });
  it('defers or skips per journey setting, and a deferral out of the cap never lands in quiet hours', () => {
    const sends = [{ messageId: 'a', at: '2026-11-09T21:00:00Z' }];
    const deferred = deliveryDecision(new Date('2026-11-10T10:00:00Z'), request(), facts(), [], sends);
    // The cap frees up at 22:00 Berlin, inside quiet hours: the message goes at 08:00.
    expect(deferred).toMatchObject({ kind: 'defer', reason: 'frequency_cap', until: new Date('2026-11-11T07:00:00.000Z') });
    expect(deliveryDecision(new Date('2026-11-10T10:00:00Z'), request({ frequencyCap: { ...cap, onCap: 'skip' } }), facts(), [], sends)).toMatchObject({ kind: 'skip', reason: 'frequency_cap' });
    expect(deliveryDecision(new Date('2026-11-10T10:00:00Z'), request({ marketing: false }), facts(), [], sends)).toMatchObject({ kind: 'send', channel: 'email' });
  });
});

describe('transient provider failures', () => {
  it('back off exponentially with jitter, never sooner than Retry-After', () => {
    const now = new Date('2026-11-10T10:00:00Z');
    const delay = (failures: number, random: number, retryAfter?: number) => (transientRetryAt(now, failures, retryAfter, () => random).getTime() - now.getTime()) / 1000;
    expect(delay(1, 0.5)).toBe(30);
    expect(delay(3, 0.5)).toBe(120);
    expect(delay(3, 0)).toBe(60);
    expect(delay(1, 0.5, 600)).toBe(600);
  });
});
