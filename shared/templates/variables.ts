import type { Coupon } from '../coupons/coupon.js';
import { formatCode, type CouponCode } from '../coupons/code.js';
import { fromMinorUnits } from '../money.js';

/** The customer facts templates use; read from the stored customer document. */
export interface TemplateCustomer {
  firstName?: string | undefined;
  lastName?: string | undefined;
  favouriteCategory?: string | undefined;
}

const pointsWord: Record<string, string> = { de: 'Punkte', en: 'points', fr: 'points', nl: 'punten', es: 'puntos', it: 'punti' };

/** The coupon's value as a shopper reads it, in the message's locale: "10 %", "5,00 €", "200 Punkte". */
export function formatCouponValue(coupon: Pick<Coupon, 'terms'>, locale: string): string {
  const value = coupon.terms.value;
  switch (value.type) {
    case 'percent':
      return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 2 }).format(value.percent / 100);
    case 'amount':
      return formatMoney(value.amountMinor, coupon.terms.currency ?? 'EUR', locale);
    case 'points': {
      const word = pointsWord[locale.split('-')[0]!.toLowerCase()] ?? 'points';
      return `${new Intl.NumberFormat(locale).format(value.points)} ${word}`;
    }
    default: {
      const exhaustive: never = value;
      return exhaustive;
    }
  }
}

export function formatMoney(minor: number, currency: string, locale: string): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(fromMinorUnits(minor, currency));
}

/** The last day a coupon can be used, in the customer's zone ("31. Dezember 2026"). expiresAt is exclusive. */
export function formatExpiry(expiresAt: string, locale: string, timeZone: string): string {
  const lastMoment = new Date(Date.parse(expiresAt) - 1);
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone }).format(lastMoment);
}

export function templateValues(input: {
  locale: string;
  timeZone: string;
  customer: TemplateCustomer;
  coupon?: Pick<Coupon, 'code' | 'terms' | 'expiresAt'> | undefined;
  eventProperties?: Record<string, string | number | boolean> | undefined;
}): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {
    firstName: input.customer.firstName,
    lastName: input.customer.lastName,
    favouriteCategory: input.customer.favouriteCategory,
  };
  if (input.coupon) {
    values['couponCode'] = formatCode(input.coupon.code as CouponCode);
    values['couponValue'] = formatCouponValue(input.coupon, input.locale);
    values['couponExpiry'] = formatExpiry(input.coupon.expiresAt, input.locale, input.timeZone);
    const minBasket = input.coupon.terms.minBasketMinor;
    if (minBasket !== undefined && input.coupon.terms.currency) values['couponMinBasket'] = formatMoney(minBasket, input.coupon.terms.currency, input.locale);
  }
  for (const [key, value] of Object.entries(input.eventProperties ?? {})) values[`event.${key}`] = String(value);
  return values;
}
