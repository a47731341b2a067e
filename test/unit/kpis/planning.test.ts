import { describe, expect, it } from 'vitest';
import { planExperiment, PowerRequest } from '../../../shared/kpis/planning.js';

const plan = (input: unknown) => planExperiment(PowerRequest.parse(input));

describe('planning an experiment', () => {
  it('the issue case: 30,000 customers, 10 % holdout, +1.2 % revenue is very likely not detectable, and says so', () => {
    const result = plan({ audience: 30_000, holdoutPercent: 10, revenue: { mean: 40, sd: 120, currency: 'EUR', expectedUpliftPercent: 1.2 } });
    expect(result.groups).toEqual({ treatment: 27_000, control: 3_000 });
    expect(result.revenue!.underpowered).toBe(true);
    expect(result.revenue!.verdict).toBe('veryLikelyNotDetectable');
    expect(result.revenue!.powerAtExpectedUplift).toBeLessThan(0.1);
    expect(result.revenue!.minimumDetectableEffectRelative).toBeGreaterThan(0.1);
    expect(result.revenue!.holdoutPercentNeeded).toBeNull();
    expect(result.message).toMatch(/very likely not detectable/);
    expect(result.message).toMatch(/Even a 50 % holdout would not be enough/);
    expect(result.underpowered).toBe(true);
  });

  it('agrees with the textbook two-proportion sample size within 1 %: 686 per group detect 10 % → 15 %', () => {
    const result = plan({ audience: 1372, holdoutPercent: 50, baseRate: 0.1, expectedUplift: 0.05 });
    const r = result.reactivation!;
    expect(Math.abs(r.minimumDetectableEffect! - 0.05) / 0.05).toBeLessThan(0.01);
    expect(Math.abs(r.powerAtExpectedUplift - 0.8)).toBeLessThan(0.01);
    expect(Math.abs(r.audienceNeeded! - 1372) / 1372).toBeLessThan(0.01);
    expect(r.underpowered).toBe(false);
  });

  it('a powered plan says so and names the smaller holdout that would do', () => {
    const result = plan({ audience: 200_000, holdoutPercent: 20, baseRate: 0.033, expectedUplift: 0.01 });
    expect(result.reactivation!.underpowered).toBe(false);
    expect(result.reactivation!.holdoutPercentNeeded!).toBeLessThan(20);
    expect(result.reactivation!.message).toMatch(/the test is powered\. A holdout of [\d.]+ % would already be enough\./);
  });

  it('an uplift that is missed more often than not recommends a holdout or audience', () => {
    const result = plan({ audience: 30_000, holdoutPercent: 10, baseRate: 0.033, expectedUplift: 0.006 });
    expect(result.reactivation!.underpowered).toBe(true);
    expect(result.reactivation!.message).toMatch(/customers\.$/);
  });

  it.each([
    [{ audience: 1000, holdoutPercent: 10 }, '/baseRate'],
    [{ audience: 1000, holdoutPercent: 10, baseRate: 0.1 }, '/expectedUplift'],
    [{ audience: 1000, holdoutPercent: 0, baseRate: 0.1, expectedUplift: 0.01 }, '/holdoutPercent'],
    [{ audience: 1000, holdoutPercent: 10, baseRate: 0.95, expectedUplift: 0.1 }, '/expectedUplift'],
    [{ audience: 1000, holdoutPercent: 10, revenue: { mean: 10, sd: 5 } }, '/revenue/expectedUplift'],
    [{ audience: 1000, holdoutPercent: 10, revenue: { mean: 10, sd: 5, expectedUplift: 1, currency: 'XYZ' } }, '/revenue/currency'],
    [{ audience: 1000, holdoutPercent: 10, baseRate: 0.1, expectedUplift: 0.01, extra: 1 }, '/extra'],
  ])('rejects %j naming %s', (input, pointer) => {
    const parsed = PowerRequest.safeParse(input);
    expect(parsed.success).toBe(false);
    const paths = parsed.error!.issues.map((i) => '/' + [...i.path, ...('keys' in i ? (i.keys as string[]) : [])].join('/'));
    expect(paths).toContain(pointer);
  });
});
