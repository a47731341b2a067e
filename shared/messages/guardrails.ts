import type { MessageChannel } from './contract.js';
import type { ContactLedger, OutboundRequest, SuppressionEntry } from './message.js';
import { localParts, nextLocalTime, parseLocalTime, zonedInstant } from '../journeys/local-time.js';

/**
 * The send-time checks, pure: which channel (consent, suppression, contact data, by preference), whether now
 * is inside quiet hours (in the customer's zone), and whether the frequency cap allows another message.
 * Deferring is always to a computed instant, so nothing waits forever and nothing is dropped silently.
 */
export type CustomerChannel = 'email' | 'sms' | 'push' | 'mail';

export interface ContactFacts {
  consents: Partial<Record<CustomerChannel, boolean>>;
  addresses: Partial<Record<CustomerChannel, boolean>>;
  preferredChannel?: CustomerChannel | undefined;
  timeZone: string;
}

export type ChannelChoice =
  | { ok: true; channel: MessageChannel; notes: string[] }
  | { ok: false; reason: 'no_consent' | 'suppressed' | 'no_address'; notes: string[] };

/**
 * The requested channel first (or the customer's preferred one), then the journey's preference order.
 * A `webhook` step is system-to-system: it hands the message to the retailer's ESP or CRM, which holds its own
 * addresses and applies its own consent, so it needs no contact data here and never falls back to a channel
 * winback delivers itself (that would bypass the system the retailer chose). Winback's own records still
 * apply: a suppression of `webhook` stops it, and when the step names the channel the receiver will deliver
 * on (`forChannel`), that channel's consent and suppression must allow it too.
 */
export function chooseChannel(requested: MessageChannel | 'preferred', preference: readonly CustomerChannel[], facts: ContactFacts, suppressions: readonly SuppressionEntry[], forChannel?: CustomerChannel): ChannelChoice {
  if (requested === 'webhook') return chooseWebhook(facts, suppressions, forChannel);
  const first: CustomerChannel | undefined = requested === 'preferred' ? facts.preferredChannel : requested;
  const order = [...new Set([...(first ? [first] : []), ...preference])];
  const notes: string[] = [];
  let consented = 0;
  let suppressedCount = 0;
  for (const channel of order) {
    if (facts.consents[channel] !== true) {
      notes.push(`${channel}: no consent`);
      continue;
    }
    consented++;
    const suppression = suppressions.find((s) => s.channel === channel);
    if (suppression) {
      suppressedCount++;
      notes.push(`${channel}: suppressed (${suppression.reason})`);
      continue;
    }
    if (facts.addresses[channel] !== true) {
      notes.push(`${channel}: no contact data`);
      continue;
    }
    return { ok: true, channel, notes };
  }
  const reason = consented === 0 ? 'no_consent' : suppressedCount === consented ? 'suppressed' : 'no_address';
  return { ok: false, reason, notes };
}

function chooseWebhook(facts: ContactFacts, suppressions: readonly SuppressionEntry[], forChannel: CustomerChannel | undefined): ChannelChoice {
  const own = suppressions.find((s) => s.channel === 'webhook');
  if (own) return { ok: false, reason: 'suppressed', notes: [`webhook: suppressed (${own.reason})`] };
  if (forChannel === undefined) return { ok: true, channel: 'webhook', notes: [] };
  if (facts.consents[forChannel] !== true) return { ok: false, reason: 'no_consent', notes: [`webhook for ${forChannel}: no consent`] };
  const suppression = suppressions.find((s) => s.channel === forChannel);
  if (suppression) return { ok: false, reason: 'suppressed', notes: [`webhook for ${forChannel}: suppressed (${suppression.reason})`] };
  return { ok: true, channel: 'webhook', notes: [] };
}

/** Inside quiet hours → the next allowed minute (local end of quiet hours, Monday morning for Sunday-quiet channels). */
export function quietHoursRelease(now: Date, channel: MessageChannel, quiet: OutboundRequest['quietHours'], timeZone: string): Date | undefined {
  if (!quiet.channels.includes(channel)) return undefined;
  const p = localParts(now, timeZone);
  const minutes = p.hour * 60 + p.minute;
  const start = parseLocalTime(quiet.start);
  const end = parseLocalTime(quiet.end);
  const startM = start.hour * 60 + start.minute;
  const endM = end.hour * 60 + end.minute;
  const inWindow = startM === endM ? false : startM > endM ? minutes >= startM || minutes < endM : minutes >= startM && minutes < endM;
  const sunday = quiet.sundayChannels.includes(channel) && p.weekday === 0;
  if (!inWindow && !sunday) return undefined;
  let release = inWindow ? nextLocalTime(now, quiet.end, timeZone) : now;
  // A release that lands on a Sunday for a Sunday-quiet channel moves on to Monday's end of quiet hours.
  for (let i = 0; i < 3; i++) {
    const r = localParts(release, timeZone);
    if (!(quiet.sundayChannels.includes(channel) && r.weekday === 0)) break;
    const monday = new Date(Date.UTC(r.year, r.month - 1, r.day + 1));
    release = zonedInstant(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), end.hour, end.minute, timeZone);
  }
  return release.getTime() > now.getTime() ? release : undefined;
}

