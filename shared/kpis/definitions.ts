import { winsorPercentile } from './stats/compare.js';
import { sequentialTuning } from './stats/sequential.js';
import { srmThreshold } from './stats/srm.js';

/** Every figure of a KPI answer in words, with its formula, so nobody guesses. */
export const definitions = {
  enrolled: { text: 'Customers who entered the journey in the selected entry days (each enrollment once).', formula: 'count(enrollments)' },
  messaged: {
    text: 'Enrolled customers who were sent at least one message; messagedByChannel counts them per channel, messages counts the messages.',
    formula: 'count(enrollments with ≥ 1 message)',
  },
  couponsIssued: { text: 'Coupons issued to enrolled customers by the journey.', formula: 'count(distinct coupon codes issued)' },
  couponsRedeemed: { text: 'Those coupons redeemed (at any time so far); a redemption rolled back (a return) no longer counts.', formula: 'count(distinct coupon codes redeemed)' },
  redemptionRate: { text: 'Share of issued coupons that were redeemed; null when none were issued.', formula: 'couponsRedeemed ÷ couponsIssued' },
  reactivated: {
    text: 'Enrolled customers with at least one order whose first event occurred in [entry, entry + attributionDays days) and whose net amount after refunds is positive — through any channel (POS, shop, webhook), also when sent late with an earlier occurredAt.',
    formula: 'count(enrollments with an attributed order, net > 0)',
  },
  reactivationRate: { text: 'Share of enrolled customers who reactivated.', formula: 'reactivated ÷ enrolled' },
  revenue: {
    text: 'What the attributed orders brought in, as recorded (after coupon discounts at checkout), net of their refunds whenever those came; in `currency`, major units. Orders in another currency are left out and counted in checks.',
    formula: 'Σ over attributed orders of (purchase amounts − refunds)',
  },
  revenuePerEnrolled: { text: 'Revenue per enrolled customer, customers without a purchase included as 0.', formula: 'revenue ÷ enrolled' },
  discountCost: { text: 'Discounts granted by the journey’s redeemed coupons.', formula: 'Σ discount of redeemed coupons' },
  preSpendPerEnrolled: { text: 'Net spend in the 90 days before entry, per enrolled customer (the CUPED covariate, recorded at enrollment).', formula: 'Σ preSpend ÷ enrolled' },
  'comparisons.reactivation': {
    text: 'Difference in reactivation rate, arm minus `against`. fixedHorizon: Newcombe hybrid-score 95 % interval (from two Wilson intervals) and the pooled two-proportion z-test p-value. sequential: always-valid 95 % confidence sequence (safe to read every day) and its always-valid p-value.',
    formula: 'absolute = rateArm − rateAgainst; relative = absolute ÷ rateAgainst',
  },
  'comparisons.revenuePerEnrolled': {
    text: `Difference in revenue per enrolled customer, arm minus \`against\`, on revenue winsorized at the ${winsorPercentile * 100}th percentile of positive per-customer revenue pooled over all arms of the answer (rounded up to a 5 % histogram bucket edge), CUPED-adjusted on pre-period spend; Welch 95 % interval (fixedHorizon) or a confidence sequence (sequential). varianceReduction is the share of the variance of the difference that CUPED removed. ci95 is [null, null] while an arm has fewer than 2 customers.`,
    formula: 'yᵢ* = min(yᵢ, cap) − θ (xᵢ − x̄), θ = pooled within-arm Cov(x, y) ÷ Var(x); absolute = mean(y*)arm − mean(y*)against',
  },
  'comparisons.incrementalRevenueNetOfDiscount': {
    text: 'Extra revenue the arm brought in over what its customers would have spent anyway, after the coupon discounts (purchase amounts are recorded after discount): the figure to weigh against the campaign’s cost.',
    formula: 'revenuePerEnrolled.absolute × enrolled(arm), interval likewise',
  },
  'comparisons.incrementalRevenue': {
    text: 'The same before coupon discounts: extra basket value the arm produced.',
    formula: 'incrementalRevenueNetOfDiscount + (discountCost(arm) ÷ enrolled(arm) − discountCost(against) ÷ enrolled(against)) × enrolled(arm)',
  },
  'comparisons.incrementalReactivations': { text: 'Customers reactivated who would not have been without the arm.', formula: 'reactivation.absolute × enrolled(arm)' },
  'checks.sampleRatio': {
    text: `Pearson χ² test of the enrolled counts per arm against the configured split of each version; mismatch when p < ${srmThreshold}, in which case the assignment or the event flow is broken and no comparison should be trusted.`,
    formula: 'χ² = Σ (observed − expected)² ÷ expected, df = arms − 1',
  },
  'checks.power': {
    text: 'Minimum detectable effect at the current group sizes (two-sided α = 0.05, 80 % power, fixed horizon) and whether it is at most `targetRelativeUplift` of the `against` value (powered).',
    formula: 'reactivation: Fleiss unequal-groups power; revenue: MDE = (z₀.₉₇₅ + z₀.₈) × standard error of the comparison',
  },
  'checks.openWindows': { text: 'Enrolled customers whose attribution window has not closed yet: their figures can still grow.', formula: 'count(entryDay + attributionDays + 1 > today)' },
  analysis: {
    text: `fixedHorizon intervals are valid when read once at the planned end; sequential intervals (asymptotic confidence sequences, Waudby-Smith et al. 2023, normal mixture tuned for N* = ${sequentialTuning.toLocaleString('en')}) stay valid however often they are read. Chosen per journey by the enrolled events.`,
    formula: 'sequential half-width = √(N·V) · √(2(Nρ² + 1)/(N²ρ²) · ln(√(Nρ² + 1)/α))',
  },
} as const;
