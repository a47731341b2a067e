import { z } from 'zod';
import { TimeUnit } from './bgnbd.js';
import { isValidTimeZone } from './days.js';
import { defaultSegmentRules, SegmentRules } from './segments.js';

/**
 * Everything a retailer can tune, with defaults for grocery-like frequent retail. `AnalyticsConfig.parse({})`
 * gives the defaults; a JSON setting overrides any subset.
 */
export const AnalyticsConfig = z.object({
  /** The retailer's calendar: purchase days and asOf are local days in this IANA zone. */
  timeZone: z.string().refine(isValidTimeZone, 'not an IANA time zone').default('UTC'),
  /** Unit the models are fitted and reported in (α is per unit); predictions are the same either way. */
  timeUnit: TimeUnit.default('week'),
  fit: z
    .object({
      /** Below this many customers the BG/NBD fit is not trusted; the last good fit is used instead. */
      minCustomers: z.number().int().min(1).default(200),
      /** Below this many repeat buyers with positive spend the Gamma-Gamma fit falls back. */
      minRepeatBuyers: z.number().int().min(2).default(50),
    })
    .prefault({}),
  churn: z
    .object({
      /** At risk when P(alive) falls below this. */
      pAliveThreshold: z.number().min(0).max(1).default(0.3),
      /** …or when the days since the last purchase exceed k × the customer's own median interval… */
      intervalMultiplier: z.number().positive().default(3),
      /** …but never before this many days: a weekly shopper is not at risk after 4 quiet days. */
      floorDays: z.number().int().min(0).default(21),
      /** Customers with one purchase day have no interval of their own: overdue after this many days. */
      singlePurchaseDays: z.number().int().min(1).default(60),
    })
    .prefault({}),
  clv: z
    .object({
      monthlyDiscountRate: z.number().min(0).max(1).default(0.01),
      months: z.number().int().min(1).max(120).default(12),
      /** 365.25 / 12: a month of the CLV horizon in days. */
      daysPerMonth: z.number().positive().default(30.4375),
    })
    .prefault({}),
  /** Horizon of the `expectedPurchases90d` prediction. */
  predictionHorizonDays: z.literal(90).default(90),
  segments: SegmentRules.default(defaultSegmentRules),
});
export type AnalyticsConfig = z.infer<typeof AnalyticsConfig>;
export type AnalyticsConfigInput = z.input<typeof AnalyticsConfig>;

export const defaultAnalyticsConfig: AnalyticsConfig = AnalyticsConfig.parse({});
