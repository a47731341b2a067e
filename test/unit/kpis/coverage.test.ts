/**
 * Simulation with a known truth (fixed seeds): do the 95 % intervals cover the true effect 95 % of the time,
 * does CUPED narrow the revenue interval, and do the sequential intervals survive being read every day?
 * The measured figures are printed so the README can quote them.
 */
import { describe, expect, it } from 'vitest';
import { compareProportions, compareRevenue, revenueCap, type Analysis } from '../../../shared/kpis/stats/compare.js';
import { addToHistogram, type SpendHistogram } from '../../../shared/kpis/stats/winsor.js';
import { seededRandom, type Random } from '../../../bench/random.js';

const report = (name: string, value: number) => console.log(`coverage ${name}: ${(value * 100).toFixed(1)} %`);

/**
 * Half the customers bought in the 90 days before entry (x > 0). Whether a customer buys after entry depends on
 * that (1.6× or 0.4× the arm's rate) and on the arm; what they spend shares a latent value z with what they spent
 * before, so pre-spend predicts post-spend. E[y | arm] = rate(arm) · E[S], E[S] = 100 · e^(3.5 + 1/2) minor units.
 */
const meanSpendMinor = 100 * Math.exp(4);
function customer(random: Random, rate: number): { x: number; y: number } {
  const z = random.normal();
  const boughtBefore = random.bernoulli(0.5);
  const x = boughtBefore ? Math.round(100 * Math.exp(3.5 + 0.8 * z + 0.6 * random.normal())) : 0;
  const buys = random.bernoulli(rate * (boughtBefore ? 1.6 : 0.4));
  const y = buys ? Math.round(100 * Math.exp(3.5 + 0.8 * z + 0.6 * random.normal())) : 0;
  return { x, y };
}

describe('reactivation: Newcombe interval coverage', () => {
  it('covers the true difference in 93–97 % of 10,000 trials (3,000 customers, 10 % holdout, 5 % → 7 %)', () => {
    const random = seededRandom(20261201);
    const truth = 0.02;
    let covered = 0;
    const trials = 10_000;
    for (let trial = 0; trial < trials; trial++) {
      let xT = 0;
      let xC = 0;
      for (let i = 0; i < 2700; i++) if (random.bernoulli(0.07)) xT++;
      for (let i = 0; i < 300; i++) if (random.bernoulli(0.05)) xC++;
      const { ci95 } = compareProportions(xT, 2700, xC, 300, 'fixedHorizon');
      if (ci95[0] <= truth && truth <= ci95[1]) covered++;
    }
    report('reactivation fixed-horizon', covered / trials);
    expect(covered / trials).toBeGreaterThanOrEqual(0.93);
    expect(covered / trials).toBeLessThanOrEqual(0.97);
  });
});

function revenueTrial(random: Random, nT: number, nC: number, rateT: number, rateC: number, analysis: Analysis) {
  const t: SpendHistogram = {};
  const c: SpendHistogram = {};
  for (let i = 0; i < nT; i++) {
    const { x, y } = customer(random, rateT);
    addToHistogram(t, y, x, 1);
  }
  for (let i = 0; i < nC; i++) {
    const { x, y } = customer(random, rateC);
    addToHistogram(c, y, x, 1);
  }
  return compareRevenue(t, c, revenueCap([t, c]), analysis);
}

