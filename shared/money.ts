/**
 * Money is stored as integer minor units; the exponent comes from ISO 4217 via Intl so that JPY (0 decimals),
 * EUR (2) and KWD (3) all round-trip exactly.
 */
const supportedCurrencies = new Set<string>(Intl.supportedValuesOf('currency'));

export function isKnownCurrency(code: string): boolean {
  return supportedCurrencies.has(code);
}

// Building an Intl.NumberFormat costs tens of microseconds and every amount in and out needs the exponent.
const exponents = new Map<string, number>();

export function currencyExponent(currency: string): number {
  let exponent = exponents.get(currency);
  if (exponent === undefined) {
    exponent = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    // Only known codes are kept, so arbitrary input cannot grow the map.
    if (supportedCurrencies.has(currency)) exponents.set(currency, exponent);
  }
  return exponent;
}

/** Returns undefined when the amount has more decimals than the currency allows (e.g. 1.005 EUR). */
export function toMinorUnits(amount: number, currency: string): number | undefined {
  const factor = 10 ** currencyExponent(currency);
  const scaled = amount * factor;
  const rounded = Math.round(scaled);
  // Binary floating point turns 59.9 into 5989.999999…; anything further off than that was a real extra decimal.
  if (Math.abs(scaled - rounded) > 1e-6 * Math.max(1, Math.abs(scaled))) return undefined;
  if (!Number.isSafeInteger(rounded)) return undefined;
  return rounded;
}

export function fromMinorUnits(minor: number, currency: string): number {
  const exponent = currencyExponent(currency);
  return Number((minor / 10 ** exponent).toFixed(exponent));
}
