import { z } from 'zod';

/**
 * Segments are data: an ordered list of rules over the computed per-customer fields. The first rule whose
 * condition holds names the segment; the last rule has no condition and catches everyone else, so every
 * customer lands in exactly one segment. Users change segmentation by editing JSON, not code.
 */
export const numericSegmentFields = [
  'recencyScore',
  'frequencyScore',
  'monetaryScore',
  'pAlive',
  'expectedPurchases90d',
  'expectedAovMinor',
  'clv12mMinor',
  'daysSinceLastPurchase',
  'daysSinceFirstPurchase',
  'purchaseDays',
  'repeatPurchases',
  'typicalIntervalDays',
  'overdueRatio',
  'totalSpendMinor',
  'couponUsageRate',
  // From delivery reports (shared/channels/engagement.ts), null until the first delivered e-mail / coupon:
  // opened or clicked ÷ delivered e-mails, and coupons redeemed ÷ received.
  'engagementRate',
  'couponRedemptionRate',
] as const;
export const booleanSegmentFields = ['churnRisk'] as const;

export const SegmentField = z.enum([...numericSegmentFields, ...booleanSegmentFields]);
export type SegmentField = z.infer<typeof SegmentField>;

/**
 * The values rules see. `typicalIntervalDays` and `overdueRatio` are null for customers with a single
 * purchase day; any comparison with null is false (as in SQL), so `neq` does not match them either.
 */
export type SegmentFields = { [K in (typeof numericSegmentFields)[number]]: number | null } & {
  [K in (typeof booleanSegmentFields)[number]]: boolean;
};

export const Comparison = z.strictObject({
  field: SegmentField,
  op: z.enum(['lt', 'lte', 'gt', 'gte', 'eq', 'neq']),
  value: z.union([z.number(), z.boolean()]),
});
export type Comparison = z.infer<typeof Comparison>;

export type Condition = Comparison | { all: Condition[] } | { any: Condition[] } | { not: Condition };
export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    Comparison,
    z.strictObject({ all: z.array(Condition) }),
    z.strictObject({ any: z.array(Condition) }),
    z.strictObject({ not: Condition }),
  ]),
);

/** Whether any rule compares one of `fields` (segmentation reads the customer documents only when rules need them). */
export function rulesUse(rules: readonly { when?: Condition | undefined }[], fields: readonly SegmentField[]): boolean {
  const uses = (c: Condition): boolean =>
    'field' in c ? fields.includes(c.field) : 'all' in c ? c.all.some(uses) : 'any' in c ? c.any.some(uses) : uses(c.not);
  return rules.some((rule) => rule.when !== undefined && uses(rule.when));
}

export const SegmentRule = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'snake_case, at most 64 characters'),
  description: z.string().max(500).optional(),
  /** Absent only on the last rule, the catch-all. */
  when: Condition.optional(),
});
export type SegmentRule = z.infer<typeof SegmentRule>;

