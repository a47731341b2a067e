import { describe, expect, it } from 'vitest';
import { assignArm } from '../../../shared/journeys/enrollment.js';

const ids = Array.from({ length: 100_000 }, (_, i) => `cust-${i}`);

describe('holdout and arm assignment', () => {
  it.each([10, 25, 3])('puts %i % ± 1 percentage point of 100,000 customers in the holdout', (holdoutPercent) => {
    const experiment = { holdoutPercent, arms: [{ name: 'a', weight: 1, steps: [] }] };
    const holdout = ids.filter((id) => assignArm(id, 'winback-default', experiment).holdout).length;
    expect(Math.abs((holdout / ids.length) * 100 - holdoutPercent)).toBeLessThan(1);
  });

  it('splits the rest by weight (message only : message + coupon = 1 : 3)', () => {
    const experiment = { holdoutPercent: 10, arms: [{ name: 'message', weight: 1, steps: [] }, { name: 'coupon', weight: 3, steps: [] }] };
    const counts = { control: 0, message: 0, coupon: 0 } as Record<string, number>;
    for (const id of ids) counts[assignArm(id, 'j', experiment).arm]!++;
    const treated = counts['message']! + counts['coupon']!;
    expect(Math.abs(counts['coupon']! / treated - 0.75)).toBeLessThan(0.01);
  });

  it('is stable: the same customer and journey land in the same place on every call and every version', () => {
    const v1 = { holdoutPercent: 10, arms: [{ name: 'a', weight: 1, steps: [] }, { name: 'b', weight: 1, steps: [] }] };
    const v2 = { holdoutPercent: 10, arms: [{ name: 'a', weight: 1, steps: [] }, { name: 'b', weight: 3, steps: [] }] };
    for (const id of ids.slice(0, 2000)) {
      const first = assignArm(id, 'j', v1);
      expect(assignArm(id, 'j', v1)).toEqual(first);
      // Re-weighting the arms never moves anyone into or out of the holdout.
      expect(assignArm(id, 'j', v2).holdout).toBe(first.holdout);
    }
  });

  it('differs between journeys (independent holdouts)', () => {
    const experiment = { holdoutPercent: 10, arms: [{ name: 'a', weight: 1, steps: [] }] };
    const both = ids.filter((id) => assignArm(id, 'j1', experiment).holdout && assignArm(id, 'j2', experiment).holdout).length;
    expect(both / ids.length).toBeGreaterThan(0.005);
    expect(both / ids.length).toBeLessThan(0.015);
  });
});
