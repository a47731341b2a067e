import { z } from 'zod';
import { DayClock, formatDay } from '../analytics/days.js';
import type { ChannelAdapter, Delivery, SendOutcome } from '../messages/contract.js';
import { renderCsv } from '../segmentation/csv.js';
import type { BlobStore } from '../storage/blobs.js';
import { formatDate } from './texts.js';

/**
 * Printed coupons. A send records the mail piece for its mail-drop day (the send time's calendar day in the
 * retailer's zone); the daily print batch (functions/print-batch.ts) turns one day's pieces into
 * `print/<date>.csv` and `print/<date>.pdf` for the mail house.
 */
export const MailPiece = z.object({
  messageId: z.string(),
  customerId: z.string(),
  mailDropDate: z.string(),
  locale: z.string(),
  name: z.string().optional(),
  address: z
    .object({
      line1: z.string(),
      line2: z.string().optional(),
      postalCode: z.string(),
      city: z.string(),
      region: z.string().optional(),
      country: z.string(),
    })
    .partial()
    .optional(),
  subject: z.string().optional(),
  text: z.string(),
  coupon: z.object({ code: z.string(), displayCode: z.string(), barcodeValue: z.string(), value: z.string(), expiresAt: z.string() }).optional(),
  recordedAt: z.string(),
});
export type MailPiece = z.infer<typeof MailPiece>;

export const printPendingPrefix = (date: string) => `print/pending/${date}/`;
export const printCsvPath = (date: string) => `print/${date}.csv`;
export const printPdfPath = (date: string) => `print/${date}.pdf`;
export const printSkippedPath = (date: string) => `print/${date}.skipped.csv`;
export const printDonePath = (date: string) => `print/${date}.done.json`;

/** What is missing for a letter to be deliverable; empty when the address is complete. */
export function missingAddressFields(name: string | undefined, address: MailPiece['address']): string[] {
  const missing: string[] = [];
  if (!name?.trim()) missing.push('name');
  for (const field of ['line1', 'postalCode', 'city', 'country'] as const) if (!address?.[field]?.trim()) missing.push(`address.${field}`);
  return missing;
}

export function mailPieceOf(delivery: Delivery, mailDropDate: string, now: Date): MailPiece {
  return {
    messageId: delivery.messageId,
    customerId: delivery.customerId,
    mailDropDate,
    locale: delivery.parts.locale,
    name: delivery.to.name,
    address: delivery.to.address,
    subject: delivery.parts.subject ?? delivery.parts.title,
    text: delivery.parts.text,
    coupon: delivery.coupon,
    recordedAt: now.toISOString(),
  };
}

/** The mail channel: a piece a customer without a complete postal address can never receive is refused at once. */
export class PrintQueueChannel implements ChannelAdapter {
  readonly channel = 'mail' as const;
  readonly provider = 'print-batch';
  private readonly days: DayClock;

  constructor(
    private readonly blobs: BlobStore,
    retailerTimeZone: string,
  ) {
    this.days = new DayClock(retailerTimeZone);
  }

  async send(delivery: Delivery, now: Date): Promise<SendOutcome> {
    const missing = missingAddressFields(delivery.to.name, delivery.to.address);
    if (missing.length > 0) return { kind: 'permanent', reason: `address_incomplete: missing ${missing.join(', ')}` };
    const date = formatDay(this.days.dayOfMs(now.getTime()));
    const piece = mailPieceOf(delivery, date, now);
    // Same messageId → same blob: a redelivered send leaves one letter.
    await this.blobs.put(`${printPendingPrefix(date)}${encodeURIComponent(delivery.messageId)}.json`, JSON.stringify(piece), 'application/json');
    return { kind: 'sent', providerMessageId: `print:${date}:${delivery.messageId}` };
  }
}

export const printCsvHeader = [
  'messageId',
  'customerId',
  'name',
  'line1',
  'line2',
  'postalCode',
  'city',
  'region',
  'country',
  'code',
  'displayCode',
  'barcodeValue',
  'value',
  'expiresAt',
  'mailDropDate',
] as const;

/** One CSV row per letter; value and expiry as the customer reads them (their locale). */
export function printCsv(pieces: MailPiece[]): string {
  return renderCsv(
    printCsvHeader,
    pieces.map((p) => [
      p.messageId,
      p.customerId,
      p.name,
      p.address?.line1,
      p.address?.line2,
      p.address?.postalCode,
      p.address?.city,
      p.address?.region,
      p.address?.country,
      p.coupon?.code,
      p.coupon?.displayCode,
      p.coupon?.barcodeValue,
      p.coupon?.value,
      p.coupon ? formatDate(p.coupon.expiresAt, p.locale) : undefined,
      p.mailDropDate,
    ]),
  );
}

export interface PrintBatchPlan {
  printable: MailPiece[];
  skipped: { messageId: string; customerId: string; reason: string }[];
}

/**
 * The pure part of a print run: which pieces print (sorted by country and postal code, as mail houses sort for
 * postage) and which are skipped with their reason.
 */
export function planPrintBatch(pieces: unknown[]): PrintBatchPlan {
  const plan: PrintBatchPlan = { printable: [], skipped: [] };
  for (const raw of pieces) {
    const parsed = MailPiece.safeParse(raw);
    if (!parsed.success) {
      const r = raw as { messageId?: unknown; customerId?: unknown };
      plan.skipped.push({ messageId: String(r?.messageId ?? '?'), customerId: String(r?.customerId ?? '?'), reason: `unreadable mail piece: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
      continue;
    }
    const missing = missingAddressFields(parsed.data.name, parsed.data.address);
    if (missing.length > 0) plan.skipped.push({ messageId: parsed.data.messageId, customerId: parsed.data.customerId, reason: `address_incomplete: missing ${missing.join(', ')}` });
    else plan.printable.push(parsed.data);
  }
  const key = (p: MailPiece) => `${p.address?.country}|${p.address?.postalCode}|${p.messageId}`;
  plan.printable.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return plan;
}
