import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  barcodeValue,
  checkCharacter,
  codeAlphabet,
  codeBodyLength,
  codeEntropyBits,
  codePrefix,
  formatCode,
  generateCode,
  hasValidCheck,
  isWellFormedCode,
  normalizeCode,
  type CouponCode,
  type RandomSource,
} from '../../../shared/coupons/code.js';

/** Replays the given values, so a test knows exactly which body the generator drew. */
function scripted(values: number[]): RandomSource {
  let i = 0;
  return () => values[i++ % values.length]!;
}

const bodyArb = fc
  .array(fc.integer({ min: 0, max: codeAlphabet.length - 1 }), { minLength: codeBodyLength, maxLength: codeBodyLength })
  .map((values) => values.map((v) => codeAlphabet[v]).join(''));
const codeArb = fc.array(fc.integer({ min: 0, max: codeAlphabet.length - 1 }), { minLength: codeBodyLength, maxLength: codeBodyLength }).map((v) => generateCode(scripted(v)));

describe('alphabet', () => {
  it('has no confusable characters and a prime size', () => {
    for (const c of ['0', 'O', '1', 'I', 'L']) expect(codeAlphabet).not.toContain(c);
    expect(new Set(codeAlphabet).size).toBe(codeAlphabet.length);
    const n = codeAlphabet.length;
    for (let d = 2; d * d <= n; d++) expect(n % d).not.toBe(0);
  });

  it('draws at least 40 bits', () => {
    expect(codeEntropyBits).toBeGreaterThanOrEqual(40);
  });
});

describe('check character', () => {
  // The check is linear, so whether a typo is caught depends only on the position(s) and the symbols
  // involved. Trying every position with every pair of symbols is therefore the whole proof:
  // 12 positions × 31 × 30 substitutions and 11 neighbour pairs × 31 × 30 transpositions.
  it('catches every single-character substitution (exhaustive)', () => {
    let tried = 0;
    for (let pos = 0; pos <= codeBodyLength; pos++) {
      for (const original of codeAlphabet) {
        const symbols = validSymbolsWith({ [pos]: original });
        for (const replacement of codeAlphabet) {
          if (replacement === original) continue;
          const typo = symbols.slice(0, pos) + replacement + symbols.slice(pos + 1);
          expect(hasValidCheck(typo), `${symbols} → ${typo}`).toBe(false);
          tried++;
        }
      }
    }
    expect(tried).toBe((codeBodyLength + 1) * 31 * 30);
  });

  it('catches every adjacent transposition of different symbols (exhaustive)', () => {
    let tried = 0;
    for (let pos = 0; pos < codeBodyLength; pos++) {
      for (const a of codeAlphabet) {
        for (const b of codeAlphabet) {
          if (a === b) continue;
          const symbols = validSymbolsWith({ [pos]: a, [pos + 1]: b });
          const swapped = symbols.slice(0, pos) + b + a + symbols.slice(pos + 2);
          expect(hasValidCheck(swapped), `${symbols} → ${swapped}`).toBe(false);
          tried++;
        }
      }
    }
    expect(tried).toBe(codeBodyLength * 31 * 30);
  });

  it('catches substitutions and transpositions on random codes (property)', () => {
    fc.assert(
      fc.property(bodyArb, fc.nat(), fc.nat(), (body, p, r) => {
        const symbols = body + checkCharacter(body);
        expect(hasValidCheck(symbols)).toBe(true);
        const pos = p % symbols.length;
        const replacement = codeAlphabet[r % codeAlphabet.length]!;
        if (replacement !== symbols[pos]) {
          expect(hasValidCheck(symbols.slice(0, pos) + replacement + symbols.slice(pos + 1))).toBe(false);
        }
        const t = p % (symbols.length - 1);
        if (symbols[t] !== symbols[t + 1]) {
          expect(hasValidCheck(symbols.slice(0, t) + symbols[t + 1] + symbols[t] + symbols.slice(t + 2))).toBe(false);
        }
      }),
    );
  });
});

/**
 * A valid body + check with the given symbols at the given positions (11 = the check character itself).
 * The other positions are 'A' except one free body position, which is varied until the check comes out as
 * required; weight ≠ 0 guarantees one of the 31 choices does.
 */
function validSymbolsWith(fixed: Record<number, string>): string {
  const free = [0, 1, 2].find((p) => !(p in fixed))!;
  for (const candidate of codeAlphabet) {
    let body = '';
    for (let i = 0; i < codeBodyLength; i++) body += fixed[i] ?? (i === free ? candidate : 'A');
    const check = checkCharacter(body);
    const wanted = fixed[codeBodyLength];
    if (wanted === undefined || wanted === check) {
      const symbols = body + check;
      expect(hasValidCheck(symbols)).toBe(true);
      return symbols;
    }
  }
  throw new Error('no body produces the wanted check character');
}