describe('revenue per enrolled: winsorized, CUPED-adjusted Welch interval', () => {
  it('covers the true difference in 93–97 % of 1,000 trials (4,000 customers, 20 % holdout, rate 6 % → 8 %)', () => {
    const random = seededRandom(42);
    const truth = 0.02 * meanSpendMinor;
    let covered = 0;
    let reduction = 0;
    const trials = 1000;
    for (let trial = 0; trial < trials; trial++) {
      const result = revenueTrial(random, 3200, 800, 0.08, 0.06, 'fixedHorizon');
      if (result.ci95[0] <= truth && truth <= result.ci95[1]) covered++;
      reduction += result.varianceReduction;
    }
    report('revenue fixed-horizon', covered / trials);
    console.log(`CUPED mean variance reduction: ${((reduction / trials) * 100).toFixed(1)} %`);
    expect(covered / trials).toBeGreaterThanOrEqual(0.93);
    expect(covered / trials).toBeLessThanOrEqual(0.97);
  });

  it('CUPED narrows the interval when pre-spend predicts post-spend', () => {
    const random = seededRandom(5);
    let narrower = 0;
    let ratio = 0;
    const trials = 200;
    for (let trial = 0; trial < trials; trial++) {
      const t: SpendHistogram = {};
      const c: SpendHistogram = {};
      // Regular customers: post-spend is pre-spend plus noise, the treatment adds 5 %.
      for (const [h, lift, n] of [[t, 1.05, 1000], [c, 1, 1000]] as const) {
        for (let i = 0; i < n; i++) {
          const x = Math.round(100 * Math.exp(4 + 0.5 * random.normal()));
          addToHistogram(h, Math.max(0, Math.round(x * lift + 600 * random.normal())), x, 1);
        }
      }
      const cap = revenueCap([t, c]);
      const adjusted = compareRevenue(t, c, cap, 'fixedHorizon');
      const plainWidth = plainWelchWidth(t, c, cap);
      const width = adjusted.ci95[1] - adjusted.ci95[0];
      if (width < plainWidth) narrower++;
      ratio += width / plainWidth;
    }
    console.log(`CUPED interval width ÷ plain Welch width (regular customers): ${(ratio / trials).toFixed(3)}`);
    expect(narrower).toBe(trials);
    expect(ratio / trials).toBeLessThan(0.7);
  });
});

describe('sequential intervals read every simulated day', () => {
  const days = 30;
  it('reactivation: the truth stays inside on all 30 daily reads in ≥ 95 % of 500 runs', () => {
    const random = seededRandom(99);
    const truth = 0.02;
    let always = 0;
    const runs = 500;
    for (let run = 0; run < runs; run++) {
      let nT = 0, nC = 0, xT = 0, xC = 0;
      let ok = true;
      for (let day = 0; day < days; day++) {
        for (let i = 0; i < 135; i++) (nT++, random.bernoulli(0.07) && xT++);
        for (let i = 0; i < 15; i++) (nC++, random.bernoulli(0.05) && xC++);
        const { ci95 } = compareProportions(xT, nT, xC, nC, 'sequential');
        if (!(ci95[0] <= truth && truth <= ci95[1])) ok = false;
      }
      if (ok) always++;
    }
    report('reactivation sequential, every day of 30', always / runs);
    expect(always / runs).toBeGreaterThanOrEqual(0.95);
  });

  it('revenue: the truth stays inside on all 30 daily reads in ≥ 95 % of 400 runs', () => {
    const random = seededRandom(123);
    const truth = 0.02 * meanSpendMinor;
    let always = 0;
    const runs = 400;
    for (let run = 0; run < runs; run++) {
      const t: SpendHistogram = {};
      const c: SpendHistogram = {};
      let ok = true;
      for (let day = 0; day < days; day++) {
        for (let i = 0; i < 120; i++) {
          const { x, y } = customer(random, 0.08);
          addToHistogram(t, y, x, 1);
        }
        for (let i = 0; i < 30; i++) {
          const { x, y } = customer(random, 0.06);
          addToHistogram(c, y, x, 1);
        }
        const { ci95 } = compareRevenue(t, c, revenueCap([t, c]), 'sequential');
        if (!(ci95[0] <= truth && truth <= ci95[1])) ok = false;
      }
      if (ok) always++;
    }
    report('revenue sequential, every day of 30', always / runs);
    expect(always / runs).toBeGreaterThanOrEqual(0.95);
  });
});

/** Width of the Welch interval on the same winsorized values without the covariate. */
function plainWelchWidth(t: SpendHistogram, c: SpendHistogram, cap: number | null): number {
  const noCovariate = (h: SpendHistogram): SpendHistogram =>
    Object.fromEntries(Object.entries(h).map(([k, b]) => [k, [b[0], b[1], b[2], 0, 0, 0]])) as SpendHistogram;
  const r = compareRevenue(noCovariate(t), noCovariate(c), cap, 'fixedHorizon');
  return r.ci95[1] - r.ci95[0];
}
