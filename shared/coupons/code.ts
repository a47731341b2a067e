import { randomInt } from 'node:crypto';

/**
 * Coupon codes: `WB-7KQ4-M9XT-R3PC`.
 *
 * - Alphabet: 31 symbols, Crockford's base 32 without `0` and `1` but with `U` added back. With 0/O/1/I/L all
 *   gone there is no pair a cashier can confuse, and 31 being prime is what makes the check character
 *   airtight (below). Crockford dropped `U` only to avoid accidental words; codes are random and mix digits,
 *   so that risk is small and the prime modulus is worth more.
 * - Body: 11 random symbols = 11·log2(31) ≈ 54.5 bits from `crypto.randomInt` (unbiased). Uniqueness is
 *   enforced by storage (`id = code`, a create with a taken code fails and the issuer draws again); the bits
 *   are for unguessability: with a million live coupons a blind guess hits one with p ≈ 4·10⁻¹¹.
 * - Check character: weighted sum mod 31 over body and check, weights 1, 2, 3, … (never 0 mod 31, adjacent
 *   ones always differ). A single substitution changes the sum by w·(a−b) and an adjacent transposition by
 *   (wᵢ−wᵢ₊₁)·(a−b); both are non-zero mod a prime, so every such typo is caught — the unit test checks all
 *   of them exhaustively. (Luhn mod N misses some transpositions; this is the ISBN-10 construction.)
 * - Grouping: `WB` prefix, then groups of four for reading aloud. The canonical form — document id, barcode
 *   value, what `normalizeCode` returns — is the compact one: `WB7KQ4M9XTR3PC`, plain ASCII, Code 128-safe.
 */
export const codeAlphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const codePrefix = 'WB';
export const codeBodyLength = 11;
/** Body plus check character. */
export const codeSymbols = codeBodyLength + 1;
export const codeEntropyBits = codeBodyLength * Math.log2(codeAlphabet.length);

const modulus = codeAlphabet.length;
const valueOf = new Map<string, number>([...codeAlphabet].map((symbol, index) => [symbol, index]));

/** Draws an integer in [0, maxExclusive); injectable so tests can fix the code. */
export type RandomSource = (maxExclusive: number) => number;
export const cryptoRandom: RandomSource = (maxExclusive) => randomInt(maxExclusive);

/** A canonical code: prefix, body and check character, upper case, no separators. */
export type CouponCode = string & { readonly __brand: 'CouponCode' };

function weight(position: number): number {
  // 1..30, then wraps to 1 again: never 0 mod 31, and neighbours always differ (…, 29, 30, 1, 2, …).
  return (position % (modulus - 1)) + 1;
}

function weightedSum(symbols: string): number | undefined {
  let sum = 0;
  for (let i = 0; i < symbols.length; i++) {
    const value = valueOf.get(symbols[i]!);
    if (value === undefined) return undefined;
    sum = (sum + weight(i) * value) % modulus;
  }
  return sum;
}

function inverseMod(a: number): number {
  for (let x = 1; x < modulus; x++) if ((a * x) % modulus === 1) return x;
  throw new RangeError(`${a} has no inverse mod ${modulus}`);
}

/** The check symbol that makes the weighted sum over `body + check` 0 mod 31. */
export function checkCharacter(body: string): string {
  const sum = weightedSum(body);
  if (sum === undefined) throw new RangeError(`body contains a symbol outside the alphabet: ${body}`);
  const w = weight(body.length);
  const value = ((modulus - sum) * inverseMod(w)) % modulus;
  return codeAlphabet[value]!;
}

/** True when `symbols` (body followed by its check character, no prefix) passes the check. */
export function hasValidCheck(symbols: string): boolean {
  return symbols.length > 1 && weightedSum(symbols) === 0;
}

export function generateCode(random: RandomSource = cryptoRandom): CouponCode {
  let body = '';
  for (let i = 0; i < codeBodyLength; i++) {
    const value = random(modulus);
    if (!Number.isInteger(value) || value < 0 || value >= modulus) {
      throw new RangeError(`random source returned ${value}, outside [0, ${modulus})`);
    }
    body += codeAlphabet[value];
  }
  return (codePrefix + body + checkCharacter(body)) as CouponCode;
}

/** `WB-7KQ4-M9XT-R3PC`: for print, e-mail and reading aloud. */
export function formatCode(code: CouponCode): string {
  const symbols = code.slice(codePrefix.length);
  const groups = symbols.match(/.{1,4}/g) ?? [];
  return [codePrefix, ...groups].join('-');
}

/** The value to encode in a Code 128 (or QR) barcode: the canonical compact form. */
export function barcodeValue(code: CouponCode): string {
  return code;
}

export type CodeProblem =
  /** A character that is never part of a code; `confusable` names O/0/I/1/L, which are left out on purpose. */
  | { reason: 'invalid_character'; character: string; confusable: boolean }
  | { reason: 'wrong_length'; length: number }
  /** Every symbol is valid but the check character does not match: a typo. */
  | { reason: 'check_failed' };

export type NormalizedCode = { ok: true; code: CouponCode } | ({ ok: false } & CodeProblem);

const separators = /[\s\-‐‑‒–—―−_.]/gu;
const confusables = new Set(['0', 'O', '1', 'I', 'L']);

/**
 * Accepts what a person or scanner produces: any case, spaces, dashes (incl. typographic ones), dots and
 * underscores anywhere, with or without the `WB` prefix. Confusable characters (O, 0, I, 1, L) are rejected
 * rather than guessed at: none of them is in the alphabet, so there is no symbol they could stand for, and
 * saying "codes never contain the letter O" lets the POS prompt the cashier precisely.
 */
export function normalizeCode(input: string): NormalizedCode {
  const compact = input.normalize('NFKC').replace(separators, '').toUpperCase();
  for (const character of compact) {
    if (!valueOf.has(character)) {
      return { ok: false, reason: 'invalid_character', character, confusable: confusables.has(character) };
    }
  }
  // The prefix is itself made of alphabet symbols, so length (not a leading "WB") tells whether it is there.
  let symbols: string;
  if (compact.length === codePrefix.length + codeSymbols && compact.startsWith(codePrefix)) {
    symbols = compact.slice(codePrefix.length);
  } else if (compact.length === codeSymbols) {
    symbols = compact;
  } else {
    return { ok: false, reason: 'wrong_length', length: compact.length };
  }
  if (!hasValidCheck(symbols)) return { ok: false, reason: 'check_failed' };
  return { ok: true, code: (codePrefix + symbols) as CouponCode };
}

export function isWellFormedCode(input: string): boolean {
  return normalizeCode(input).ok;
}
