import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { sharedKit, type RunningHost } from './local-host.js';

/** The secret the tests start the host with (SHOPIFY_WEBHOOK_SECRET) and sign with. */
export const shopifySecret = 'shopify-test-secret-123';
const shopifyFixture = readFileSync(path.join(sharedKit, 'webhooks/shopify/orders-create-test-notification.json'), 'utf8');
/** The customer account and order id of the real Shopify notification. */
export const shopifyAccount = '115310627314723954';
export const shopifyOrderId = '820982911946154508';

/** The real notification as a live order (not a test, not cancelled); ids edited in the text so they stay exact. */
export function shopifyOrder(options: { orderId?: string; guest?: boolean; createdAt?: string } = {}): string {
  let text = shopifyFixture.replace('"test":true', '"test":false').replace(/"cancelled_at":"[^"]*"/, '"cancelled_at":null');
  if (options.orderId !== undefined) text = text.replaceAll(shopifyOrderId, options.orderId);
  if (options.createdAt !== undefined) text = text.replace('"created_at":"2024-06-26T12:33:21-04:00"', `"created_at":"${options.createdAt}"`);
  // A guest checkout: no customer object, the order's e-mail (jon@example.com) is all there is.
  if (options.guest) text = text.replace(/"customer":\{.*?\}\},"discount_applications"/, '"customer":null,"discount_applications"');
  return text;
}

/** The response's JSON after asserting its status (the body is shown when the status is not the expected one). */
export async function expectJson<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** Posts a Shopify webhook signed as Shopify signs it, each delivery under its own webhook id; expects 200. */
export function shopifyWebhooks(host: RunningHost, prefix: string) {
  let delivery = 0;
  return async (body: string, topic = 'orders/create') => {
    const response = await host.call('/api/webhooks/shopify', {
      method: 'POST',
      body,
      key: null,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': topic,
        'x-shopify-webhook-id': `${prefix}-${++delivery}`,
        'x-shopify-hmac-sha256': createHmac('sha256', shopifySecret).update(body).digest('base64'),
      },
    });
    return expectJson<{ status: string; purchase?: string; fullRefund?: boolean }>(response, 200);
  };
}
