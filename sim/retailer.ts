import { Rng } from './random.js';

/**
 * A synthetic retailer whose customers buy the way the models winback fits assume (so the truth is known):
 * - BG/NBD: while alive a customer buys at rate λ ~ Gamma(r, α) per day, modulated by weekly and yearly
 *   seasonality; after each purchase they drop out for good with probability p ~ Beta(a, b).
 * - Gamma-Gamma: order values z ~ Gamma(p, 1/ν) with ν ~ Gamma(q, 1/γ) per customer (mean γ·p/(q−1)).
 * - Category affinities ~ Dirichlet(0.6) over the categories; profiles with a consent mix, de/en locales,
 *   several time zones, some without e-mail, some reachable by post only.
 * Everything is a pure function of (config, seed).
 */
export interface RetailerConfig {
  customers: number;
  /** Days of history before the simulation starts, over which customers are acquired. */
  historyDays: number;
  /** Days simulated forward. */
  days: number;
  /** First simulated day (UTC midnight); the history lies before it. */
  start: Date;
  currency: string;
  bgnbd: { r: number; alpha: number; a: number; b: number };
  gammaGamma: { p: number; q: number; gamma: number };
  categories: readonly string[];
  /** Relative purchase intensity Monday … Sunday (normalised to mean 1). */
  weekly: readonly number[];
  /** Amplitude of the yearly cycle, peaking in mid-December. */
  yearlyAmplitude: number;
}

export const defaultRetailer = (customers: number, days: number, start: Date): RetailerConfig => ({
  customers,
  historyDays: 540,
  days,
  start,
  currency: 'EUR',
  // ≈ 8 purchases a year for the average live customer; mean dropout probability ≈ 0.12 per purchase.
  bgnbd: { r: 1.2, alpha: 55, a: 0.9, b: 6.5 },
  // mean order ≈ 36 EUR
  gammaGamma: { p: 6, q: 4, gamma: 18 },
  categories: ['coffee', 'bakery', 'dairy', 'produce', 'household', 'beauty', 'toys', 'books'],
  weekly: [0.85, 0.9, 0.95, 1.0, 1.2, 1.45, 0.65],
  yearlyAmplitude: 0.25,
});

export type Locale = 'de-DE' | 'de-AT' | 'de-CH' | 'en-GB' | 'en-US';

export interface SimCustomer {
  id: string;
  index: number;
  /** Purchases per day while alive, before seasonality. */
  lambda: number;
  /** Probability of dropping out after each purchase. */
  dropout: number;
  /** Gamma-Gamma scale: mean order value = p / nu (major units). */
  nu: number;
  affinity: number[];
  /** Day index (0 = config.start) of the first purchase; negative = during the history. */
  firstDay: number;
  /** Share of purchases made in the web shop rather than at a till. */
  onlineShare: number;
  profile: SimProfile;
}

export interface SimProfile {
  firstName: string;
  locale: Locale;
  timeZone: string;
  email?: string;
  phone?: string;
  address?: { line1: string; postalCode: string; city: string; country: string };
  consents: Partial<Record<'email' | 'sms' | 'push' | 'mail', boolean>>;
  preferredChannel?: 'email' | 'sms' | 'push' | 'mail';
}

const regions: { locale: Locale; timeZone: string; country: string; city: string; postalCode: string; weight: number }[] = [
  { locale: 'de-DE', timeZone: 'Europe/Berlin', country: 'DE', city: 'Berlin', postalCode: '10115', weight: 45 },
  { locale: 'de-DE', timeZone: 'Europe/Berlin', country: 'DE', city: 'München', postalCode: '80331', weight: 15 },
  { locale: 'de-AT', timeZone: 'Europe/Vienna', country: 'AT', city: 'Wien', postalCode: '1010', weight: 8 },
  { locale: 'de-CH', timeZone: 'Europe/Zurich', country: 'CH', city: 'Zürich', postalCode: '8001', weight: 7 },
  { locale: 'en-GB', timeZone: 'Europe/London', country: 'GB', city: 'London', postalCode: 'SW1A 1AA', weight: 15 },
  { locale: 'en-US', timeZone: 'America/New_York', country: 'US', city: 'New York', postalCode: '10001', weight: 10 },
];
const firstNames = { de: ['Anna', 'Lukas', 'Marie', 'Jonas', 'Lea', 'Felix', 'Sophie', 'Paul', 'Emma', 'Leon'], en: ['Olivia', 'Jack', 'Amelia', 'Harry', 'Isla', 'George', 'Ava', 'Noah', 'Mia', 'Oscar'] };

