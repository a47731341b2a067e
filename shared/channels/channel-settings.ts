import { z } from 'zod';
import { isLoopbackHttp } from './acs.js';
import type { ChannelSettings, CommunicationConnection } from './config.js';

/** The names of the channel settings (declared in shared/settings.ts `settingNames`). */
export interface ChannelSettingNames {
  communicationConnection: string;
  communicationEndpoint: string;
  communicationClientId: string;
  emailSender: string;
  emailEngagementTracking: string;
  smsSender: string;
  smsMaxSegments: string;
  notificationHubsConnection: string;
  notificationHubName: string;
  printContainer: string;
  printSchedule: string;
  webhookUrl: string;
  webhookSecret: string;
  webhookTimeoutMs: string;
  publicBaseUrl: string;
  unsubscribeSecret: string;
}

export const defaultPrintSchedule = '0 0 4 * * *';
export const defaultSmsMaxSegments = 2;

type Read = <T>(name: string, schema: z.ZodType<T>, fallback?: T) => T | undefined;
type Problems = { setting: string; message: string }[];

const nonEmpty = z.string().trim().min(1);
const unresolvedVaultReference = (v: string) => !v.startsWith('@Microsoft.KeyVault(');
const resolved = 'a resolved secret; the Key Vault reference did not resolve (check the identity has Key Vault Secrets User)';
const httpsOrLoopback = nonEmpty.refine((v) => {
  try {
    return new URL(v).protocol === 'https:' || isLoopbackHttp(v);
  } catch {
    return false;
  }
}, 'an https:// URL (plain http only to localhost)');
const connectionWith = (keys: string[]) =>
  nonEmpty.refine(unresolvedVaultReference, resolved).refine((v) => {
    const present = new Set(v.split(';').map((p) => p.slice(0, p.indexOf('=')).trim().toLowerCase()));
    return keys.every((k) => present.has(k.toLowerCase()));
  }, `a connection string with ${keys.join(', ')}`);

/**
 * Which channels have a provider, from the app settings. A channel is live when its provider settings are
 * complete; a half-configured channel is an error naming what is missing, never a silent outbox fallback.
 */
