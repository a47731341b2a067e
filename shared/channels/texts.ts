/**
 * The few words channels add around a template's own text (unsubscribe footer, coupon block, SMS opt-out,
 * letter labels), in the languages winback ships templates for. Other locales fall back to English.
 */
export interface ChannelTexts {
  unsubscribe: string;
  unsubscribeLead: string;
  couponCode: string;
  validUntil: string;
  value: string;
  smsStop: string;
  unsubscribedTitle: string;
  unsubscribedBody: (channel: string) => string;
  invalidLinkTitle: string;
  invalidLinkBody: string;
  channelNames: Record<'email' | 'sms' | 'push' | 'mail', string>;
}

const en: ChannelTexts = {
  unsubscribe: 'Unsubscribe',
  unsubscribeLead: 'No longer want these messages?',
  couponCode: 'Your code',
  validUntil: 'Valid until',
  value: 'Value',
  smsStop: 'Reply STOP to opt out',
  unsubscribedTitle: 'You are unsubscribed',
  unsubscribedBody: (channel) => `You will no longer receive ${channel} from us. This can take effect for messages already on their way.`,
  invalidLinkTitle: 'This link is not valid',
  invalidLinkBody: 'The unsubscribe link is incomplete or was altered. Please use the link from the message exactly as sent.',
  channelNames: { email: 'e-mails', sms: 'text messages', push: 'push notifications', mail: 'letters' },
};

const de: ChannelTexts = {
  unsubscribe: 'Abmelden',
  unsubscribeLead: 'Sie möchten diese Nachrichten nicht mehr erhalten?',
  couponCode: 'Ihr Code',
  validUntil: 'Gültig bis',
  value: 'Wert',
  smsStop: 'Abmelden: STOP antworten',
  unsubscribedTitle: 'Sie sind abgemeldet',
  unsubscribedBody: (channel) => `Sie erhalten von uns keine ${channel} mehr. Bereits versandte Nachrichten können noch ankommen.`,
  invalidLinkTitle: 'Dieser Link ist ungültig',
  invalidLinkBody: 'Der Abmeldelink ist unvollständig oder wurde verändert. Bitte verwenden Sie den Link genau so, wie er in der Nachricht steht.',
  channelNames: { email: 'E-Mails', sms: 'SMS', push: 'Push-Nachrichten', mail: 'Briefe' },
};

const byLanguage: Record<string, ChannelTexts> = { en, de };

export function channelTexts(locale: string | undefined): ChannelTexts {
  const language = (locale ?? 'en').toLowerCase().split(/[-_]/)[0] ?? 'en';
  return byLanguage[language] ?? en;
}

/** Date (no time) in the reader's language, e.g. "31.12.2026" / "12/31/2026". */
export function formatDate(iso: string, locale: string | undefined, timeZone = 'UTC'): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return new Intl.DateTimeFormat(locale ?? 'en', { dateStyle: 'medium', timeZone }).format(at);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
