import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyShopifyHmac, verifyShopwareSignature } from '../../../shared/webhooks/signature.js';

const kit = fileURLToPath(new URL('../../../../shared/webhooks/', import.meta.url));

describe('verifyShopifyHmac', () => {
  const body = Buffer.from('{"foo":"bar"}');
  const vector = 'PzqzmGtlarsXrz6xRD7WwI74//n+qDkVkJ0bQhrsib4=';

  it('accepts the published vector (header whitespace tolerated) and rotated secrets', () => {
    expect(verifyShopifyHmac(body, vector, 'secret')).toBe(true);
    expect(verifyShopifyHmac(body, ` ${vector}\t`, 'secret')).toBe(true);
    expect(verifyShopifyHmac(body, vector, ['new-secret', 'secret'])).toBe(true);
  });

  it('rejects a wrong secret, a changed body, missing, truncated, padded or garbage headers', () => {
    expect(verifyShopifyHmac(body, vector, 'Secret')).toBe(false);
    expect(verifyShopifyHmac(Buffer.from('{"foo": "bar"}'), vector, 'secret')).toBe(false);
    expect(verifyShopifyHmac(body, undefined, 'secret')).toBe(false);
    expect(verifyShopifyHmac(body, null, 'secret')).toBe(false);
    expect(verifyShopifyHmac(body, '', 'secret')).toBe(false);
    expect(verifyShopifyHmac(body, vector.slice(0, -2) + '=', 'secret')).toBe(false);
    expect(verifyShopifyHmac(body, vector + 'AAAA', 'secret')).toBe(false);
    expect(verifyShopifyHmac(body, vector.replace('P', '*'), 'secret')).toBe(false);
    expect(verifyShopifyHmac(body, vector, '')).toBe(false);
    expect(verifyShopifyHmac(body, vector, [])).toBe(false);
  });

  it('never throws on arbitrary headers (fuzz)', () => {
    fc.assert(
      fc.property(fc.string(), fc.uint8Array(), (header, raw) => {
        expect(verifyShopifyHmac(raw, header, 'secret')).toBe(false);
        expect(verifyShopwareSignature(raw, header, 'secret')).toBe(false);
      }),
    );
  });
});

describe('verifyShopwareSignature', () => {
  it('accepts the published vector, upper case too', () => {
    const vector = 'dc46983557fea127b43af721467eb9b3fde2338fe3e14f51952aa8478c13d355';
    expect(verifyShopwareSignature(Buffer.from('body'), vector, 'secret')).toBe(true);
    expect(verifyShopwareSignature(Buffer.from('body'), vector.toUpperCase(), 'secret')).toBe(true);
    expect(verifyShopwareSignature(Buffer.from('body '), vector, 'secret')).toBe(false);
    expect(verifyShopwareSignature(Buffer.from('body'), vector.slice(1), 'secret')).toBe(false);
    expect(verifyShopwareSignature(Buffer.from('body'), undefined, 'secret')).toBe(false);
  });

  it("verifies the fixture's exact bytes with the header from .headers.txt", () => {
    const raw = readFileSync(kit + 'shopware/checkout-order-placed.constructed.json');
    const headers = readFileSync(kit + 'shopware/checkout-order-placed.constructed.headers.txt', 'utf8');
    const signature = /^shopware-shop-signature:\s*(\S+)/m.exec(headers)?.[1];
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyShopwareSignature(raw, signature, 's3cr3t')).toBe(true);
    expect(verifyShopwareSignature(raw, signature, 'secret')).toBe(false);
    // Re-serialising the JSON changes the bytes: the signature must be checked on the raw body.
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))));
    expect(verifyShopwareSignature(reserialised, signature, 's3cr3t')).toBe(false);
  });
});
