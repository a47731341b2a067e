/**
 * What each channel needs to go live, as shared/settings.ts reads it. A channel whose config is absent
 * delivers to the outbox (shared/channels/registry.ts).
 */

/** Azure Communication Services: identity in Azure; an `endpoint=…;accesskey=…` string for stand-ins and `func start`. */
export type CommunicationConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; endpoint: string; clientId?: string };

export interface EmailChannelConfig {
  connection: CommunicationConnection;
  /** A MailFrom address of a domain linked to the ACS resource, e.g. DoNotReply@<guid>.azurecomm.net. */
  senderAddress: string;
  /** Switches ACS open/click tracking off per message when the retailer has not decided for it. */
  engagementTracking: boolean;
}

export interface SmsChannelConfig {
  connection: CommunicationConnection;
  /** E.164 number, short code or alphanumeric sender id the ACS resource owns. */
  sender: string;
  /** A template longer than this many segments fails its check; sends over it are refused. */
  maxSegments: number;
}

export interface PushChannelConfig {
  /** Notification Hubs accepts only SAS for sends: an access-policy connection string (a Key Vault secret in Azure). */
  connectionString: string;
  hubName: string;
}

export interface PrintChannelConfig {
  /** Blob container the mail house reads `print/<date>.csv` and `.pdf` from. */
  container: string;
  /** NCRONTAB of the daily print batch. */
  schedule: string;
}

export interface WebhookChannelConfig {
  url: string;
  /** Standard Webhooks secret, `whsec_` + base64. */
  secret: string;
  timeoutMs: number;
}

export interface ChannelSettings {
  email?: EmailChannelConfig;
  sms?: SmsChannelConfig;
  push?: PushChannelConfig;
  mail?: PrintChannelConfig;
  webhook?: WebhookChannelConfig;
  /** Public base URL of the function app (https://…), for unsubscribe links. */
  publicBaseUrl?: string;
  /** HMAC key of unsubscribe tokens. */
  unsubscribeSecret?: string;
  /** SMS segments a template may take (the SMS template test at `PUT /api/templates`), live provider or not. */
  smsMaxSegments: number;
}
