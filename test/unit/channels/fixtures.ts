import type { Delivery } from '../../../shared/messages/contract.js';

export const now = new Date('2026-11-20T09:30:00Z');

/** A rendered German win-back message with a coupon; override what a test is about. */
export function delivery(overrides: Partial<Delivery> = {}): Delivery {
  return {
    messageId: 'enr-c1-winback-default-1:day0-send',
    customerId: 'c-1001',
    channel: 'email',
    templateId: 'winback-we-miss-you',
    journeyId: 'winback-default',
    stepId: 'day0-send',
    enrollmentId: 'enr-c1-winback-default-1',
    to: {
      email: 'anna.schmidt@example.com',
      phone: '+4915112345678',
      pushToken: 'fcm:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx',
      name: 'Anna Schmidt',
      address: { line1: 'Hauptstraße 5', postalCode: '10115', city: 'Berlin', country: 'DE' },
    },
    parts: {
      locale: 'de-DE',
      subject: 'Wir vermissen Sie, Anna',
      html: '<html><body><h1>Wir vermissen Sie, Anna</h1><p>Hier sind 10 € für Ihren nächsten Einkauf.</p></body></html>',
      text: 'Wir vermissen Sie, Anna. Hier sind 10 € für Ihren nächsten Einkauf.',
      title: 'Wir vermissen Sie',
    },
    coupon: { code: 'WB7K2M9Q', displayCode: 'WB7K-2M9Q', barcodeValue: 'WB7K2M9Q', value: '10,00 €', expiresAt: '2026-12-31T22:59:59Z' },
    unsubscribeUrl: 'https://winback.example.com/api/unsubscribe?token=tok123',
    variables: { firstName: 'Anna' },
    ...overrides,
  };
}
