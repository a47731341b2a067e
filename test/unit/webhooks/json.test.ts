import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseWebhookJson, quoteUnsafeIntegers } from '../../../shared/webhooks/json.js';

describe('parseWebhookJson', () => {
  it('keeps 64-bit ids exact as strings and leaves safe numbers alone', () => {
    const parsed = parseWebhookJson('{"id":820982911946154508,"n":42,"p":1585.90,"neg":-9007199254740993,"safe":9007199254740991,"e":1e21}');
    expect(parsed).toEqual({ id: '820982911946154508', n: 42, p: 1585.9, neg: '-9007199254740993', safe: 9007199254740991, e: 1e21 });
  });

  it('never touches digits inside strings, including escaped quotes', () => {
    const text = '{"note":"x\\":820982911946154508,","id":[820982911946154508]}';
    expect(parseWebhookJson(Buffer.from(text))).toEqual({ note: 'x":820982911946154508,', id: ['820982911946154508'] });
  });

  it('parses exactly like JSON.parse whenever all integers are safe (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        fc.pre(allNumbersRepresentable(value));
        const text = JSON.stringify(value);
        expect(quoteUnsafeIntegers(text)).toBe(text);
        expect(parseWebhookJson(text)).toEqual(JSON.parse(text));
      }),
    );
  });

  it('throws on malformed JSON like JSON.parse', () => {
    expect(() => parseWebhookJson('{"a":')).toThrow(SyntaxError);
  });
});

/** True when every number is either a safe integer or not an integer at all (what JSON.parse keeps exactly). */
function allNumbersRepresentable(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isInteger(value) || Number.isSafeInteger(value);
  if (Array.isArray(value)) return value.every(allNumbersRepresentable);
  if (typeof value === 'object' && value !== null) return Object.values(value).every(allNumbersRepresentable);
  return true;
}