export const dayMs = 86_400_000;

/** Seasonal multiplier of the purchase rate on day `day` (relative to config.start): weekly × yearly. */
export function seasonality(config: RetailerConfig, day: number): number {
  const date = new Date(config.start.getTime() + day * dayMs);
  const meanWeekly = config.weekly.reduce((s, w) => s + w, 0) / 7;
  const weekly = config.weekly[(date.getUTCDay() + 6) % 7]! / meanWeekly;
  const dayOfYear = (date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / dayMs;
  const yearly = 1 + config.yearlyAmplitude * Math.cos((2 * Math.PI * (dayOfYear - 350)) / 365.25);
  return weekly * yearly;
}

/** Numeric, like loyalty card numbers, so the same id works as a Shopify customer id in webhooks. */
export function simCustomerId(index: number): string {
  return String(90_000_001 + index);
}

function profileOf(rng: Rng, index: number): SimProfile {
  const region = regions[rng.weighted(regions.map((r) => r.weight))]!;
  const firstName = rng.pick(firstNames[region.locale.startsWith('de') ? 'de' : 'en']);
  const kind = rng.uniform();
  // 5 % reachable by post only, 15 % more without e-mail (a phone, maybe), the rest with e-mail.
  const postalOnly = kind < 0.05;
  const hasEmail = kind >= 0.2;
  const hasPhone = !postalOnly && rng.chance(0.45);
  const hasAddress = postalOnly || rng.chance(0.5);
  const consents: SimProfile['consents'] = {};
  if (hasEmail) consents.email = rng.chance(0.7);
  if (hasPhone) consents.sms = rng.chance(0.4);
  if (!postalOnly && rng.chance(0.3)) consents.push = rng.chance(0.6);
  if (hasAddress) consents.mail = postalOnly || rng.chance(0.3);
  const id = simCustomerId(index);
  return {
    firstName,
    locale: region.locale,
    timeZone: region.timeZone,
    ...(hasEmail ? { email: `c${id}@example.com` } : {}),
    ...(hasPhone ? { phone: `+49151${String(1_000_000 + index).padStart(7, '0')}` } : {}),
    ...(hasAddress ? { address: { line1: `Musterstraße ${1 + (index % 120)}`, postalCode: region.postalCode, city: region.city, country: region.country } } : {}),
    consents,
    ...(postalOnly ? { preferredChannel: 'mail' as const } : hasEmail ? { preferredChannel: 'email' as const } : {}),
  };
}

function dirichlet(rng: Rng, k: number, concentration: number): number[] {
  const draws = Array.from({ length: k }, () => rng.gamma(concentration, 1));
  const total = draws.reduce((s, v) => s + v, 0);
  return draws.map((v) => v / total);
}

export function generateCustomers(config: RetailerConfig, seed: number): SimCustomer[] {
  return Array.from({ length: config.customers }, (_, index) => {
    const rng = new Rng(seed, `customer:${index}`);
    const { r, alpha, a, b } = config.bgnbd;
    const { q, gamma } = config.gammaGamma;
    return {
      id: simCustomerId(index),
      index,
      lambda: rng.gamma(r, 1 / alpha),
      dropout: rng.beta(a, b),
      nu: rng.gamma(q, 1 / gamma),
      affinity: dirichlet(rng, config.categories.length, 0.6),
      firstDay: -config.historyDays + Math.floor(rng.uniform() * config.historyDays),
      onlineShare: rng.beta(1, 3),
      profile: profileOf(rng, index),
    };
  });
}