describe('generateCode', () => {
  it('builds prefix + body from the random source + check character', () => {
    const code = generateCode(scripted([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(code.startsWith(codePrefix + '23456789ABC')).toBe(true);
    expect(code).toHaveLength(codePrefix.length + codeBodyLength + 1);
    expect(hasValidCheck(code.slice(codePrefix.length))).toBe(true);
  });

  it('rejects a random source that leaves the range', () => {
    expect(() => generateCode(() => 31)).toThrow(RangeError);
    expect(() => generateCode(() => -1)).toThrow(RangeError);
    expect(() => generateCode(() => 1.5)).toThrow(RangeError);
  });

  it('uses crypto randomness by default: 10,000 draws, all distinct and well-formed, symbols spread evenly', () => {
    const codes = new Set<string>();
    const counts = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) {
      const code = generateCode();
      expect(isWellFormedCode(code)).toBe(true);
      codes.add(code);
      for (const c of code.slice(codePrefix.length, codePrefix.length + codeBodyLength)) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(codes.size).toBe(10_000);
    // 110,000 symbols over 31 values: expected ≈ 3548 each; ±15 % is > 20 standard deviations.
    expect(counts.size).toBe(31);
    for (const n of counts.values()) expect(Math.abs(n - 110_000 / 31)).toBeLessThan(0.15 * (110_000 / 31));
  });
});

describe('formatting and normalizing', () => {
  const code = generateCode(scripted([20, 7, 14, 2, 30, 9, 0, 25, 11, 3, 18]));

  it('groups for reading aloud and keeps the barcode compact and Code 128-safe', () => {
    const display = formatCode(code);
    expect(display).toMatch(/^WB-[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    expect(display.replaceAll('-', '')).toBe(code);
    expect(barcodeValue(code)).toBe(code);
    expect(barcodeValue(code)).toMatch(/^[\x20-\x7e]+$/);
  });

  it('normalize ∘ format is the identity (property)', () => {
    fc.assert(
      fc.property(codeArb, (c) => {
        expect(normalizeCode(formatCode(c))).toEqual({ ok: true, code: c });
        expect(normalizeCode(c)).toEqual({ ok: true, code: c });
      }),
    );
  });

  it('accepts lower case, spaces, typographic dashes, missing prefix and full-width characters', () => {
    const display = formatCode(code);
    const variants = [
      display.toLowerCase(),
      ` ${display.replaceAll('-', ' ')} `,
      display.replaceAll('-', '–'),
      code.slice(codePrefix.length),
      formatCode(code).slice(3),
      [...code].map((c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)).join(''),
    ];
    for (const input of variants) expect(normalizeCode(input), input).toEqual({ ok: true, code });
  });

  it('rejects confusables by name instead of guessing', () => {
    const withO = code.slice(0, 5) + 'O' + code.slice(6);
    expect(normalizeCode(withO)).toEqual({ ok: false, reason: 'invalid_character', character: 'O', confusable: true });
    expect(normalizeCode(code.slice(0, 5) + '0' + code.slice(6))).toMatchObject({ reason: 'invalid_character', character: '0', confusable: true });
    expect(normalizeCode(code.slice(0, 5) + 'l' + code.slice(6))).toMatchObject({ reason: 'invalid_character', character: 'L', confusable: true });
    expect(normalizeCode(code + '!')).toMatchObject({ reason: 'invalid_character', character: '!', confusable: false });
  });

  it('reports wrong lengths and failed checks', () => {
    expect(normalizeCode(code.slice(0, -1))).toEqual({ ok: false, reason: 'wrong_length', length: code.length - 1 });
    expect(normalizeCode('')).toEqual({ ok: false, reason: 'wrong_length', length: 0 });
    const last = code.at(-1)!;
    const other = codeAlphabet[(codeAlphabet.indexOf(last) + 1) % codeAlphabet.length]!;
    expect(normalizeCode(code.slice(0, -1) + other)).toEqual({ ok: false, reason: 'check_failed' });
    expect(isWellFormedCode(code.slice(0, -1) + other)).toBe(false);
  });

  it('does not take a body that happens to start with WB for a prefixed code', () => {
    const body = 'WB' + '23456789A';
    const bare = body + checkCharacter(body);
    expect(normalizeCode(bare)).toEqual({ ok: true, code: ('WB' + bare) as CouponCode });
  });
});