export function readChannelSettings(names: ChannelSettingNames, env: Record<string, string | undefined>, read: Read, problems: Problems): ChannelSettings {
  const set = (name: string) => env[name] !== undefined && env[name] !== '';
  const channels: ChannelSettings = { smsMaxSegments: defaultSmsMaxSegments };

  const publicBaseUrl = read(names.publicBaseUrl, httpsOrLoopback.transform((v) => v.replace(/\/+$/, '')));
  const unsubscribeSecret = read(names.unsubscribeSecret, nonEmpty.min(32, 'a secret of at least 32 characters').refine(unresolvedVaultReference, resolved));
  if (publicBaseUrl) channels.publicBaseUrl = publicBaseUrl;
  if (unsubscribeSecret) channels.unsubscribeSecret = unsubscribeSecret;

  let communication: CommunicationConnection | undefined;
  const acsString = read(names.communicationConnection, connectionWith(['endpoint', 'accesskey']));
  const acsEndpoint = read(names.communicationEndpoint, httpsOrLoopback);
  if (acsString) communication = { kind: 'connectionString', connectionString: acsString };
  else if (acsEndpoint) communication = { kind: 'identity', endpoint: acsEndpoint, clientId: env[names.communicationClientId] || undefined };
  const needsAcs = (setting: string) => {
    if (!communication && !problems.some((p) => p.setting.startsWith(names.communicationConnection))) {
      problems.push({ setting, message: `needs Azure Communication Services: set ${names.communicationEndpoint} (managed identity) or ${names.communicationConnection}` });
    }
  };

  const emailSender = read(names.emailSender, z.email('an e-mail address of a domain linked to the ACS resource'));
  const engagementTracking = read(names.emailEngagementTracking, z.enum(['true', 'false'], 'true or false'), 'false');
  if (emailSender) {
    needsAcs(names.emailSender);
    // Marketing e-mail without a working one-click unsubscribe is refused by the large mailbox providers.
    if (!publicBaseUrl && !set(names.publicBaseUrl)) problems.push({ setting: names.publicBaseUrl, message: `missing: e-mail (${names.emailSender}) needs the app's public URL for unsubscribe links` });
    if (!unsubscribeSecret && !set(names.unsubscribeSecret)) problems.push({ setting: names.unsubscribeSecret, message: `missing: e-mail (${names.emailSender}) needs the key that signs unsubscribe links` });
    if (communication) channels.email = { connection: communication, senderAddress: emailSender, engagementTracking: engagementTracking === 'true' };
  }

  const smsSender = read(
    names.smsSender,
    nonEmpty.regex(/^(\+[1-9]\d{6,14}|\d{5,6}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11})$/, 'an E.164 number, a short code or an alphanumeric sender id of up to 11 characters'),
  );
  const maxSegments = read(names.smsMaxSegments, z.coerce.number('a whole number from 1 to 10').int('a whole number from 1 to 10').min(1, 'at least 1').max(10, 'at most 10'), defaultSmsMaxSegments);
  channels.smsMaxSegments = maxSegments ?? defaultSmsMaxSegments;
  if (smsSender) {
    needsAcs(names.smsSender);
    if (communication) channels.sms = { connection: communication, sender: smsSender, maxSegments: maxSegments ?? defaultSmsMaxSegments };
  }

  const hubConnection = read(names.notificationHubsConnection, connectionWith(['Endpoint', 'SharedAccessKeyName', 'SharedAccessKey']));
  const hubName = read(names.notificationHubName, nonEmpty.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/, 'a notification hub name'));
  if (hubConnection && hubName) channels.push = { connectionString: hubConnection, hubName };
  else if (hubConnection && !set(names.notificationHubName)) problems.push({ setting: names.notificationHubName, message: `missing: push needs the hub name as well as ${names.notificationHubsConnection}` });
  else if (hubName && !set(names.notificationHubsConnection)) problems.push({ setting: names.notificationHubsConnection, message: `missing: push needs the hub's access-policy connection string as well as ${names.notificationHubName}` });

  const printContainer = read(names.printContainer, nonEmpty.regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'a blob container name (3-63 lowercase letters, digits, "-")'));
  const printSchedule = read(names.printSchedule, nonEmpty.refine((v) => v.split(/\s+/).length === 6, 'an NCRONTAB expression with 6 fields'), defaultPrintSchedule);
  if (printContainer) channels.mail = { container: printContainer, schedule: printSchedule ?? defaultPrintSchedule };

  const webhookUrl = read(names.webhookUrl, httpsOrLoopback);
  const webhookSecret = read(
    names.webhookSecret,
    nonEmpty.refine(unresolvedVaultReference, resolved).refine((v) => /^whsec_[A-Za-z0-9+/]{32,}={0,2}$/.test(v), 'a Standard Webhooks secret: whsec_ followed by at least 24 bytes in base64'),
  );
  const timeoutMs = read(names.webhookTimeoutMs, z.coerce.number('milliseconds from 1000 to 60000').int('whole milliseconds').min(1000, 'at least 1000').max(60_000, 'at most 60000'), 10_000);
  if (webhookUrl && webhookSecret) channels.webhook = { url: webhookUrl, secret: webhookSecret, timeoutMs: timeoutMs ?? 10_000 };
  else if (webhookUrl && !set(names.webhookSecret)) problems.push({ setting: names.webhookSecret, message: `missing: a webhook (${names.webhookUrl}) is always signed; set its whsec_ secret` });
  else if (webhookSecret && !set(names.webhookUrl)) problems.push({ setting: names.webhookUrl, message: `missing: ${names.webhookSecret} is set but not the URL to post to` });

  return channels;
}
