import { z } from 'zod';
import { BgNbdParams, fitBgNbd, TimeUnit } from './bgnbd.js';
import type { AnalyticsConfig } from './config.js';
import { fitGammaGamma, GammaGammaParams } from './gammaGamma.js';
import { rfHistogram, spendHistogram, type PartialStats } from './stats.js';

const Origin = z.enum(['fitted', 'last_good_fit']);

/** The fitted models of a run, as stored on the run and shown by GET /api/segments. */
export const Models = z.object({
  timeUnit: TimeUnit,
  bgnbd: BgNbdParams.extend({
    logLikelihood: z.number().nullable(),
    customers: z.number().int(),
    origin: Origin,
  }),
  /** γ is in minor units of the shop's currency. */
  gammaGamma: GammaGammaParams.extend({
    logLikelihood: z.number().nullable(),
    repeatBuyers: z.number().int(),
    origin: Origin,
  }),
});
export type Models = z.infer<typeof Models>;

export interface FitModelsOptions {
  timeUnit: AnalyticsConfig['timeUnit'];
  /** Models of an earlier run: warm start, and what is used when this base is too small or a fit fails. */
  lastGoodFit?: Models;
  minCustomers?: number;
  minRepeatBuyers?: number;
}

export type FitModelsResult =
  | { ok: true; models: Models; warnings: string[] }
  | { ok: false; reason: 'no_model'; message: string };

/** Fits BG/NBD and Gamma-Gamma on merged statistics, falling back per model to the last good fit. */
export function fitModels(stats: PartialStats, options: FitModelsOptions): FitModelsResult {
  const warnings: string[] = [];
  const last = options.lastGoodFit;
  const lastBg = last === undefined ? undefined : toUnit(last.bgnbd, last.timeUnit, options.timeUnit);

  let bgnbd: Models['bgnbd'] | undefined;
  const bg = fitBgNbd(rfHistogram(stats), {
    unit: options.timeUnit,
    minCustomers: options.minCustomers ?? 200,
    ...(lastBg === undefined ? {} : { start: lastBg }),
  });
  if (bg.ok) {
    bgnbd = { ...bg.fit.params, logLikelihood: bg.fit.logLikelihood, customers: bg.fit.customers, origin: 'fitted' };
  } else if (lastBg !== undefined && last !== undefined) {
    warnings.push(`BG/NBD: ${bg.reason} (${bg.message}); using the last good fit`);
    bgnbd = { ...lastBg, logLikelihood: null, customers: last.bgnbd.customers, origin: 'last_good_fit' };
  } else {
    return { ok: false, reason: 'no_model', message: `BG/NBD: ${bg.reason} (${bg.message}) and no last good fit` };
  }

  let gammaGamma: Models['gammaGamma'] | undefined;
  const lastGg = last?.gammaGamma;
  const gg = fitGammaGamma(spendHistogram(stats), {
    minRepeatBuyers: options.minRepeatBuyers ?? 50,
    ...(lastGg === undefined ? {} : { start: { p: lastGg.p, q: lastGg.q, gamma: lastGg.gamma } }),
  });
  // q ≤ 1 leaves the population mean spend undefined; such a fit cannot price new customers.
  if (gg.ok && gg.fit.params.q > 1) {
    gammaGamma = { ...gg.fit.params, logLikelihood: gg.fit.logLikelihood, repeatBuyers: gg.fit.customers, origin: 'fitted' };
  } else if (lastGg !== undefined) {
    const why = gg.ok ? `q = ${gg.fit.params.q} ≤ 1` : `${gg.reason} (${gg.message})`;
    warnings.push(`Gamma-Gamma: ${why}; using the last good fit`);
    gammaGamma = { ...lastGg, logLikelihood: null, origin: 'last_good_fit' };
  } else {
    const why = gg.ok ? `q = ${gg.fit.params.q} ≤ 1` : `${gg.reason} (${gg.message})`;
    return { ok: false, reason: 'no_model', message: `Gamma-Gamma: ${why} and no last good fit` };
  }
  return { ok: true, models: { timeUnit: options.timeUnit, bgnbd, gammaGamma }, warnings };
}

/** α is a time scale: converting between units rescales it; r, a, b are unit-free. */
export function toUnit(p: BgNbdParams, from: TimeUnit, to: TimeUnit): BgNbdParams {
  const factor = { day: 1, week: 7 }[from] / { day: 1, week: 7 }[to];
  return { r: p.r, alpha: p.alpha * factor, a: p.a, b: p.b };
}