const day = 86_400_000;

/** Within the cap → undefined; over it → the first instant the oldest blocking send leaves its window. */
export function frequencyRelease(now: Date, sends: ContactLedger['sends'], cap: OutboundRequest['frequencyCap'], messageId: string): Date | undefined {
  if (sends.some((s) => s.messageId === messageId)) return undefined; // this message already holds its slot
  const t = now.getTime();
  const times = sends.map((s) => Date.parse(s.at)).filter((at) => at <= t).sort((a, b) => a - b);
  const lastDay = times.filter((at) => t - at < day);
  const lastWeek = times.filter((at) => t - at < 7 * day);
  let release = t;
  if (lastDay.length >= cap.perDay) release = Math.max(release, lastDay[lastDay.length - cap.perDay]! + day);
  if (lastWeek.length >= cap.perWeek) release = Math.max(release, lastWeek[lastWeek.length - cap.perWeek]! + 7 * day);
  return release > t ? new Date(release) : undefined;
}

export type DeliveryDecision =
  | { kind: 'send'; channel: MessageChannel; notes: string[] }
  | { kind: 'defer'; channel: MessageChannel; until: Date; reason: 'quiet_hours' | 'frequency_cap'; notes: string[] }
  | { kind: 'skip'; reason: string; notes: string[] };

/**
 * Consent → suppression → contact data → quiet hours → frequency cap, each decision with its reason.
 * Quiet hours follow the channel a person is reached on: a webhook naming `forChannel` is delivered at once by
 * its receiver, so that channel's quiet hours hold it back; a bare webhook only when `webhook` is a quiet channel.
 */
export function deliveryDecision(now: Date, request: Pick<OutboundRequest, 'channel' | 'forChannel' | 'channelPreference' | 'quietHours' | 'frequencyCap' | 'marketing' | 'messageId'>, facts: ContactFacts, suppressions: readonly SuppressionEntry[], ledger: ContactLedger['sends']): DeliveryDecision {
  const choice = chooseChannel(request.channel, request.channelPreference, facts, suppressions, request.forChannel);
  if (!choice.ok) return { kind: 'skip', reason: choice.reason, notes: choice.notes };
  const reaches: MessageChannel = choice.channel === 'webhook' ? (request.forChannel ?? 'webhook') : choice.channel;
  const quiet = quietHoursRelease(now, reaches, request.quietHours, facts.timeZone);
  if (quiet) return { kind: 'defer', channel: choice.channel, until: quiet, reason: 'quiet_hours', notes: choice.notes };
  if (request.marketing) {
    const capped = frequencyRelease(now, ledger, request.frequencyCap, request.messageId);
    if (capped) {
      if (request.frequencyCap.onCap === 'skip') return { kind: 'skip', reason: 'frequency_cap', notes: choice.notes };
      // A cap release inside quiet hours would only be deferred again: go straight to the allowed minute.
      const quietAtRelease = quietHoursRelease(capped, reaches, request.quietHours, facts.timeZone);
      return { kind: 'defer', channel: choice.channel, until: quietAtRelease ?? capped, reason: 'frequency_cap', notes: choice.notes };
    }
  }
  return { kind: 'send', channel: choice.channel, notes: choice.notes };
}

/** Exponential backoff with jitter for transient provider failures, never sooner than the provider asked. */
export function transientRetryAt(now: Date, failures: number, retryAfterSeconds: number | undefined, random: () => number = Math.random): Date {
  const base = Math.min(30 * 2 ** Math.max(0, failures - 1), 3600);
  const jittered = base * (0.5 + random());
  const seconds = Math.max(jittered, retryAfterSeconds ?? 0);
  return new Date(now.getTime() + Math.round(seconds * 1000));
}

/** Transient failures after which a message is given up on (≈ 2 h of backoff in total). */
export const maxTransientFailures = 8;