export const SegmentRules = z
  .array(SegmentRule)
  .min(1)
  .max(64)
  .superRefine((rules, ctx) => {
    const seen = new Set<string>();
    rules.forEach((rule, i) => {
      if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate segment ${rule.name}` });
      seen.add(rule.name);
      const last = i === rules.length - 1;
      if (last && rule.when !== undefined) {
        ctx.addIssue({ code: 'custom', path: [i, 'when'], message: 'the last rule is the catch-all: leave out "when"' });
      }
      if (!last && rule.when === undefined) {
        ctx.addIssue({ code: 'custom', path: [i, 'when'], message: 'only the last rule may omit "when"' });
      }
      if (rule.when !== undefined) checkTypes(rule.when, [i, 'when'], ctx);
    });
  });
export type SegmentRules = z.infer<typeof SegmentRules>;

function checkTypes(c: Condition, path: (string | number)[], ctx: z.RefinementCtx): void {
  if ('all' in c) c.all.forEach((d, i) => checkTypes(d, [...path, 'all', i], ctx));
  else if ('any' in c) c.any.forEach((d, i) => checkTypes(d, [...path, 'any', i], ctx));
  else if ('not' in c) checkTypes(c.not, [...path, 'not'], ctx);
  else {
    const isBoolean = (booleanSegmentFields as readonly string[]).includes(c.field);
    if (isBoolean && (typeof c.value !== 'boolean' || (c.op !== 'eq' && c.op !== 'neq'))) {
      ctx.addIssue({ code: 'custom', path, message: `${c.field} is true/false: use eq or neq with a boolean` });
    }
    if (!isBoolean && typeof c.value !== 'number') {
      ctx.addIssue({ code: 'custom', path, message: `${c.field} is a number: compare it with a number` });
    }
  }
}

export function evaluateCondition(c: Condition, f: SegmentFields): boolean {
  if ('all' in c) return c.all.every((d) => evaluateCondition(d, f));
  if ('any' in c) return c.any.some((d) => evaluateCondition(d, f));
  if ('not' in c) return !evaluateCondition(c.not, f);
  const v = f[c.field];
  if (v === null) return false;
  switch (c.op) {
    case 'eq':
      return v === c.value;
    case 'neq':
      return v !== c.value;
    case 'lt':
      return v < c.value;
    case 'lte':
      return v <= c.value;
    case 'gt':
      return v > c.value;
    case 'gte':
      return v >= c.value;
  }
}

type Compiled = (f: SegmentFields) => boolean;

function compile(c: Condition): Compiled {
  if ('all' in c) {
    const parts = c.all.map(compile);
    return (f) => {
      for (const p of parts) if (!p(f)) return false;
      return true;
    };
  }
  if ('any' in c) {
    const parts = c.any.map(compile);
    return (f) => {
      for (const p of parts) if (p(f)) return true;
      return false;
    };
  }
  if ('not' in c) {
    const inner = compile(c.not);
    return (f) => !inner(f);
  }
  const { field, value } = c;
  switch (c.op) {
    case 'eq':
      return (f) => f[field] !== null && f[field] === value;
    case 'neq':
      return (f) => f[field] !== null && f[field] !== value;
    case 'lt':
      return (f) => f[field] !== null && f[field] < value;
    case 'lte':
      return (f) => f[field] !== null && f[field] <= value;
    case 'gt':
      return (f) => f[field] !== null && f[field] > value;
    case 'gte':
      return (f) => f[field] !== null && f[field] >= value;
  }
}

/** Rules turned into closures once per rule list: scoring a million customers evaluates them a million times. */
const compiled = new WeakMap<SegmentRules, Compiled[]>();

/** Index of the segment a customer falls in: the first matching rule, else the catch-all. */
export function assignSegmentIndex(f: SegmentFields, rules: SegmentRules): number {
  let tests = compiled.get(rules);
  if (tests === undefined) {
    tests = rules.slice(0, -1).map((rule) => (rule.when === undefined ? () => false : compile(rule.when)));
    compiled.set(rules, tests);
  }
  for (let i = 0; i < tests.length; i++) if (tests[i]!(f)) return i;
  return rules.length - 1;
}

export function assignSegment(f: SegmentFields, rules: SegmentRules): string {
  return rules[assignSegmentIndex(f, rules)]!.name;
}

const cmp = (field: SegmentField, op: Comparison['op'], value: number | boolean): Comparison => ({ field, op, value });

/**
 * Defaults for grocery-like frequent retail, times in days. Order matters: the first match wins.
 */
export const defaultSegmentRules: SegmentRules = [
  {
    name: 'champions',
    description: 'Bought recently, often and much, and not at risk',
    when: {
      all: [
        cmp('recencyScore', 'gte', 4),
        cmp('frequencyScore', 'gte', 4),
        cmp('monetaryScore', 'gte', 4),
        cmp('churnRisk', 'eq', false),
      ],
    },
  },
  {
    name: 'new',
    description: 'First purchase within the last 30 days',
    when: cmp('daysSinceFirstPurchase', 'lte', 30),
  },
  {
    name: 'lost',
    description: 'Almost certainly gone: P(alive) below 10 % or no purchase for half a year',
    when: { any: [cmp('pAlive', 'lt', 0.1), cmp('daysSinceLastPurchase', 'gt', 180)] },
  },
  {
    name: 'cant_lose',
    description: 'High-value, frequent customers showing churn risk',
    when: { all: [cmp('monetaryScore', 'gte', 4), cmp('frequencyScore', 'gte', 4), cmp('churnRisk', 'eq', true)] },
  },
  {
    name: 'at_risk',
    description: 'Used to buy regularly; activity declining or P(alive) falling',
    when: {
      all: [cmp('frequencyScore', 'gte', 3), { any: [cmp('churnRisk', 'eq', true), cmp('pAlive', 'lt', 0.5)] }],
    },
  },
  {
    name: 'loyal',
    description: 'Frequent buyers who are still active',
    when: { all: [cmp('frequencyScore', 'gte', 4), cmp('recencyScore', 'gte', 3)] },
  },
  {
    name: 'occasional',
    description: 'Regular, but with long intervals (monthly or rarer), and on schedule',
    when: { all: [cmp('typicalIntervalDays', 'gte', 30), cmp('churnRisk', 'eq', false)] },
  },
  {
    name: 'promising',
    description: 'Recent buyers who have not become frequent yet',
    when: { all: [cmp('recencyScore', 'gte', 3), cmp('churnRisk', 'eq', false)] },
  },
  {
    name: 'hibernating',
    description: 'Everyone else: inactive for a while, low frequency, not yet lost',
  },
];
